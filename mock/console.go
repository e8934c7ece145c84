package mock

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// The web console: one page under /__admin/ui, from files embedded in the
// binary (plain HTML, CSS and JavaScript, no library, no build step), and
// the admin routes it reads besides those of the admin API: the journal
// as a stream of server-sent events, a session's objects, and the vendors
// with their operations.

//go:embed ui
var uiFiles embed.FS

// consolePath is the page's address.
const consolePath = adminPrefix + "/ui"

// The files of the page, by name, with their media types.
var uiTypes = map[string]string{
	"index.html":  "text/html; charset=utf-8",
	"console.js":  "text/javascript; charset=utf-8",
	"console.css": "text/css; charset=utf-8",
}

// consoleCSP keeps the page to its own files: no inline script, nothing
// from elsewhere, and no framing. What it shows (request bodies) is
// written as text, never as markup; this is the second line.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Bounds of the journal stream. Config.MaxStreamClients bounds the
// clients, and Config.StreamMaxBytes what one client is sent at once and
// what may wait for it (DefaultMaxStreamClients, DefaultStreamMaxBytes).
const (
	// streamBacklog is how many of the newest entries a stream starts with
	// (and sends again on a resync). Older entries, and entries past
	// StreamMaxBytes, are left out of it.
	streamBacklog = 200
	// streamBuffer is how many entries may wait for a slow client; beyond
	// it (or beyond StreamMaxBytes of them) the client is sent the backlog
	// again.
	streamBuffer = 256
	// streamWriteTimeout is how long one write may wait for a client that
	// does not read; then the stream ends.
	streamWriteTimeout = 10 * time.Second
	// streamPing is how often an idle stream sends a comment, so that a
	// client (or a proxy) sees it is alive, and a gone one is noticed.
	streamPing = 15 * time.Second
	// streamResyncGap is the shortest time between two backlogs: a client
	// that cannot keep up gets one a second at most.
	streamResyncGap = time.Second
)

// Bounds of GET /__admin/objects.
const (
	defaultObjectsLimit = 100
	maxObjectsLimit     = 1000
)

// registerConsole adds the page and the console's admin routes.
func (s *Server) registerConsole(g *echo.Group) {
	// The page holds no data and no secret, and a browser cannot add the
	// admin token to a navigation: it is served to anyone who names this
	// server, and each call it makes needs the token like any other admin
	// call.
	s.echo.GET(consolePath, s.serveUI, s.adminHost)
	s.echo.GET(consolePath+"/:file", s.serveUI, s.adminHost)
	g.GET("/requests/stream", s.streamRequests)
	g.GET("/objects", s.listObjects)
	g.GET("/vendors", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"vendors": s.vendorInfos()})
	})
}

func (s *Server) serveUI(c echo.Context) error {
	name := c.Param("file")
	if name == "" {
		name = "index.html"
	}
	typ, ok := uiTypes[name]
	if !ok {
		return &plainError{Status: http.StatusNotFound, Message: fmt.Sprintf("%s/%s: no such file", consolePath, clipName(name))}
	}
	data, err := fs.ReadFile(uiFiles, path.Join("ui", name))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The page changes with the binary: always ask.
	h.Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, typ, data)
}

// VendorInfo is one vendor in GET /__admin/vendors.
type VendorInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Operations are its operationIds, in the order of its spec.
	Operations []string `json:"operations"`
}

func (s *Server) vendorInfos() []VendorInfo {
	ops := s.operationsByVendor()
	out := make([]VendorInfo, 0, len(s.vendors))
	for _, v := range s.vendors {
		out = append(out, VendorInfo{ID: v.ID(), Name: v.Name(), Operations: append([]string{}, ops[v.ID()]...)})
	}
	return out
}

// VendorObjects is one vendor in GET /__admin/objects.
type VendorObjects struct {
	Vendor string `json:"vendor"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	// Count is how many the session holds; Objects are the first of them.
	Count   int               `json:"count"`
	Objects []json.RawMessage `json:"objects"`
}

// listObjects is GET /__admin/objects?session=NAME&limit=N: a session's
// objects in every vendor (no session, or an empty one: the default).
func (s *Server) listObjects(c echo.Context) error {
	name := c.QueryParam("session")
	if name != "" && !sessionNameRE.MatchString(name) {
		return &plainError{Status: http.StatusBadRequest, Message: fmt.Sprintf("session: %q is not a session name (1 to 64 characters of A-Z a-z 0-9 . _ -)", clipName(name))}
	}
	limit := defaultObjectsLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxObjectsLimit {
			return &plainError{Status: http.StatusBadRequest, Message: fmt.Sprintf("limit: must be a whole number from 0 to %d", maxObjectsLimit)}
		}
		limit = n
	}
	out := []VendorObjects{}
	for _, v := range s.vendors {
		kind, total, objs := v.Objects(name, limit)
		if kind == "" {
			continue // a vendor that keeps no objects: the proxy's
		}
		if objs == nil {
			objs = []json.RawMessage{}
		}
		out = append(out, VendorObjects{Vendor: v.ID(), Name: v.Name(), Kind: kind, Count: total, Objects: objs})
	}
	return c.JSON(http.StatusOK, map[string]any{"session": name, "vendors": out})
}

// streamMessage is a journal Message as the stream sends it: a JSON body
// as a string holding its text, so that a browser shows it token for
// token (JavaScript's JSON.parse would round a number beyond 2^53, and
// reorder keys that look like indexes).
type streamMessage struct {
	Header    http.Header `json:"header,omitempty"`
	Body      string      `json:"body,omitempty"`
	BodyText  string      `json:"body_text,omitempty"`
	BodyBytes int64       `json:"body_bytes"`
}

type streamEntry struct {
	Entry
	Request  streamMessage `json:"request"`
	Response streamMessage `json:"response"`
}

func streamMessageOf(m Message) streamMessage {
	return streamMessage{Header: m.Header, Body: string(m.Body), BodyText: m.BodyText, BodyBytes: m.BodyBytes}
}

func marshalStreamEntry(e Entry) ([]byte, error) {
	return json.Marshal(streamEntry{Entry: e, Request: streamMessageOf(e.Request), Response: streamMessageOf(e.Response)})
}

// streamEntryJSON is an entry as the stream sends it, in at most maxBytes:
// an entry larger than that (its bodies, up to the journal's cut) is sent
// with each body replaced by a note saying where to read it.
func streamEntryJSON(e journalEntry, maxBytes int) ([]byte, error) {
	// The bodies are most of an entry: one over the bound as stored is
	// over it as JSON too, and is not encoded whole to find out.
	if e.bytes <= int64(maxBytes) {
		b, err := marshalStreamEntry(e.Entry)
		if err != nil || len(b) <= maxBytes {
			return b, err
		}
	}
	out := e.Entry
	for _, m := range []*Message{&out.Request, &out.Response} {
		if m.Body != nil || m.BodyText != "" {
			m.Body = nil
			m.BodyText = fmt.Sprintf("[repomock: body left out of the stream (--stream-max-bytes); GET %s/requests has it while the journal keeps entry %d]", adminPrefix, e.ID)
		}
	}
	return marshalStreamEntry(out)
}

// streamRequests is GET /__admin/requests/stream: the journal as
// server-sent events. It starts with a "backlog" event, the newest
// entries newest first ({"entries": […]}), then sends an "entry" event
// for each new one. When the client falls behind, or the journal drops
// entries (a reset), it sends a new backlog, which replaces all the
// client has. Vendor requests never wait for it.
//
// At most Config.MaxStreamClients streams run at once: one more gets 503.
// What one holds is bounded by Config.StreamMaxBytes: its backlog, each
// entry it sends (bodies left out past it), and the entries waiting for it.
func (s *Server) streamRequests(c echo.Context) error {
	if n := s.streams.Add(1); n > int64(s.cfg.MaxStreamClients) {
		s.streams.Add(-1)
		return &plainError{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf(
			"the journal stream has %d clients, the most --max-stream-clients allows: close one (a console tab), read the journal with GET %s/requests, or raise the limit", s.cfg.MaxStreamClients, adminPrefix)}
	}
	defer s.streams.Add(-1)
	maxBytes := int(s.cfg.StreamMaxBytes)
	sub := s.journal.subscribe(streamBuffer, s.cfg.StreamMaxBytes)
	defer s.journal.unsubscribe(sub)
	w := c.Response()
	rc := http.NewResponseController(w)
	// The server's read timeout would end the request after a minute: a
	// stream has nothing more to read, and a client that leaves is seen
	// by the read that net/http keeps open.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-store")
	w.WriteHeader(http.StatusOK)

	// put writes part of a frame: a client that reads nothing holds one
	// part (at most one entry), never a whole backlog.
	put := func(part []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		_, err := w.Write(part)
		return err
	}
	// write sends a whole frame.
	write := func(parts ...[]byte) error {
		for _, p := range parts {
			if err := put(p); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	var (
		last        uint64 // the newest entry the client has, or knows gone
		lastBacklog time.Time
	)
	// backlog sends the newest entries, up to maxBytes of them, one by one.
	backlog := func() error {
		entries, newest := s.journal.latest(streamBacklog)
		if err := put([]byte(`event: backlog` + "\n" + `data: {"entries":[`)); err != nil {
			return err
		}
		sent := 0
		for i, e := range entries {
			b, err := streamEntryJSON(e, maxBytes)
			if err != nil {
				return err
			}
			if i > 0 && sent+len(b) > maxBytes {
				break
			}
			if i > 0 {
				if err := put([]byte{','}); err != nil {
					return err
				}
			}
			if err := put(b); err != nil {
				return err
			}
			sent += len(b) + 1
		}
		last, lastBacklog = newest, time.Now()
		return write([]byte("]}\n\n"))
	}
	if err := backlog(); err != nil {
		return nil // the client left; nothing to answer
	}
	ctx := c.Request().Context()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case <-sub.done:
			return nil
		case e := <-sub.entries:
			sub.taken(e)
			if e.ID <= last {
				continue // in the backlog already
			}
			last = e.ID
			var b []byte
			if b, err = streamEntryJSON(e, maxBytes); err == nil {
				// b is JSON, on one line.
				err = write([]byte("event: entry\ndata: "), b, []byte("\n\n"))
			}
		case <-sub.resync:
			if wait := time.Until(lastBacklog.Add(streamResyncGap)); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return nil
				case <-sub.done:
					t.Stop()
					return nil
				}
			}
			err = backlog()
		case <-ping.C:
			err = write([]byte(": ping\n\n"))
		}
		if err != nil {
			s.log.Debug("journal stream ended", "err", err)
			return nil
		}
	}
}

package journal

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
)

// Streaming bounds the journal stream (GET /__admin/requests/stream).
type Streaming struct {
	// MaxClients bounds the clients at once; one more gets 503.
	MaxClients int
	// MaxBytes bounds what one client is sent at once and held for it:
	// its backlog (older entries left out), each entry (bodies left out
	// past it), and the entries waiting for a slow client (past it, the
	// client is sent the backlog again).
	MaxBytes int64
	// Log receives why a stream ended.
	Log *slog.Logger
}

// Handlers are the journal's routes of the admin API, by operationId
// (specs/admin.yaml): GET /requests, the journal filtered, and GET
// /requests/stream, the journal as it comes (for the console).
func (j *Journal) Handlers(st Streaming) map[string]pipeline.Handler {
	var streams atomic.Int64 // streams running
	return map[string]pipeline.Handler{
		"listRequests": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			return http.StatusOK, struct {
				Requests []Entry `json:"requests"`
			}{j.Find(requestFilter(in.Query))}, nil
		},
		"streamRequests": func(c echo.Context, _ pipeline.Request) (int, any, error) {
			s, err := j.stream(c, st, &streams)
			return http.StatusOK, s, err
		},
	}
}

// requestFilter reads the journal filter of GET /__admin/requests, which
// the spec has checked: session (present and empty: the default session),
// vendor, operation, status and limit (whole numbers, of 0 or more).
func requestFilter(q url.Values) Filter {
	f := Filter{Vendor: q.Get("vendor"), Operation: q.Get("operation")}
	if q.Has("session") {
		name := q.Get("session")
		f.Session = &name
	}
	f.Status, _ = strconv.Atoi(q.Get("status"))
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	return f
}

// Bounds of the journal stream. Streaming.MaxClients bounds the clients,
// and Streaming.MaxBytes what one client is sent at once and what may wait
// for it.
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
func streamEntryJSON(e held, maxBytes int) ([]byte, error) {
	// The bodies are most of an entry: one over the bound as stored is
	// over it as JSON too, and is not encoded whole to find out.
	out := e.entry()
	if e.bytes <= int64(maxBytes) {
		b, err := marshalStreamEntry(out)
		if err != nil || len(b) <= maxBytes {
			return b, err
		}
	}
	for _, m := range []*Message{&out.Request, &out.Response} {
		if m.Body != nil || m.BodyText != "" {
			m.Body = nil
			m.BodyText = fmt.Sprintf("[repomock: body left out of the stream (--stream-max-bytes); GET %s/requests has it while the journal keeps entry %d]", admin.Prefix, e.ID)
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
func (j *Journal) stream(c echo.Context, st Streaming, streams *atomic.Int64) (*pipeline.Stream, error) {
	if n := streams.Add(1); n > int64(st.MaxClients) {
		streams.Add(-1)
		return nil, &admin.Error{Status: http.StatusServiceUnavailable, Message: fmt.Sprintf(
			"the journal stream has %d clients, the most --max-stream-clients allows: close one (a console tab), read the journal with GET %s/requests, or raise the limit", st.MaxClients, admin.Prefix)}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-store")
	return &pipeline.Stream{
		Send: func() error {
			defer streams.Add(-1)
			j.send(c, st)
			return nil
		},
		Drop: func() { streams.Add(-1) },
	}, nil
}

// send sends the stream, its status and headers written: the backlog,
// then each entry, until the client or the server goes.
func (j *Journal) send(c echo.Context, st Streaming) {
	maxBytes := int(st.MaxBytes)
	sub := j.subscribe(streamBuffer, st.MaxBytes)
	defer j.unsubscribe(sub)
	w := c.Response()
	rc := http.NewResponseController(w)
	// The server's read timeout would end the request after a minute: a
	// stream has nothing more to read, and a client that leaves is seen
	// by the read that net/http keeps open.
	_ = rc.SetReadDeadline(time.Time{})

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
		entries, newest := j.latest(streamBacklog)
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
		return // the client left; nothing to answer
	}
	ctx := c.Request().Context()
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-sub.done:
			return
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
					return
				case <-sub.done:
					t.Stop()
					return
				}
			}
			err = backlog()
		case <-ping.C:
			err = write([]byte(": ping\n\n"))
		}
		if err != nil {
			st.Log.Debug("journal stream ended", "err", err)
			return
		}
	}
}

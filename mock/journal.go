package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/openapi"
)

// DefaultJournalMaxBytes bounds the journal's bodies and headers, all
// entries together.
const DefaultJournalMaxBytes = 64 << 20

// Entry is one request in the journal, with its answer. Credentials never
// reach it: the headers that carry them and the token-like fields of the
// bodies are redacted.
type Entry struct {
	// ID numbers the requests in the order they arrived, from 1.
	ID      uint64    `json:"id"`
	Time    time.Time `json:"time"`
	Session string    `json:"session"`
	// Vendor is the id of the vendor the request was for, when known.
	Vendor string `json:"vendor,omitempty"`
	Method string `json:"method"`
	// Path is the vendor path, without a session prefix.
	Path        string `json:"path"`
	Query       string `json:"query,omitempty"`
	Status      int    `json:"status"`
	OperationID string `json:"operation_id,omitempty"`
	// Verdict is "valid" (request and answer meet the spec), "invalid"
	// (see Violations), "unrouted" (no operation matched), or "skipped"
	// (a fault or Prefer answered before the request was validated).
	Verdict    string   `json:"verdict"`
	Violations []string `json:"violations,omitempty"`
	// Fault is the id of the fault that answered, if one did. A reset
	// leaves Status 0.
	Fault      string  `json:"fault,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	Request    Message `json:"request"`
	Response   Message `json:"response"`
}

// Message is a request or an answer as the journal keeps it.
type Message struct {
	Header http.Header `json:"header,omitempty"`
	// Body is the body when it is whole JSON; BodyText holds any other
	// body, and a body cut at the journal's per-body limit, which ends
	// with a marker saying so.
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText string          `json:"body_text,omitempty"`
	// BodyBytes is the size of the whole body.
	BodyBytes int64 `json:"body_bytes"`
}

// The verdicts of an Entry.
const (
	VerdictValid    = "valid"
	VerdictInvalid  = "invalid"
	VerdictUnrouted = "unrouted"
	VerdictSkipped  = "skipped"
)

// journal keeps the last requests, at most size of them and at most
// maxBytes of their bodies and headers.
type journal struct {
	mu       sync.Mutex
	size     int
	maxBytes int64
	bodyCut  int // each body is kept up to this many bytes
	lastID   uint64
	entries  []journalEntry // oldest first
	bytes    int64
	subs     map[*subscriber]struct{}
	closed   bool // the server is shutting down: no new subscriber
}

type journalEntry struct {
	Entry
	bytes int64
}

// newJournal keeps up to size entries and maxBytes; each body is cut at a
// sixteenth of maxBytes, 1 MiB at most, so that one request never fills it.
func newJournal(size int, maxBytes int64) *journal {
	cut := min(maxBytes/16, 1<<20)
	return &journal{size: size, maxBytes: maxBytes, bodyCut: int(max(cut, 256))}
}

func (j *journal) add(e Entry) {
	n := e.Request.bytes() + e.Response.bytes() + int64(len(e.Path)+len(e.Query)+len(e.Session)) + 256
	for _, v := range e.Violations {
		n += int64(len(v))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	j.entries = append(j.entries, journalEntry{e, n})
	j.bytes += n
	for sub := range j.subs {
		sub.offer(journalEntry{e, n})
	}
	for len(j.entries) > j.size || (j.bytes > j.maxBytes && len(j.entries) > 1) {
		j.bytes -= j.entries[0].bytes
		j.entries[0] = journalEntry{} // let the bodies go
		j.entries = j.entries[1:]
	}
}

func (m Message) bytes() int64 {
	n := int64(len(m.Body) + len(m.BodyText))
	for k, vs := range m.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v))
		}
	}
	return n
}

// Filter selects journal entries; the zero value selects all.
type Filter struct {
	// Session, when not nil, selects one session ("" the default one).
	Session   *string
	Vendor    string
	Operation string
	Status    int
	// Limit keeps the newest Limit entries; 0 keeps all.
	Limit int
}

func (f Filter) match(e *Entry) bool {
	return (f.Session == nil || *f.Session == e.Session) &&
		(f.Vendor == "" || f.Vendor == e.Vendor) &&
		(f.Operation == "" || f.Operation == e.OperationID) &&
		(f.Status == 0 || f.Status == e.Status)
}

// find returns the entries f selects, newest first.
func (j *journal) find(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.findLocked(f)
}

func (j *journal) findLocked(f Filter) []Entry {
	out := []Entry{}
	for i := len(j.entries) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
		if e := &j.entries[i].Entry; f.match(e) {
			out = append(out, *e)
		}
	}
	return out
}

func (j *journal) countBySession() map[string]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]int{}
	for i := range j.entries {
		out[j.entries[i].Session]++
	}
	return out
}

func (j *journal) dropSession(name string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := j.entries[:0]
	for _, e := range j.entries {
		if e.Session == name {
			j.bytes -= e.bytes
			continue
		}
		kept = append(kept, e)
	}
	clear(j.entries[len(kept):])
	j.entries = kept
	j.resyncAll()
}

func (j *journal) reset() {
	j.mu.Lock()
	j.entries, j.bytes = nil, 0
	j.resyncAll()
	j.mu.Unlock()
}

// A subscriber is told of every entry added to the journal, for the
// console's live view. The request path never waits for it: its buffer is
// bounded in entries and in bytes (an entry it holds keeps its bodies
// alive, even once the journal has let them go), and an entry that does
// not fit is dropped and the subscriber told to read the journal again
// (resync).
type subscriber struct {
	entries chan journalEntry
	// pending counts the bytes of the entries in the buffer, at most
	// maxPending; the reader takes off what it takes out (taken).
	pending    atomic.Int64
	maxPending int64
	// resync holds a signal when the subscriber missed entries (its buffer
	// was full) or the journal dropped some (a reset): what it has shown is
	// no longer the journal.
	resync chan struct{}
	// done is closed when the server shuts down.
	done chan struct{}
}

// offer passes e on without waiting. The journal's lock is held.
func (sub *subscriber) offer(e journalEntry) {
	// One entry always fits an empty buffer, so that a large one is sent
	// (without its bodies, when past the bound) rather than a backlog.
	if p := sub.pending.Load(); p > 0 && p+e.bytes > sub.maxPending {
		sub.signalResync()
		return
	}
	select {
	case sub.entries <- e:
		sub.pending.Add(e.bytes)
	default:
		sub.signalResync()
	}
}

// taken is called by the reader for each entry it takes from the buffer.
func (sub *subscriber) taken(e journalEntry) { sub.pending.Add(-e.bytes) }

func (sub *subscriber) signalResync() {
	select {
	case sub.resync <- struct{}{}:
	default: // one signal pending is enough
	}
}

// subscribe adds a subscriber whose buffer holds up to buffer entries and
// maxBytes of them. The caller must unsubscribe it.
func (j *journal) subscribe(buffer int, maxBytes int64) *subscriber {
	sub := &subscriber{entries: make(chan journalEntry, buffer), maxPending: maxBytes, resync: make(chan struct{}, 1), done: make(chan struct{})}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		close(sub.done)
		return sub
	}
	if j.subs == nil {
		j.subs = map[*subscriber]struct{}{}
	}
	j.subs[sub] = struct{}{}
	return sub
}

func (j *journal) unsubscribe(sub *subscriber) {
	j.mu.Lock()
	delete(j.subs, sub)
	j.mu.Unlock()
}

// resyncAll tells every subscriber that entries went. The lock is held.
func (j *journal) resyncAll() {
	for sub := range j.subs {
		sub.signalResync()
	}
}

// closeSubscribers ends every subscription, and any to come: the server
// is shutting down, and http.Server.Shutdown does not end a stream that
// never finishes by itself.
func (j *journal) closeSubscribers() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	for sub := range j.subs {
		close(sub.done)
		delete(j.subs, sub)
	}
}

// latest returns the newest limit entries, newest first, with their
// sizes, and the id of the last entry added: every entry with an id up to
// it is either among them, older, or gone.
func (j *journal) latest(limit int) ([]journalEntry, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]journalEntry, 0, min(limit, len(j.entries)))
	for i := len(j.entries) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, j.entries[i])
	}
	return out, j.lastID
}

// capture keeps the first limit bytes written to it and counts them all.
type capture struct {
	buf   bytes.Buffer
	limit int
	total int64
}

func (c *capture) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.limit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// message makes the journal's Message of a captured body.
func (c *capture) message(h http.Header) Message {
	m := Message{Header: redactHeader(h), BodyBytes: c.total}
	body := c.buf.Bytes()
	switch {
	case c.total == 0:
	case int64(len(body)) < c.total:
		m.BodyText = string(redactBody(body)) + fmt.Sprintf("…[repomock: body cut at %d of %d bytes]", len(body), c.total)
	case json.Valid(body):
		m.Body = json.RawMessage(redactBody(body))
	default:
		m.BodyText = string(redactBody(body))
	}
	return m
}

// teeWriter copies what is written to the client into a capture.
type teeWriter struct {
	http.ResponseWriter
	c *capture
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.c.Write(p)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flush, hijack).
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Headers that carry credentials, whose values the journal never keeps.
var secretHeaders = map[string]bool{
	"Authorization":          true,
	"X-Auth-Token":           true,
	"X-Repo-Auth":            true,
	"Cookie":                 true,
	"Set-Cookie":             true,
	"X-Subject-Token":        true,
	"X-Security-Token":       true,
	"Proxy-Authorization":    true,
	"X-Repomock-Admin-Token": true,
}

const redacted = "[redacted]"

// redactHeader returns h without its credentials: h itself when it has
// none (the journal keeps a request's headers once it is answered, when
// nothing changes them any more), else a copy.
func redactHeader(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	var out http.Header
	for k := range h {
		if secretHeaders[k] {
			if out == nil {
				out = maps.Clone(h)
			}
			out[k] = []string{redacted}
		}
	}
	if out == nil {
		return h
	}
	return out
}

// tokenFieldRE finds a JSON string value whose key names a credential
// (Endor's issued "token" and its API key "secret", and the like).
var tokenFieldRE = regexp.MustCompile(`(?i)("(?:token|secret|password|access_?token|refresh_?token|id_?token|api_?key|api_?secret|client_?secret|private_?token)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// tokenFieldHints are in every key tokenFieldRE finds (in its usual
// cases): a body with none of them is kept as it is, without the regexp.
var tokenFieldHints = [][]byte{[]byte(`oken"`), []byte(`OKEN"`), []byte(`ecret"`), []byte(`ECRET"`),
	[]byte(`assword"`), []byte(`ASSWORD"`), []byte(`pi_key"`), []byte(`pikey"`), []byte(`piKey"`), []byte(`PI_KEY"`)}

func redactBody(b []byte) []byte {
	for _, h := range tokenFieldHints {
		if bytes.Contains(b, h) {
			return tokenFieldRE.ReplaceAll(b, []byte(`$1"`+redacted+`"`))
		}
	}
	return b
}

// record writes every vendor request to the journal once its answer,
// error or not, has been written: its session and vendor, the bodies
// both ways (cut at the per-body limit), and the validation verdict.
func (s *Server) record(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, adminPrefix) {
			return next(c)
		}
		start := time.Now()
		reqBody := &capture{limit: s.journal.bodyCut}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(req.Body, reqBody), req.Body}
		}
		resBody := &capture{limit: s.journal.bodyCut}
		res := c.Response()
		res.Writer = &teeWriter{ResponseWriter: res.Writer, c: resBody}

		if err := next(c); err != nil {
			c.Error(err)
		}
		var vs []string
		for _, v := range openapi.Violations(c) {
			vs = append(vs, v.String())
		}
		fault, _ := c.Get(faultKey).(string)
		entry := Entry{
			Time:        s.cfg.Clock().UTC(),
			Session:     sessionOf(c),
			Method:      req.Method,
			Path:        req.URL.Path,
			Query:       req.URL.RawQuery,
			Status:      res.Status,
			OperationID: openapi.OperationID(c),
			Violations:  vs,
			Fault:       fault,
			DurationMS:  float64(time.Since(start).Microseconds()) / 1000,
			Request:     reqBody.message(req.Header),
			// A copy: the vendor's gateway may still change the headers
			// of an answer with no body (Endor's gzip step) after this.
			Response: resBody.message(maps.Clone(res.Header())),
		}
		if v := s.vendorOf(c); v != nil {
			entry.Vendor = v.ID()
		}
		switch _, preferred := c.Get(preferKey).(bool); {
		case len(vs) > 0:
			entry.Verdict = VerdictInvalid
		case fault != "" || preferred:
			entry.Verdict = VerdictSkipped
		case entry.OperationID == "":
			entry.Verdict = VerdictUnrouted
		default:
			entry.Verdict = VerdictValid
		}
		reset, _ := c.Get(resetKey).(bool)
		if reset {
			entry.Status = 0
		}
		s.journal.add(entry)
		// Like the journal, the log line holds no header and no body.
		s.log.Debug("request", "method", entry.Method, "path", entry.Path, "session", entry.Session, "status", entry.Status,
			"operation", entry.OperationID, "violations", entry.Violations, "duration_ms", entry.DurationMS)
		if reset {
			return resetConnection(c)
		}
		return nil
	}
}

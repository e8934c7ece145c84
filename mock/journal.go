package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/pipeline"
)

// DefaultJournalMaxBytes bounds the journal's bodies and headers, all
// entries together.
const DefaultJournalMaxBytes = 64 << 20

// Entry is one request in the journal, with its answer. Credentials never
// reach it: the headers that carry them and the secret fields of the
// bodies are redacted (internal/redact).
type Entry struct {
	// ID numbers the requests in the order they arrived, from 1.
	ID      uint64    `json:"id"`
	Time    time.Time `json:"time"`
	Session string    `json:"session"`
	// Vendor is the id of the vendor the request was for, when known.
	Vendor string `json:"vendor,omitempty"`
	Method string `json:"method"`
	// Path is the vendor path, without a session prefix.
	Path  string `json:"path"`
	Query string `json:"query,omitempty"`
	// IgnoredQuery names the query keys the vendor ignores (for Endor, a
	// key that is no field of the request, as grpc-gateway ignores it),
	// so that a misspelt parameter still shows.
	IgnoredQuery []string `json:"ignored_query,omitempty"`
	Status       int      `json:"status"`
	OperationID  string   `json:"operation_id,omitempty"`
	// Verdict is "valid" (request and answer meet the spec), "invalid"
	// (see Violations), "unrouted" (no operation matched), or "skipped"
	// (a fault or Prefer answered before the request was validated).
	Verdict    string   `json:"verdict"`
	Violations []string `json:"violations,omitempty"`
	// Fault is the id of the fault that answered, if one did. Status is 0
	// when the client got no answer: a reset, or a client that went
	// before its answer was ready.
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

// The verdicts of an Entry: the pipeline's (pipeline.State.Verdict).
const (
	VerdictValid    = pipeline.VerdictValid
	VerdictInvalid  = pipeline.VerdictInvalid
	VerdictUnrouted = pipeline.VerdictUnrouted
	VerdictSkipped  = pipeline.VerdictSkipped
)

// journal keeps the last requests, at most size of them and at most
// maxBytes of their bodies and headers.
type journal struct {
	mu       sync.Mutex
	size     int
	maxBytes int64
	bodyCut  int // each body is kept up to this many bytes
	keep     int // each body is read up to this many bytes, to be redacted
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
// A body is read up to maxBody bytes (the server's limit) to be redacted
// before it is cut.
func newJournal(size int, maxBytes, maxBody int64) *journal {
	cut := int(max(min(maxBytes/16, 1<<20), 256))
	return &journal{size: size, maxBytes: maxBytes, bodyCut: cut, keep: max(cut, int(min(maxBody, math.MaxInt32))+1)}
}

func (j *journal) add(e Entry) {
	n := e.Request.bytes() + e.Response.bytes() + int64(len(e.Path)+len(e.Query)+len(e.Session)) + 256
	for _, v := range e.Violations {
		n += int64(len(v))
	}
	for _, k := range e.IgnoredQuery {
		n += int64(len(k))
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

// message makes the journal's Message of a captured body and its headers:
// redacted whole with rules (credentials: the body of an operation that
// exchanges them), then cut at cut bytes.
func (c *capture) message(rules *redact.Rules, h http.Header, credentials bool, cut int) Message {
	m := Message{Header: rules.Headers(h), BodyBytes: c.total}
	if c.total == 0 {
		return m
	}
	body, isJSON := rules.Body(c.buf.Bytes(), h.Get(echo.HeaderContentType), credentials)
	switch {
	case len(body) > cut || int64(c.buf.Len()) < c.total:
		m.BodyText = string(body[:min(len(body), cut)]) + fmt.Sprintf("…[repomock: body cut at %d of %d bytes]", min(len(body), cut), c.total)
	case isJSON:
		m.Body = json.RawMessage(body)
	default:
		m.BodyText = string(body)
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

// Unwrap lets http.ResponseController reach the connection (flush, hijack,
// deadlines).
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
		// Bodies are kept whole (within the body limit) until redacted,
		// then cut: a secret across the cut is redacted all the same.
		reqBody := &capture{limit: s.journal.keep}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(req.Body, reqBody), req.Body}
		}
		resBody := &capture{limit: s.journal.keep}
		res := c.Response()
		res.Writer = &teeWriter{ResponseWriter: res.Writer, c: resBody}

		if err := next(c); err != nil {
			s.writeError(c, err)
		}
		st := pipeline.StateOf(c)
		var vs []string
		for _, v := range st.Violations {
			vs = append(vs, v.String())
		}
		vendor := s.vendorOf(c)
		credentials := vendor != nil && s.credentialOps[operationKey{vendor.ID(), st.Operation}]
		entry := Entry{
			Time:         s.cfg.Clock().UTC(),
			Session:      st.Session,
			Vendor:       st.Vendor,
			Method:       req.Method,
			Path:         req.URL.Path,
			Query:        req.URL.RawQuery,
			IgnoredQuery: st.IgnoredQuery,
			Status:       res.Status,
			OperationID:  st.Operation,
			Verdict:      st.Verdict(),
			Violations:   vs,
			Fault:        st.Fault,
			DurationMS:   float64(time.Since(start).Microseconds()) / 1000,
			Request:      reqBody.message(s.secrets, req.Header, credentials, s.journal.bodyCut),
			// A copy: the vendor's gateway may still change the headers
			// of an answer with no body (Endor's gzip step) after this.
			Response: resBody.message(s.secrets, maps.Clone(res.Header()), credentials, s.journal.bodyCut),
		}
		if st.Reset || (!res.Committed && req.Context().Err() != nil) {
			entry.Status = 0 // no answer: a reset, or the client went first
		}
		s.journal.add(entry)
		// Like the journal, the log line holds no header and no body.
		s.log.Debug("request", "method", entry.Method, "path", entry.Path, "session", entry.Session, "status", entry.Status,
			"operation", entry.OperationID, "violations", entry.Violations, "duration_ms", entry.DurationMS)
		if st.Reset {
			return resetConnection(c)
		}
		return nil
	}
}

// Package journal keeps the last requests the server answered, with their
// answers, their verdicts and their bodies, redacted (GET /__admin/requests),
// and streams them to the console as they come (GET
// /__admin/requests/stream). Its middleware (Record) writes every vendor
// request to it once answered; what it records of a request it reads from
// the request's pipeline.State.
package journal

import (
	"encoding/json"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/repomock/repomock/mock/pipeline"
)

// DefaultMaxBytes bounds the journal's bodies and headers, all entries
// together.
const DefaultMaxBytes = 64 << 20

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
	// Verdict says what happened: "passed" (the request met the spec and
	// the vendor's rules, the answer the spec; a 404 of an operation is
	// the vendor's answer, and passes), "rejected" (refused with a 4xx
	// other than 404 for breaking the spec or the vendor's rules; see
	// Reason), "stubbed" (a stub answered; see Stub), "faulted" (a fault
	// or Prefer answered before the request was validated), "invalid"
	// (the answer broke the spec; see Violations) or "unrouted" (no
	// operation matched).
	Verdict    string   `json:"verdict"`
	Violations []string `json:"violations,omitempty"`
	// Reason says why a rejected request was refused: what the vendor
	// answered.
	Reason string `json:"reason,omitempty"`
	// Fault is the id of the fault that answered, if one did. Status is 0
	// when the client got no answer: a reset, or a client that went
	// before its answer was ready.
	Fault string `json:"fault,omitempty"`
	// Stub is the id of the stub that answered, if one did.
	Stub       string  `json:"stub,omitempty"`
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
	VerdictPassed   = pipeline.VerdictPassed
	VerdictRejected = pipeline.VerdictRejected
	VerdictStubbed  = pipeline.VerdictStubbed
	VerdictFaulted  = pipeline.VerdictFaulted
	VerdictInvalid  = pipeline.VerdictInvalid
	VerdictUnrouted = pipeline.VerdictUnrouted
)

// Journal keeps the last requests, at most size of them and at most
// maxBytes of their bodies and headers. It is safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	size     int
	maxBytes int64
	bodyCut  int // each body is kept up to this many bytes
	keep     int // each body is read up to this many bytes, to be redacted
	lastID   uint64
	entries  []held // oldest first: a window of buf (push)
	buf      []held
	bytes    int64
	subs     map[*subscriber]struct{}
	closed   bool // the server is shutting down: no new subscriber
}

// held is an entry as the journal holds it, with its size: its Entry
// without the bodies, which are kept apart (stored) and put in its
// Messages when it is read.
type held struct {
	Entry
	req, res stored
	bytes    int64
}

// entry is the Entry with its bodies.
func (h *held) entry() Entry {
	e := h.Entry
	e.Request.Body, e.Request.BodyText = h.req.show()
	e.Response.Body, e.Response.BodyText = h.res.show()
	return e
}

// New keeps up to size entries and maxBytes; each body is cut at a
// sixteenth of maxBytes, 1 MiB at most, so that one request never fills it.
// A body is read up to maxBody bytes (the server's limit) to be redacted
// before it is cut.
func New(size int, maxBytes, maxBody int64) *Journal {
	cut := int(max(min(maxBytes/16, 1<<20), 256))
	return &Journal{size: size, maxBytes: maxBytes, bodyCut: cut, keep: max(cut, int(min(maxBody, math.MaxInt32))+1)}
}

func (j *Journal) add(h held) {
	e := &h.Entry
	n := headerBytes(e.Request.Header) + headerBytes(e.Response.Header) + int64(len(h.req.data)+len(h.res.data)) +
		int64(len(e.Path)+len(e.Query)+len(e.Session)) + 256
	for _, v := range e.Violations {
		n += int64(len(v))
	}
	n += int64(len(e.Reason))
	for _, k := range e.IgnoredQuery {
		n += int64(len(k))
	}
	h.bytes = n
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastID++
	e.ID = j.lastID
	j.push(h)
	j.bytes += n
	for sub := range j.subs {
		sub.offer(h)
	}
	for len(j.entries) > j.size || (j.bytes > j.maxBytes && len(j.entries) > 1) {
		j.bytes -= j.entries[0].bytes
		j.entries[0] = held{} // let the bodies go
		j.entries = j.entries[1:]
	}
}

// push appends h to the entries. The oldest leave from the front of the
// window, so that it reaches the end of its array every few hundred
// requests: it is then moved back to the start of the array, which is
// twice its size, rather than appended into a new one, which would
// allocate (and have the garbage collector clear and scan) the whole
// journal's entries again each time. The lock is held.
func (j *Journal) push(h held) {
	if n := len(j.entries); n == cap(j.entries) {
		if 2*n+1 > cap(j.buf) {
			j.buf = make([]held, 2*n+1)
		}
		copy(j.buf, j.entries)
		clear(j.buf[n:]) // the places the entries left: let their bodies go
		j.entries = j.buf[:n]
	}
	j.entries = append(j.entries, h)
}

func headerBytes(h http.Header) int64 {
	var n int64
	for k, vs := range h {
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

// Find returns the entries f selects, newest first.
func (j *Journal) Find(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.findLocked(f)
}

func (j *Journal) findLocked(f Filter) []Entry {
	out := []Entry{}
	for i := len(j.entries) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
		if h := &j.entries[i]; f.match(&h.Entry) {
			out = append(out, h.entry())
		}
	}
	return out
}

// CountBySession counts the entries of each session.
func (j *Journal) CountBySession() map[string]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]int{}
	for i := range j.entries {
		out[j.entries[i].Session]++
	}
	return out
}

// DropSession drops a session's entries.
func (j *Journal) DropSession(name string) {
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

// Reset drops every entry.
func (j *Journal) Reset() {
	j.mu.Lock()
	j.entries, j.buf, j.bytes = nil, nil, 0
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
	entries chan held
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
func (sub *subscriber) offer(e held) {
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
func (sub *subscriber) taken(e held) { sub.pending.Add(-e.bytes) }

func (sub *subscriber) signalResync() {
	select {
	case sub.resync <- struct{}{}:
	default: // one signal pending is enough
	}
}

// subscribe adds a subscriber whose buffer holds up to buffer entries and
// maxBytes of them. The caller must unsubscribe it.
func (j *Journal) subscribe(buffer int, maxBytes int64) *subscriber {
	sub := &subscriber{entries: make(chan held, buffer), maxPending: maxBytes, resync: make(chan struct{}, 1), done: make(chan struct{})}
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

func (j *Journal) unsubscribe(sub *subscriber) {
	j.mu.Lock()
	delete(j.subs, sub)
	j.mu.Unlock()
}

// resyncAll tells every subscriber that entries went. The lock is held.
func (j *Journal) resyncAll() {
	for sub := range j.subs {
		sub.signalResync()
	}
}

// CloseSubscribers ends every stream, and any to come: the server is
// shutting down, and http.Server.Shutdown does not end a stream that never
// finishes by itself.
func (j *Journal) CloseSubscribers() {
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
func (j *Journal) latest(limit int) ([]held, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]held, 0, min(limit, len(j.entries)))
	for i := len(j.entries) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, j.entries[i])
	}
	return out, j.lastID
}

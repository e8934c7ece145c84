package pipeline

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// State is what is known of one request as it goes through a server: one
// value in the echo context, filled in as the request goes, and read by
// whoever comes after (the vendor's handler through Request, the journal,
// the server's error writer). The server fills what is known before the
// route is (the session, the vendor, the path the client sent); the
// pipeline fills the rest.
type State struct {
	// Session is the request's session: "" for the default one.
	Session string
	// Vendor is the id of the vendor the request is for: its route's,
	// else that of the vendor that owns its path; "" for none.
	Vendor string
	// Sent is the path the client sent, when the server changed it (it
	// takes a session's prefix off): a signature covers the path as sent.
	// nil when the path is as sent.
	Sent *SentPath
	// Refused, when not nil, is why the request cannot be served (a
	// session name that is not one): the server answers it once the
	// vendor's gateway has seen the request.
	Refused error

	// Operation is the operationId of the request's route; "" when it
	// matched none.
	Operation string
	// Params are the route's path parameters, percent-decoded.
	Params Params
	// Violations are how the request or its answer breaks the spec.
	Violations []Violation
	// IgnoredQuery are the query keys the vendor ignores (Options.Query),
	// as given and sorted.
	IgnoredQuery []string
	// Intercepted says that Options.Intercept answered the request (a
	// fault, a Prefer header) in place of its handler: the request was
	// not validated.
	Intercepted bool
	// Fault is the id of the fault that answered, if one did.
	Fault string
	// Stub is the id of the server's stub that answered in the handler's
	// place, or patched its answer, if one did.
	Stub string
	// AnswerBroken says that the answer broke the spec (its violations
	// are the last of Violations).
	AnswerBroken bool
	// Reason is the text of the error the request was answered with,
	// when it was: what the journal says of a rejected request.
	Reason string
	// Reset says that the request is to get no answer: its connection is
	// closed, once the request is in the journal.
	Reset bool
	// Upstream says that the answer is an upstream's, written as it came
	// (repomock proxy's handler sets it, with a Raw answer).
	Upstream bool
	// BodyJSON says what the pipeline's one scan of the request body
	// found, so that the journal need not read it again: BodyScanned is
	// set once the body was read (within the limit) and scanned, BodyJSON
	// when it is one well-formed JSON value.
	BodyScanned, BodyJSON bool
	// Body is the request body as the pipeline read it: whole, or, past
	// the limit, what was read of it (BodyRead says so). Answer is the
	// answer's body as the pipeline wrote it to the client. Both are the
	// request's own, never written again: the journal keeps them rather
	// than a copy.
	Body     []byte
	BodyRead bool
	Answer   []byte
}

// SentPath is a request's path as the client sent it: URL.Path and
// URL.RawPath.
type SentPath struct{ Path, RawPath string }

// stateKey is where the State is kept in the echo context.
const stateKey = "repomock.state"

// StateOf returns the request's State, made on first use.
func StateOf(c echo.Context) *State {
	if st, ok := c.Get(stateKey).(*State); ok {
		return st
	}
	st := &State{}
	c.Set(stateKey, st)
	return st
}

// SessionOf is the request's session ("" for the default one): a vendor
// keeps each session's state apart by it.
func SessionOf(c echo.Context) string { return StateOf(c).Session }

// States keeps the States of a server's requests for the next ones, so
// that a request makes none. The zero value is ready.
type States struct{ pool sync.Pool }

// Begin gives the request a State, first of all.
func (p *States) Begin(c echo.Context) *State {
	st, ok := p.pool.Get().(*State)
	if !ok {
		st = &State{}
	}
	c.Set(stateKey, st)
	return st
}

// End takes the request's State back once the request has been answered:
// nothing may keep it, or anything it holds, past then.
func (p *States) End(c echo.Context) {
	if st, ok := c.Get(stateKey).(*State); ok {
		c.Set(stateKey, nil)
		*st = State{}
		p.pool.Put(st)
	}
}

// AllowWait stretches the request's write deadline before the server waits
// wait on purpose (a delay fault, the proxy's upstream): its answer still
// gets writeTimeout, the server's, to be written, after the wait. Without
// it, the http.Server's WriteTimeout, counted from the request, runs out
// during the wait, and the client gets no answer although one is written
// (and journaled). The pipeline's buffer passes the deadline on to the
// connection (Unwrap).
func AllowWait(c echo.Context, wait, writeTimeout time.Duration) {
	// Not every writer has a deadline (an httptest.ResponseRecorder); one
	// that has none needs no stretching.
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(wait + writeTimeout))
}

// The verdicts of a request, as the journal reports them: what happened
// to it, in the words a test author looks for.
const (
	// VerdictPassed: the request met the spec and the vendor's rules, and
	// its answer met the spec. A 404 of an operation (a read of an object
	// that does not exist) is the vendor's answer, and passes.
	VerdictPassed = "passed"
	// VerdictRejected: the request was refused for what it is, with a
	// 4xx other than 404: it broke the spec (the violations say how) or
	// the vendor's rules (a field the vendor requires, a name taken,
	// credentials refused); the reason says why.
	VerdictRejected = "rejected"
	// VerdictStubbed: a stub answered in the vendor's place, or patched
	// its answer.
	VerdictStubbed = "stubbed"
	// VerdictFaulted: a fault or the Prefer header answered before the
	// request was validated.
	VerdictFaulted = "faulted"
	// VerdictInvalid: the answer broke the spec (a bug of the fake, or an
	// upstream's answer through the proxy), or a request that broke it
	// was let through (the proxy) and answered with no 4xx.
	VerdictInvalid = "invalid"
	// VerdictUnrouted: no operation matched.
	VerdictUnrouted = "unrouted"
)

// Verdict is what the request's State says of it, answered with status
// (0 for no answer).
func (st *State) Verdict(status int) string {
	refused := status >= 400 && status < 500 && status != http.StatusNotFound
	switch {
	case st.AnswerBroken:
		return VerdictInvalid
	case st.Intercepted:
		return VerdictFaulted
	case st.Stub != "":
		return VerdictStubbed
	case len(st.Violations) > 0 && !refused:
		return VerdictInvalid
	case len(st.Violations) > 0:
		return VerdictRejected
	case st.Operation == "":
		// Refused before its route was looked for (a session name that is
		// not one, a header over the bound), or matched none (404; 405 or
		// a vendor's 501 for a method the path lacks; the proxy's
		// upstream answered it).
		if refused && status != http.StatusMethodNotAllowed && !st.Upstream {
			return VerdictRejected
		}
		return VerdictUnrouted
	case refused:
		return VerdictRejected
	}
	return VerdictPassed
}

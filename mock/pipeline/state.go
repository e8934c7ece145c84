package pipeline

import (
	"net/http"
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
	// ClientPath and ClientRawPath are the path the client sent (URL.Path
	// and URL.RawPath), when the server changed it (it takes a session's
	// prefix off): a signature covers the path as sent. Both are empty
	// when the path is as sent.
	ClientPath, ClientRawPath string
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
	// Reset says that the request is to get no answer: its connection is
	// closed, once the request is in the journal.
	Reset bool
	// Upstream says that the answer is an upstream's, written as it came
	// (a handler's Raw, repomock proxy).
	Upstream bool
	// BodyJSON says what the pipeline's one scan of the request body
	// found, so that the journal need not read it again: BodyScanned is
	// set once the body was read (within the limit) and scanned, BodyJSON
	// when it is one well-formed JSON value.
	BodyScanned, BodyJSON bool

	// conn is the writer to the client's connection, whose write deadline
	// AllowWait stretches; writeTimeout is the server's.
	conn         http.ResponseWriter
	writeTimeout time.Duration
}

// stateKey is where the State is kept in the echo context.
const stateKey = "repomock.state"

// StateOf returns the request's State, made on first use. Its first use
// should come before anything replaces the response's writer (the server
// makes it first of all), so that AllowWait reaches the connection.
func StateOf(c echo.Context) *State {
	if st, ok := c.Get(stateKey).(*State); ok {
		return st
	}
	st := &State{conn: c.Response().Writer}
	c.Set(stateKey, st)
	return st
}

// SessionOf is the request's session ("" for the default one): a vendor
// keeps each session's state apart by it.
func SessionOf(c echo.Context) string { return StateOf(c).Session }

// SetWriteTimeout gives the State the server's write timeout, which
// AllowWait adds to a wait.
func (st *State) SetWriteTimeout(d time.Duration) { st.writeTimeout = d }

// AllowWait stretches the request's write deadline before the server waits
// wait on purpose (a delay fault, the proxy's upstream): its answer still
// gets the server's write timeout to be written, after the wait. Without
// it, the http.Server's WriteTimeout, counted from the request, runs out
// during the wait, and the client gets no answer although one is written
// (and journaled).
func (st *State) AllowWait(wait time.Duration) {
	if st.conn == nil || st.writeTimeout <= 0 {
		return
	}
	// Not every writer has a deadline (an httptest.ResponseRecorder); one
	// that has none needs no stretching.
	_ = http.NewResponseController(st.conn).SetWriteDeadline(time.Now().Add(wait + st.writeTimeout))
}

// The verdicts of a request, as the journal reports them.
const (
	// VerdictValid: the request and its answer meet the spec.
	VerdictValid = "valid"
	// VerdictInvalid: they do not (see State.Violations).
	VerdictInvalid = "invalid"
	// VerdictUnrouted: no operation matched.
	VerdictUnrouted = "unrouted"
	// VerdictSkipped: a fault or Prefer answered before the request was
	// validated.
	VerdictSkipped = "skipped"
)

// Verdict is what the request's State says of it.
func (st *State) Verdict() string {
	switch {
	case len(st.Violations) > 0:
		return VerdictInvalid
	case st.Intercepted:
		return VerdictSkipped
	case st.Operation == "":
		return VerdictUnrouted
	}
	return VerdictValid
}

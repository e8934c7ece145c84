// Package stubs answers vendor requests with answers given in advance
// (POST /__admin/stubs, specs/admin.yaml), as WireMock's stubs do, with one difference: an
// answer is checked against its operation's spec when the stub is made,
// and refused, naming each violation, when the vendor could never give
// it. A vendor's failure is named by its code ({"code": 5} for Endor) and
// written by the vendor, in its own body.
//
// A stub answers after the request is authenticated and validated, and
// before the vendor's fake (Wrap wraps the fake's handlers): a request that
// breaks the spec is refused as it would be by the vendor, and a fault
// (the pipeline's earlier stage) takes precedence over every stub. It is
// not the faults: those make the vendor fail; stubs make it say a given
// thing.
package stubs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

// AllSessions as a stub's Session matches the requests of every session.
// It is no session name (those take no "*").
const AllSessions = "*"

// Stub answers the requests it matches in the vendor's place. It matches
// a request of its session (Session "" is the default session,
// AllSessions every one) to its operation whose path parameters, query
// parameters and body hold those of Request. It answers with Response
// until it is removed, or Times times when Times is above 0.
type Stub struct {
	// ID names the stub (s1, s2, …); the server sets it.
	ID      string `json:"id"`
	Session string `json:"session"`
	// Request says which requests the stub answers.
	Request Match `json:"request"`
	// Response says what it answers.
	Response Response `json:"response"`
	// Times, when above 0, removes the stub once it has answered that
	// many times.
	Times int `json:"times"`
	// Answered counts the requests the stub answered; the server sets it.
	Answered int `json:"answered"`
}

// Match is the requests a stub answers: those of one operation, named by
// Operation (its operationId, with Vendor when several vendors have it),
// or by Method and Path (the spec's path, or a path a client sends, whose
// parameters then join PathParams), whose path and query parameters have
// the values given, and whose JSON body holds Body: an object holds each
// key of Body's object with a value that holds Body's value, an array has
// Body's length and holds it element by element, anything else is equal
// (numbers by value). The query and the body are compared as the vendor
// reads them (Endor's query and body under their proto names).
type Match struct {
	Vendor     string            `json:"vendor,omitempty"`
	Operation  string            `json:"operation,omitempty"`
	Method     string            `json:"method,omitempty"`
	Path       string            `json:"path,omitempty"`
	PathParams map[string]string `json:"path_params,omitempty"`
	Query      map[string]string `json:"query,omitempty"`
	Body       any               `json:"body,omitempty"`
}

// Response is a stub's answer, one of three: Status (200 by default),
// Headers and a JSON Body; the vendor's Error named by its code; or Patch,
// a JSON merge patch (RFC 7396) applied to the fake's 2xx answer to the
// request, which the fake then serves as usual. The first two are checked
// against the operation's spec when the stub is made; a patched answer is
// checked as it is sent, and one that breaks the spec is the vendor's 500,
// as any answer of the fake that breaks it.
type Response struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
	Error   *VendorError      `json:"error,omitempty"`
	Patch   any               `json:"patch,omitempty"`
}

// VendorError is a vendor's failure, named by one of its error codes:
// Endor's gRPC code (5, or "NOT_FOUND"), CodeArts' "CH.000404",
// ServiceStage's "SVCSTG.REPO.0403", the Huawei gateway's "APIGW.0301".
// The answer has the status the vendor gives the code, and the vendor's
// body, with Message in place of the vendor's own words when it is set.
type VendorError struct {
	Code    any    `json:"code"`
	Message string `json:"message,omitempty"`
}

// Stubs holds the stubs, at most max of them (--max-stubs). It is safe for
// concurrent use.
type Stubs struct {
	env    Env
	mu     sync.Mutex
	max    int
	lastID int
	all    []*stub // in the order added; the newest that matches answers
	// held counts all, so that a request looks at no lock while there is
	// no stub.
	held atomic.Int32
}

// stub is a Stub as held: its answer made ready.
type stub struct {
	Stub
	vendor vendor.Vendor
	body   any             // Request.Body, read once
	header http.Header     // Response.Headers
	answer json.RawMessage // Response.Body, written once
	patch  json.RawMessage // Response.Patch, written once
	code   string          // Response.Error's code, as a string
}

// New holds at most max stubs. Handlers gives it the operations it may
// answer.
func New(max int) *Stubs { return &Stubs{max: max} }

// errStubsFull is add's error when max stubs are held.
type errStubsFull struct{ max int }

func (e errStubsFull) Error() string {
	return fmt.Sprintf("%d stubs are held, the most --max-stubs allows: remove one (DELETE %s/stubs/{id}) or all (DELETE %s/stubs), or raise the limit", e.max, admin.Prefix, admin.Prefix)
}

// add holds st, made ready, and gives it its id.
func (s *Stubs) add(st *stub) (Stub, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) >= s.max {
		return Stub{}, errStubsFull{s.max}
	}
	s.lastID++
	st.ID, st.Answered = "s"+strconv.Itoa(s.lastID), 0
	s.all = append(s.all, st)
	s.held.Store(int32(len(s.all)))
	return st.Stub, nil
}

// List returns the stubs in the order they were added.
func (s *Stubs) List() []Stub {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Stub, 0, len(s.all))
	for _, st := range s.all {
		out = append(out, st.Stub)
	}
	return out
}

// get returns one stub.
func (s *Stubs) get(id string) (Stub, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.all {
		if st.ID == id {
			return st.Stub, true
		}
	}
	return Stub{}, false
}

// removeWhere removes the stubs drop selects, and says whether there were any.
func (s *Stubs) removeWhere(drop func(*stub) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.all)
	s.all = slices.DeleteFunc(s.all, drop)
	s.held.Store(int32(len(s.all)))
	return len(s.all) < n
}

// Reset removes every stub.
func (s *Stubs) Reset() { s.removeWhere(func(*stub) bool { return true }) }

// DropSession removes the stubs of a session (not those of AllSessions).
func (s *Stubs) DropSession(name string) {
	s.removeWhere(func(st *stub) bool { return st.Session == name })
}

// CountBySession counts the stubs of each session (AllSessions' under "*").
func (s *Stubs) CountBySession() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, st := range s.all {
		out[st.Session]++
	}
	return out
}

// match finds the newest stub that answers a request of the operation op
// of vendor, counts the answer, and removes a stub that has answered its
// Times. It returns nil when none matches.
func (s *Stubs) match(session, vendor, op string, in *pipeline.Request) *stub {
	if s.held.Load() == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.all) - 1; i >= 0; i-- {
		st := s.all[i]
		if !st.matches(session, vendor, op, in) {
			continue
		}
		st.Answered++
		if st.Times > 0 && st.Answered >= st.Times {
			s.all = slices.Delete(s.all, i, i+1)
			s.held.Store(int32(len(s.all)))
		}
		return st
	}
	return nil
}

func (st *stub) matches(session, vendor, op string, in *pipeline.Request) bool {
	m := &st.Request
	if (st.Session != AllSessions && st.Session != session) || m.Vendor != vendor || m.Operation != op {
		return false
	}
	for name, want := range m.PathParams {
		if in.Params[name] != want {
			return false
		}
	}
	for name, want := range m.Query {
		if !slices.Contains(in.Query[name], want) {
			return false
		}
	}
	return m.Body == nil || holds(in.Body, st.body)
}

// Wrap wraps the handlers of v (by operationId) so that a stub that
// matches a request answers it in the handler's place, or patches the
// handler's answer. The request's pipeline.State names the stub.
func (s *Stubs) Wrap(v vendor.Vendor, handlers map[string]pipeline.Handler) map[string]pipeline.Handler {
	out := make(map[string]pipeline.Handler, len(handlers))
	for op, h := range handlers {
		out[op] = func(c echo.Context, in pipeline.Request) (int, any, error) {
			st := s.match(pipeline.SessionOf(c), v.ID(), op, &in)
			if st == nil {
				return h(c, in)
			}
			pipeline.StateOf(c).Stub = st.ID
			return st.respond(c, in, h)
		}
	}
	return out
}

// respond is the stub's answer to a request: its own, or h's patched.
func (st *stub) respond(c echo.Context, in pipeline.Request, h pipeline.Handler) (int, any, error) {
	switch {
	case st.code != "":
		e, err := st.vendor.ErrorByCode(c, st.code, st.Response.Error.Message)
		if err != nil {
			return 0, nil, err // the code was checked when the stub was made: never
		}
		return 0, nil, e
	case st.patch != nil:
		status, body, err := h(c, in)
		if err != nil || status/100 != 2 || body == nil {
			return status, body, err
		}
		value, err := patched(c, body, st.patch)
		return status, value, err
	}
	h2 := c.Response().Header()
	for name, values := range st.header {
		h2[name] = values
	}
	if st.answer == nil {
		return st.Response.Status, nil, nil
	}
	// Decoded afresh for each request: the vendor's codec may change
	// the value it writes.
	return st.Response.Status, st.answer, nil
}

// patched is body, the fake's answer, with the merge patch applied.
func patched(c echo.Context, body any, patch json.RawMessage) (any, error) {
	data, err := jsonvalue.Marshal(body)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	value, err := jsonvalue.Decode(ctx, data)
	if err != nil {
		return nil, err
	}
	p, err := jsonvalue.Decode(ctx, patch)
	if err != nil {
		return nil, err
	}
	return mergePatch(value, p), nil
}

package stubs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

// MaxStubBytes bounds the JSON of one stub.
const MaxStubBytes = 1 << 20

// Env is what the stubs need of the server.
type Env struct {
	// Operations are the operations served, vendor by vendor.
	Operations []Operation
	// Route finds the operation a request with method and path (a vendor
	// path as a client sends it, without a session's prefix) takes, and
	// its path parameters, percent-decoded; nil when none does.
	Route func(method, path string) (*Operation, pipeline.Params)
	// Try answers a request made up for op, in session with params, with
	// h as op's handler, as the server would answer it, and returns how
	// the answer breaks op's spec.
	Try func(op *Operation, session string, params pipeline.Params, h pipeline.Handler) []pipeline.Violation
}

// Operation is an operation a stub can answer.
type Operation struct {
	Vendor vendor.Vendor
	// ID, Method and Path (as the spec writes it) name it.
	ID, Method, Path string
	// PathParams and QueryParams are the names of its parameters.
	PathParams, QueryParams []string
	// Body says whether it takes a request body.
	Body bool
	// Statuses are the statuses its spec documents, in order; AnyFailure
	// says that it documents a default answer (any 4xx or 5xx).
	Statuses   []int
	AnyFailure bool
}

// documents reports whether the operation's spec documents status.
func (op *Operation) documents(status int) bool {
	return slices.Contains(op.Statuses, status) || (op.AnyFailure && status >= 400 && status <= 599)
}

// documented lists the statuses the operation's spec documents.
func (op *Operation) documented() string {
	parts := make([]string, 0, len(op.Statuses)+1)
	for _, s := range op.Statuses {
		parts = append(parts, strconv.Itoa(s))
	}
	if op.AnyFailure {
		parts = append(parts, "any 4xx or 5xx")
	}
	return strings.Join(parts, ", ")
}

// badStub is a stub that cannot be made, and why (a 400).
type badStub struct{ why string }

func (e badStub) Error() string { return e.why }

func bad(format string, args ...any) error { return badStub{fmt.Sprintf(format, args...)} }

// make checks in, whose form the admin API's spec has checked, and makes
// it ready to hold: its operation found, its answer written once and tried
// against the operation's spec.
func (s *Stubs) make(in Stub) (*stub, error) {
	op, err := s.operation(&in.Request)
	if err != nil {
		return nil, err
	}
	st := &stub{Stub: in, vendor: op.Vendor}
	if err := st.checkMatch(op); err != nil {
		return nil, err
	}
	if err := st.prepare(); err != nil {
		return nil, err
	}
	if st.patch != nil {
		return st, nil // the fake's answer, patched, is checked as it is sent
	}
	session := in.Session
	if session == AllSessions {
		session = ""
	}
	var failed error // a code the vendor does not have, or a status it does not give it
	vs := s.env.Try(op, session, st.Request.PathParams, func(c echo.Context, in pipeline.Request) (int, any, error) {
		if st.code == "" {
			if !op.documents(st.Response.Status) {
				failed = bad("response.status: the spec of %s documents no %d; it documents %s", op.ID, st.Response.Status, op.documented())
			}
			return st.respond(c, in, nil)
		}
		e, err := st.vendor.ErrorByCode(c, st.code, st.Response.Error.Message)
		if err != nil {
			failed = badStub{"response.error.code: " + err.Error()}
			return 0, nil, err
		}
		ve, ok := e.(vendor.Error)
		switch {
		case !ok:
		case st.Response.Status != 0 && st.Response.Status != ve.StatusCode():
			failed = bad("response.status: %s answers the code %s with %d, not %d: leave status out", op.Vendor.Name(), st.code, ve.StatusCode(), st.Response.Status)
		case !op.documents(ve.StatusCode()):
			failed = bad("response.error: %s answers the code %s with %d, which the spec of %s does not document; it documents %s", op.Vendor.Name(), st.code, ve.StatusCode(), op.ID, op.documented())
		}
		return 0, nil, e
	})
	switch {
	case failed != nil:
		return nil, failed
	case len(vs) > 0:
		return nil, st.refusal(op, vs)
	}
	return st, nil
}

// operation finds the operation m names, and fills in m: its vendor, its
// operationId, and the path parameters of a path a client sends.
func (s *Stubs) operation(m *Match) (*Operation, error) {
	var found *Operation
	switch {
	case m.Path != "" || m.Method != "":
		if m.Path == "" || m.Method == "" {
			return nil, bad("request: method and path go together (or name the operation alone)")
		}
		if strings.Contains(m.Path, "?") {
			return nil, bad("request.path: %q has a query: give its parameters in request.query", admin.Clip(m.Path))
		}
		m.Method = strings.ToUpper(m.Method)
		for i := range s.env.Operations {
			if op := &s.env.Operations[i]; op.Method == m.Method && op.Path == m.Path {
				found = op
			}
		}
		if found == nil {
			op, params := s.env.Route(m.Method, m.Path)
			if op == nil {
				return nil, bad("request: no operation serves %s %s (the vendor path, without a session's prefix)", m.Method, admin.Clip(m.Path))
			}
			for name, value := range params {
				if have, ok := m.PathParams[name]; ok && have != value {
					return nil, bad("request.path_params: %s is %q, but the path gives %q", name, admin.Clip(have), admin.Clip(value))
				}
				if m.PathParams == nil {
					m.PathParams = map[string]string{}
				}
				m.PathParams[name] = value
			}
			found = op
		}
		if m.Operation != "" && m.Operation != found.ID {
			return nil, bad("request.operation: %s %s is %s, not %s", m.Method, admin.Clip(m.Path), found.ID, m.Operation)
		}
	case m.Operation != "":
		var ids []string
		for i := range s.env.Operations {
			op := &s.env.Operations[i]
			if m.Vendor != "" && op.Vendor.ID() != m.Vendor {
				continue
			}
			ids = append(ids, op.ID)
			if op.ID != m.Operation {
				continue
			}
			if found != nil {
				return nil, bad("request.operation: %s is an operation of %s and %s: name one in request.vendor", m.Operation, found.Vendor.ID(), op.Vendor.ID())
			}
			found = op
		}
		if found == nil {
			return nil, bad("request.operation: %q is not an operationId of %s; the operations are %s", admin.Clip(m.Operation), s.vendorWord(m.Vendor), strings.Join(ids, ", "))
		}
	default:
		return nil, bad("request: name an operation (operation, or method and path)")
	}
	if m.Vendor != "" && m.Vendor != found.Vendor.ID() {
		return nil, bad("request.vendor: %s is an operation of %s, not %s", found.ID, found.Vendor.ID(), admin.Clip(m.Vendor))
	}
	m.Vendor, m.Operation = found.Vendor.ID(), found.ID
	return found, nil
}

// vendorWord names a vendor for a message, or every one, checking it is one.
func (s *Stubs) vendorWord(id string) string {
	if id == "" {
		return "any vendor"
	}
	var ids []string
	for _, op := range s.env.Operations {
		if op.Vendor.ID() == id {
			return id
		}
		if !slices.Contains(ids, op.Vendor.ID()) {
			ids = append(ids, op.Vendor.ID())
		}
	}
	return fmt.Sprintf("%s (no vendor: the vendors are %s)", admin.Clip(id), strings.Join(ids, ", "))
}

// checkMatch holds what the stub matches to op's parameters and body.
func (st *stub) checkMatch(op *Operation) error {
	m := &st.Request
	for name := range m.PathParams {
		if !slices.Contains(op.PathParams, name) {
			return bad("request.path_params: %s has no path parameter %q; its are %s", op.ID, admin.Clip(name), orNone(op.PathParams))
		}
	}
	for name := range m.Query {
		if !slices.Contains(op.QueryParams, name) {
			return bad("request.query: %s has no query parameter %q (a key the vendor ignores never reaches a stub); its are %s", op.ID, admin.Clip(name), orNone(op.QueryParams))
		}
	}
	if m.Body != nil && !op.Body {
		return bad("request.body: %s takes no request body", op.ID)
	}
	st.body = m.Body
	return nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// prepare checks the response's form and writes it once.
func (st *stub) prepare() error {
	r := &st.Response
	switch {
	case r.Patch != nil:
		if r.Status != 0 || r.Headers != nil || r.Body != nil || r.Error != nil {
			return bad("response.patch: a patch changes the fake's answer: it takes no status, headers, body or error")
		}
		st.patch, _ = jsonvalue.Marshal(r.Patch) // a decoded JSON value: never fails
		return nil
	case r.Error != nil:
		if r.Headers != nil || r.Body != nil {
			return bad("response.error: the vendor writes its error's body and headers: give no body or headers")
		}
		switch code := r.Error.Code.(type) {
		case string:
			st.code = code
		case json.Number:
			st.code = code.String()
		default:
			return bad("response.error.code: one of the vendor's error codes, a number or a string")
		}
		return nil
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if r.Body != nil {
		st.answer, _ = jsonvalue.Marshal(r.Body)
	}
	if len(r.Headers) > 0 {
		st.header = http.Header{}
		for name, value := range r.Headers {
			switch k := http.CanonicalHeaderKey(name); k {
			case echo.HeaderContentLength, "Transfer-Encoding", "Connection", echo.HeaderContentEncoding:
				return bad("response.headers: %s is the server's to write", k)
			default:
				st.header.Set(k, value)
			}
		}
	}
	return nil
}

// refusal says how a stub's answer breaks its operation's spec.
func (st *stub) refusal(op *Operation, vs []pipeline.Violation) error {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return bad("response: %s never answers so: its spec (%s %s) refuses it: %s", op.Vendor.Name(), op.Method, op.Path, strings.Join(parts, "; "))
}

// Handlers are the stub routes of the admin API, by operationId
// (specs/admin.yaml), which make stubs of the operations of env.
func (s *Stubs) Handlers(env Env) map[string]pipeline.Handler {
	s.env = env
	gone := func(id string) error {
		return &admin.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no stub %q: it was removed, answered its times, or never was", admin.Clip(id))}
	}
	return map[string]pipeline.Handler{
		"addStub": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			st, err := s.decode(in.Body)
			if err == nil {
				var held *stub
				if held, err = s.make(st); err == nil {
					if st, err = s.add(held); err == nil {
						return http.StatusCreated, st, nil
					}
				}
			}
			var tooLarge errTooLarge
			status := http.StatusBadRequest
			switch {
			case errors.As(err, new(errStubsFull)):
				status = http.StatusConflict
			case errors.As(err, &tooLarge):
				status = http.StatusRequestEntityTooLarge
			case !errors.As(err, new(badStub)):
				status = http.StatusInternalServerError
			}
			return 0, nil, &admin.Error{Status: status, Message: "stub: " + err.Error()}
		},
		"listStubs": func(echo.Context, pipeline.Request) (int, any, error) {
			return http.StatusOK, struct {
				Stubs []Stub `json:"stubs"`
			}{s.List()}, nil
		},
		"getStub": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			st, ok := s.get(in.Params["id"])
			if !ok {
				return 0, nil, gone(in.Params["id"])
			}
			return http.StatusOK, st, nil
		},
		"removeStubs": func(echo.Context, pipeline.Request) (int, any, error) {
			s.Reset()
			return http.StatusNoContent, nil, nil
		},
		"removeStub": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			if !s.removeWhere(func(st *stub) bool { return st.ID == in.Params["id"] }) {
				return 0, nil, gone(in.Params["id"])
			}
			return http.StatusNoContent, nil, nil
		},
	}
}

// errTooLarge is a stub over MaxStubBytes.
type errTooLarge struct{}

func (errTooLarge) Error() string { return fmt.Sprintf("larger than %d bytes", MaxStubBytes) }

// decode reads a stub from the body the pipeline decoded and checked
// against the admin API's spec, its numbers kept as written.
func (s *Stubs) decode(body any) (Stub, error) {
	var in Stub
	data, err := jsonvalue.Marshal(body)
	if err != nil {
		return in, err
	}
	if len(data) > MaxStubBytes {
		return in, errTooLarge{}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return in, badStub{err.Error()}
	}
	return in, nil
}

package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/stubs"
	"github.com/repomock/repomock/mock/vendor"
)

// stubOperations lists the operations of v's spec doc that a stub can
// answer, and notes each under its route for stubRoute.
func (s *Server) stubOperations(v vendor.Vendor, doc *openapi3.T, ops []pipeline.Operation) {
	for _, o := range ops {
		item := doc.Paths.Find(o.Path)
		op := item.GetOperation(o.Method)
		so := stubs.Operation{Vendor: v, ID: o.ID, Method: o.Method, Path: o.Path, Body: op.RequestBody != nil}
		for key := range op.Responses.Map() {
			if n, err := strconv.Atoi(key); err == nil {
				so.Statuses = append(so.Statuses, n)
			}
			so.AnyFailure = so.AnyFailure || key == "default"
		}
		slices.Sort(so.Statuses)
		for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
			for _, p := range params {
				switch {
				case p.Value == nil:
				case p.Value.In == openapi3.ParameterInPath:
					so.PathParams = appendNew(so.PathParams, p.Value.Name)
				case p.Value.In == openapi3.ParameterInQuery:
					so.QueryParams = appendNew(so.QueryParams, p.Value.Name)
				}
			}
		}
		s.stubOps = append(s.stubOps, so)
		s.stubRoutes[o.Method+" "+o.EchoPath] = len(s.stubOps) - 1
	}
}

func appendNew(names []string, name string) []string {
	for _, n := range names {
		if n == name {
			return names
		}
	}
	return append(names, name)
}

// stubRoute finds the operation a request with method and path takes, as
// the server routes it, with its path parameters percent-decoded.
func (s *Server) stubRoute(method, path string) (*stubs.Operation, pipeline.Params) {
	req := &http.Request{Method: method, URL: &url.URL{Path: path}}
	c := s.echo.NewContext(req, nil)
	s.echo.Router().Find(method, path, c)
	i, ok := s.stubRoutes[method+" "+c.Path()]
	if !ok {
		return nil, nil
	}
	params := pipeline.Params{}
	for j, name := range c.ParamNames() {
		value := c.ParamValues()[j]
		if strings.Contains(value, "/") {
			return nil, nil // a parameter is one segment (the pipeline's rule)
		}
		if u, err := url.PathUnescape(value); err == nil {
			value = u
		}
		params[name] = value
	}
	return &s.stubOps[i], params
}

// tryStub answers a request made up for op with h, as op's route would
// answer it (the vendor's gateway, the pipeline's writing and checks),
// into nothing, and returns how the answer breaks the spec.
func (s *Server) tryStub(op *stubs.Operation, session string, params pipeline.Params, h pipeline.Handler) []pipeline.Violation {
	path := op.Path
	for name, value := range params {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(value))
	}
	req, err := http.NewRequest(op.Method, "http://127.0.0.1"+path, nil)
	if err != nil {
		return []pipeline.Violation{{Field: "request.path", Reason: err.Error()}}
	}
	c := s.echo.NewContext(req, discard{http.Header{}})
	st := pipeline.StateOf(c)
	st.Session, st.Vendor, st.Params = session, op.Vendor.ID(), params
	var vs []pipeline.Violation
	try := func(c echo.Context) error {
		vs, _ = s.validators[op.Vendor.ID()].Try(c, op.ID, h)
		return nil
	}
	if gw := op.Vendor.Gateway(); gw != nil {
		try = gw(try)
	}
	_ = try(c)
	return vs
}

// discard is a response writer that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

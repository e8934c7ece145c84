package admin

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
)

// Spec is the admin API's document (specs.Admin): loaded and checked, and
// as written, which GET /__admin/openapi.yaml serves.
type Spec struct {
	Doc  *openapi3.T
	Text []byte
}

// Options is what Register needs of the server.
type Options struct {
	// Hosts are the Host names the admin API answers to; Token, when set,
	// is the admin token.
	Hosts Hosts
	Token string
	// Validator and MaxBodyBytes are the server's (pipeline.Options).
	Validator    string
	MaxBodyBytes int64
	// ErrFunc is the server's error writer; Logger its log.
	ErrFunc pipeline.ErrFunc
	Logger  *slog.Logger
}

// anyHostExtension marks an operation that answers to any Host (health,
// which a health checker calls by whatever name it has, and GET /).
const anyHostExtension = "x-repomock-any-host"

// Register serves the admin API on e: each operation of spec by its
// handler in handlers (by operationId; the parts' and the server's), behind
// the pipeline that checks the vendors' routes, so that every request and
// every answer is held to the spec; and a 404 that points to the index for
// any other path under Prefix. A handler without an operation, or an
// operation without a handler, is an error: the spec and the routes cannot
// drift apart. Before any handler, the request's Host must name this
// server (but on the operations marked x-repomock-any-host), a browser's
// cross-site write is refused, and the operations whose security lists
// the admin token require it when there is one.
func Register(e *echo.Echo, spec Spec, handlers map[string]pipeline.Handler, o Options) error {
	g := newGuard(spec.Doc, o.Hosts, o.Token)
	val, err := pipeline.New(spec.Doc, pipeline.Options{
		Validator:    o.Validator,
		MaxBodyBytes: o.MaxBodyBytes,
		// curl -d sends a form's Content-Type: the admin API reads JSON
		// whatever the header says, as it always has.
		DefaultMediaType: echo.MIMEApplicationJSON,
		Authenticate:     g.check,
		ErrFunc:          o.ErrFunc,
		Logger:           o.Logger,
	})
	if err != nil {
		return fmt.Errorf("spec admin.yaml: %w", err)
	}
	all := maps.Clone(handlers)
	all["getRoot"], all["getAdminIndex"] = index(val.Operations(), spec.Doc), index(val.Operations(), spec.Doc)
	all["getAdminSpec"] = func(echo.Context, pipeline.Request) (int, any, error) {
		return http.StatusOK, &pipeline.Raw{Status: http.StatusOK, Header: http.Header{echo.HeaderContentType: {"application/yaml"}}, Body: spec.Text}, nil
	}
	if err := val.Register(e, all); err != nil {
		return fmt.Errorf("spec admin.yaml: %w", err)
	}
	notFound := func(c echo.Context) error {
		r := c.Request()
		if methods := allowed(val.Operations(), r.URL.Path); len(methods) > 0 {
			c.Response().Header().Set(echo.HeaderAllow, strings.Join(methods, ", "))
			return &Error{Status: http.StatusMethodNotAllowed, Message: fmt.Sprintf("%s %s: not allowed; it takes %s", r.Method, Clip(r.URL.Path), strings.Join(methods, ", "))}
		}
		return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf("%s %s: no such admin route; GET %s lists them, and GET %s/openapi.yaml describes them",
			r.Method, Clip(r.URL.Path), Prefix, Prefix)}
	}
	// Prefix itself too: echo would answer another method there with a
	// bare 405.
	for _, path := range []string{Prefix, Prefix + "/*"} {
		e.RouteNotFound(path, notFound, hostCheck(o.Hosts), tokenCheck(o.Token))
	}
	return nil
}

// allowed lists the methods of the operations whose path template path
// matches, a parameter matching one segment that is not empty.
func allowed(ops []pipeline.Operation, path string) []string {
	var out []string
	segments := strings.Split(path, "/")
	for _, op := range ops {
		tmpl := strings.Split(op.Path, "/")
		if len(tmpl) != len(segments) || slices.Contains(out, op.Method) {
			continue
		}
		match := true
		for i, t := range tmpl {
			if param := strings.HasPrefix(t, "{"); param && segments[i] == "" || !param && t != segments[i] {
				match = false
				break
			}
		}
		if match {
			out = append(out, op.Method)
		}
	}
	slices.Sort(out)
	return out
}

// Index is the answer of GET / and GET /__admin to a client that is not
// a browser.
type Index struct {
	Console string  `json:"console"`
	OpenAPI string  `json:"openapi"`
	Routes  []Route `json:"routes"`
}

// Route is one route of the admin API in its index.
type Route struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Summary string `json:"summary"`
}

// index answers GET / and GET /__admin: a browser is sent to the console,
// the only page repomock has (one click fewer than a page of links); any
// other client gets the URLs of the console and of the spec, and the
// routes, which a script or a person with curl reads.
func index(ops []pipeline.Operation, doc *openapi3.T) pipeline.Handler {
	routes := make([]Route, 0, len(ops))
	for _, op := range ops {
		routes = append(routes, Route{Method: op.Method, Path: op.Path, Summary: doc.Paths.Find(op.Path).GetOperation(op.Method).Summary})
	}
	return func(c echo.Context, _ pipeline.Request) (int, any, error) {
		if acceptsHTML(c.Request().Header.Values(echo.HeaderAccept)) {
			c.Response().Header().Set(echo.HeaderLocation, consolePath)
			return http.StatusFound, nil, nil
		}
		base := c.Scheme() + "://" + c.Request().Host
		return http.StatusOK, Index{Console: base + consolePath, OpenAPI: base + Prefix + "/openapi.yaml", Routes: routes}, nil
	}
}

// consolePath is the console's page.
const consolePath = Prefix + "/ui"

// acceptsHTML reports whether an Accept header names text/html: a
// browser's navigation does, curl and SDKs do not.
func acceptsHTML(accept []string) bool {
	for _, a := range accept {
		for _, r := range strings.Split(a, ",") {
			mt, _, _ := strings.Cut(r, ";")
			if strings.EqualFold(strings.TrimSpace(mt), echo.MIMETextHTML) {
				return true
			}
		}
	}
	return false
}

// guard is what the admin API checks before any handler (Register).
type guard struct {
	hosts       Hosts
	token       string
	crossOrigin *http.CrossOriginProtection
	// By operationId: those that answer to any Host, and those that need
	// the admin token (when there is one).
	anyHost, needsToken map[string]bool
}

func newGuard(doc *openapi3.T, hosts Hosts, token string) *guard {
	g := &guard{hosts: hosts, token: token, crossOrigin: http.NewCrossOriginProtection(), anyHost: map[string]bool{}, needsToken: map[string]bool{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			g.needsToken[op.OperationID] = len(sec) > 0
			anyHost, _ := op.Extensions[anyHostExtension].(bool)
			g.anyHost[op.OperationID] = anyHost
		}
	}
	return g
}

// check is the pipeline's Authenticate.
func (g *guard) check(c echo.Context) error {
	op := pipeline.StateOf(c).Operation
	if !g.anyHost[op] {
		if err := checkHost(g.hosts, c.Request()); err != nil {
			return err
		}
	}
	if err := checkWrite(g.crossOrigin, c.Request()); err != nil {
		return err
	}
	if g.needsToken[op] {
		return checkToken(g.token, c.Request())
	}
	return nil
}

// DecodeBody decodes a request body the pipeline decoded (and checked
// against the spec) into v.
func DecodeBody(body any, v any) error {
	data, err := jsonvalue.Marshal(body)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

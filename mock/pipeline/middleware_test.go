package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
)

// A small document in the vendors' image: a host in servers (as Endor's
// published spec has), a dotted path parameter, a required body with an
// enum, a pattern and a readOnly field, and a typed response.
const petSpec = `
openapi: 3.0.3
info: {title: pets, version: '1'}
servers:
  - url: https://api.example.com/
paths:
  /v1/owners/{owner.name}/pets:
    post:
      operationId: CreatePet
      parameters:
        - {in: path, name: owner.name, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
        - {in: query, name: limit, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [meta]
              properties:
                id: {type: string, readOnly: true}
                meta:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string, maxLength: 8}
                    kind: {type: string, enum: [cat, dog]}
                    labels: {type: object, additionalProperties: {type: string}}
                free: {type: object}
      responses:
        '200':
          description: the pet
          content:
            application/json:
              schema:
                type: object
                required: [id, owner]
                properties:
                  id: {type: string}
                  owner: {type: string}
        default:
          description: an error
          content:
            application/json:
              schema:
                type: object
                properties:
                  message: {type: string}
`

func loadDoc(t *testing.T, src string) *openapi3.T { return loadDocB(t, src) }

func loadDocB(t testing.TB, src string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// testError is the "vendor" error of these tests: the error handler below
// renders it, as mock's does for the real vendors.
type testError struct {
	status int
	Msg    string `json:"message"`
}

func (e *testError) Error() string { return e.Msg }

// newServer serves petSpec with handler h behind the middleware and an error
// handler that renders any error as {"message": …} with the status the
// middleware suggests.
func newServer(t *testing.T, opts pipeline.Options, h pipeline.Handler) *echo.Echo {
	t.Helper()
	render := func(c echo.Context, err error) {
		status := http.StatusInternalServerError
		var (
			reqErr  *pipeline.RequestError
			respErr *pipeline.ResponseError
			te      *testError
			he      *echo.HTTPError
		)
		switch {
		case errors.As(err, &reqErr):
			status = reqErr.Status
		case errors.As(err, &respErr):
			status = http.StatusInternalServerError
		case errors.As(err, &te):
			status = te.status
		case errors.As(err, &he):
			status = he.Code
		}
		_ = c.JSON(status, map[string]string{"message": err.Error()})
	}
	opts.ErrFunc = render
	v, err := pipeline.New(loadDoc(t, petSpec), opts)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) { render(c, err) }
	if err := v.Register(e, map[string]pipeline.Handler{"CreatePet": h}); err != nil {
		t.Fatal(err)
	}
	return e
}

func okHandler(_ echo.Context, in pipeline.Request) (int, any, error) {
	return http.StatusOK, map[string]any{"id": "p1", "owner": in.Params["owner.name"]}, nil
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.body)
	return r
}

const good = `{"meta":{"name":"rex","kind":"dog"}}`

func TestRequestPassesToHandler(t *testing.T) {
	var called bool
	e := newServer(t, pipeline.Options{}, func(c echo.Context, in pipeline.Request) (int, any, error) {
		called = true
		return okHandler(c, in)
	})
	// The document's servers name https://api.example.com/; the request goes
	// to example.com's stand-in, httptest's default host, and still routes.
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusOK || !called {
		t.Fatalf("status %d, handler called %v: %s", r.status, called, r.raw)
	}
	// The dotted parameter reaches the handler under its own name.
	if r.body["owner"] != "alice" {
		t.Errorf("owner = %v, want alice (the dotted path parameter)", r.body["owner"])
	}
}

func TestServersHostDoesNotStopRouting(t *testing.T) {
	e := newServer(t, pipeline.Options{}, okHandler)
	srv := httptest.NewServer(e) // a real 127.0.0.1 listener
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/owners/alice/pets", "application/json", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d via 127.0.0.1 with servers naming another host", resp.StatusCode)
	}
}

func TestRequestFailures(t *testing.T) {
	cases := []struct {
		name, target, ct, body string
		status                 int
		message                string
	}{
		{"required field", "/v1/owners/alice/pets", "application/json", `{"meta":{}}`, 400, "meta.name: value is required"},
		{"enum", "/v1/owners/alice/pets", "application/json", `{"meta":{"name":"rex","kind":"cow"}}`, 400, "meta.kind: must be one of cat, dog"},
		{"max length", "/v1/owners/alice/pets", "application/json", `{"meta":{"name":"much-too-long"}}`, 400, "meta.name: maximum string length is 8"},
		{"wrong type", "/v1/owners/alice/pets", "application/json", `{"meta":{"name":7}}`, 400, "meta.name: value must be a string"},
		{"dotted path parameter pattern", "/v1/owners/Al1ce/pets", "application/json", good, 400, "owner.name: "},
		{"query type", "/v1/owners/alice/pets?limit=ten", "application/json", good, 400, "limit: "},
		{"malformed JSON", "/v1/owners/alice/pets", "application/json", `{"meta":`, 400, "body: invalid JSON"},
		{"empty body", "/v1/owners/alice/pets", "application/json", ``, 400, "body: request body is required"},
		{"wrong content type", "/v1/owners/alice/pets", "text/plain", good, 415, `Content-Type: must be application/json, not "text/plain"`},
		{"missing content type", "/v1/owners/alice/pets", "", good, 415, "Content-Type: is required: application/json"},
		{"invalid UTF-8", "/v1/owners/alice/pets", "application/json", "{\"meta\":{\"name\":\"r\xffx\"}}", 400, "body: is not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var called bool
			e := newServer(t, pipeline.Options{}, func(c echo.Context, in pipeline.Request) (int, any, error) { called = true; return okHandler(c, in) })
			r := do(t, e, http.MethodPost, tc.target, tc.ct, tc.body)
			if r.status != tc.status {
				t.Errorf("status = %d, want %d (%s)", r.status, tc.status, r.raw)
			}
			msg, _ := r.body["message"].(string)
			if !strings.HasPrefix(msg, tc.message) {
				t.Errorf("message = %q, want it to start %q", msg, tc.message)
			}
			// Never kin-openapi's schema dump.
			if len(msg) > 300 || strings.Contains(msg, "Schema:") || strings.Contains(msg, `"properties"`) {
				t.Errorf("message dumps the schema: %q", msg)
			}
			if called {
				t.Error("handler ran for an invalid request")
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	e := newServer(t, pipeline.Options{MaxBodyBytes: 64}, okHandler)
	big := `{"meta":{"name":"rex"},"free":{"pad":"` + strings.Repeat("x", 100) + `"}}`
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", big)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413: %s", r.status, r.raw)
	}
	if want := "body: request body exceeds the limit of 64 bytes"; r.body["message"] != want {
		t.Errorf("message = %q, want %q", r.body["message"], want)
	}
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusOK {
		t.Errorf("a body under the limit: status %d", r.status)
	}
}

func TestUnknownFields(t *testing.T) {
	e := newServer(t, pipeline.Options{RejectUnknownFields: true}, okHandler)
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", `{"meta":{"name":"rex","colour":"red"},"extra":1}`)
	if r.status != http.StatusBadRequest || r.body["message"] != "extra: unknown field; meta.colour: unknown field" {
		t.Fatalf("got %d %q", r.status, r.body["message"])
	}
	// Declared maps, free-form objects and readOnly fields are not unknown.
	ok := `{"id":"client-sent","meta":{"name":"rex","labels":{"any":"thing"}},"free":{"x":{"y":1}}}`
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", ok); r.status != http.StatusOK {
		t.Fatalf("status %d for declared maps and free-form objects: %s", r.status, r.raw)
	}
	// Without the option, unknown fields pass as the schema allows.
	e = newServer(t, pipeline.Options{}, okHandler)
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", `{"meta":{"name":"rex"},"extra":1}`); r.status != http.StatusOK {
		t.Fatalf("status %d without RejectUnknownFields", r.status)
	}
}

func badResponse(echo.Context, pipeline.Request) (int, any, error) {
	return http.StatusOK, map[string]any{"id": json.Number("42")}, nil // id must be a string; owner is missing
}

func TestResponseFailure(t *testing.T) {
	e := newServer(t, pipeline.Options{}, badResponse)
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500 for a response that breaks the spec", r.status)
	}
	msg, _ := r.body["message"].(string)
	for _, want := range []string{"CreatePet", "id: value must be a string", "owner: value is required"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
	if r.header.Get(pipeline.ViolationHeader) != "" {
		t.Error("strict mode set the violation header")
	}
}

func TestLenientResponses(t *testing.T) {
	e := newServer(t, pipeline.Options{LenientResponses: true}, badResponse)
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusOK || r.body["id"] != float64(42) {
		t.Fatalf("lenient mode changed the response: %d %s", r.status, r.raw)
	}
	if h := r.header.Get(pipeline.ViolationHeader); !strings.Contains(h, "owner: value is required") {
		t.Errorf("%s = %q", pipeline.ViolationHeader, h)
	}
}

func TestUndeclaredStatusIsAResponseFailure(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: A
      responses:
        '200': {description: ok}
`
	v, err := pipeline.New(loadDoc(t, spec), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	if err := v.Register(e, map[string]pipeline.Handler{"A": func(echo.Context, pipeline.Request) (int, any, error) { return http.StatusTeapot, nil, nil }}); err != nil {
		t.Fatal(err)
	}
	if r := do(t, e, http.MethodGet, "/a", "", ""); r.status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500 for a status the spec does not declare", r.status)
	}
}

func TestErrorResponsesAreChecked(t *testing.T) {
	// A handler's error is rendered by the error handler and then checked
	// like any response: here the rendered body matches the default response.
	e := newServer(t, pipeline.Options{}, func(echo.Context, pipeline.Request) (int, any, error) {
		return 0, nil, &testError{status: http.StatusConflict, Msg: "taken"}
	})
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusConflict || r.body["message"] != "taken" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	e := newServer(t, pipeline.Options{}, okHandler)
	for _, path := range []string{"/v1/owners/alice/cats", "/v1/owners/alice/pets/extra", "/v1/owners/a/b/pets"} {
		if r := do(t, e, http.MethodPost, path, "application/json", good); r.status != http.StatusNotFound {
			t.Errorf("unknown route %s: status %d, want 404", path, r.status)
		}
	}
	if r := do(t, e, http.MethodPut, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusMethodNotAllowed {
		t.Errorf("wrong method: status %d, want 405 (the vendor maps it)", r.status)
	}
}

func TestAuthenticateRunsBeforeValidation(t *testing.T) {
	denied := &testError{status: http.StatusUnauthorized, Msg: "who are you"}
	e := newServer(t, pipeline.Options{Authenticate: func(echo.Context) error { return denied }}, okHandler)
	// An invalid body without credentials gets the 401, not a 400.
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", `{"meta":`)
	if r.status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401 before body validation", r.status)
	}
}

func TestPanicLeavesNoHalfResponse(t *testing.T) {
	e := newServer(t, pipeline.Options{}, func(c echo.Context, _ pipeline.Request) (int, any, error) {
		_ = c.String(http.StatusOK, "partial")
		panic("boom")
	})
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = &testError{status: http.StatusInternalServerError, Msg: "recovered"}
				}
			}()
			return next(c)
		}
	})
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusInternalServerError || r.body["message"] != "recovered" {
		t.Fatalf("got %d %q, want the recovered 500 and nothing of the partial response", r.status, r.raw)
	}
}

func TestRegisterKeepsSpecAndHandlersInStep(t *testing.T) {
	v, err := pipeline.New(loadDoc(t, petSpec), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Register(echo.New(), map[string]pipeline.Handler{}); err == nil || !strings.Contains(err.Error(), "CreatePet") {
		t.Errorf("missing handler: err = %v", err)
	}
	hs := map[string]pipeline.Handler{"CreatePet": okHandler, "Stray": okHandler}
	if err := v.Register(echo.New(), hs); err == nil || !strings.Contains(err.Error(), "Stray") {
		t.Errorf("handler without operation: err = %v", err)
	}
}

func TestOperationsAndEchoPath(t *testing.T) {
	v, err := pipeline.New(loadDoc(t, petSpec), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ops := v.Operations()
	want := pipeline.Operation{ID: "CreatePet", Method: "POST", Path: "/v1/owners/{owner.name}/pets", EchoPath: "/v1/owners/:owner.name/pets"}
	if len(ops) != 1 || ops[0] != want {
		t.Fatalf("Operations() = %+v, want [%+v]", ops, want)
	}
}

func TestNewRejectsOperationWithoutID(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ok}
`
	if _, err := pipeline.New(loadDoc(t, spec), pipeline.Options{}); err == nil || !strings.Contains(err.Error(), "GET /a") {
		t.Fatalf("err = %v, want one naming GET /a", err)
	}
}

func TestViolationsAndOperationIDAreLeftForTheJournal(t *testing.T) {
	e := newServer(t, pipeline.Options{}, okHandler)
	var gotOp string
	var gotViolations []pipeline.Violation
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			st := pipeline.StateOf(c)
			gotOp, gotViolations = st.Operation, st.Violations
			return err
		}
	})
	do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", `{"meta":{}}`)
	if gotOp != "CreatePet" || len(gotViolations) != 1 || gotViolations[0].String() != "meta.name: value is required" {
		t.Fatalf("operation %q, violations %v", gotOp, gotViolations)
	}
}

func TestAuthenticateMayReadTheBody(t *testing.T) {
	var seenByAuth, seenByHandler string
	auth := func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		seenByAuth = string(b)
		return err
	}
	e := newServer(t, pipeline.Options{Authenticate: auth}, func(c echo.Context, in pipeline.Request) (int, any, error) {
		b, _ := io.ReadAll(c.Request().Body)
		seenByHandler = string(b)
		return okHandler(c, in)
	})
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if seenByAuth != good || seenByHandler != good {
		t.Errorf("auth read %q, handler read %q; both want the whole body", seenByAuth, seenByHandler)
	}
}

func TestBodyLimitComesBeforeAuthenticate(t *testing.T) {
	called := false
	auth := func(echo.Context) error { called = true; return &testError{status: http.StatusUnauthorized, Msg: "no"} }
	e := newServer(t, pipeline.Options{Authenticate: auth, MaxBodyBytes: 8}, okHandler)
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413 before authentication", r.status)
	}
	if called {
		t.Error("Authenticate ran on a body over the limit")
	}
}

// A media type that is JSON under another name is validated as
// application/json, on the way in and on the way out; without the option
// it is refused, and a response in it breaks the spec.
func TestJSONMediaTypes(t *testing.T) {
	compact := func(c echo.Context, _ pipeline.Request) (int, any, error) {
		c.Response().Header().Set("Content-Type", "application/jsoncompact")
		return http.StatusOK, json.RawMessage(`{"id":"p1","owner":"alice"}`), nil
	}
	e := newServer(t, pipeline.Options{JSONMediaTypes: []string{"application/jsoncompact"}}, func(c echo.Context, in pipeline.Request) (int, any, error) {
		if ct := c.Request().Header.Get("Content-Type"); ct != "application/jsoncompact; charset=utf-8" {
			t.Errorf("the handler sees Content-Type %q, want the client's", ct)
		}
		return compact(c, in)
	})
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/jsoncompact; charset=utf-8", good)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	// The same violations as application/json.
	r = do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/jsoncompact; charset=utf-8", `{"meta":{"name":7}}`)
	if r.status != http.StatusBadRequest || !strings.Contains(r.raw, "meta.name: value must be a string") {
		t.Errorf("invalid jsoncompact body: %d %s", r.status, r.raw)
	}

	strict := newServer(t, pipeline.Options{}, compact)
	r = do(t, strict, http.MethodPost, "/v1/owners/alice/pets", "application/jsoncompact", good)
	if r.status != http.StatusUnsupportedMediaType {
		t.Errorf("without the option, jsoncompact: %d, want 415", r.status)
	}
	r = do(t, strict, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusInternalServerError {
		t.Errorf("without the option, a jsoncompact response: %d, want 500", r.status)
	}
}

// A declared response header that is missing or wrong is named as the
// header, not as the body.
func TestResponseHeaderViolationsNameTheHeader(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: ids, version: '1'}
paths:
  /ids:
    get:
      operationId: GetID
      responses:
        '200':
          description: an id
          headers:
            X-Request-Id: {required: true, schema: {type: string, pattern: '^[0-9a-f]{4}$'}}
          content:
            application/json:
              schema: {type: object}
`
	for _, tc := range []struct{ header, want string }{
		{"", `header X-Request-Id: is required`},
		{"nope", `header X-Request-Id: string doesn't match the regular expression`},
	} {
		v, err := pipeline.New(loadDoc(t, spec), pipeline.Options{LenientResponses: true})
		if err != nil {
			t.Fatal(err)
		}
		e := echo.New()
		if err := v.Register(e, map[string]pipeline.Handler{"GetID": func(c echo.Context, _ pipeline.Request) (int, any, error) {
			if tc.header != "" {
				c.Response().Header().Set("X-Request-Id", tc.header)
			}
			return http.StatusOK, map[string]any{}, nil
		}}); err != nil {
			t.Fatal(err)
		}
		r := do(t, e, http.MethodGet, "/ids", "", "")
		if got := r.header.Get(pipeline.ViolationHeader); !strings.HasPrefix(got, tc.want) {
			t.Errorf("header %q: violation %q, want it to start with %q", tc.header, got, tc.want)
		}
	}
}

func TestMarshalJSON(t *testing.T) {
	got, err := jsonvalue.Marshal(map[string]any{"m": "a<b & c>d"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"m":"a<b & c>d"}`; string(got) != want {
		t.Errorf("MarshalJSON = %q, want %q (no HTML escaping, no newline)", got, want)
	}
}

// readOnly and writeOnly keep their meaning where a schema has them: a
// required readOnly property may be left out of a request, and a writeOnly
// one out of a response, where it is refused.
func TestReadOnlyAndWriteOnly(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    post:
      operationId: Make
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id, name]
              properties:
                id: {type: string, readOnly: true}
                name: {type: string}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [name, secret]
                properties:
                  name: {type: string}
                  secret: {type: string, writeOnly: true}
`
	for _, tc := range []struct {
		name   string
		answer map[string]any
		status int
	}{
		{"without the writeOnly property", map[string]any{"name": "a"}, http.StatusOK},
		{"with the writeOnly property", map[string]any{"name": "a", "secret": "s"}, http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := pipeline.New(loadDoc(t, spec), pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			called := false
			if err := v.Register(e, map[string]pipeline.Handler{"Make": func(echo.Context, pipeline.Request) (int, any, error) {
				called = true
				return http.StatusOK, tc.answer, nil
			}}); err != nil {
				t.Fatal(err)
			}
			if r := do(t, e, http.MethodPost, "/things", "application/json", `{"name":"a"}`); r.status != tc.status {
				t.Errorf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if !called {
				t.Error("the request without its readOnly id did not reach the handler")
			}
		})
	}
}

// A property that additionalProperties: false refuses is named as the
// field, in RejectUnknownFields' words, not as the body with kin-openapi's
// reason ("body: property \"colour\" is unsupported").
func TestClosedObjectNamesTheUnknownField(t *testing.T) {
	spec := strings.Replace(petSpec, "                  properties:\n                    name:",
		"                  additionalProperties: false\n                  properties:\n                    name:", 1)
	v, err := pipeline.New(loadDoc(t, spec), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	if err := v.Register(e, map[string]pipeline.Handler{"CreatePet": okHandler}); err != nil {
		t.Fatal(err)
	}
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", `{"meta":{"name":"rex","colour":"red"}}`)
	if r.status != http.StatusBadRequest || r.body["message"] != "meta.colour: unknown field" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
}

// An operation's answer is written into a buffer sized by its last
// answer: answers larger and smaller than the one before, and larger than
// any buffer made up front, still reach the client whole.
func TestAnswersOfAnySizeAreWrittenWhole(t *testing.T) {
	var id string
	e := newServer(t, pipeline.Options{}, func(c echo.Context, in pipeline.Request) (int, any, error) {
		return http.StatusOK, map[string]any{"id": id, "owner": in.Params["owner.name"]}, nil
	})
	for _, n := range []int{1, 5000, 3, 200 << 10, 2, 70 << 10, 70<<10 + 1} {
		id = strings.Repeat("x", n)
		want, err := json.Marshal(map[string]any{"id": id, "owner": "alice"})
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
		if r.status != http.StatusOK || r.raw != string(want) {
			t.Fatalf("id of %d bytes: status %d, body of %d bytes, want %d bytes: %.200s", n, r.status, len(r.raw), len(want), r.raw)
		}
	}
}

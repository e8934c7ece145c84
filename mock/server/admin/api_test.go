package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
)

// An admin API of three routes besides those Register serves itself (the
// index and the spec): one that needs the token (the document's default
// security), one that needs none, and one that answers to any Host.
const thingsSpec = `
openapi: 3.0.3
info: {title: admin, version: '1'}
security: [{adminToken: []}]
paths:
  /:
    get: {operationId: getRoot, security: [], x-repomock-any-host: true, responses: {'200': {description: index}}}
  /__admin:
    get: {operationId: getAdminIndex, security: [], responses: {'200': {description: index}}}
  /__admin/openapi.yaml:
    get: {operationId: getAdminSpec, security: [], responses: {'200': {description: spec, content: {application/yaml: {}}}}}
  /__admin/things:
    get:
      operationId: listThings
      responses:
        '200':
          description: the things
          content:
            application/json:
              schema:
                type: object
                additionalProperties: false
                required: [things]
                properties:
                  things: {type: array, items: {type: string}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Error'}
  /__admin/open:
    get:
      operationId: getOpen
      security: []
      responses:
        '204': {description: done}
        '403': {$ref: '#/components/responses/Error'}
  /__admin/anyhost:
    get:
      operationId: getAnyHost
      security: []
      x-repomock-any-host: true
      responses:
        '204': {description: done}
components:
  securitySchemes:
    adminToken: {type: apiKey, in: header, name: X-Repomock-Admin-Token}
  responses:
    Error:
      description: an error
      content:
        application/json:
          schema:
            type: object
            additionalProperties: false
            required: [message]
            properties:
              message: {type: string}
`

func thingsDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(thingsSpec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// things answers its things; ?bad=1 answers what the spec does not allow.
func things(c echo.Context, in pipeline.Request) (int, any, error) {
	if in.Query.Has("bad") {
		return http.StatusOK, map[string]any{"thing": "one"}, nil
	}
	return http.StatusOK, map[string]any{"things": []any{"one"}}, nil
}

func noContent(echo.Context, pipeline.Request) (int, any, error) {
	return http.StatusNoContent, nil, nil
}

func TestRegisterHoldsTheAdminAPIToItsSpec(t *testing.T) {
	hosts, err := admin.NewHosts("127.0.0.1:8080", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) { pipeline.DefaultErrFunc(c, err) }
	err = admin.Register(e, admin.Spec{Doc: thingsDoc(t), Text: []byte(thingsSpec)},
		map[string]pipeline.Handler{"listThings": things, "getOpen": noContent, "getAnyHost": noContent},
		admin.Options{Hosts: hosts, Token: "s3cret", ErrFunc: pipeline.DefaultErrFunc})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target, host, token string
		status              int
		body                string
		method              string // GET unless set
	}{
		{"/__admin/things", "", "s3cret", 200, `{"things":["one"]}`, ""},
		// The answer is held to the spec: one that breaks it never leaves.
		{"/__admin/things?bad=1", "", "s3cret", 500, `{"message":"response of listThings (HTTP 200) violates the spec: thing: unknown field; things: value is required"}`, ""},
		// The document's security asks for the token; an operation's own
		// security: [] does not.
		{"/__admin/things", "", "", 401, `{"message":"X-Repomock-Admin-Token: missing or wrong admin token"}`, ""},
		{"/__admin/open", "", "", 204, ``, ""},
		// Every route under /__admin answers only to this server's names,
		// but those marked x-repomock-any-host.
		{"/__admin/open", "rebind.evil.example", "", 403, ``, ""},
		{"/__admin/anyhost", "rebind.evil.example", "", 204, ``, ""},
		// A path no operation serves: the token first, then a 404 that
		// says where the routes are.
		{"/__admin/nope", "", "", 401, ``, ""},
		{"/__admin/nope", "", "s3cret", 404, `{"message":"GET /__admin/nope: no such admin route; GET /__admin lists them, and GET /__admin/openapi.yaml describes them"}`, ""},
		{"/__admin/openapi.yaml", "", "", 200, thingsSpec, ""},
		// A path served with other methods: 405, saying which.
		{"/__admin/things", "", "s3cret", 405, `{"message":"POST /__admin/things: not allowed; it takes GET"}`, http.MethodPost},
		{"/__admin", "", "s3cret", 405, `{"message":"DELETE /__admin: not allowed; it takes GET"}`, http.MethodDelete},
	} {
		if c.method == "" {
			c.method = http.MethodGet
		}
		req := httptest.NewRequest(c.method, c.target, nil)
		req.Host = "127.0.0.1:8080"
		if c.host != "" {
			req.Host = c.host
		}
		if c.token != "" {
			req.Header.Set(admin.TokenHeader, c.token)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != c.status || c.body != "" && strings.TrimSpace(rec.Body.String()) != strings.TrimSpace(c.body) {
			t.Errorf("%s %s (Host %q, token %q): %d %s, want %d %s", c.method, c.target, c.host, c.token, rec.Code, rec.Body, c.status, c.body)
		}
		if c.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET" {
			t.Errorf("%s %s: Allow %q, want GET", c.method, c.target, rec.Header().Get("Allow"))
		}
	}
}

// A handler the spec has no operation for, or an operation without a
// handler, stops Register: the routes and the spec cannot drift apart.
func TestRegisterRefusesRoutesTheSpecDoesNotDescribe(t *testing.T) {
	for _, c := range []struct {
		handlers map[string]pipeline.Handler
		want     string
	}{
		{map[string]pipeline.Handler{"listThings": things, "getOpen": noContent, "getAnyHost": noContent, "listOthers": things}, "handlers without an operation: listOthers"},
		{map[string]pipeline.Handler{"listThings": things, "getOpen": noContent}, "operations without a handler: getAnyHost"},
	} {
		err := admin.Register(echo.New(), admin.Spec{Doc: thingsDoc(t)}, c.handlers, admin.Options{ErrFunc: pipeline.DefaultErrFunc})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one saying %q", err, c.want)
		}
	}
}

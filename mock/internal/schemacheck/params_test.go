package schemacheck_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// paramsSpec has a parameter of each kind the vendors' specs use, and some
// they do not, each way it can be given or left out.
const paramsSpec = `
openapi: 3.0.3
info: {title: t, version: '1'}
security: [{token: []}]
components:
  securitySchemes:
    token: {type: apiKey, in: header, name: X-Auth-Token}
  headers:
    RequestId:
      required: true
      schema: {type: string, minLength: 1}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[0-9a-f]{4}$'}}
      - {name: ref, in: query, required: true, schema: {type: string, minLength: 1}}
    get:
      operationId: GetThing
      parameters:
        - {name: ref, in: query, schema: {type: string, maxLength: 3}}
        - {name: size, in: query, schema: {type: integer, format: int32, minimum: 1, maximum: 100}}
        - {name: big, in: query, schema: {type: integer}}
        - {name: ratio, in: query, schema: {type: number, minimum: 0}}
        - {name: count, in: query, schema: {type: boolean}}
        - {name: empty, in: query, allowEmptyValue: true, schema: {type: integer}}
        - {name: word, in: query, allowEmptyValue: true, schema: {type: string, minLength: 2}}
        - {name: level, in: query, schema: {type: integer, enum: [0, 20]}}
        - {name: X-Repo-Auth, in: header, required: true, schema: {type: string, pattern: '^[a-z]{4,8}$'}}
        - {name: X-Count, in: header, schema: {type: integer}}
      responses:
        '200':
          description: ok
          headers:
            X-Request-Id: {$ref: '#/components/headers/RequestId'}
            X-Count: {schema: {type: integer, maximum: 5}}
            X-Flag: {schema: {type: boolean}}
            Content-Type: {required: true, schema: {type: string, enum: [never]}}
          content:
            application/json:
              schema: {type: object}
        4XX:
          description: client error
          headers:
            X-Request-Id: {$ref: '#/components/headers/RequestId'}
        default:
          description: other
`

// The options the pipeline gives ValidateRequest and ValidateResponse.
var (
	reqOpts = openapi3filter.Options{
		MultiError: true, ExcludeReadOnlyValidations: true, SkipSettingDefaults: true, ExcludeRequestBody: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
	respHeadOpts = openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, ExcludeResponseBody: true}
)

func loadDoc(t testing.TB, spec string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestParamsAgreeWithKin holds the compiled parameters to
// ValidateRequest's verdict over every combination of a path value, a
// query and the headers, each valid, wrong, empty or absent.
func TestParamsAgreeWithKin(t *testing.T) {
	doc := loadDoc(t, paramsSpec)
	item := doc.Paths.Value("/things/{id}")
	route := &routers.Route{Spec: doc, Path: "/things/{id}", PathItem: item, Method: http.MethodGet, Operation: item.Get}
	p, err := schemacheck.CompileParams(doc, item, item.Get, &reqOpts)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"00af", "00AF", "", "12345"}
	queries := []string{
		"ref=ab", "", "ref=", "ref=abcd", "ref=&ref=ab", "ref=&ref=abcd", "ref=ab&size=&size=x", "ref=ab&size=&size=&size=5", "ref=ab&ref=", "ref=a%62", "ref=a+b", "ref=ab;size=2", "ref=%zz&ref=ab",
		"ref=ab&size=1", "ref=ab&size=0", "ref=ab&size=101", "ref=ab&size=2147483648", "ref=ab&size=x", "ref=ab&size=",
		"ref=ab&big=9223372036854775807", "ref=ab&big=9223372036854775808", "ref=ab&big=-1",
		"ref=ab&ratio=0.5", "ref=ab&ratio=-0.5", "ref=ab&ratio=1e400", "ref=ab&ratio=0x1p4", "ref=ab&ratio=Inf", "ref=ab&ratio=1_0",
		"ref=ab&count=true", "ref=ab&count=T", "ref=ab&count=yes", "ref=ab&count=",
		"ref=ab&empty=", "ref=ab&empty=3", "ref=ab&empty=x", "ref=ab&word=", "ref=ab&word=a", "ref=ab&word=abc",
		"ref=ab&level=20", "ref=ab&level=21", "ref=ab&level=20.0", "ref=ab&&level=0", "ref=ab&level",
	}
	headers := []map[string][]string{
		{"X-Repo-Auth": {"abcd"}},
		{},
		{"X-Repo-Auth": {""}},
		{"X-Repo-Auth": {}},
		{"X-Repo-Auth": {"ab"}},
		{"X-Repo-Auth": {"abcd", "x"}},
		{"X-Repo-Auth": {"abcd"}, "X-Count": {"7"}},
		{"X-Repo-Auth": {"abcd"}, "X-Count": {"seven"}},
		{"X-Repo-Auth": {"abcd"}, "X-Count": {""}},
		{"X-Repo-Auth": {"abcd"}, "X-Count": {}},
	}
	var valid, invalid int
	for _, id := range ids {
		for _, q := range queries {
			for _, h := range headers {
				req := httptest.NewRequest(http.MethodGet, "/things/x?"+q, nil)
				req.Header = h
				path := map[string]string{"id": id}
				want := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
					Request: req, PathParams: path, Route: route, Options: &reqOpts,
				})
				if got := p.Valid(req, path); got != (want == nil) {
					t.Errorf("id %q, query %q, headers %v: compiled says valid=%v, kin-openapi: %v", id, q, h, got, want)
				}
				if want == nil {
					valid++
				} else {
					invalid++
				}
			}
		}
	}
	t.Logf("%d valid and %d invalid requests compared", valid, invalid)
}

// TestAnswersAgreeWithKin holds the compiled statuses and headers to
// ValidateResponse's verdict (without the body).
func TestAnswersAgreeWithKin(t *testing.T) {
	doc := loadDoc(t, paramsSpec)
	item := doc.Paths.Value("/things/{id}")
	route := &routers.Route{Spec: doc, Path: "/things/{id}", PathItem: item, Method: http.MethodGet, Operation: item.Get}
	a, err := schemacheck.CompileAnswers(doc, item.Get, &respHeadOpts)
	if err != nil {
		t.Fatal(err)
	}
	headers := []http.Header{
		{"X-Request-Id": {"r1"}},
		{},
		{"X-Request-Id": {""}},
		{"X-Request-Id": {}},
		{"X-Request-Id": {"r1"}, "X-Count": {"5"}},
		{"X-Request-Id": {"r1"}, "X-Count": {"6"}},
		{"X-Request-Id": {"r1"}, "X-Count": {"x"}},
		{"X-Request-Id": {"r1"}, "X-Count": {""}},
		{"X-Request-Id": {"r1"}, "X-Flag": {"1"}},
		{"X-Request-Id": {"r1"}, "X-Flag": {"maybe"}},
		{"X-Request-Id": {"r1"}, "Content-Type": {"application/json"}},
	}
	var valid, invalid int
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, status := range []int{200, 201, 204, 301, 304, 400, 404, 499, 500, 0, 99, 600, 999} {
			for _, h := range headers {
				req := httptest.NewRequest(method, "/things/00af", nil)
				want := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: &reqOpts},
					Status:                 status, Header: h, Options: &respHeadOpts,
				})
				if got := a.Valid(method, status, h); got != (want == nil) {
					t.Errorf("%s → %d %v: compiled says valid=%v, kin-openapi: %v", method, status, h, got, want)
				}
				if want == nil {
					valid++
				} else {
					invalid++
				}
			}
		}
	}
	t.Logf("%d valid and %d invalid answers compared", valid, invalid)
}

// TestParamsDoNotAllocate: checking valid parameters allocates nothing.
func TestParamsDoNotAllocate(t *testing.T) {
	doc := loadDoc(t, paramsSpec)
	item := doc.Paths.Value("/things/{id}")
	p, err := schemacheck.CompileParams(doc, item, item.Get, &reqOpts)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/things/00af?ref=ab&size=20&ratio=0.5&count=true", nil)
	req.Header.Set("X-Repo-Auth", "abcd")
	path := map[string]string{"id": "00af"}
	if !p.Valid(req, path) {
		t.Fatal("refused valid parameters")
	}
	if n := testing.AllocsPerRun(100, func() { p.Valid(req, path) }); n != 0 {
		t.Errorf("%v allocations per check, want 0", n)
	}
}

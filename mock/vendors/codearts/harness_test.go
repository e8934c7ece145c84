package codearts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/codearts"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/specs"
)

// Values used throughout the tests.
const (
	projectA = "4838955a48e2492bbe44b31bc4c272f6"
	projectB = "0123456789abcdef0123456789ABCDEF"
	seed     = 42
)

var testNow = time.Date(2026, 11, 22, 7, 24, 42, 0, time.UTC)

func fixedClock() time.Time { return testNow }

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := specs.Load(context.Background(), os.DirFS("../../../specs"), specs.CodeArts)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// testRequestID is the id the gateway names every answer with.
const testRequestID = "0123456789abcdef0123456789abcdef"

// newFake builds a fake with a fixed clock, a seeded Faker, and in front of
// it an API gateway that names every request testRequestID.
func newFake(fx *codearts.Fixtures) *codearts.Fake {
	return codearts.New(codearts.Config{Fixtures: fx, Clock: fixedClock, Faker: gofakeit.New(seed),
		Gateway: huawei.New(huawei.Config{RequestID: func() string { return testRequestID }})})
}

// serve serves the fake as repomock does (server.Config.Vendors): behind
// the validator and its gateway, with the one error renderer.
func serve(t *testing.T, fake *codearts.Fake) http.Handler {
	t.Helper()
	return serveWith(t, fake, server.Config{})
}

// serveWith is serve with server settings (a body limit).
func serveWith(t *testing.T, fake *codearts.Fake, cfg server.Config) http.Handler {
	t.Helper()
	cfg.Vendors = []vendor.Plugin{vendor.Serve(fake)}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler()
}

type response struct {
	status int
	body   string
}

// do sends a request with an IAM token, as a client of the gateway does;
// headers (name, value pairs) replace it, "" deleting.
func do(t *testing.T, h http.Handler, method, path, body string, headers ...string) response {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	req.Header.Set(huawei.HeaderToken, "test-iam-token")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, body: rec.Body.String()}
}

// gatewayBody is the whole body of an API gateway error.
func gatewayBody(code, message string) string {
	b, _ := json.Marshal(map[string]string{"error_code": code, "error_msg": message, "request_id": testRequestID})
	return string(b)
}

// chError is the whole body of a CodeArts error.
func chError(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}, "status": "failed"})
	return string(b)
}

// sameJSON compares two JSON documents whole.
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body\n got: %s\nwant: %s", strings.TrimSpace(got), want)
	}
}

func expect(t *testing.T, r response, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d (body %s)", r.status, status, strings.TrimSpace(r.body))
	}
	sameJSON(t, r.body, body)
}

// create posts a valid body and returns the new repository's uuid.
func create(t *testing.T, h http.Handler, project, name string, extra string) string {
	t.Helper()
	body := fmt.Sprintf(`{"project_uuid":%q,"name":%q%s}`, project, name, extra)
	r := do(t, h, http.MethodPost, "/v1/repositories", body)
	if r.status != http.StatusOK {
		t.Fatalf("create %s/%s: HTTP %d %s", project, name, r.status, r.body)
	}
	var out struct {
		Result struct {
			RepositoryUUID string `json:"repository_uuid"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Result.RepositoryUUID
}

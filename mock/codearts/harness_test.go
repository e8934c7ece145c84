package codearts_test

import (
	"context"
	"encoding/json"
	"errors"
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

	"github.com/repomock/repomock/mock/codearts"
	"github.com/repomock/repomock/mock/huaweiauth"
	"github.com/repomock/repomock/mock/openapi"
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
	doc, err := specs.Load(context.Background(), os.DirFS("../../specs"), codearts.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// newFake builds a fake with a fixed clock and a seeded Faker.
func newFake(fx *codearts.Fixtures) *codearts.Fake {
	return codearts.New(codearts.Config{Fixtures: fx, Clock: fixedClock, Faker: gofakeit.New(seed)})
}

// statusError is what mock/errors.go writes as it is: *codearts.Error, and
// the gateway's *huaweiauth.Error.
type statusError interface {
	error
	StatusCode() int
}

// serve puts the fake behind the real validator, with an error handler
// that does what mock/errors.go does: an error that knows its status is
// written as it is, anything else goes through the gateway's ErrorFor,
// else codearts.ErrorFor.
func serve(t *testing.T, fake *codearts.Fake) http.Handler {
	t.Helper()
	return serveWith(t, fake, openapi.Options{})
}

// testRequestID is the id the stand-in gateway names every answer with.
const testRequestID = "0123456789abcdef0123456789abcdef"

// serveWith is serve with validator options (body limit, auth hook).
// As in the server, the API gateway in front of the fake names every
// answer with X-Request-Id: its authentication hook names the answers that
// get past it, and the error handler names the errors. As in the server,
// integer fields are read with openapi.IntegerStrings.
func serveWith(t *testing.T, fake *codearts.Fake, opts openapi.Options) http.Handler {
	t.Helper()
	auth := opts.Authenticate
	opts.Authenticate = func(c echo.Context) error {
		c.Response().Header().Set(huaweiauth.HeaderRequestID, testRequestID)
		if auth != nil {
			return auth(c)
		}
		return nil
	}
	opts.Codec = openapi.IntegerStrings{}
	v, err := openapi.New(loadSpec(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var out statusError
		if !errors.As(err, &out) {
			status, msg := http.StatusInternalServerError, "internal error"
			var (
				reqErr  *openapi.RequestError
				respErr *openapi.ResponseError
				httpErr *echo.HTTPError
			)
			switch {
			case errors.As(err, &reqErr):
				status, msg = reqErr.Status, reqErr.Error()
			case errors.As(err, &respErr):
				msg = "repomock: " + respErr.Error()
			case errors.As(err, &httpErr):
				status, msg = httpErr.Code, fmt.Sprint(httpErr.Message)
			}
			if gw := huaweiauth.ErrorFor(status, msg); gw != nil {
				out = gw
			} else {
				out = codearts.ErrorFor(status, msg)
			}
		}
		if gw, ok := out.(*huaweiauth.Error); ok {
			gw.SetRequestID(testRequestID)
		}
		c.Response().Header().Set(huaweiauth.HeaderRequestID, testRequestID)
		_ = c.JSON(out.StatusCode(), out)
	}
	if err := v.Register(e, fake.Handlers()); err != nil {
		t.Fatal(err)
	}
	return e
}

type response struct {
	status int
	body   string
}

func do(t *testing.T, h http.Handler, method, path, body string) response {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
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

package huawei_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/vendors/huawei"
)

// The gateway answers what it answers on its own in its own shape, the
// same for every service behind it; the rest is the service's (nil).
func TestErrorFor(t *testing.T) {
	tests := []struct {
		status     int
		message    string
		wantStatus int
		wantBody   string // "" for nil
	}{
		{401, "no credentials", 401, `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: no credentials","request_id":"req-1"}`},
		{404, "Not Found", 404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment","request_id":"req-1"}`},
		{405, "Method Not Allowed", 404, `{"error_code":"APIGW.0101","error_msg":"The API does not exist","request_id":"req-1"}`},
		{413, "body: request body exceeds the limit of 10 bytes", 413, `{"error_code":"APIGW.0201","error_msg":"Request entity too large","request_id":"req-1"}`},
		{400, "name: value is required", 0, ""},
		{415, "Content-Type: must be application/json", 0, ""},
		{500, "internal error", 0, ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			e := huawei.ErrorFor(tt.status, tt.message)
			if tt.wantBody == "" {
				if e != nil {
					t.Fatalf("ErrorFor(%d) = %+v, want nil: the service answers it", tt.status, e)
				}
				return
			}
			if e == nil {
				t.Fatalf("ErrorFor(%d) = nil, want the gateway's answer", tt.status)
			}
			e.RequestID = "req-1"
			body, _ := json.Marshal(e)
			if e.StatusCode() != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("HTTP %d %s\nwant HTTP %d %s", e.StatusCode(), body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// A project id is 32 lowercase hex digits; anything else in the path,
// the SDK's literal {project_id} included, gets the gateway's 400.
func TestCheckProjectID(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	notAnID := func(value string) string {
		return `{"error_code":"APIGW.0201","error_msg":"Bad request: project_id \"` + value +
			`\" is not a project id (32 lowercase hexadecimal digits)","request_id":"req-1"}`
	}
	tests := []struct {
		name, path string
		want       string // "" when accepted
	}{
		{"a project id", "/v1/" + id + "/git/files/n/p/a.txt", ""},
		{"escaped elsewhere in the path", "/v1/" + id + "/git/files/n/g%2Fp/a.txt", ""},
		{"the SDK's {project_id}", "/v1/%7Bproject_id%7D/git/files/n/p/a.txt",
			`{"error_code":"APIGW.0201","error_msg":"Bad request: project_id \"{project_id}\" is not a project id (32 lowercase hexadecimal digits); the SDK sends it when its credentials have no project id","request_id":"req-1"}`},
		{"the SDK's {project_id}, raw path", "/v1/%7Bproject_id%7D/git/files/n/g%2Fp/a.txt",
			`{"error_code":"APIGW.0201","error_msg":"Bad request: project_id \"{project_id}\" is not a project id (32 lowercase hexadecimal digits); the SDK sends it when its credentials have no project id","request_id":"req-1"}`},
		{"31 digits", "/v1/" + id[:31] + "/git/files/n/p/a.txt", notAnID(id[:31])},
		{"33 digits", "/v1/" + id + "0/git/files/n/p/a.txt", notAnID(id + "0")},
		{"upper case", "/v1/" + strings.ToUpper(id) + "/git/files/n/p/a.txt", notAnID(strings.ToUpper(id))},
		{"a name", "/v1/my-project/git/files/n/p/a.txt", notAnID("my-project")},
		{"a uuid with dashes", "/v1/01234567-89ab-cdef-0123-456789abcdef/git/files/n/p/a.txt", notAnID("01234567-89ab-cdef-0123-456789abcdef")},
	}
	var (
		called bool
		err    error
	)
	e := echo.New()
	e.GET("/v1/:project_id/git/files/:namespace/:project/:path", func(c echo.Context) error {
		called, err = true, verifier().CheckProjectID(c, "project_id")
		return nil
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called, err = false, nil
			e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tt.path, nil))
			if !called {
				t.Fatalf("%s did not reach the route", tt.path)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var gw *huawei.Error
			if !errors.As(err, &gw) {
				t.Fatalf("err = %v, want the gateway's 400", err)
			}
			body, _ := json.Marshal(gw)
			if gw.StatusCode() != http.StatusBadRequest || string(body) != tt.want {
				t.Errorf("HTTP %d %s\nwant HTTP 400 %s", gw.StatusCode(), body, tt.want)
			}
		})
	}
}

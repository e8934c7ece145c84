package servicestage_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// Names used by the tests. The project id is the one vendors.md's SDK
// example uses.
const (
	projectID = "0123456789abcdef0123456789abcdef"
	repoAuth  = "my-git-auth"
	filesURL  = "/v1/" + projectID + "/git/files/repomock/group:app/"
	treesURL  = filesURL + "trees"
)

// served is a fake served by the real server (server.Config.Vendors): the
// validator, Huawei's API gateway in front of it and the one error
// renderer, as repomock serves it.
type served struct {
	fake    *servicestage.Fake
	handler http.Handler
}

type serverOptions struct {
	maxBodyBytes int64
}

func newServer(t *testing.T, cfg servicestage.Config, opts ...serverOptions) *served {
	t.Helper()
	var o serverOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if cfg.Gateway == nil {
		cfg.Gateway = huawei.New(huawei.Config{RequestID: func() string { return testRequestID }})
	}
	fake := servicestage.New(cfg)
	srv, err := server.New(server.Config{Vendors: []vendor.Plugin{vendor.Serve(fake)}, MaxBodyBytes: o.maxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	return &served{fake: fake, handler: srv.Handler()}
}

// testRequestID is the id the gateway names every answer with.
const testRequestID = "0123456789abcdef0123456789abcdef"

// request is one call; body is sent as JSON unless it is a string.
type request struct {
	method, url string
	body        any
	header      map[string]string // replaces the defaults; "" deletes
}

type response struct {
	status int
	body   string
}

func (s *served) do(t *testing.T, r request) response {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = strings.NewReader(string(data))
	}
	req := httptest.NewRequest(r.method, r.url, body)
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	req.Header.Set(servicestage.HeaderRepoAuth, repoAuth)
	req.Header.Set(huawei.HeaderToken, "test-iam-token")
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return response{status: rec.Code, body: strings.TrimSpace(rec.Body.String())}
}

// must runs r and fails unless it answers want.
func (s *served) must(t *testing.T, r request, want int) response {
	t.Helper()
	got := s.do(t, r)
	if got.status != want {
		t.Fatalf("%s %s: HTTP %d %s, want HTTP %d", r.method, r.url, got.status, got.body, want)
	}
	return got
}

func fileURL(path, ref string) string { return filesURL + path + "?ref=" + ref }

func create(path, ref, content string) request {
	return request{method: http.MethodPost, url: fileURL(path, ref), body: map[string]string{"message": "add " + path, "content": content}}
}

func show(path, ref string) request {
	return request{method: http.MethodGet, url: fileURL(path, ref)}
}

func update(path, ref, content, sha string) request {
	return request{method: http.MethodPut, url: fileURL(path, ref), body: map[string]string{"message": "change " + path, "content": content, "sha": sha}}
}

func remove(path, ref, sha string) request {
	return request{method: http.MethodDelete, url: fileURL(path, ref) + "&message=remove&sha=" + sha}
}

func trees(ref string) request {
	return request{method: http.MethodGet, url: treesURL + "?ref=" + ref}
}

// shown is a decoded ShowContent answer.
type shown struct {
	Path     string `json:"path"`
	Sha      string `json:"sha"`
	Encoding string `json:"encoding"`
	Content  string `json:"content"`
}

func (s *served) show(t *testing.T, path, ref string) shown {
	t.Helper()
	var out shown
	if err := json.Unmarshal([]byte(s.must(t, show(path, ref), http.StatusOK).body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func errBody(code, msg string) string {
	data, _ := json.Marshal(map[string]string{"error_code": code, "error_msg": msg})
	return string(data)
}

// gatewayBody is an API gateway error as the gateway writes it, with the
// request's id.
func gatewayBody(code, msg string) string {
	data, _ := json.Marshal(huawei.Error{Code: code, Message: msg, RequestID: testRequestID})
	return string(data)
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

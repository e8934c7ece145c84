package proxy_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// writeTimeout is the server's write timeout in the test of a long
// upstream below: short, so that the test is.
const writeTimeout = 300 * time.Millisecond

// A recording holds no secret, whatever the body it is sent (issue 21,
// finding 5: a body that was not clean JSON was recorded verbatim).
func TestProxyRecordingRedactsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	up := newUpstream(t, server.Config{})
	px := newProxy(t, up.url, proxy.Config{RecordDir: dir})
	for _, b := range vendorstest.SecretBodies() {
		do(t, px, proxyCall{"POST", "/v1/auth/api-key", map[string]string{"Content-Type": b.ContentType}, b.Body}, nil)
	}
	files, _ := filepath.Glob(filepath.Join(dir, proxy.ExchangesDir, "*.json"))
	if len(files) != len(vendorstest.SecretBodies()) {
		t.Fatalf("recorded %d exchanges, want %d", len(files), len(vendorstest.SecretBodies()))
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if i := bytes.Index(data, []byte("leak")); i >= 0 {
			t.Errorf("%s holds a secret: …%s…", filepath.Base(f), data[max(0, i-100):min(len(data), i+50)])
		}
	}
}

// A correctly signed request with a body, on a path the proxy forwards
// unchecked (no operation of the spec), is verified over its body and
// signed again over the body it forwards (issue 21, finding 7: the
// signature was checked before the body was read, against an empty one,
// and the request refused with 401 "signature does not match").
func TestProxySignsTheBodyOfAnUnroutedRequest(t *testing.T) {
	creds := []huawei.Credential{{AK: proxyAK, SK: proxySK}}
	verifier := huawei.New(huawei.Config{Credentials: creds})
	var received []byte
	e := echo.New()
	e.Any("/*", func(c echo.Context) error {
		if err := verifier.Authenticate(c); err != nil {
			return c.JSON(http.StatusUnauthorized, err)
		}
		received, _ = io.ReadAll(c.Request().Body)
		return c.JSON(http.StatusCreated, map[string]string{"status": "upstream"})
	})
	up := httptest.NewServer(e)
	defer up.Close()
	px := newProxy(t, up.URL, proxy.Config{Server: server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: creds}.Vendors()}})

	body := `{"branch_name":"feature","ref":"main"}`
	got := do(t, px, proxyCall{"POST", "/v1/repositories/4838955a48e2492bbe44b31bc4c272f6/branches", map[string]string{"Content-Type": "application/json"}, body}, func(r *http.Request, b []byte) {
		r.Header.Set("Host", r.URL.Host) // signed, as the SDK signs it
		sdkhmac.Sign(r, b, proxyAK, proxySK, time.Now())
	})
	if got.Status != http.StatusCreated || string(received) != body {
		t.Errorf("proxy answered %d %s; the upstream received %q; want 201 and the body, signed", got.Status, got.Raw, received)
	}
}

// The proxy waits for its upstream up to --upstream-timeout, even past the
// server's write timeout, and then answers: the upstream's answer, or its
// 504 (issue 21, finding 8: --upstream-timeout 75s gave an empty reply).
func TestUpstreamTimeoutLongerThanTheWriteTimeout(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := 500 * time.Millisecond
		if r.Header.Get("Authorization") == "Bearer never" {
			wait = 5 * time.Second
		}
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"list":{"objects":[]}}`)
	}))
	defer slow.Close()
	u, _ := url.Parse(slow.URL)
	srv, err := proxy.New(proxy.Config{Server: server.Config{WriteTimeout: writeTimeout},
		Upstreams: map[string]*url.URL{"endor": u}, UpstreamTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	px := servertest.Listen(t, srv)
	for _, tc := range []struct {
		token  string
		status int
	}{{"Bearer slow", http.StatusOK}, {"Bearer never", http.StatusGatewayTimeout}} {
		req, _ := http.NewRequest(http.MethodGet, px+endortest.Path, nil)
		req.Header.Set("Authorization", tc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s: %v; want %d", tc.token, err, tc.status)
			continue
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status {
			t.Errorf("%s: %d, %v; want %d", tc.token, resp.StatusCode, err, tc.status)
		}
	}
	var statuses []int
	for _, e := range journalOf(t, px) {
		statuses = append(statuses, e.Status)
	}
	if fmt.Sprint(statuses) != fmt.Sprint([]int{http.StatusGatewayTimeout, http.StatusOK}) {
		t.Errorf("journal statuses %v, want [504 200]: what the client got", statuses)
	}
}

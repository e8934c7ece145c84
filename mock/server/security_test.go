package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

func TestAdminIsNotExposedWithoutAToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "[::]:8080", "192.0.2.10:8080"} {
		_, err := server.New(server.Config{Addr: addr})
		if err == nil || !strings.Contains(err.Error(), "--admin-token") {
			t.Errorf("%s without an admin token: err = %v, want a refusal naming --admin-token", addr, err)
		}
		if _, err := server.New(server.Config{Addr: addr, AdminToken: "s3cret"}); err != nil {
			t.Errorf("%s with an admin token: %v", addr, err)
		}
		if _, err := server.New(server.Config{Addr: addr, AdminOpen: true}); err != nil {
			t.Errorf("%s with AdminOpen: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.2:0", "localhost:8080", "[::1]:8080"} {
		if _, err := server.New(server.Config{Addr: addr}); err != nil {
			t.Errorf("loopback %s refused: %v", addr, err)
		}
	}
}

func TestAdminToken(t *testing.T) {
	srv, err := server.New(server.Config{AdminToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(path, tok string) int {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if tok != "" {
			req.Header.Set(admin.TokenHeader, tok)
		}
		req.Header.Set("Authorization", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Health needs no token: TestAdminHealthNeedsNoToken.
	for _, path := range []string{"/__admin/requests"} {
		if got := get(path, ""); got != http.StatusUnauthorized {
			t.Errorf("%s without the token: %d, want 401", path, got)
		}
		if got := get(path, "wrong"); got != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", path, got)
		}
		if got := get(path, "s3cret"); got != http.StatusOK {
			t.Errorf("%s with the token: %d, want 200", path, got)
		}
	}
	// The vendor APIs do not ask for it.
	if got := get(endortest.Path, ""); got != http.StatusOK {
		t.Errorf("an Endor list without the admin token: %d", got)
	}
}

// No credential a client sends, nor a configured secret, reaches the logs,
// whether the request succeeds or fails.
func TestSecretsNeverReachTheLogs(t *testing.T) {
	var logs syncBuffer
	cfg := server.Config{
		Seed:             1,
		Logger:           slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Vendors:          vendorstest.Settings{HuaweiCredentials: []huawei.Credential{{AK: "HPUALOGTEST", SK: "sk-never-logged"}}}.Vendors(),
		AdminToken:       "admin-never-logged",
		LenientResponses: true,
	}
	h := servertest.New(t, cfg)
	secrets := []string{"bearer-never-logged", "iam-never-logged", "endr+secret-never-logged", "sk-never-logged", "admin-never-logged", "sig-never-logged"}
	h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), "Authorization", "Bearer bearer-never-logged", "Content-Type", ctJSON)
	h.Do(http.MethodPost, endortest.Path, `{"meta":`, "Authorization", "Bearer bearer-never-logged", "Content-Type", ctJSON)
	h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"endr+k","secret":"endr+secret-never-logged"}`, "Content-Type", ctJSON)
	h.Do(http.MethodPost, "/v1/repositories", `{"name":"x","project_uuid":"4838955a48e2492bbe44b31bc4c272f6"}`, "X-Auth-Token", "iam-never-logged", "Content-Type", ctJSON)
	h.Do(http.MethodPost, "/v1/repositories", `{"name":"y"}`, "Authorization", "SDK-HMAC-SHA256 Access=HPUALOGTEST, SignedHeaders=x-sdk-date, Signature=sig-never-logged", "X-Sdk-Date", "20261125T100000Z", "Content-Type", ctJSON)
	h.Do(http.MethodGet, "/__admin/requests", nil, admin.TokenHeader, "admin-never-logged")
	h.Do(http.MethodGet, "/__admin/requests", nil, admin.TokenHeader, "wrong-admin-never-logged")
	out := logs.String()
	// The requests were logged (at debug level), so there was a chance to leak.
	if !strings.Contains(out, "path=/v1/repositories") || !strings.Contains(out, "path=/v1/auth/api-key") {
		t.Fatalf("the requests were not logged:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the logs contain %q:\n%s", s, out)
		}
	}
}

// A client that never finishes its headers loses the connection.
func TestSlowClientIsCutOff(t *testing.T) {
	srv, err := server.New(server.Config{ReadHeaderTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /__admin/health HTTP/1.1\r\nHost: x\r\n")); err != nil { // no blank line: never done
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server kept a stalled client for 5 s")
			}
			break // closed by the server
		}
	}
}

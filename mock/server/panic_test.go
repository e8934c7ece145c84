package server_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A handler that panics gets a 500 in its vendor's shape, the panic is
// logged with its stack, and the server goes on serving.
func TestPanicIsAVendorShaped500(t *testing.T) {
	var logs syncBuffer
	srv, err := server.New(server.Config{Seed: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e, ok := srv.Handler().(*echo.Echo)
	if !ok {
		t.Fatalf("Handler() is %T, want *echo.Echo", srv.Handler())
	}
	// A route that panics, under Endor's prefix, behind the server's middleware.
	e.GET("/v1/namespaces/:ns/explode", func(echo.Context) error { panic("boom") })
	ts := httptest.NewServer(e)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/v1/namespaces/acme/explode")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	vendorstest.JSONEqual(t, body.String(), `{"code":13,"message":"internal error","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":500}]}`)
	if l := logs.String(); !strings.Contains(l, "handler panicked") || !strings.Contains(l, "panic=boom") || !strings.Contains(l, "goroutine ") {
		t.Errorf("the panic was not logged with its stack:\n%s", l)
	}

	// Still serving.
	req := jsonRequest(http.MethodPost, ts.URL+endortest.Path, `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, "Authorization", token)
	req.RequestURI = ""
	after, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	after.Body.Close()
	if after.StatusCode != http.StatusOK {
		t.Errorf("after the panic a create got %d", after.StatusCode)
	}
}

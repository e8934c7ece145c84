// Package servertest starts a repomock server for a test: server.New with
// a fixed clock and seed 1 unless the Config says otherwise, served by
// vendorstest (over HTTP on 127.0.0.1, its traffic replayed against the
// specs when the test ends), whose Do sends it requests.
package servertest

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// Token is the bearer token a request carries when it names no header.
const Token = "Bearer test-token"

// Server is a server under test.
type Server struct {
	*vendorstest.Server
	Srv   *server.Server
	Clock *vendorstest.Clock
}

// New starts a server of cfg, whose Clock and Seed default to a fixed
// clock and 1. A request that names no header carries the bearer Token
// (opts may say otherwise: vendorstest.Auth).
func New(t testing.TB, cfg server.Config, opts ...vendorstest.Option) *Server {
	t.Helper()
	clock := vendorstest.NewClock()
	if cfg.Clock == nil {
		cfg.Clock = clock.Now
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]vendorstest.Option{vendorstest.Auth("Authorization", Token)}, opts...)
	return &Server{Server: vendorstest.Serve(t, srv.Handler(), opts...), Srv: srv, Clock: clock}
}

// At is a Server for srv, which the test serves itself at url (on a
// listener of its own): nothing is recorded.
func At(t testing.TB, srv *server.Server, url string, opts ...vendorstest.Option) *Server {
	return &Server{Server: vendorstest.At(t, url, opts...), Srv: srv}
}

// Journal reads the server's journal (GET /__admin/requests with query),
// newest first.
func (s *Server) Journal(query string) []journal.Entry {
	s.T.Helper()
	var out struct{ Requests []journal.Entry }
	s.Do(http.MethodGet, "/__admin/requests"+query, nil).Decode(s.T, http.StatusOK, &out)
	return out.Requests
}

// listen runs srv on a listener of 127.0.0.1, as Run does (its timeouts
// are the http.Server's), until the test ends, and returns its base URL.
func Listen(t testing.TB, srv *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

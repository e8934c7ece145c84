package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
)

// repomock health works against a server with an admin token whether or
// not REPOMOCK_ADMIN_TOKEN is set, and sends that token when it is.
func TestHealthWithAdminToken(t *testing.T) {
	srv, err := server.New(server.Config{Seed: 1, AdminToken: "adm"})
	if err != nil {
		t.Fatal(err)
	}
	withToken := httptest.NewServer(srv.Handler())
	defer withToken.Close()
	// A server (or a proxy in front of one) that does require the token on
	// health: only the header can make it answer 200.
	strict := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__admin/health" || r.Header.Get(admin.TokenHeader) != "adm" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer strict.Close()

	for _, tc := range []struct {
		name string
		url  string
		env  env
		want int
	}{
		{"no variable, token-less health", withToken.URL, env{}, 0},
		{"variable set, token-less health", withToken.URL, env{"REPOMOCK_ADMIN_TOKEN": "adm"}, 0},
		{"variable set, strict server", strict.URL, env{"REPOMOCK_ADMIN_TOKEN": "adm"}, 0},
		{"wrong variable, strict server", strict.URL, env{"REPOMOCK_ADMIN_TOKEN": "other"}, 1},
		{"no variable, strict server", strict.URL, env{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"health", "--url", tc.url}, tc.env.get, &stdout, &stderr)
			if code != tc.want {
				t.Fatalf("exit %d, want %d: %q %q", code, tc.want, stdout.String(), stderr.String())
			}
			if code == 1 && !strings.Contains(stderr.String(), "401") {
				t.Errorf("stderr %q does not name the 401", stderr.String())
			}
		})
	}
}

package repomock

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/testcontainers/testcontainers-go"
)

// endpointOnly is a Container whose only working method is PortEndpoint:
// enough for the admin calls, without Docker.
type endpointOnly struct {
	testcontainers.Container
	url string
}

func (e endpointOnly) PortEndpoint(context.Context, string, string) (string, error) {
	return e.url, nil
}

// TestRemoveAFaultThatIsGone: Remove after a fault with Times has fired (or
// after it was removed) is a no-op, so the docs' deferred Remove does not
// fail. The server answers DELETE /__admin/faults/{id} as mock/faults.go
// does: 204 for a fault it holds, 404 {"message":"no fault \"f3\""} for
// one it does not; any other refusal is still an error.
func TestRemoveAFaultThatIsGone(t *testing.T) {
	held := map[string]bool{"f1": true}
	var deletes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/__admin/faults/")
		if r.Method != http.MethodDelete || !ok {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		deletes = append(deletes, id)
		switch {
		case id == "f9":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"admin token required"}`))
		case held[id]:
			delete(held, id)
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"no fault \"%s\""}`, id)
		}
	}))
	defer srv.Close()
	c := &Container{Container: endpointOnly{url: srv.URL}}

	for _, tc := range []struct {
		name, id string
		wantErr  string // "" for nil
	}{
		{"held", "f1", ""},
		{"removed already", "f1", ""},
		{"fired its times", "f3", ""},
		{"refused", "f9", `remove fault f9: DELETE /__admin/faults/f9: HTTP 401: {"message":"admin token required"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&InjectedFault{ID: tc.id, c: c}).Remove(t.Context())
			if got := errorText(err); got != tc.wantErr {
				t.Errorf("Remove(%s) = %q, want %q", tc.id, got, tc.wantErr)
			}
		})
	}
	if got := strings.Join(deletes, ","); got != "f1,f1,f3,f9" {
		t.Errorf("DELETEs sent: %s, want f1,f1,f3,f9", got)
	}
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

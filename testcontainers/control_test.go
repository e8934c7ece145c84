package repomock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	repomock "github.com/repomock/repomock/testcontainers"
)

// TestSessions: parallel tests in one container, each in its own session,
// by prefix (Endor) and by header (CodeArts, as the Huawei Go SDK must),
// see their own objects only, and their sessions go with them.
func TestSessions(t *testing.T) {
	t.Parallel()
	ctr := run(t)
	base := baseURL(t, ctr)
	t.Run("group", func(t *testing.T) {
		for i := range 8 {
			t.Run(fmt.Sprintf("s%d", i), func(t *testing.T) {
				t.Parallel()
				s := ctr.Session(t)
				if !strings.HasPrefix(s.URL(), base+"/__sessions/TestSessions-group-s") {
					t.Errorf("URL %s", s.URL())
				}
				if status, body := call(t, http.MethodPost, s.EndorURL()+endorVersions, bearer("t"), endorBody); status != http.StatusOK {
					t.Fatalf("endor create: %d %s", status, body)
				}
				if _, body := call(t, http.MethodGet, s.EndorURL()+endorVersions+"?list_parameters.count=true", bearer("t"), ""); body != `{"count_response":{"count":1}}` {
					t.Errorf("endor count %s, want 1", body)
				}
				// By header, through the session's transport.
				client := &http.Client{Transport: s.Transport(nil)}
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/v1/repositories",
					strings.NewReader(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"same-name"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", "t")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("codearts create of the same name in every session: %d", resp.StatusCode)
				}
			})
		}
	})
	sessions, err := ctr.Sessions(t.Context())
	if err != nil || len(sessions) != 0 {
		t.Fatalf("sessions after the tests: %+v, %v; want none (each deleted at its cleanup)", sessions, err)
	}
}

// TestFaultsAndJournal: a fault through the module, then the journal
// filtered to the operation, bodies compared whole.
func TestFaultsAndJournal(t *testing.T) {
	t.Parallel()
	ctr := run(t)
	ctx := t.Context()
	s := ctr.Session(t)
	other := ctr.Session(t)
	f, err := s.InjectFault(ctx, repomock.Fault{Vendor: "codearts", Operation: "CreateRepository", Kind: repomock.FaultError, Status: 503})
	if err != nil {
		t.Fatal(err)
	}
	create := `{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demo"}`
	token := map[string]string{"X-Auth-Token": "iam-token"}
	status, failed := call(t, http.MethodPost, s.CodeArtsURL()+"/v1/repositories", token, create)
	if status != http.StatusServiceUnavailable || failed != `{"error":{"code":"CH.000001","message":"Service Unavailable"},"status":"failed"}` {
		t.Fatalf("under the fault: %d %s", status, failed)
	}
	// Another session is not touched by it.
	if status, body := call(t, http.MethodPost, other.CodeArtsURL()+"/v1/repositories", token, create); status != http.StatusOK {
		t.Fatalf("another session: %d %s", status, body)
	}
	if err := f.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	status, created := call(t, http.MethodPost, s.CodeArtsURL()+"/v1/repositories", token, create)
	if status != http.StatusOK {
		t.Fatalf("after Remove: %d %s", status, created)
	}

	reqs, err := s.Requests(ctx, repomock.ForOperation("CreateRepository"))
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2: %+v", len(reqs), reqs)
	}
	for i, want := range []struct {
		status  int
		verdict string
		reply   string
	}{{200, "passed", created}, {503, "faulted", failed}} {
		r := reqs[i]
		if r.Status != want.status || r.Verdict != want.verdict || r.Session != s.Name || r.Vendor != "codearts" || r.Path != "/v1/repositories" {
			t.Errorf("request %d: %+v", i, r)
		}
		if got := compactJSON(t, r.Request.Body); got != create {
			t.Errorf("request %d: body %s, want %s", i, got, create)
		}
		if got := compactJSON(t, r.Response.Body); got != compactJSON(t, []byte(want.reply)) {
			t.Errorf("request %d: answer %s, want %s", i, got, want.reply)
		}
		if r.Request.Header.Get("X-Auth-Token") != "[redacted]" {
			t.Errorf("request %d: X-Auth-Token %q", i, r.Request.Header.Get("X-Auth-Token"))
		}
	}
	if reqs[1].Fault != f.ID {
		t.Errorf("fault %q, want %q", reqs[1].Fault, f.ID)
	}
	if only, _ := s.Requests(ctx, repomock.WithStatus(503)); len(only) != 1 {
		t.Errorf("WithStatus(503): %d requests, want 1", len(only))
	}
	if last, _ := ctr.Requests(ctx, repomock.ForVendor("codearts"), repomock.Limit(1)); len(last) != 1 || last[0].Session != s.Name {
		t.Errorf("Limit(1): %+v", last)
	}

	// WaitForRequests: gives up at the deadline with what it saw.
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if got, err := other.WaitForRequests(short, 5); err == nil || len(got) != 1 {
		t.Errorf("WaitForRequests(5) with one there: %d, %v; want 1 and an error", len(got), err)
	}
}

func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	return b.String()
}

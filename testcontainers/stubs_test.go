package repomock_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	repomock "github.com/repomock/repomock/testcontainers"
)

// TestStubs: stubs through the module. One whose answer breaks the spec is
// refused, naming the field; one that is valid answers in its session only
// and shows in the journal; Endor's not-found named by its code is the
// vendor's verbatim 404 envelope; Remove of a stub that answered its
// times is no error.
func TestStubs(t *testing.T) {
	t.Parallel()
	ctr := run(t)
	ctx := t.Context()
	s, other := ctr.Session(t), ctr.Session(t)

	_, err := s.Stub(ctx, repomock.Stub{Request: repomock.StubMatch{Operation: "CreateRepository"},
		Response: repomock.StubResponse{Body: map[string]any{"result": map[string]any{"repository_uuid": 42}, "status": "success"}}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "result.repository_uuid: value must be a string") {
		t.Fatalf("a stub whose body breaks the spec: %v", err)
	}

	const uuid = "0123456789abcdef0123456789abcdef"
	ok, err := s.Stub(ctx, repomock.Stub{Request: repomock.StubMatch{Method: http.MethodPost, Path: "/v1/repositories",
		Body: map[string]any{"name": "demo"}},
		Response: repomock.StubResponse{Body: map[string]any{"result": map[string]any{"repository_uuid": uuid}, "status": "success"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ok.ID == "" || ok.Session != s.Name || ok.Request.Vendor != "codearts" || ok.Request.Operation != "CreateRepository" {
		t.Errorf("the stub as the server holds it: %+v", ok.Stub)
	}
	token := map[string]string{"X-Auth-Token": "t"}
	create := `{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demo"}`
	if status, body := call(t, http.MethodPost, s.CodeArtsURL()+"/v1/repositories", token, create); status != http.StatusOK || body != `{"result":{"repository_uuid":"`+uuid+`"},"status":"success"}` {
		t.Errorf("in the stub's session: %d %s", status, body)
	}
	if status, body := call(t, http.MethodPost, other.CodeArtsURL()+"/v1/repositories", token, create); status != http.StatusOK || strings.Contains(body, uuid) {
		t.Errorf("in another session: %d %s, want the fake's answer", status, body)
	}
	reqs, err := s.Requests(ctx, repomock.ForOperation("CreateRepository"))
	if err != nil || len(reqs) != 1 || reqs[0].Verdict != repomock.VerdictStubbed || reqs[0].Stub != ok.ID {
		t.Errorf("the session's journal: %+v, %v; want one request stubbed by %s", reqs, err, ok.ID)
	}
	if reqs, _ := other.Requests(ctx); len(reqs) != 1 || reqs[0].Verdict != repomock.VerdictPassed || reqs[0].Stub != "" {
		t.Errorf("the other session's journal: %+v", reqs)
	}

	// vendors.md §1: an unknown route is 404 {"code":5,"message":"Not Found"} (testdata/endor/unknown-route.json).
	golden, err := os.ReadFile(filepath.Join("..", "testdata", "endor", "unknown-route.json"))
	if err != nil {
		t.Fatal(err)
	}
	missing, err := s.Stub(ctx, repomock.Stub{Request: repomock.StubMatch{Operation: "RepositoryVersionService_GetRepositoryVersion",
		PathParams: map[string]string{"uuid": "656e69058032bf0abaaeb6ff"}}, Response: repomock.StubResponse{Error: &repomock.StubError{Code: 5}}, Times: 1})
	if err != nil {
		t.Fatal(err)
	}
	get := s.EndorURL() + endorVersions + "/656e69058032bf0abaaeb6ff"
	if status, body := call(t, http.MethodGet, get, bearer("t"), ""); status != http.StatusNotFound || body != strings.TrimSpace(string(golden)) {
		t.Errorf("Endor's not-found stub: %d %s, want 404 %s", status, body, golden)
	}
	if err := missing.Remove(ctx); err != nil {
		t.Errorf("Remove after the stub answered its one time: %v", err)
	}
	stubs, err := ctr.Stubs(ctx)
	if err != nil || len(stubs) != 1 || stubs[0].ID != ok.ID || stubs[0].Answered != 1 {
		t.Errorf("Stubs: %+v, %v; want %s, answered once", stubs, err, ok.ID)
	}
	if err := ctr.RemoveStubs(ctx); err != nil {
		t.Fatal(err)
	}
	if stubs, _ := ctr.Stubs(ctx); len(stubs) != 0 {
		t.Errorf("after RemoveStubs: %+v", stubs)
	}
}

// TestFixturesFollowTheirFiles: a fixture file changed in the container
// is served after Reset; with WithWatch, without one. A file that no
// longer loads keeps the fixtures in use, and Fixtures says why.
func TestFixturesFollowTheirFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	repos := func(names ...string) []byte {
		var b strings.Builder
		b.WriteString("repositories:\n")
		for _, n := range names {
			b.WriteString("  - {project_uuid: 4838955a48e2492bbe44b31bc4c272f6, name: " + n + "}\n")
		}
		return []byte(b.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "codearts.yaml"), repos("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	list := func(t *testing.T, ctr *repomock.Container) string {
		_, body := call(t, http.MethodGet, baseURL(t, ctr)+"/v1/projects/4838955a48e2492bbe44b31bc4c272f6/repositories", map[string]string{"X-Auth-Token": "t"}, "")
		return body
	}
	edit := func(t *testing.T, ctr *repomock.Container, content []byte) {
		if err := ctr.CopyToContainer(t.Context(), content, repomock.FixturesPath+"/codearts.yaml", 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("reset", func(t *testing.T) {
		t.Parallel()
		ctr := run(t, repomock.WithFixtures(dir))
		edit(t, ctr, repos("first", "second"))
		if body := list(t, ctr); strings.Contains(body, `"name":"second"`) {
			t.Fatalf("before the reset: %s", body)
		}
		if err := ctr.Reset(t.Context()); err != nil {
			t.Fatal(err)
		}
		if body := list(t, ctr); !strings.Contains(body, `"name":"second"`) {
			t.Errorf("after the reset: %s, want the file as it is now", body)
		}
		edit(t, ctr, []byte("repositories: [\n"))
		if err := ctr.Reset(t.Context()); err == nil || !strings.Contains(err.Error(), "HTTP 409") || !strings.Contains(err.Error(), repomock.FixturesPath+"/codearts.yaml:") {
			t.Errorf("Reset with a broken file: %v", err)
		}
		rep, err := ctr.Fixtures(t.Context())
		if err != nil || rep.Error == nil || rep.Error.File != repomock.FixturesPath+"/codearts.yaml" || rep.Files[0].Summary != "2 repositories" {
			t.Errorf("Fixtures: %+v, %v", rep, err)
		}
	})
	t.Run("watch", func(t *testing.T) {
		t.Parallel()
		ctr := run(t, repomock.WithFixtures(dir), repomock.WithWatch())
		edit(t, ctr, repos("first", "watched"))
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(list(t, ctr), `"name":"watched"`); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the edited file was not served within 10 s: %s", list(t, ctr))
			}
		}
		if rep, err := ctr.Fixtures(t.Context()); err != nil || !rep.Watch || rep.Error != nil {
			t.Errorf("Fixtures: %+v, %v", rep, err)
		}
	})
}

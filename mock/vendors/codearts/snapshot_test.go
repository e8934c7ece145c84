package codearts_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/codearts"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// sessionHeader names a request's session, as the server reads it.
const sessionHeader = sessions.Header

// sessionFake is newFake, served in sessions (sessionHeader), with a
// clock that has nanoseconds.
func sessionFake(fx *codearts.Fixtures) *codearts.Fake {
	return codearts.New(codearts.Config{
		Fixtures: fx,
		Clock:    func() time.Time { return testNow.Add(123456789) },
		Faker:    gofakeit.New(seed),
	})
}

func doIn(t *testing.T, h http.Handler, session, method, path, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	req.Header.Set(sessionHeader, session)
	req.Header.Set(huawei.HeaderToken, "test-iam-token")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, body: rec.Body.String()}
}

func createIn(t *testing.T, h http.Handler, session, project, name, extra string) string {
	t.Helper()
	r := doIn(t, h, session, http.MethodPost, "/v1/repositories", fmt.Sprintf(`{"project_uuid":%q,"name":%q%s}`, project, name, extra))
	if r.status != http.StatusOK {
		t.Fatalf("create %s/%s in %q: HTTP %d %s", project, name, session, r.status, r.body)
	}
	var out struct {
		Result struct {
			RepositoryUUID string `json:"repository_uuid"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Result.RepositoryUUID
}

func TestSnapshotRoundTrip(t *testing.T) {
	a := sessionFake(nil)
	ha := serve(t, a)
	first := createIn(t, ha, "s1", projectA, "demo", `,"visibility_level":20,"description":"a <demo> & more"`)
	second := createIn(t, ha, "s1", projectA, "Second.repo", "")
	gone := createIn(t, ha, "s1", projectA, "gone", "")
	if r := doIn(t, ha, "s1", http.MethodDelete, "/v1/repositories/"+gone, ""); r.status != http.StatusOK {
		t.Fatalf("delete: HTTP %d %s", r.status, r.body)
	}
	third := createIn(t, ha, "s1", projectB, "demo", "")
	other := createIn(t, ha, "s2", projectA, "other", "")

	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.Snapshot(); !bytes.Equal(again, data) {
		t.Fatal("two snapshots of the same state differ")
	}
	b := sessionFake(nil) // the same seed: its first uuid would be a's first
	hb := serve(t, b)
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Snapshot(); !bytes.Equal(got, data) {
		t.Errorf("snapshot after restore differs:\n got %s\nwant %s", got, data)
	}

	reads := []struct{ session, path string }{
		{"s1", "/v2/repositories/" + first},
		{"s1", "/v2/repositories/" + second},
		{"s1", "/v2/repositories/" + third},
		{"s1", "/v2/repositories/" + gone},
		{"s2", "/v2/repositories/" + other},
		{"s2", "/v2/repositories/" + first},
		{"s1", "/v1/projects/" + projectA + "/repositories"},
		{"s1", "/v1/projects/" + projectB + "/repositories"},
		{"s2", "/v1/projects/" + projectA + "/repositories"},
		{"", "/v1/projects/" + projectA + "/repositories"},
		{"s1", "/v1/projects/" + projectA + "/repositories/validation/DEMO"},
		{"s1", "/v1/projects/" + projectA + "/repositories/validation/gone"},
	}
	for _, r := range reads {
		want := doIn(t, ha, r.session, http.MethodGet, r.path, "")
		got := doIn(t, hb, r.session, http.MethodGet, r.path, "")
		if got.status != want.status || got.body != want.body {
			t.Errorf("GET %s in %q after restore: HTTP %d %s\nwant HTTP %d %s", r.path, r.session, got.status, got.body, want.status, want.body)
		}
	}

	// A create after the restore takes neither a uuid in use nor a
	// repository_id handed out before (s1 handed out 1–4; 3 was deleted,
	// not given back), and a taken name stays taken.
	if got := createIn(t, serve(t, sessionFake(nil)), "s1", projectA, "probe", ""); got != first {
		t.Fatalf("a fresh fake's first uuid is %s, want %s: the test's premise is gone", got, first)
	}
	id := createIn(t, hb, "s1", projectA, "new", "")
	if id == first || id == second || id == third || id == other {
		t.Errorf("create after restore reused uuid %s", id)
	}
	shown := doIn(t, hb, "s1", http.MethodGet, "/v2/repositories/"+id, "")
	if !strings.Contains(shown.body, `"repository_id":5,`) {
		t.Errorf("create after restore: %s, want repository_id 5", shown.body)
	}
	if r := doIn(t, hb, "s1", http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"DEMO"}`); r.status != http.StatusBadRequest {
		t.Errorf("a restored name is free again: HTTP %d %s", r.status, r.body)
	}
}

func TestRestoreDoesNotReapplyFixtures(t *testing.T) {
	fx, err := codearts.ParseFixtures([]byte(`{"repositories":[{"project_uuid":"` + projectA + `","name":"fixture","repository_uuid":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := sessionFake(fx)
	ha := serve(t, a)
	if r := doIn(t, ha, "", http.MethodDelete, "/v1/repositories/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""); r.status != http.StatusOK {
		t.Fatalf("delete: HTTP %d %s", r.status, r.body)
	}
	data, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := sessionFake(fx)
	hb := serve(t, b)
	if err := b.Restore(data); err != nil {
		t.Fatal(err)
	}
	list := "/v1/projects/" + projectA + "/repositories"
	if r := doIn(t, hb, "", http.MethodGet, list, ""); strings.Contains(r.body, "fixture") {
		t.Errorf("restored session: %s, want the fixture to stay deleted", r.body)
	}
	if r := doIn(t, hb, "fresh", http.MethodGet, list, ""); !strings.Contains(r.body, "fixture") {
		t.Errorf("a session not in the snapshot: %s, want the fixture", r.body)
	}
}

func TestRestoreRefusesBrokenSnapshots(t *testing.T) {
	a := sessionFake(nil)
	createIn(t, serve(t, a), "", projectA, "demo", "")
	good, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	repo := func(uuid string, id int, project, name string) string {
		return fmt.Sprintf(`{"repository_uuid":%q,"repository_id":%d,"name":%q,"project_uuid":%q,"visibility_level":0,`+
			`"created_at":"2026-11-22T07:24:42Z","updated_at":"2026-11-22T07:24:42Z"}`, uuid, id, name, project)
	}
	session := func(last int, repos ...string) string {
		return fmt.Sprintf(`{"version":1,"sessions":[{"name":"","last_repository_id":%d,"repositories":[%s]}]}`, last, strings.Join(repos, ","))
	}
	const u1, u2 = "11111111111111111111111111111111", "22222222222222222222222222222222"
	if err := a.Restore(json.RawMessage(session(5, repo(u1, 1, projectA, "a"), repo(u2, 5, projectA, "b")))); err != nil {
		t.Fatalf("the valid base of the cases below is refused: %v", err)
	}
	if err := a.Restore(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"truncated", string(good[:len(good)/2]), "unexpected EOF"},
		{"trailing data", string(good) + "x", "after the JSON value"},
		{"other version", `{"version":3,"sessions":[]}`, "version 3"},
		{"unknown field", `{"version":1,"sessions":[{"name":"","last":1}]}`, "last"},
		{"bad uuid", session(1, repo("XYZ", 1, projectA, "a")), "repository_uuid"},
		{"uuid twice", session(2, repo(u1, 1, projectA, "a"), repo(u1, 2, projectA, "b")), "used twice"},
		{"id twice", session(2, repo(u1, 1, projectA, "a"), repo(u2, 1, projectA, "b")), "repository_id 1"},
		{"id over last", session(1, repo(u1, 2, projectA, "a")), "repository_id 2"},
		{"name twice", session(2, repo(u1, 1, projectA, "a"), repo(u2, 2, projectA, "A")), "already exists"},
		{"bad name", session(1, repo(u1, 1, projectA, "x.git")), "name"},
		{"bad project", session(1, repo(u1, 1, "p", "a")), "project_uuid"},
		{"no time", strings.Replace(session(1, repo(u1, 1, projectA, "a")), `"created_at":"2026-11-22T07:24:42Z",`, "", 1), "created_at"},
		{"session twice", `{"version":1,"sessions":[{"name":"x","last_repository_id":0,"repositories":[]},{"name":"x","last_repository_id":0,"repositories":[]}]}`, "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Restore(json.RawMessage(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "codearts: ") {
				t.Errorf("Restore = %v, want a codearts error containing %q", err, tc.want)
			}
			if got, _ := a.Snapshot(); !bytes.Equal(got, good) {
				t.Error("a refused restore changed the state")
			}
		})
	}
}

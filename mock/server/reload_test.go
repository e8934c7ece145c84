package server_test

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	repoProject = "4838955a48e2492bbe44b31bc4c272f6"
	// repoList lists the CodeArts repositories of the fixtures' project.
	repoList = "/v1/projects/" + repoProject + "/repositories"
)

// codeartsFixtures is a codearts.yaml of one repository per name.
func codeartsFixtures(names ...string) string {
	var b strings.Builder
	b.WriteString("repositories:\n")
	for _, n := range names {
		b.WriteString("  - {project_uuid: " + repoProject + ", name: " + n + "}\n")
	}
	return b.String()
}

// repoNames lists the names of the fixtures' project's repositories in a
// session, as CodeArts answers them.
func repoNames(t *testing.T, s *servertest.Server, session string) string {
	t.Helper()
	target := repoList
	if session != "" {
		target = "/__sessions/" + session + repoList
	}
	r := s.Do(http.MethodGet, target, nil, "X-Auth-Token", "t")
	var names []string
	for _, repo := range vendorstest.Get(r.JSON, "result.repositorys").([]any) {
		names = append(names, repo.(map[string]any)["name"].(string))
	}
	return strings.Join(names, ",")
}

// fixturesReport reads GET /__admin/fixtures.
func fixturesReport(t *testing.T, s *servertest.Server) server.FixturesReport {
	t.Helper()
	var out server.FixturesReport
	s.Do(http.MethodGet, "/__admin/fixtures", nil).Decode(t, http.StatusOK, &out)
	return out
}

// TestResetReadsTheFixturesAgain: a fixture file edited while the server
// runs is served after a reset, not before; one that no longer loads
// leaves everything as it was, and says why, naming the file and the line.
func TestResetReadsTheFixturesAgain(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("first"))
	s := servertest.New(t, server.Config{FixturesDir: dir})
	if got := repoNames(t, s, ""); got != "first" {
		t.Fatalf("at start: %s", got)
	}
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("first", "second"))
	if got := repoNames(t, s, ""); got != "first" {
		t.Errorf("before the reset: %s, want the fixtures read at start", got)
	}
	s.Do(http.MethodPost, "/__admin/reset", nil).Decode(t, http.StatusOK, nil)
	if got := repoNames(t, s, ""); got != "first,second" {
		t.Errorf("after the reset: %s, want the file as it is now", got)
	}
	if rep := fixturesReport(t, s); len(rep.Files) != 1 || rep.Files[0].Summary != "2 repositories" || rep.Error != nil {
		t.Errorf("GET /__admin/fixtures: %+v", rep)
	}

	// A file that no longer loads: nothing is reset, and the report says why.
	s.Do(http.MethodPost, "/v1/repositories", `{"project_uuid":"`+repoProject+`","name":"written"}`, "X-Auth-Token", "t", "Content-Type", "application/json").OK(t)
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("first")+"  - {project_uuid: "+repoProject+", name: third, visibility_level: public}\n")
	path := filepath.Join(dir, "codearts.yaml")
	want := path + `:3: repositories[1].visibility_level: want a whole number (int32), not "public"`
	r := s.Do(http.MethodPost, "/__admin/reset", nil)
	if msg, _ := r.JSON["message"].(string); r.Status != http.StatusConflict || !strings.Contains(msg, "nothing was reset") || !strings.HasSuffix(msg, want) {
		t.Errorf("reset with a broken file: %d %s, want 409 saying %q", r.Status, r.Raw, want)
	}
	if got := repoNames(t, s, ""); got != "first,second,written" {
		t.Errorf("after the refused reset: %s, want the state as it was", got)
	}
	rep := fixturesReport(t, s)
	if rep.Error == nil || rep.Error.File != path || rep.Error.Message != want || rep.Files[0].Summary != "2 repositories" {
		t.Errorf("GET /__admin/fixtures: %+v, want the fixtures in use and the error in %s", rep, path)
	}
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("fixed"))
	s.Do(http.MethodPost, "/__admin/reset", nil).Decode(t, http.StatusOK, nil)
	if got, rep := repoNames(t, s, ""), fixturesReport(t, s); got != "fixed" || rep.Error != nil {
		t.Errorf("after the fix and a reset: %s, %+v", got, rep.Error)
	}
}

// TestWatchReloadsChangedFixtures: with Watch, an edited fixture file is
// served without a reset, every session afresh from it; the journal, the
// faults and the stubs stay. A file that no longer loads keeps the
// fixtures in use and says why in the log and GET /__admin/fixtures.
func TestWatchReloadsChangedFixtures(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("first"))
	logs := &syncBuffer{}
	srv, err := server.New(server.Config{FixturesDir: dir, Watch: true, WatchInterval: 20 * time.Millisecond, Seed: 1,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s := servertest.At(t, srv, servertest.Listen(t, srv))
	s.Do(http.MethodPost, "/__sessions/w/v1/repositories", `{"project_uuid":"`+repoProject+`","name":"written"}`, "X-Auth-Token", "t", "Content-Type", "application/json").OK(t)
	s.Do(http.MethodPost, "/__admin/faults", `{"vendor":"endor","kind":"delay","delay_ms":1}`).Decode(t, http.StatusCreated, nil)
	s.Do(http.MethodPost, "/__admin/stubs", `{"request":{"operation":"DeleteRepository"},"response":{"error":{"code":"CH.080403"}}}`).Decode(t, http.StatusCreated, nil)
	if got := repoNames(t, s, "w"); got != "first,written" {
		t.Fatalf("session w before the edit: %s", got)
	}
	journal := len(s.Journal(""))

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 5 s for %s; the log:\n%s", what, logs)
			}
		}
	}
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("first", "edited"))
	waitFor("the edit to be served", func() bool { return repoNames(t, s, "") == "first,edited" })
	if got := repoNames(t, s, "w"); got != "first,edited" {
		t.Errorf("session w after the reload: %s, want it afresh from the file", got)
	}
	if !strings.Contains(logs.String(), `msg="fixtures reloaded (--watch): every session starts afresh from them"`) ||
		!strings.Contains(logs.String(), ` w=2"`) {
		t.Errorf("the log does not say what was reloaded and dropped:\n%s", logs)
	}
	var faults, stubs struct{ Faults, Stubs []any }
	s.Do(http.MethodGet, "/__admin/faults", nil).Decode(t, http.StatusOK, &faults)
	s.Do(http.MethodGet, "/__admin/stubs", nil).Decode(t, http.StatusOK, &stubs)
	if len(faults.Faults) != 1 || len(stubs.Stubs) != 1 || len(s.Journal("")) < journal {
		t.Errorf("after the reload: %d faults, %d stubs, %d requests in the journal (was %d); want them kept", len(faults.Faults), len(stubs.Stubs), len(s.Journal("")), journal)
	}

	vendorstest.WriteFile(t, dir, "codearts.yaml", "repositories: [\n")
	path := filepath.Join(dir, "codearts.yaml")
	waitFor("the error to be reported", func() bool { return fixturesReport(t, s).Error != nil })
	if rep := fixturesReport(t, s); rep.Error.File != path || !strings.HasPrefix(rep.Error.Message, path+":") || !rep.Watch || rep.Files[0].Summary != "2 repositories" {
		t.Errorf("GET /__admin/fixtures: %+v", rep)
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="fixtures not reloaded: the fixtures in use stay until the file is fixed" file=`+path) {
		t.Errorf("the log does not say why:\n%s", logs)
	}
	if got := repoNames(t, s, ""); got != "first,edited" {
		t.Errorf("with the broken file: %s, want the fixtures in use", got)
	}
	vendorstest.WriteFile(t, dir, "codearts.yaml", codeartsFixtures("mended"))
	waitFor("the mended file to be served", func() bool { return repoNames(t, s, "") == "mended" })
	if rep := fixturesReport(t, s); rep.Error != nil {
		t.Errorf("the error stays after the file was mended: %+v", rep.Error)
	}
}

// TestWatchNeedsFixtures: --watch without a directory is refused at start.
func TestWatchNeedsFixtures(t *testing.T) {
	if _, err := server.New(server.Config{Watch: true}); err == nil || !strings.Contains(err.Error(), "it needs a fixtures directory (--fixtures)") {
		t.Errorf("New: %v", err)
	}
}

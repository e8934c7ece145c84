package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// A reload of changed fixtures (--watch) is a change like a reset: with
// --state-durability fsync, the fixtures it makes (their generated uuid
// and times) and what the sessions write after it are on disk before
// they are answered, and what the reload dropped stays dropped. A crash
// after it starts from the same state, with the files as they now are.
func TestReloadIsDurable(t *testing.T) {
	dir := t.TempDir()
	s := newDurable(t, dir, nil)
	fixtures := filepath.Join(dir, "fixtures")
	h := vendorstest.Serve(t, s.Handler(), vendorstest.InProcess())
	const list = "/v1/namespaces/acme.prod/repository-versions"
	create := func(session, name string) {
		h.Do("POST", list, `{"meta":{"name":"`+name+`","parent_uuid":"`+stateParent+`"},"context":{"id":"`+name+`","type":"CONTEXT_TYPE_REF"}}`,
			append([]string{"Content-Type", "application/json", sessions.Header, session}, endorAuth...)...).OK(t)
	}
	read := func(h *vendorstest.Server, session string) string {
		return h.Do("GET", list, "", append([]string{sessions.Header, session}, endorAuth...)...).OK(t)
	}
	create("before", "dropped-by-the-reload")
	if err := os.WriteFile(filepath.Join(fixtures, "endor.yaml"), []byte(`{"repository_versions":[{"namespace":"acme.prod","meta":{"name":"reloaded","parent_uuid":"`+stateParent+`"},"context":{"id":"reloaded","type":"CONTEXT_TYPE_REF"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s.reloadChanged()
	// What a kill -9 leaves: the state file, its log, the fixture files.
	crash := func() *vendorstest.Server {
		crashed := copyDir(t, dir)
		if err := os.Mkdir(filepath.Join(crashed, "fixtures"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"endor.yaml", "codearts.yaml", "servicestage.yaml"} {
			data, err := os.ReadFile(filepath.Join(fixtures, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(crashed, "fixtures", name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		again, err := New(Config{StateFile: filepath.Join(crashed, "state.json"), StateDurability: DurabilityFsync, FixturesDir: filepath.Join(crashed, "fixtures"),
			Vendors: s.cfg.Vendors})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.changes.close() })
		return vendorstest.Serve(t, again.Handler(), vendorstest.InProcess())
	}
	// The reloaded fixtures, read before anything is written.
	want := map[string]string{"": read(h, "")}
	if got := read(crash(), ""); got != want[""] {
		t.Errorf("the reloaded fixtures after a crash read\n%s\nwant\n%s", got, want[""])
	}
	create("after", "written-after")
	want["before"], want["after"] = read(h, "before"), read(h, "after")
	h2 := crash()
	for session, w := range want {
		if got := read(h2, session); got != w {
			t.Errorf("session %q after the reload, a write and a crash reads\n%s\nwant\n%s", session, got, w)
		}
	}
}

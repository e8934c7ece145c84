package server

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// newDurable builds a server that keeps its state in dir with
// --state-durability fsync, and fixtures with generated values (uuids,
// times), which are logged too: the repository's CodeArts and
// ServiceStage ones, and an Endor object without a uuid.
func newDurable(t *testing.T, dir string, logs *safeBuffer) *Server {
	t.Helper()
	fixtures := filepath.Join(dir, "fixtures")
	if err := os.MkdirAll(fixtures, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"codearts.yaml", "servicestage.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../fixtures", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fixtures, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(fixtures, "endor.yaml"), []byte(`{"repository_versions":[{"namespace":"acme.prod","meta":{"name":"fixture","parent_uuid":"`+stateParent+`"},"context":{"id":"fixture","type":"CONTEXT_TYPE_REF"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{StateFile: filepath.Join(dir, "state.json"), StateDurability: DurabilityFsync, FixturesDir: fixtures,
		Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "test-token"}}}.Vendors()}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.changes != nil {
			s.changes.close()
		}
	})
	return s
}

// stateSum is the digest of a server's whole state (encodeState's, which
// leaves the time of the save out).
func stateSum(t *testing.T, s *Server) string {
	t.Helper()
	_, sum, err := s.encodeState()
	if err != nil {
		t.Fatal(err)
	}
	return string(sum[:])
}

// A fold that stopped after writing the state file leaves both logs: the
// next start replays them on a state file that already holds their
// changes, and ends in the same state. The logs are then gone, and a new,
// empty one is started.
func TestChangeLogReplaysOnANewerStateFile(t *testing.T) {
	dir := t.TempDir()
	first := newDurable(t, dir, nil)
	h := first.Handler()
	reads, token := fill(t, h)
	if _, err := first.changes.rotate(); err != nil { // the first half moves to state.json.log.old
		t.Fatal(err)
	}
	// The second half: a session of its own, an update, a delete.
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.prod/repository-versions", `{"meta":{"name":"other","parent_uuid":"`+stateParent+`"},"context":{"id":"other","type":"CONTEXT_TYPE_REF"}}`, append([]string{"Content-Type", "application/json"}, append(endorAuth, sessions.Header, "s2")...)...).OK(t)
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.prod/repository-versions", `{"meta":{"name":"main","parent_uuid":"`+stateParent+`","description":"updated"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, append([]string{"Content-Type", "application/json"}, endorAuth...)...).OK(t)
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("DELETE", "/v1"+strings.TrimPrefix(reads[2], "/v2"), "", huaweiAuth...).OK(t)
	reads = append(reads, "/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true")
	want, wantSum := readAll(t, h, reads), stateSum(t, first)
	// The fold wrote the state file, and stopped there.
	data, _, err := first.encodeState()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(first.cfg.StateFile, data); err != nil {
		t.Fatal(err)
	}
	for _, p := range first.logPaths() {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}

	second := newDurable(t, dir, nil)
	if got := readAll(t, second.Handler(), reads); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after the replay:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if stateSum(t, second) != wantSum {
		t.Error("the state after the replay is not the state before it")
	}
	if status, raw := vendorstest.Serve(t, second.Handler(), vendorstest.InProcess()).Do("GET", "/v1/auth", "", "Authorization", "Bearer "+token).Result(); status != 200 {
		t.Errorf("the issued token after the replay: %d %s", status, raw)
	}
	if _, err := os.Stat(first.cfg.StateFile + ".log.old"); !os.IsNotExist(err) {
		t.Errorf("the old log is still there: %v", err)
	}
	if st, err := os.Stat(first.cfg.StateFile + ".log"); err != nil || st.Size() != 0 {
		t.Errorf("the new log: %v, %v; want an empty file", st, err)
	}
}

// The last line of a log cut short (its request was never answered) is
// left out, with a warning. A line that cannot be read anywhere else
// stops the server, naming the file and the line, and changes no file.
func TestChangeLogLinesThatCannotBeRead(t *testing.T) {
	dir := t.TempDir()
	first := newDurable(t, dir, nil)
	reads, _ := fill(t, first.Handler())
	want := readAll(t, first.Handler(), reads)
	log := first.changes.path
	good, err := os.ReadFile(log)
	if err != nil || len(good) == 0 {
		t.Fatalf("the log: %d bytes, %v", len(good), err)
	}

	cut := append(append([]byte{}, good...), `{"vendor":"endor","change":{"op":"put","sess`...)
	if err := os.WriteFile(log, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs safeBuffer
	second := newDurable(t, dir, &logs)
	if got := readAll(t, second.Handler(), reads); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after a cut last line: %v, want %v", got, want)
	}
	if !strings.Contains(logs.String(), "the last line was cut short") {
		t.Errorf("no warning of the cut line:\n%s", logs.String())
	}

	second.changes.close()
	state, _ := os.ReadFile(second.cfg.StateFile)
	lines := strings.Count(string(good), "\n")
	bad := append(append([]byte{}, good...), "not json\n"...)
	bad = append(bad, good...)
	if err := os.WriteFile(log, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(second.cfg)
	if want := "line " + strconv.Itoa(lines+1); err == nil || !strings.Contains(err.Error(), log) || !strings.Contains(err.Error(), want) {
		t.Errorf("a bad line in the middle: %v, want an error naming %s and %s", err, log, want)
	}
	if after, _ := os.ReadFile(second.cfg.StateFile); string(after) != string(state) {
		t.Error("a log that cannot be read changed the state file")
	}
}

// A log that cannot be written answers the write 500, in the vendor's
// shape, saying that the change was made in memory only. The next save of
// the state file holds it, and writes are durable again.
func TestChangeLogFailureIsAnswered(t *testing.T) {
	dir := t.TempDir()
	s := newDurable(t, dir, nil)
	h := s.Handler()
	s.changes.file.Close() // every write to it fails from now on
	body := `{"meta":{"name":"failed","parent_uuid":"` + stateParent + `"},"context":{"id":"failed","type":"CONTEXT_TYPE_REF"}}`
	status, raw := vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.prod/repository-versions", body, append([]string{"Content-Type", "application/json"}, endorAuth...)...).Result()
	if status != 500 || !strings.Contains(raw, `"code":13`) || !strings.Contains(raw, "the change was made in memory but could not be written to "+s.changes.path) {
		t.Fatalf("a write the log cannot take: %d %s, want 500 code 13 saying so", status, raw)
	}
	if err := s.SaveState(); err != nil {
		t.Fatal(err)
	}
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.prod/repository-versions", strings.ReplaceAll(body, "failed", "after"), append([]string{"Content-Type", "application/json"}, endorAuth...)...).OK(t)
	s.changes.close()
	again := newDurable(t, dir, nil)
	list := vendorstest.Serve(t, again.Handler(), vendorstest.InProcess()).Do("GET", "/v1/namespaces/acme.prod/repository-versions", "", endorAuth...).OK(t)
	if !strings.Contains(list, `"name":"failed"`) || !strings.Contains(list, `"name":"after"`) {
		t.Errorf("after a restart: %s; want the object of the failed write (saved since) and the next one", list)
	}
}

// Logs left by a run with --state-durability fsync are replayed by a run
// without it, then folded into the state file and removed: they hold
// answered writes.
func TestChangeLogReplayedInIntervalMode(t *testing.T) {
	dir := t.TempDir()
	first := newDurable(t, dir, nil)
	reads, _ := fill(t, first.Handler())
	want := readAll(t, first.Handler(), reads)
	cfg := first.cfg
	cfg.StateDurability = DurabilityInterval
	second, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, second.Handler(), reads); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("in interval mode: %v, want %v", got, want)
	}
	for _, p := range first.logPaths() {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
}

// copyDir copies the files of src into a new directory: what a kill -9
// would leave on disk (a change added but not written is in memory only).
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// The fixtures' generated values (a uuid, times) are on disk before any
// client can read them, at start and after a reset: a crash before the
// next write does not give the same fixtures other values.
func TestChangeLogHoldsTheFixturesBeforeTheyAreRead(t *testing.T) {
	dir := t.TempDir()
	s := newDurable(t, dir, nil)
	const list = "/v1/namespaces/acme.prod/repository-versions"
	for _, step := range []string{"start", "reset"} {
		if step == "reset" {
			vendorstest.Serve(t, s.Handler(), vendorstest.InProcess()).Do("POST", "/__admin/reset", "").OK(t)
		}
		want := vendorstest.Serve(t, s.Handler(), vendorstest.InProcess()).Do("GET", list, "", endorAuth...).OK(t)
		crashed := copyDir(t, dir)
		again := newDurable(t, crashed, nil)
		if got := vendorstest.Serve(t, again.Handler(), vendorstest.InProcess()).Do("GET", list, "", endorAuth...).OK(t); got != want {
			t.Errorf("after the %s and a crash, the fixture reads\n%s\nwant\n%s", step, got, want)
		}
	}
}

package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	stateProject   = "4838955a48e2492bbe44b31bc4c272f6"
	stateProjectID = "0123456789abcdef0123456789abcdef"
	stateParent    = "656e69058032bf0abaaeb600"
)

// call sends one request to h; headers are name, value pairs.
var (
	endorAuth  = []string{"Authorization", "Bearer test-token"}
	huaweiAuth = []string{"X-Auth-Token", "any-token", "X-Repo-Auth", "my-git-auth"}
)

const stageFile = "/v1/" + stateProjectID + "/git/files/repomock/group:app/bin:data.bin?ref=master"

// fill writes one object to each vendor and issues an Endor token. It
// returns the reads that show them, and the token.
func fill(t *testing.T, h http.Handler) (reads []string, token string) {
	t.Helper()
	var rv struct{ UUID string }
	body := `{"meta":{"name":"main","parent_uuid":"` + stateParent + `"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
	if err := json.Unmarshal([]byte(vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.prod/repository-versions", body, append([]string{"Content-Type", "application/json"}, endorAuth...)...).OK(t)), &rv); err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/auth/api-key", `{"key":"endr+k","secret":"s"}`).OK(t)), &tok); err != nil {
		t.Fatal(err)
	}
	var repo struct {
		Result struct {
			RepositoryUUID string `json:"repository_uuid"`
		}
	}
	if err := json.Unmarshal([]byte(vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/repositories", `{"project_uuid":"`+stateProject+`","name":"demo"}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).OK(t)), &repo); err != nil {
		t.Fatal(err)
	}
	binary := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff, 0xfe, '\n', 0})
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", stageFile, `{"message":"m","content":"`+binary+`"}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).OK(t)
	return []string{
		"/v1/namespaces/acme.prod/repository-versions/" + rv.UUID,
		"/v1/namespaces/acme.prod/repository-versions",
		"/v2/repositories/" + repo.Result.RepositoryUUID,
		"/v1/projects/" + stateProject + "/repositories",
		stageFile,
	}, tok.Token
}

// readAll answers each read with the credentials its vendor takes.
func readAll(t *testing.T, h http.Handler, reads []string) []string {
	t.Helper()
	var out []string
	for _, r := range reads {
		auth := huaweiAuth
		if strings.HasPrefix(r, "/v1/namespaces/") {
			auth = endorAuth
		}
		status, body := vendorstest.Serve(t, h, vendorstest.InProcess()).Do("GET", r, "", auth...).Result()
		out = append(out, fmt.Sprintf("%d %s", status, body))
	}
	return out
}

// serveUntilCanceled runs s.Serve on 127.0.0.1:0 and returns its URL and
// a stop that cancels it and returns Serve's error.
func serveUntilCanceled(t *testing.T, s *Server) (url string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(15 * time.Second):
				serveErr = errors.New("Serve did not return 15s after cancel")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

func TestStateFileSavedAtShutdownAndLoadedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	cfg := Config{StateFile: path, StateInterval: time.Hour, Seed: 1, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "test-token"}}}.Vendors()}
	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	reads, token := fill(t, first.Handler())
	want := readAll(t, first.Handler(), reads)

	url, stop := serveUntilCanceled(t, first)
	// One more write over the real listener, just before the shutdown.
	req, _ := http.NewRequest("POST", url+"/v1/namespaces/acme.late/repository-versions",
		strings.NewReader(`{"meta":{"name":"late","parent_uuid":"`+stateParent+`"},"context":{"id":"late","type":"CONTEXT_TYPE_REF"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	late, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("late create: HTTP %d %s", resp.StatusCode, late)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state file exists before the first interval and before shutdown (%v)", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}

	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no state file after shutdown: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600 (it holds tokens)", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		t.Fatalf("state file is not JSON: %v", err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range parts {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"codearts", "endor", "format", "saved_at", "servicestage"}) || string(parts["format"]) != `"repomock-state/1"` {
		t.Errorf("state file has %v, format %s", keys, parts["format"])
	}

	second, err := New(cfg)
	if err != nil {
		t.Fatalf("New with the saved file: %v", err)
	}
	if got := readAll(t, second.Handler(), reads); !slices.Equal(got, want) {
		t.Errorf("after restart:\n got %q\nwant %q", got, want)
	}
	var lateObj struct{ UUID string }
	_ = json.Unmarshal(late, &lateObj)
	if got := vendorstest.Serve(t, second.Handler(), vendorstest.InProcess()).Do("GET", "/v1/namespaces/acme.late/repository-versions/"+lateObj.UUID, "", endorAuth...).OK(t); got != string(late) {
		t.Errorf("the write just before shutdown: %s, want %s", got, late)
	}
	// The issued token still works: only test-token and issued tokens are accepted.
	if status, body := vendorstest.Serve(t, second.Handler(), vendorstest.InProcess()).Do("GET", "/v1/namespaces/x/repository-versions", "", "Authorization", "Bearer "+token).Result(); status != http.StatusOK {
		t.Errorf("issued token after restart: HTTP %d %s", status, body)
	}
	if status, _ := vendorstest.Serve(t, second.Handler(), vendorstest.InProcess()).Do("GET", "/v1/namespaces/x/repository-versions", "", "Authorization", "Bearer guessed").Result(); status != http.StatusUnauthorized {
		t.Errorf("an unknown token after restart: HTTP %d, want 401", status)
	}
}

func TestStateFileThatCannotBeLoadedStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	srv, err := New(Config{StateFile: good, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, srv.Handler())
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	valid, _ := os.ReadFile(good)
	for _, tc := range []struct{ name, data, want string }{
		{"garbage", "not json at all", "not a repomock state file"},
		{"empty", "", "not a repomock state file"},
		{"truncated", string(valid[:len(valid)*2/3]), "not a repomock state file"},
		{"null", "null", "not a repomock state file"},
		{"other format", strings.Replace(string(valid), StateFormat, "repomock-state/9", 1), "repomock-state/9"},
		{"no format", `{"endor":null}`, "format is missing"},
		{"unknown part", strings.Replace(string(valid), `"endor":`, `"gitlab":{},"endor":`, 1), `"gitlab"`},
		{"broken part", strings.Replace(string(valid), `"version":1`, `"version":7`, 1), "endor: version 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{StateFile: path})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %s and saying %q", err, path, tc.want)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.data {
				t.Error("the state file was changed")
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("a temporary file %s was written", e.Name())
				}
			}
		})
	}
	t.Run("unreadable: a directory", func(t *testing.T) {
		path := filepath.Join(dir, "a-dir")
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Config{StateFile: path}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("New = %v, want an error naming %s", err, path)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(dir, "nope", "state.json")
		if _, err := New(Config{StateFile: path}); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("New = %v, want an error naming %s", err, path)
		}
	})
}

func TestMissingStateFileStartsFromFixtures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := New(Config{StateFile: path, FixturesDir: "../../fixtures", Seed: 1})
	if err != nil {
		t.Fatalf("New with no state file yet: %v", err)
	}
	want := vendorstest.Serve(t, srv.Handler(), vendorstest.InProcess()).Do("GET", "/v1/projects/"+stateProject+"/repositories", "", huaweiAuth...).OK(t)
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{StateFile: path, FixturesDir: "../../fixtures", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := vendorstest.Serve(t, again.Handler(), vendorstest.InProcess()).Do("GET", "/v1/projects/"+stateProject+"/repositories", "", huaweiAuth...).OK(t); got != want {
		t.Errorf("after restart: %s\nwant %s", got, want)
	}
}

// An unchanged state is not written again; a reset leaves the file alone
// and the next save writes the reset state.
func TestSaveStateSkipsUnchangedAndResetKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	srv, err := New(Config{StateFile: path, Seed: 1, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	reads, _ := fill(t, srv.Handler())
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(path)
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, saved) {
		t.Error("an unchanged state was written again")
	}

	vendorstest.Serve(t, srv.Handler(), vendorstest.InProcess()).Do("POST", "/__admin/reset", "").OK(t)
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, saved) {
		t.Fatalf("reset changed the state file (err %v)", err)
	}
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	restarted, err := New(Config{StateFile: path, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range readAll(t, restarted.Handler(), reads) {
		if i == 1 || i == 3 { // lists: empty
			if strings.Contains(got, "main") || strings.Contains(got, "demo") {
				t.Errorf("after reset and save, %s = %s, want it empty", reads[i], got)
			}
			continue
		}
		if !strings.HasPrefix(got, "404 ") && !strings.HasPrefix(got, "400 ") {
			t.Errorf("after reset and save, %s = %s, want it gone", reads[i], got)
		}
	}
}

// Saves run while requests write to every fake; under -race this checks
// that a snapshot reads each store only under its lock. The last save has
// everything.
func TestSaveWhileServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := New(Config{StateFile: path, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	const writers, each = 3, 15
	var wg sync.WaitGroup
	stop := make(chan struct{})
	saves := make(chan error, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				t.Logf("%d saves while serving", n)
				saves <- nil
				return
			default:
			}
			if err := srv.SaveState(); err != nil {
				saves <- err
				return
			}
			n++
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme/repository-versions", `{"meta":{"name":"`+name+`","parent_uuid":"`+stateParent+`"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`, append([]string{"Content-Type", "application/json"}, endorAuth...)...).Result()
				vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/repositories", `{"project_uuid":"`+stateProject+`","name":"`+name+`"}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).Result()
				vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/"+stateProjectID+"/git/files/repomock/group:app/"+name+"?ref=master", `{"message":"m","content":"aGk="}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).Result()
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-saves; err != nil {
		t.Fatal(err)
	}
	if err := srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	count := vendorstest.Serve(t, again.Handler(), vendorstest.InProcess()).Do("GET", "/v1/namespaces/acme/repository-versions?list_parameters.count=true", "", endorAuth...).OK(t)
	if want := fmt.Sprintf(`{"count_response":{"count":%d}}`, writers*each); count != want {
		t.Errorf("Endor count after reload = %s, want %s", count, want)
	}
	tree := vendorstest.Serve(t, again.Handler(), vendorstest.InProcess()).Do("GET", "/v1/"+stateProjectID+"/git/files/repomock/group:app/trees?ref=master", "", huaweiAuth...).OK(t)
	if n := strings.Count(tree, `"w`); n != writers*each {
		t.Errorf("ServiceStage files after reload = %d, want %d", n, writers*each)
	}
}

// safeBuffer collects logs written from several goroutines.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Serve saves every interval; a failed save is logged, the server goes on,
// and the next interval tries again.
func TestPeriodicSaveAndRetry(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	var logs safeBuffer
	srv, err := New(Config{StateFile: path, StateInterval: 10 * time.Millisecond, Seed: 1,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	url, stop := serveUntilCanceled(t, srv)
	fill(t, srv.Handler())
	waitFor(t, "a periodic save with the repository", func() bool {
		data, _ := os.ReadFile(path)
		return bytes.Contains(data, []byte(`"name":"demo"`))
	})

	// Make the save fail: a non-empty directory where the file goes.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	vendorstest.Serve(t, srv.Handler(), vendorstest.InProcess()).Do("POST", "/v1/repositories", `{"project_uuid":"`+stateProject+`","name":"second"}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).OK(t)
	waitFor(t, "a logged save failure", func() bool { return strings.Contains(logs.String(), "saving state failed") })
	resp, err := http.Get(url + "/__admin/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health after a failed save: HTTP %d", resp.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()

	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a save after the failure", func() bool {
		data, _ := os.ReadFile(path)
		return bytes.Contains(data, []byte(`"name":"second"`))
	})
	if err := stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if !strings.Contains(logs.String(), path) {
		t.Errorf("the failure log does not name the file:\n%s", logs.String())
	}
}

// Serve reports a save that fails at shutdown.
func TestFinalSaveFailureIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := New(Config{StateFile: path, StateInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := serveUntilCanceled(t, srv)
	if err := os.MkdirAll(filepath.Join(path, "blocker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Serve = %v, want the failed final save naming %s", err, path)
	}
}

// The SIGKILL test. The parent loads a large state into a server and takes
// what it would save (encodeState) as A; then changes objects of every
// vendor over HTTP and takes what it would save as B. Its child process
// writes them in turn to one file with writeFileAtomic, the write that
// SaveState does, as fast as it can until the parent kills it. Whenever
// the kill lands, the file must be exactly A or exactly B.
//
// The child writes bytes the servers encoded rather than calling SaveState
// itself: loading and encoding several MB takes seconds under -race, which
// twenty children cannot afford, and a kill would then mostly land while
// encoding, long before the file is touched.

const (
	helperEnv      = "REPOMOCK_STATE_HELPER_DIR"
	killRounds     = 20
	bigEndorCount  = 1500
	bigServiceFile = 1 << 20
)

// bigState is a state file in the documented format: many Endor objects
// with long descriptions, a few repositories and a large binary file.
func bigState() []byte {
	var b bytes.Buffer
	b.WriteString(`{"format":"repomock-state/1","saved_at":"2026-01-01T00:00:00Z","endor":{"version":1,"issued_tokens":[],"sessions":[{"name":"","repository_versions":[`)
	desc := strings.Repeat("d", 1000)
	for i := range bigEndorCount {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"uuid":"%024x","tenant_meta":{"namespace":"acme.load"},"meta":{"name":"v%05d","description":%q,"parent_uuid":%q,`+
			`"kind":"RepositoryVersion","version":"v1","create_time":"2026-01-01T00:00:00Z","update_time":"2026-01-01T00:00:00Z",`+
			`"upsert_time":"2026-01-01T00:00:00Z","created_by":"load@repomock@bearer","updated_by":"load@repomock@bearer"},`+
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, i+1, i, desc, stateParent)
	}
	b.WriteString(`]}]},"codearts":{"version":1,"sessions":[{"name":"","last_repository_id":3,"repositories":[`)
	for i := range 3 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"repository_uuid":"%032x","repository_id":%d,"name":"repo-%d","project_uuid":%q,"visibility_level":0,`+
			`"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, i+1, i+1, i, stateProject)
	}
	data := bytes.Repeat([]byte{'b', 0, 0xff}, bigServiceFile/3)
	fmt.Fprintf(&b, `]}]},"servicestage":{"version":1,"sessions":[{"name":"","repositories":[{"project_id":%q,"namespace":"repomock","project":"group/app",`+
		`"refs":[{"ref":"master","files":[{"path":"big.bin","sha":%q,"content_base64":%q}]}]}]}]}}`,
		stateProjectID, gitBlobSHA(data), base64.StdEncoding.EncodeToString(data))
	return b.Bytes()
}

func gitBlobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// statesAB loads a big state into a server and returns what it saves (A),
// and what it saves after a change to every vendor (B).
func statesAB(t *testing.T, dir string) (a, b []byte) {
	t.Helper()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, bigState(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{StateFile: path, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "test-token"}}}.Vendors()})
	if err != nil {
		t.Fatalf("loading the big state: %v", err)
	}
	if a, _, err = srv.encodeState(); err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	for _, i := range []int{0, bigEndorCount / 2, bigEndorCount - 1} { // updates: same uuid, new description
		vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/namespaces/acme.load/repository-versions", fmt.Sprintf(`{"meta":{"name":"v%05d","parent_uuid":%q,"description":"changed in B"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, i, stateParent), append([]string{"Content-Type", "application/json"}, endorAuth...)...).OK(t)
	}
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("DELETE", fmt.Sprintf("/v1/namespaces/acme.load/repository-versions/%024x", 2), "", endorAuth...).OK(t)
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/repositories", `{"project_uuid":"`+stateProject+`","name":"only-in-b"}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).OK(t)
	vendorstest.Serve(t, h, vendorstest.InProcess()).Do("POST", "/v1/"+stateProjectID+"/git/files/repomock/group:app/b.txt?ref=master", `{"message":"m","content":"Qgo="}`, append([]string{"Content-Type", "application/json"}, huaweiAuth...)...).OK(t)
	if b, _, err = srv.encodeState(); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestHelperProcessSaveLoop is the child of TestStateFileSurvivesSIGKILL;
// it does nothing in a normal run.
func TestHelperProcessSaveLoop(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("the child process of TestStateFileSurvivesSIGKILL")
	}
	var states [2][]byte
	for i, name := range []string{"a.state", "b.state"} {
		var err error
		if states[i], err = os.ReadFile(filepath.Join(dir, "..", name)); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(dir, "state.json")
	if err := writeFileAtomic(target, states[0]); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready") // from now on the file is always A or B
	for i := 1; ; i++ {
		if err := writeFileAtomic(target, states[i%2]); err != nil {
			fmt.Fprintln(os.Stderr, "save:", err)
			os.Exit(3)
		}
	}
}

func TestStateFileSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	start := time.Now()
	root := t.TempDir()
	var want [2][]byte
	want[0], want[1] = statesAB(t, t.TempDir())
	for i, name := range []string{"a.state", "b.state"} {
		var parts map[string]json.RawMessage
		if err := json.Unmarshal(want[i], &parts); err != nil || len(parts) != 5 {
			t.Fatalf("state %s as saved does not parse into 5 parts: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(root, name), want[i], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Equal(want[0], want[1]) {
		t.Fatal("states A and B are the same")
	}
	t.Logf("states A and B: %d and %d bytes as saved; built in %v", len(want[0]), len(want[1]), time.Since(start).Round(time.Millisecond))

	var sawA, sawB, interrupted int
	var slowest time.Duration
	for round := range killRounds {
		dir := filepath.Join(root, fmt.Sprintf("round%02d", round))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		roundStart := time.Now()
		killChildAfter(t, dir, time.Duration(round)*7300*time.Microsecond)
		slowest = max(slowest, time.Since(roundStart))

		data, err := os.ReadFile(filepath.Join(dir, "state.json"))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		// Equal to A or B, each checked to parse above, is to parse.
		switch {
		case bytes.Equal(data, want[0]):
			sawA++
		case bytes.Equal(data, want[1]):
			sawB++
		default:
			t.Fatalf("round %d: the state file (%d bytes) is neither A nor B", round, len(data))
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			switch {
			case e.Name() == "state.json":
			case strings.HasPrefix(e.Name(), "state.json.tmp-"):
				interrupted++ // a save the kill cut short, never read
			default:
				t.Errorf("round %d: unexpected file %s", round, e.Name())
			}
		}
	}
	t.Logf("%d kills: the file was A %d times and B %d times; %d kills cut a write short (temporary file left); slowest round %v; %v in all",
		killRounds, sawA, sawB, interrupted, slowest.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if interrupted == 0 {
		t.Errorf("no kill landed during a write: the test proves nothing")
	}
}

// killChildAfter starts the save loop in dir and kills it with SIGKILL
// delay after it is ready.
func killChildAfter(t *testing.T, dir string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessSaveLoop$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	var stderr safeBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%s: the child did not get ready\n%s", dir, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("%s: the child is not ready after 20s\n%s", dir, stderr.String())
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("%s: the child ended with %v, want killed by SIGKILL\n%s", dir, err, stderr.String())
	}
}

package servicestage_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// sessionHeader names a request's session, as the server reads it.
const sessionHeader = sessions.Header

// in sends r in a session.
func in(session string, r request) request {
	h := map[string]string{sessionHeader: session}
	for k, v := range r.header {
		h[k] = v
	}
	r.header = h
	return r
}

func TestSnapshotRoundTrip(t *testing.T) {
	binary := make([]byte, 256*3)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	otherURL := "/v1/" + projectID + "/git/files/repomock/other:repo/"

	a := newServer(t, servicestage.Config{})
	a.must(t, in("s1", create("a.txt", "master", b64("hello\n"))), http.StatusOK)
	a.must(t, in("s1", create("bin:data.bin", "master", base64.StdEncoding.EncodeToString(binary))), http.StatusOK)
	a.must(t, in("s1", create("a.txt", "feature", b64("feature"))), http.StatusOK)
	a.must(t, in("s1", create("tmp.txt", "drained", b64("tmp"))), http.StatusOK)
	var tmp shown
	if err := json.Unmarshal([]byte(a.must(t, in("s1", show("tmp.txt", "drained")), http.StatusOK).body), &tmp); err != nil {
		t.Fatal(err)
	}
	a.must(t, in("s1", remove("tmp.txt", "drained", tmp.Sha)), http.StatusNoContent) // the ref outlives its last file
	a.must(t, in("s1", request{method: http.MethodPost, url: otherURL + "x.txt?ref=main", body: map[string]string{"message": "m", "content": b64("x")}}), http.StatusOK)
	a.must(t, in("s2", create("a.txt", "master", b64("s2's"))), http.StatusOK)

	data, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.fake.Snapshot(); !bytes.Equal(again, data) {
		t.Fatal("two snapshots of the same state differ")
	}
	b := newServer(t, servicestage.Config{})
	if err := b.fake.Restore(data); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.fake.Snapshot(); !bytes.Equal(got, data) {
		t.Errorf("snapshot after restore differs:\n got %s\nwant %s", got, data)
	}
	for _, r := range []request{
		in("s1", show("a.txt", "master")),
		in("s1", show("bin:data.bin", "master")),
		in("s1", show("a.txt", "feature")),
		in("s1", show("tmp.txt", "drained")),
		in("s1", trees("master")),
		in("s1", trees("feature")),
		in("s1", trees("drained")),
		in("s1", request{method: http.MethodGet, url: otherURL + "x.txt?ref=main"}),
		in("s2", show("a.txt", "master")),
		in("s2", show("bin:data.bin", "master")),
		in("", trees("master")),
	} {
		want, got := a.do(t, r), b.do(t, r)
		if got != want {
			t.Errorf("%s %s in %q after restore: %+v, want %+v", r.method, r.url, r.header[sessionHeader], got, want)
		}
	}
	var bin shown
	if err := json.Unmarshal([]byte(b.must(t, in("s1", show("bin:data.bin", "master")), http.StatusOK).body), &bin); err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(bin.Content); !bytes.Equal(got, binary) {
		t.Error("binary content changed in the round trip")
	}
	// The restored file is the same blob: an update with its sha works.
	b.must(t, in("s1", update("bin:data.bin", "master", b64("new"), bin.Sha)), http.StatusOK)
	// A restored file still exists for create.
	b.must(t, in("s1", create("a.txt", "master", b64("again"))), http.StatusBadRequest)
}

func TestRestoreKeepsConfiguredStrictness(t *testing.T) {
	const declared = `{"project_id":"` + projectID + `","namespace":"repomock","project":"group:app","refs":["master"],
		"files":[{"ref":"master","path":"README.md","content":"hello\n"}]}`
	strict, err := servicestage.ParseFixtures([]byte(`{"strict":true,"repositories":[` + declared + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := newServer(t, servicestage.Config{Fixtures: strict})
	readme := a.show(t, "README.md", "master")
	a.must(t, remove("README.md", "master", readme.Sha), http.StatusNoContent)
	data, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := newServer(t, servicestage.Config{Fixtures: strict})
	if err := b.fake.Restore(data); err != nil {
		t.Fatal(err)
	}
	b.must(t, show("README.md", "master"), http.StatusBadRequest)          // deleted, and not brought back by the fixtures
	b.must(t, create("a.txt", "feature", b64("a")), http.StatusBadRequest) // still strict: an undeclared ref
	b.must(t, create("a.txt", "master", b64("a")), http.StatusOK)
	b.must(t, in("fresh", show("README.md", "master")), http.StatusOK) // a session not in the snapshot gets the fixtures
}

func TestRestoreRefusesBrokenSnapshots(t *testing.T) {
	a := newServer(t, servicestage.Config{})
	a.must(t, create("a.txt", "master", b64("a")), http.StatusOK)
	good, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sha := a.show(t, "a.txt", "master").Sha
	file := func(path, sha, content string) string {
		return fmt.Sprintf(`{"path":%q,"sha":%q,"content_base64":%q}`, path, sha, content)
	}
	repo := func(project string, refs ...string) string {
		return fmt.Sprintf(`{"project_id":%q,"namespace":"n","project":%q,"refs":[%s]}`, projectID, project, strings.Join(refs, ","))
	}
	ref := func(name string, files ...string) string {
		return fmt.Sprintf(`{"ref":%q,"files":[%s]}`, name, strings.Join(files, ","))
	}
	session := func(repos ...string) string {
		return `{"version":2,"sessions":[{"name":"","repositories":[` + strings.Join(repos, ",") + `]}]}`
	}
	if err := a.fake.Restore(json.RawMessage(session(repo("g/app", ref("master", file("a.txt", sha, b64("a"))), ref("empty"))))); err != nil {
		t.Fatalf("the valid base of the cases below is refused: %v", err)
	}
	if err := a.fake.Restore(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"truncated", string(good[:len(good)-3]), "unexpected EOF"},
		{"trailing data", string(good) + "[]", "after the JSON value"},
		{"other version", `{"version":0,"sessions":[]}`, "version 0"},
		{"next version", `{"version":3,"sessions":[]}`, "only versions 1 and 2 are understood"},
		{"unknown field", `{"version":2,"sessions":[{"name":"","repos":[]}]}`, "repos"},
		{"wrong sha", session(repo("g/app", ref("master", file("a.txt", strings.Repeat("0", 64), b64("a"))))), "is not the sha of the content"},
		// Version 2's sha is the SHA-256; a git blob SHA-1 there is wrong.
		{"version 2 with a blob SHA-1", session(repo("g/app", ref("master", file("a.txt", "2e65efe2a145dda7ee51d1741299f848e5bf752e", b64("a"))))), "is not the sha of the content"},
		// Version 1's sha is the git blob SHA-1, checked before it is recomputed.
		{"version 1 with a wrong sha", strings.Replace(session(repo("g/app", ref("master", file("a.txt", sha, b64("a"))))), `"version":2`, `"version":1`, 1), "is not the sha of the content (2e65efe2a145dda7ee51d1741299f848e5bf752e)"},
		{"project id not a project id", strings.Replace(session(repo("g/app")), projectID, "p", 1), `project_id "p": must be 32 lowercase hexadecimal digits`},
		{"bad base64", session(repo("g/app", ref("master", file("a.txt", sha, "a")))), "content_base64"},
		{"colon path", session(repo("g/app", ref("master", file("d:a.txt", sha, b64("a"))))), "'/'"},
		{"empty segment", session(repo("g//app")), "empty segment"},
		{"no ref name", session(repo("g/app", ref(""))), "ref: value is required"},
		{"ref twice", session(repo("g/app", ref("m"), ref("m"))), "listed twice"},
		{"file twice", session(repo("g/app", ref("m", file("a.txt", sha, b64("a")), file("a.txt", sha, b64("a"))))), "listed twice"},
		{"repository twice", session(repo("g/app"), repo("g/app")), "listed twice"},
		{"no namespace", strings.Replace(session(repo("g/app")), `"namespace":"n"`, `"namespace":""`, 1), "namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.fake.Restore(json.RawMessage(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "servicestage: ") {
				t.Errorf("Restore = %v, want a servicestage error containing %q", err, tc.want)
			}
			if got, _ := a.fake.Snapshot(); !bytes.Equal(got, good) {
				t.Error("a refused restore changed the state")
			}
		})
	}
}

// A snapshot written before sha became the SHA-256 (version 1, whose sha
// is the git blob SHA-1) still loads: each sha is checked against its
// content, then recomputed. ShowContent answers the SHA-256, which update
// and delete take; the old SHA-1 is stale; a new snapshot is version 2.
func TestRestoreVersion1RecomputesSha(t *testing.T) {
	const v1 = `{"version":1,"sessions":[{"name":"","repositories":[{"project_id":"` + projectID + `","namespace":"repomock",` +
		`"project":"group/app","refs":[{"ref":"master","files":[` +
		`{"path":"a.txt","sha":"ce013625030ba8dba906f756967f9e9ca394464a","content_base64":"aGVsbG8K"},` +
		`{"path":"b.txt","sha":"2e65efe2a145dda7ee51d1741299f848e5bf752e","content_base64":"YQ=="}]}]}]}]}`
	s := newServer(t, servicestage.Config{})
	if err := s.fake.Restore(json.RawMessage(v1)); err != nil {
		t.Fatalf("a version 1 snapshot is refused: %v", err)
	}
	got := s.must(t, show("a.txt", "master"), http.StatusOK).body
	if want := `{"path":"a.txt","sha":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","encoding":"base64","content":"aGVsbG8K"}`; got != want {
		t.Errorf("ShowContent after a version 1 restore:\n got %s\nwant %s", got, want)
	}
	s.must(t, update("a.txt", "master", b64("v2"), "ce013625030ba8dba906f756967f9e9ca394464a"), http.StatusBadRequest)
	s.must(t, update("a.txt", "master", b64("v2"), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"), http.StatusOK)
	s.must(t, remove("b.txt", "master", sha256Hex([]byte("a"))), http.StatusNoContent)
	snap, err := s.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":2,"sessions":[{"name":"","repositories":[{"project_id":"` + projectID + `","namespace":"repomock",` +
		`"project":"group/app","refs":[{"ref":"master","files":[{"path":"a.txt","sha":"` + sha256Hex([]byte("v2")) + `","content_base64":"djI="}]}]}]}]}`
	if string(snap) != want {
		t.Errorf("snapshot after the restore:\n got %s\nwant %s", snap, want)
	}
}

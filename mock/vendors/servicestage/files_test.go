package servicestage_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// sha256Hex is a file's sha as the fake must answer it (the SHA-256 of the
// content, 64 hex digits), computed independently of the fake.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// The vendor's example: create app:project.rb, answered with slashes.
func TestCreateAnswersTheSlashPath(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	got := s.must(t, create("app:project.rb", "master", "IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"), http.StatusOK)
	if want := `{"path":"app/project.rb"}`; got.body != want {
		t.Errorf("body = %s, want %s", got.body, want)
	}
}

func TestShowContentHelloWorld(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create("docs:hello.txt", "master", b64("hello\n")), http.StatusOK)
	got := s.must(t, show("docs:hello.txt", "master"), http.StatusOK)
	// The SHA-256 of "hello\n" is a well-known value (sha256sum prints it), in
	// the vendor's 64-hex form, not the git blob SHA-1 (ce013625…).
	want := `{"path":"docs/hello.txt","sha":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","encoding":"base64","content":"aGVsbG8K"}`
	if got.body != want {
		t.Errorf("body = %s\nwant   %s", got.body, want)
	}
}

// Every byte value goes in and comes back unchanged, and sha is the SHA-256 of the bytes.
func TestBinaryContentRoundTrips(t *testing.T) {
	data := make([]byte, 0, 512)
	for i := range 256 {
		data = append(data, byte(i))
	}
	for i := range 256 {
		data = append(data, byte(255-i))
	}
	s := newServer(t, servicestage.Config{})
	s.must(t, create("bin:all.dat", "master", base64.StdEncoding.EncodeToString(data)), http.StatusOK)
	got := s.show(t, "bin:all.dat", "master")
	back, err := base64.StdEncoding.DecodeString(got.Content)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, data) {
		t.Errorf("content changed on the way: got %d bytes, want %d", len(back), len(data))
	}
	if got.Encoding != "base64" || got.Path != "bin/all.dat" {
		t.Errorf("encoding, path = %q, %q; want base64, bin/all.dat", got.Encoding, got.Path)
	}
	if want := sha256Hex(data); got.Sha != want {
		t.Errorf("sha = %s, want the SHA-256 %s", got.Sha, want)
	}
}

func TestEmptyFile(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create(".keep", "master", ""), http.StatusOK)
	got := s.must(t, show(".keep", "master"), http.StatusOK)
	// e3b0c442… is the SHA-256 of no bytes.
	if want := `{"path":".keep","sha":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","encoding":"base64","content":""}`; got.body != want {
		t.Errorf("body = %s, want %s", got.body, want)
	}
}

// Line breaks inside the base64 (as MIME encoders write it) are skipped.
func TestContentWithLineBreaks(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create("a.txt", "master", "aGVs\r\nbG8K\n"), http.StatusOK)
	if got := s.show(t, "a.txt", "master"); got.Content != "aGVsbG8K" {
		t.Errorf("content = %q, want aGVsbG8K", got.Content)
	}
}

// The vendor's documented default Content-Type carries a charset.
func TestContentTypeWithCharset(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	r := create("a.txt", "master", b64("x"))
	r.header = map[string]string{"Content-Type": "application/json;charset=utf8"}
	s.must(t, r, http.StatusOK)
}

func TestUpdateNeedsTheCurrentSha(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create("app:project.rb", "master", b64("v1\n")), http.StatusOK)
	v1 := s.show(t, "app:project.rb", "master")

	got := s.must(t, update("app:project.rb", "master", b64("v2\n"), v1.Sha), http.StatusOK)
	if want := `{"path":"app/project.rb"}`; got.body != want {
		t.Errorf("update body = %s, want %s", got.body, want)
	}
	v2 := s.show(t, "app:project.rb", "master")
	if v2.Content != b64("v2\n") || v2.Sha != sha256Hex([]byte("v2\n")) {
		t.Errorf("after update: content %q sha %s, want v2 and its SHA-256", v2.Content, v2.Sha)
	}

	// The old sha is stale now: refused, and nothing changes.
	s.must(t, update("app:project.rb", "master", b64("v3\n"), v1.Sha), http.StatusBadRequest)
	if now := s.show(t, "app:project.rb", "master"); now != v2 {
		t.Errorf("a refused update changed the file: %+v, want %+v", now, v2)
	}
}

func TestDeleteNeedsTheCurrentSha(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create("a.txt", "master", b64("a")), http.StatusOK)
	s.must(t, create("b.txt", "master", b64("b")), http.StatusOK)
	a := s.show(t, "a.txt", "master")

	s.must(t, remove("a.txt", "master", sha256Hex([]byte("b"))), http.StatusBadRequest)
	if now := s.show(t, "a.txt", "master"); now != a {
		t.Errorf("a refused delete changed the file: %+v", now)
	}
	got := s.must(t, remove("a.txt", "master", a.Sha), http.StatusNoContent)
	if got.body != "" {
		t.Errorf("delete body = %q, want none", got.body)
	}
	s.must(t, show("a.txt", "master"), http.StatusBadRequest)
	if got := s.must(t, trees("master"), http.StatusOK).body; got != `{"paths":["b.txt"]}` {
		t.Errorf("trees after delete = %s", got)
	}
	// The path is free again.
	s.must(t, create("a.txt", "master", b64("again")), http.StatusOK)
}

// ListTrees gives the files of one ref of one repository, sorted.
func TestListTrees(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	if got := s.must(t, trees("master"), http.StatusOK).body; got != `{"paths":[]}` {
		t.Errorf("empty repository: %s, want {\"paths\":[]}", got)
	}
	for _, p := range []string{"src:main.go", "README.md", "src:a:b.go", "LICENSE", "Makefile"} {
		s.must(t, create(p, "master", b64(p)), http.StatusOK)
	}
	s.must(t, create("other.txt", "develop", b64("x")), http.StatusOK)
	s.must(t, request{method: http.MethodPost, url: "/v1/" + projectID + "/git/files/repomock/group:lib/lib.txt?ref=master",
		body: map[string]string{"message": "m", "content": b64("x")}}, http.StatusOK)

	tests := []struct{ url, want string }{
		{treesURL + "?ref=master", `{"paths":["LICENSE","Makefile","README.md","src/a/b.go","src/main.go"]}`},
		{treesURL + "?ref=develop", `{"paths":["other.txt"]}`},
		{treesURL + "?ref=v1.0.0", `{"paths":[]}`},
		{"/v1/" + projectID + "/git/files/repomock/group:lib/trees?ref=master", `{"paths":["lib.txt"]}`},
		{"/v1/" + projectID + "/git/files/elsewhere/group:app/trees?ref=master", `{"paths":[]}`},
		{"/v1/ffffffffffffffffffffffffffffffff/git/files/repomock/group:app/trees?ref=master", `{"paths":[]}`},
	}
	for _, tt := range tests {
		if got := s.must(t, request{method: http.MethodGet, url: tt.url}, http.StatusOK).body; got != tt.want {
			t.Errorf("GET %s = %s, want %s", tt.url, got, tt.want)
		}
	}
}

// Colons are slashes: the same file by either spelling, and "." and ".."
// are plain names inside the fake repository, never resolved.
func TestColonPaths(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	tests := []struct{ create, read, want string }{
		{"app:models:key.rb", "app%2Fmodels%2Fkey.rb", "app/models/key.rb"},
		{"..:..:etc:passwd", "..:..:etc:passwd", "../../etc/passwd"},
		{"etc:passwd", "etc:passwd", "etc/passwd"},
		{".:x", ".:x", "./x"},
		{"x", "x", "x"},
	}
	for _, tt := range tests {
		got := s.must(t, create(tt.create, "master", b64(tt.want)), http.StatusOK)
		if want := `{"path":"` + tt.want + `"}`; got.body != want {
			t.Errorf("create %s = %s, want %s", tt.create, got.body, want)
		}
	}
	for _, tt := range tests {
		if got := s.show(t, tt.read, "master"); got.Path != tt.want || got.Content != b64(tt.want) {
			t.Errorf("read %s = %+v, want the file %s", tt.read, got, tt.want)
		}
	}
	// "group:app" and "group/app" (escaped) are one repository.
	got := s.must(t, request{method: http.MethodGet, url: "/v1/" + projectID + "/git/files/repomock/group%2Fapp/trees?ref=master"}, http.StatusOK)
	if want := `{"paths":["../../etc/passwd","./x","app/models/key.rb","etc/passwd","x"]}`; got.body != want {
		t.Errorf("trees = %s, want %s", got.body, want)
	}
}

// Assumption under test: GET …/{project}/trees is ListTrees, so a root
// file named "trees" can be written, listed and deleted but not read.
func TestRootFileNamedTrees(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	s.must(t, create("trees", "master", b64("t")), http.StatusOK)
	if got := s.must(t, show("trees", "master"), http.StatusOK).body; got != `{"paths":["trees"]}` {
		t.Errorf("GET …/trees = %s, want the listing", got)
	}
	s.must(t, remove("trees", "master", sha256Hex([]byte("t"))), http.StatusNoContent)
	// Deeper down the name is an ordinary one.
	s.must(t, create("dir:trees", "master", b64("t")), http.StatusOK)
	s.show(t, "dir:trees", "master")
}

// Sessions do not see each other's files.
func TestSessionsAreApart(t *testing.T) {
	s := newServer(t, servicestage.Config{})
	in := func(session string, r request) request {
		r.header = map[string]string{sessions.Header: session}
		return r
	}
	s.must(t, in("a", create("a.txt", "master", b64("a"))), http.StatusOK)
	s.must(t, in("b", create("a.txt", "master", b64("b"))), http.StatusOK)
	if got := s.must(t, in("a", show("a.txt", "master")), http.StatusOK).body; !strings.Contains(got, b64("a")) {
		t.Errorf("session a reads %s", got)
	}
	s.must(t, in("c", show("a.txt", "master")), http.StatusBadRequest)
}

// The same requests give the same answers, byte for byte, on any fake.
func TestDeterministic(t *testing.T) {
	script := []request{
		create("b.txt", "master", b64("b")),
		create("a:x.txt", "master", b64("x")),
		create("a:x.txt", "master", b64("x")),
		show("a:x.txt", "master"),
		update("b.txt", "master", b64("b2"), sha256Hex([]byte("b"))),
		remove("a:x.txt", "master", "stale"),
		trees("master"),
		show("nope", "master"),
	}
	run := func() []response {
		s := newServer(t, servicestage.Config{})
		var out []response
		for _, r := range script {
			out = append(out, s.do(t, r))
		}
		return out
	}
	first, second := run(), run()
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("request %d: %+v then %+v", i, first[i], second[i])
		}
	}
}

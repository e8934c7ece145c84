package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func TestWriteModProxy(t *testing.T) {
	// A repository like this one: a root module and the testcontainers
	// module in its directory, tagged as the release tags it.
	repo := t.TempDir()
	files := map[string]string{
		"go.mod":                     "module github.com/repomock/repomock\n\ngo 1.26.0\n",
		"main.go":                    "package main\n\nfunc main() {}\n",
		"testcontainers/go.mod":      "module github.com/repomock/repomock/testcontainers\n\ngo 1.26.0\n",
		"testcontainers/version.go":  "package repomock\n\nconst Version = \"v0.3.0\"\n\nconst imageRepository = \"ghcr.io/repomock/repomock\"\n",
		"testcontainers/repomock.go": "package repomock\n\nconst DefaultImage = imageRepository + \":\" + Version\n",
	}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-12-01T03:32:57Z", "GIT_AUTHOR_DATE=2026-12-01T03:32:57Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "v0.3.0")
	git("tag", "testcontainers/v0.3.0")
	// A file added after the tag is not in the module.
	if err := os.WriteFile(filepath.Join(repo, "testcontainers", "later.go"), []byte("package repomock\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	version, err := writeModProxy(context.Background(), dir, repo, "testcontainers/v0.3.0")
	if err != nil {
		t.Fatal(err)
	}
	if version != "v0.3.0" {
		t.Errorf("version = %q, want the module's Version v0.3.0", version)
	}
	at := filepath.Join(dir, "github.com", "repomock", "repomock", "testcontainers", "@v")
	read := func(name string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(at, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	if got := string(read("v0.3.0.mod")); got != files["testcontainers/go.mod"] {
		t.Errorf("v0.3.0.mod = %q", got)
	}
	var info struct {
		Version string
		Time    time.Time
	}
	if err := json.Unmarshal(read("v0.3.0.info"), &info); err != nil || info.Version != "v0.3.0" || !info.Time.Equal(testDate) {
		t.Errorf("v0.3.0.info = %+v (%v), want v0.3.0 at the commit's time %v", info, err, testDate)
	}

	// Each zip is a valid module zip, as the go command checks it, of the
	// module's directory at the tag: the server's leaves the
	// testcontainers module out.
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"github.com/repomock/repomock", []string{"go.mod", "main.go"}},
		{"github.com/repomock/repomock/testcontainers", []string{"go.mod", "repomock.go", "version.go"}},
	} {
		at := filepath.Join(dir, filepath.FromSlash(tc.path), "@v")
		if got, err := os.ReadFile(filepath.Join(at, "list")); err != nil || string(got) != "v0.3.0\n" {
			t.Errorf("%s: list = %q, %v", tc.path, got, err)
		}
		zipFile := filepath.Join(at, "v0.3.0.zip")
		if _, err := modzip.CheckZip(module.Version{Path: tc.path, Version: "v0.3.0"}, zipFile); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(zipFile)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, strings.TrimPrefix(f.Name, tc.path+"@v0.3.0/"))
		}
		zr.Close()
		slices.Sort(names)
		if !slices.Equal(names, tc.want) {
			t.Errorf("%s zip holds %q, want %q", tc.path, names, tc.want)
		}
	}
}

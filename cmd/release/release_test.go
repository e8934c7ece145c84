package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestCheckVersion(t *testing.T) {
	for _, tc := range []struct {
		name, version, want, module string
		err                         string // "" when accepted
	}{
		{"the tag the module names", "v0.1.0", "", "v0.1.0", ""},
		{"the tag the workflow pushed", "v0.1.0", "v0.1.0", "v0.1.0", ""},
		// The module would name ghcr.io/repomock/repomock:v0.1.0, which this
		// release does not publish.
		{"a tag the module does not name", "v0.2.0", "", "v0.1.0", `the tag is v0.2.0 but testcontainers/version.go says Version = "v0.1.0"`},
		{"not the pushed tag", "v0.0.0-20261201033257-973a8084c1bb", "v0.1.0", "v0.1.0", "the build is v0.0.0-20261201033257-973a8084c1bb, not v0.1.0"},
		{"a snapshot between releases", "v0.0.0-20261201033257-973a8084c1bb", "", "v0.1.0", ""},
		{"a snapshot after a tag", "v0.1.1-0.20261201033257-973a8084c1bb", "", "v0.2.0", ""},
		{"uncommitted changes on a tag", "v0.1.0+dirty", "", "v0.2.0", ""},
		{"uncommitted changes are not the pushed tag", "v0.1.0+dirty", "v0.1.0", "v0.1.0", "the build is v0.1.0+dirty, not v0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkVersion(tc.version, tc.want, tc.module)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("checkVersion(%q, %q, %q) = %v, want nil", tc.version, tc.want, tc.module, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("checkVersion(%q, %q, %q) = %v, want an error saying %q", tc.version, tc.want, tc.module, err, tc.err)
			}
		})
	}
}

func TestReadModuleVersion(t *testing.T) {
	// The module's own file: what DefaultImage is made of.
	got, err := readModuleVersion("../../testcontainers/version.go")
	if err != nil {
		t.Fatal(err)
	}
	if got.imageRepository != "ghcr.io/repomock/repomock" || !isRelease(got.version) || !strings.HasPrefix(got.version, "v") {
		t.Errorf("readModuleVersion = %+v, want ghcr.io/repomock/repomock and a vX.Y.Z", got)
	}

	for name, src := range map[string]string{
		"no Version":        "package repomock\n\nconst imageRepository = \"ghcr.io/repomock/repomock\"\n",
		"a pseudo-version":  "package repomock\n\nconst (\n\tVersion = \"v0.0.0-20261201033257-973a8084c1bb\"\n\timageRepository = \"x\"\n)\n",
		"a computed string": "package repomock\n\nconst Version = \"v0.1.\" + \"0\"\nconst imageRepository = \"x\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "version.go")
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := readModuleVersion(file); err == nil {
				t.Errorf("readModuleVersion = %+v, want an error", got)
			}
		})
	}
}

func TestStampOf(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"},
		Settings: settings("vcs.revision", "973a8084c1bba8abc244e4b5c5c810b65712030f", "vcs.time", "2026-12-01T03:32:57Z", "vcs.modified", "false")}
	got, err := stampOf(info)
	want := stamp{version: "v0.1.0", revision: "973a8084c1bba8abc244e4b5c5c810b65712030f", time: time.Date(2026, 12, 1, 3, 32, 57, 0, time.UTC)}
	if err != nil || got != want {
		t.Errorf("stampOf = %+v, %v; want %+v", got, err, want)
	}

	// A worktree, or GOFLAGS=-buildvcs=false: no commit, and (devel).
	if _, err := stampOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); err == nil || !strings.Contains(err.Error(), "git clone") {
		t.Errorf("stampOf without vcs settings = %v, want an error that says to use a git clone", err)
	}
}

func TestSourceDate(t *testing.T) {
	commit := stamp{time: time.Date(2026, 12, 1, 3, 32, 57, 0, time.FixedZone("CET", 3600))}
	if got, err := sourceDate(commit, ""); err != nil || !got.Equal(commit.time) || got.Location() != time.UTC {
		t.Errorf("sourceDate without SOURCE_DATE_EPOCH = %v, %v; want the commit's time in UTC", got, err)
	}
	if got, err := sourceDate(commit, "1700000000"); err != nil || !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("sourceDate(1700000000) = %v, %v", got, err)
	}
	if _, err := sourceDate(commit, "yesterday"); err == nil {
		t.Error("sourceDate(yesterday) accepted")
	}
}

func TestWriteChecksums(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"b.tar.gz": "bee", "a.zip": "ay"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "oci"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeChecksums(dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum's own format and order: by name, directories left out.
	cmd := exec.Command("sha256sum", "a.zip", "b.tar.gz")
	cmd.Dir = dir
	want, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("checksums.txt =\n%s\nwant (sha256sum)\n%s", got, want)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// proxied are the repository's modules, each by its directory: the
// server's (github.com/repomock/repomock, tagged vX.Y.Z, which go install
// …/cmd/repomock@vX.Y.Z builds) and the testcontainers module (tagged
// testcontainers/vX.Y.Z, which consumers require).
var proxied = []struct{ path, dir string }{
	{"github.com/repomock/repomock", ""},
	{"github.com/repomock/repomock/testcontainers", "testcontainers"},
}

// runModProxy is `release modproxy`: it writes a file-based module proxy
// (GOPROXY=file://DIR) that serves the repository's modules at one git
// revision as the version testcontainers/version.go declares there, made
// as the Go module proxy makes them from the tags: each module's zip
// (golang.org/x/mod/zip, as the go command does), go.mod and .info.
// .ci/consumer uses it to show, without a network, that a module outside
// the repository builds against a tagged version with no replace, and that
// go install …@version prints that version.
func runModProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release modproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "`dir`ectory to write the proxy to")
	repo := fs.String("repo", ".", "the git `checkout` to read the modules from")
	rev := fs.String("rev", "", "the git `revision` (a tag such as v0.1.0, or a commit) to serve")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" || *rev == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "release modproxy: want -dir DIR -rev REV [-repo CHECKOUT] (see -help)")
		return 2
	}
	version, err := writeModProxy(ctx, *dir, *repo, *rev)
	if err != nil {
		fmt.Fprintf(stderr, "release modproxy: %v\n", err)
		return 1
	}
	for _, m := range proxied {
		fmt.Fprintf(stdout, "GOPROXY=file://%s serves %s@%s\n", *dir, m.path, version)
	}
	return 0
}

// writeModProxy writes the proxy files of the modules at rev to dir, and
// returns their version.
func writeModProxy(ctx context.Context, dir, repo, rev string) (string, error) {
	git := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return out, nil
	}
	src, err := git("show", rev+":testcontainers/version.go")
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("", "version-*.go")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(src); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	mod, err := readModuleVersion(tmp.Name())
	if err != nil {
		return "", err
	}
	epoch, err := git("log", "-1", "--format=%ct", rev)
	if err != nil {
		return "", err
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(epoch)), 10, 64)
	if err != nil {
		return "", fmt.Errorf("commit time of %s: %w", rev, err)
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{mod.version, time.Unix(sec, 0).UTC()})
	if err != nil {
		return "", err
	}

	for _, p := range proxied {
		gomod, err := git("show", rev+":"+path.Join(p.dir, "go.mod"))
		if err != nil {
			return "", err
		}
		var zip bytes.Buffer
		if err := modzip.CreateFromVCS(&zip, module.Version{Path: p.path, Version: mod.version}, repo, rev, p.dir); err != nil {
			return "", err
		}
		escaped, err := module.EscapePath(p.path)
		if err != nil {
			return "", err
		}
		at := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
		if err := os.MkdirAll(at, 0o755); err != nil {
			return "", err
		}
		for file, data := range map[string][]byte{
			"list":                []byte(mod.version + "\n"),
			mod.version + ".info": info,
			mod.version + ".mod":  gomod,
			mod.version + ".zip":  zip.Bytes(),
		} {
			if err := os.WriteFile(filepath.Join(at, file), data, 0o644); err != nil {
				return "", err
			}
		}
	}
	return mod.version, nil
}

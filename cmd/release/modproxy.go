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
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// testcontainersModule is the module consumers require: a module of its
// own in the directory of the same name, tagged testcontainers/vX.Y.Z.
const testcontainersModule = "github.com/repomock/repomock/testcontainers"

// runModProxy is `release modproxy`: it writes a file-based module proxy
// (GOPROXY=file://DIR) that serves the testcontainers module at one git
// revision as the version its version.go declares, made as the Go module
// proxy makes it from the tag: the module zip of the revision's
// testcontainers directory (golang.org/x/mod/zip, as the go command
// does), its go.mod and its .info. .ci/consumer uses it to show that a
// module outside the repository builds against a tagged version with no
// replace, without a network.
func runModProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release modproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "`dir`ectory to write the proxy to")
	repo := fs.String("repo", ".", "the git `checkout` to read the module from")
	rev := fs.String("rev", "", "the git `revision` (a tag such as testcontainers/v0.1.0, or a commit) to serve")
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
	fmt.Fprintf(stdout, "GOPROXY=file://%s serves %s@%s\n", *dir, testcontainersModule, version)
	return 0
}

// writeModProxy writes the proxy files of the testcontainers module at rev
// to dir, and returns the version.
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
	gomod, err := git("show", rev+":testcontainers/go.mod")
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

	m := module.Version{Path: testcontainersModule, Version: mod.version}
	var zip bytes.Buffer
	if err := modzip.CreateFromVCS(&zip, m, repo, rev, "testcontainers"); err != nil {
		return "", err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{mod.version, time.Unix(sec, 0).UTC()})
	if err != nil {
		return "", err
	}
	escaped, err := module.EscapePath(testcontainersModule)
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
	return mod.version, nil
}

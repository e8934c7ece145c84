package main

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// platform is a GOOS/GOARCH pair that a binary is built for.
type platform struct{ os, arch string }

// platforms are the binaries of a release; the image holds the linux ones.
var platforms = []platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func (p platform) String() string { return p.os + "/" + p.arch }

// binary is the file name of the command on p.
func (p platform) binary() string {
	if p.os == "windows" {
		return "repomock.exe"
	}
	return "repomock"
}

// stamp is what the go command recorded in a binary about its source.
type stamp struct {
	version  string // the module version: the tag, or a pseudo-version
	revision string // the commit
	time     time.Time
	modified bool
}

// built is one platform's binary.
type built struct {
	platform
	path string
	info *debug.BuildInfo
}

// release writes every artifact of the checkout root to out.
func release(ctx context.Context, root, out, tag string, stdout, stderr io.Writer) error {
	mod, err := readModuleVersion(filepath.Join(root, "testcontainers", "version.go"))
	if err != nil {
		return err
	}
	spec, err := readDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		return err
	}
	if err := emptyDir(out); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "repomock-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var bins []built
	var st stamp
	for _, p := range platforms {
		fmt.Fprintf(stdout, "go build %s\n", p)
		path := filepath.Join(tmp, p.os+"_"+p.arch, p.binary())
		if err := goBuild(ctx, root, path, p); err != nil {
			return err
		}
		info, err := buildinfo.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s, err := stampOf(info)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if len(bins) > 0 && s != st {
			return fmt.Errorf("%s was stamped %+v, %s %+v: did the checkout change during the build?", p, s, bins[0].platform, st)
		}
		st = s
		bins = append(bins, built{p, path, info})
	}
	if err := checkVersion(st.version, tag, mod.version); err != nil {
		return err
	}
	if st.modified {
		fmt.Fprintf(stderr, "release: warning: the checkout has uncommitted changes; the version says so (%s)\n", st.version)
	}
	date, err := sourceDate(st, os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}

	// The README links its docs/ pages: they come with it.
	extra, err := readGitFiles(root, "README.md", "docs/*.md", "fixtures")
	if err != nil {
		return err
	}
	for _, b := range bins {
		name := fmt.Sprintf("repomock_%s_%s_%s", st.version, b.os, b.arch)
		data, err := os.ReadFile(b.path)
		if err != nil {
			return err
		}
		files := append([]entry{{name: b.binary(), mode: 0o755, data: data}}, extra...)
		archive := name + ".tar.gz"
		write := writeTarGz
		if b.os == "windows" {
			archive, write = name+".zip", writeZip
		}
		if err := writeFile(filepath.Join(out, archive), func(w io.Writer) error {
			return write(w, prefixed(name+"/", files), date)
		}); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(out, name+".cdx.json"), func(w io.Writer) error {
			return writeSBOM(w, b.info, b.platform, data, date)
		}); err != nil {
			return err
		}
	}

	img := imageBuild{
		repository: mod.imageRepository,
		version:    st.version,
		revision:   st.revision,
		created:    date,
		spec:       spec,
		root:       root,
	}
	var linux []built
	for _, b := range bins {
		if b.os == "linux" {
			linux = append(linux, b)
		}
	}
	digest, err := img.write(out, linux)
	if err != nil {
		return err
	}
	if err := writeChecksums(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "repomock %s (revision %s, %s) in %s; image %s:%s, index %s\n",
		st.version, st.revision, date.Format(time.RFC3339), out, mod.imageRepository, dockerTag(st.version), digest)
	return nil
}

// goBuild builds cmd/repomock for p: static, with -trimpath and the
// version control stamp (this machine's go.env turns it off by default),
// and with the baseline instruction sets, whatever GOAMD64 or GOARM64 the
// environment sets, so that the binary runs on every CPU of its kind.
func goBuild(ctx context.Context, root, out string, p platform) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=true", "-ldflags=-s -w", "-o", out, "./cmd/repomock")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.os, "GOARCH="+p.arch, "GOAMD64=v1", "GOARM64=v8.0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", p, err, msg)
	}
	return nil
}

// stampOf reads the version control stamp of a binary built by goBuild.
func stampOf(info *debug.BuildInfo) (stamp, error) {
	s := stamp{version: info.Main.Version}
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			s.revision = kv.Value
		case "vcs.time":
			t, err := time.Parse(time.RFC3339, kv.Value)
			if err != nil {
				return s, fmt.Errorf("vcs.time %q: %w", kv.Value, err)
			}
			s.time = t
		case "vcs.modified":
			s.modified = kv.Value == "true"
		}
	}
	if s.revision == "" || s.time.IsZero() || s.version == "" || s.version == "(devel)" {
		return s, errors.New("the binary records no git commit: go build stamps one in a git clone with git installed (not in a git worktree, whose .git is a file)")
	}
	return s, nil
}

// isRelease reports whether a version is a tag's: a canonical semantic
// version (vX.Y.Z, or vX.Y.Z-pre), not a pseudo-version, and without
// +dirty (uncommitted changes).
func isRelease(version string) bool {
	return semver.IsValid(version) && semver.Canonical(version) == version && !module.IsPseudoVersion(version)
}

// checkVersion refuses a build whose version is not the tag the caller
// expects (want, when set) and a tagged build that the testcontainers
// module would not find: its Version names the image DefaultImage pulls.
func checkVersion(version, want, moduleVersion string) error {
	if want != "" && version != want {
		return fmt.Errorf("the build is %s, not %s: run the release at the commit tagged %s, in a checkout without changes", version, want, want)
	}
	if isRelease(version) && version != moduleVersion {
		return fmt.Errorf("the tag is %s but testcontainers/version.go says Version = %q: the module tagged testcontainers/%s would start an image of another version; set Version to %q in the tagged commit",
			version, moduleVersion, version, version)
	}
	return nil
}

// sourceDate is the date of every file and of the image: the commit's, or
// SOURCE_DATE_EPOCH when set (https://reproducible-builds.org/specs/source-date-epoch/).
func sourceDate(s stamp, epoch string) (time.Time, error) {
	if epoch == "" {
		return s.time.UTC(), nil
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %q is not a number of seconds since 1970", epoch)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// moduleVersion is what testcontainers/version.go declares.
type moduleVersion struct {
	version         string // Version
	imageRepository string // imageRepository
}

// readModuleVersion reads the string constants Version and
// imageRepository of the testcontainers module (a module of its own, so
// read as source rather than imported).
func readModuleVersion(path string) (moduleVersion, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return moduleVersion{}, err
	}
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
			return true
		}
		if lit, ok := spec.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			consts[spec.Names[0].Name], _ = strconv.Unquote(lit.Value)
		}
		return true
	})
	m := moduleVersion{version: consts["Version"], imageRepository: consts["imageRepository"]}
	if !isRelease(m.version) || m.imageRepository == "" {
		return m, fmt.Errorf("%s: want the string constants Version (vX.Y.Z) and imageRepository, found %q and %q", path, m.version, m.imageRepository)
	}
	return m, nil
}

// emptyDir makes dir, or checks that it is empty: a release never mixes
// its files with an older one's.
func emptyDir(dir string) error {
	names, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("%s is not empty: remove it first (rm -rf %s)", dir, dir)
	}
	return nil
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// writeChecksums writes checksums.txt: the SHA-256 of each file in dir, in
// the order of their names (os.ReadDir's), in the format sha256sum -c reads.
func writeChecksums(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var lines []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%x  %s\n", sha256.Sum256(data), e.Name()))
	}
	return os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(strings.Join(lines, "")), 0o644)
}

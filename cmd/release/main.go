// Command release builds every release artifact of repomock from the git
// checkout it runs in, offline and reproducibly. From the repository root:
//
//	go run ./cmd/release                 # writes dist/
//	go run ./cmd/release -tag v0.1.0     # the same, and fails unless the build is v0.1.0
//
// It writes, for linux, darwin and windows on amd64 and arm64:
//
//   - repomock_<version>_<os>_<arch>.tar.gz (.zip for windows): the binary,
//     README.md, the docs/ pages and the example fixtures, under a directory
//     of the same name;
//   - repomock_<version>_<os>_<arch>.cdx.json: the binary's SBOM (CycloneDX
//     1.6, from the module list the go command records in it);
//
// and, for the image (linux/amd64 and linux/arm64):
//
//   - oci/: an OCI image layout whose index holds both platforms, as pushed
//     to ghcr.io by the release workflow (crane push --index);
//   - repomock_<version>_linux_<arch>.docker.tar: one platform's image as a
//     tarball that any docker load takes (Docker 20.10 included), tagged
//     ghcr.io/repomock/repomock:<version>;
//
// then checksums.txt, the SHA-256 of each file beside it.
//
// The version is what the go command stamps in the binaries from git: the
// tag vX.Y.Z when the commit has one and the tree is clean, otherwise a
// pseudo-version (with +dirty for uncommitted changes). Every date in the
// artifacts is the commit's (SOURCE_DATE_EPOCH, when set, wins), files are
// written in sorted order with fixed owners and modes, and the binaries are
// built with -trimpath: the same commit gives the same bytes.
//
// The image is built without Docker and without pulling anything: an empty
// base, one layer with the files the Dockerfile copies, and the
// Dockerfile's settings (ENV, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT), read
// from the Dockerfile itself so that the two images cannot drift apart.
//
// Why this and not GoReleaser: the Go module proxy here serves GoReleaser
// but flags its releases as not approved, and it would bring hundreds of
// modules to do what about 800 lines do here. go-containerregistry (the
// library under ko and crane) builds the image, CycloneDX's own Go library
// writes the SBOM and golang.org/x/mod makes the module zips of
// `release modproxy` (modproxy.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage: go run ./cmd/release [-out dist] [-tag vX.Y.Z]
       go run ./cmd/release modproxy -dir DIR [-repo .] -rev REV

Builds every release artifact from the git checkout in the current directory (the repository root):
archives, SBOMs, the multi-arch image and checksums.txt. modproxy writes a file-based GOPROXY that
serves the repository's two modules at one revision, as the version testcontainers/version.go names.
Exit status: 0 when all was written, 1 when a step failed, 2 for a bad flag.

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "modproxy" {
		return runModProxy(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	out := fs.String("out", "dist", "`dir`ectory to write the artifacts to; it must not exist or be empty")
	tag := fs.String("tag", "", "fail unless the version stamped in the binaries is this `tag` (the release workflow passes the pushed tag)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "release: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := release(ctx, ".", *out, *tag, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		return 1
	}
	return 0
}

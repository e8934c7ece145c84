package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// binarySource is the Dockerfile's COPY source for the server binary
	// (built beforehand, see the Dockerfile); the release puts each
	// platform's own binary there.
	binarySource = "build/repomock"
	// defaultPath is the PATH docker build gives an image FROM scratch.
	defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	// sourceURL is the repository, for the image's labels.
	sourceURL = "https://github.com/repomock/repomock"
	// license is the SPDX expression of the project's license. The
	// repository has no LICENSE file yet: NOASSERTION is SPDX's "not
	// stated". Set it when a license is chosen.
	license = "NOASSERTION"
)

// dockerfile is what the release takes from the Dockerfile: the files it
// copies and the image's settings.
type dockerfile struct {
	copies []copyStep
	config v1.Config
}

// copyStep is a COPY line: a path of the checkout (or binarySource) and
// where it goes in the image.
type copyStep struct{ src, dst string }

func readDockerfile(file string) (*dockerfile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseDockerfile(file, data)
}

// parseDockerfile reads the instructions an image FROM scratch needs, and
// refuses any other: the release builds the image without Docker, so an
// instruction it skipped would make its image differ from docker build's.
func parseDockerfile(file string, data []byte) (*dockerfile, error) {
	d := &dockerfile{config: v1.Config{Env: []string{"PATH=" + defaultPath}}}
	from := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		instr, rest = strings.ToUpper(instr), strings.TrimSpace(rest)
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s: %s", file, i+1, instr, fmt.Sprintf(format, args...))
		}
		if strings.HasSuffix(line, `\`) {
			return nil, fail("a line continued with \\ is not read by cmd/release")
		}
		if !from && instr != "FROM" {
			return nil, fail("the first instruction must be FROM scratch")
		}
		switch instr {
		case "FROM":
			if from || rest != "scratch" {
				return nil, fail("one stage, FROM scratch, only: the release pulls no base image")
			}
			from = true
		case "COPY":
			f := strings.Fields(rest)
			if len(f) != 2 || strings.HasPrefix(f[0], "--") {
				return nil, fail("want COPY SRC DST, without flags")
			}
			d.copies = append(d.copies, copyStep{src: path.Clean(f[0]), dst: f[1]})
		case "ENV":
			if rest == "" {
				return nil, fail("want KEY=VALUE")
			}
			for _, kv := range strings.Fields(rest) {
				k, _, ok := strings.Cut(kv, "=")
				if !ok || k == "" || strings.ContainsAny(kv, "\"'$") {
					return nil, fail("want KEY=VALUE pairs without quotes or variables, got %q", kv)
				}
				d.config.Env = slices.DeleteFunc(d.config.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
				d.config.Env = append(d.config.Env, kv)
			}
		case "USER":
			if rest == "" || strings.ContainsAny(rest, " \t") {
				return nil, fail("want USER UID[:GID]")
			}
			d.config.User = rest
		case "EXPOSE":
			if d.config.ExposedPorts == nil {
				d.config.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range strings.Fields(rest) {
				port, proto, ok := strings.Cut(p, "/")
				if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || (ok && proto != "tcp" && proto != "udp") {
					return nil, fail("%q is not a port such as 8080 or 8080/udp", p)
				}
				if !ok {
					p += "/tcp"
				}
				d.config.ExposedPorts[p] = struct{}{}
			}
		case "ENTRYPOINT", "CMD":
			args, err := execForm(rest)
			if err != nil {
				return nil, fail("%v", err)
			}
			if instr == "CMD" {
				d.config.Cmd = args
			} else {
				d.config.Entrypoint = args
			}
		case "HEALTHCHECK":
			hc, err := parseHealthcheck(rest)
			if err != nil {
				return nil, fail("%v", err)
			}
			d.config.Healthcheck = hc
		default:
			return nil, fail("not built by cmd/release (cmd/release/image.go): add it there, or leave it out")
		}
	}
	if len(d.copies) == 0 {
		return nil, fmt.Errorf("%s: no COPY: the image would be empty", file)
	}
	if !slices.ContainsFunc(d.copies, func(c copyStep) bool { return c.src == binarySource }) {
		return nil, fmt.Errorf("%s: no COPY %s: the image would have no server", file, binarySource)
	}
	return d, nil
}

// execForm reads ["prog", "arg", …]. A scratch image has no shell to run
// the shell form.
func execForm(s string) ([]string, error) {
	var args []string
	if err := json.Unmarshal([]byte(s), &args); err != nil || len(args) == 0 {
		return nil, fmt.Errorf(`want the exec form ["prog", "arg", …] (the image has no shell), got %s`, s)
	}
	return args, nil
}

// parseHealthcheck reads [--interval=D] [--timeout=D] [--start-period=D]
// [--retries=N] CMD ["prog", …].
func parseHealthcheck(s string) (*v1.HealthConfig, error) {
	hc := &v1.HealthConfig{}
	for {
		opt, rest, _ := strings.Cut(s, " ")
		if !strings.HasPrefix(opt, "--") {
			break
		}
		s = strings.TrimSpace(rest)
		k, v, _ := strings.Cut(opt, "=")
		var err error
		switch k {
		case "--interval":
			hc.Interval, err = time.ParseDuration(v)
		case "--timeout":
			hc.Timeout, err = time.ParseDuration(v)
		case "--start-period":
			hc.StartPeriod, err = time.ParseDuration(v)
		case "--retries":
			hc.Retries, err = strconv.Atoi(v)
		default:
			return nil, fmt.Errorf("option %s is not read by cmd/release", k)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", k, v, err)
		}
	}
	cmd, rest, _ := strings.Cut(s, " ")
	if cmd != "CMD" {
		return nil, fmt.Errorf("want CMD [\"prog\", …] after the options, got %q", s)
	}
	args, err := execForm(strings.TrimSpace(rest))
	if err != nil {
		return nil, err
	}
	hc.Test = append([]string{"CMD"}, args...)
	return hc, nil
}

// imageBuild makes the image of a release.
type imageBuild struct {
	repository string // where it is published, without a tag
	version    string
	revision   string
	created    time.Time
	spec       *dockerfile
	root       string // the checkout, where COPY sources are read
}

// dockerTag is a version as an image tag, which has no room for "+"
// (v1.2.3+dirty becomes v1.2.3-dirty).
func dockerTag(version string) string { return strings.ReplaceAll(version, "+", "-") }

// annotations label the image (config labels, which docker inspect shows)
// and annotate its manifests and index (which registries show), with the
// OCI's keys.
func (b imageBuild) annotations() map[string]string {
	return map[string]string{
		"org.opencontainers.image.created":     b.created.Format(time.RFC3339),
		"org.opencontainers.image.description": "A mock and contract-test server for the Endor Labs, Huawei CodeArts Repo and Huawei ServiceStage APIs",
		"org.opencontainers.image.licenses":    license,
		"org.opencontainers.image.revision":    b.revision,
		"org.opencontainers.image.source":      sourceURL,
		"org.opencontainers.image.title":       "repomock",
		"org.opencontainers.image.version":     b.version,
	}
}

// layerFiles are the files the Dockerfile's COPY lines put in the image,
// with binary at binarySource's destination.
func (b imageBuild) layerFiles(binary []byte) ([]entry, error) {
	var files []entry
	for _, c := range b.spec.copies {
		dst := strings.TrimPrefix(path.Clean(c.dst), "/")
		if c.src == binarySource {
			files = append(files, entry{name: dst, mode: 0o755, data: binary})
			continue
		}
		src, err := readGitFiles(b.root, c.src)
		if err != nil {
			return nil, err
		}
		for _, f := range src {
			switch {
			case f.name == c.src && strings.HasSuffix(c.dst, "/"): // a file into a directory
				f.name = path.Join(dst, path.Base(f.name))
			case f.name == c.src: // a file to a file
				f.name = dst
			default: // a directory's contents into dst
				f.name = path.Join(dst, strings.TrimPrefix(f.name, c.src+"/"))
			}
			files = append(files, f)
		}
	}
	return files, nil
}

// image is p's image, with p's binary.
func (b imageBuild) image(p platform, binary []byte) (v1.Image, error) {
	files, err := b.layerFiles(binary)
	if err != nil {
		return nil, err
	}
	data, err := tarBytes(files, b.created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestCompression))
	if err != nil {
		return nil, err
	}
	cfg := b.spec.config
	cfg.Env = slices.Clone(cfg.Env)
	cfg.Labels = b.annotations()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: p.arch,
		OS:           p.os,
		Variant:      variant(p),
		Created:      v1.Time{Time: b.created},
		Config:       cfg,
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: b.created}, CreatedBy: "go run ./cmd/release (the Dockerfile's COPY lines, without Docker)"},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, b.annotations()).(v1.Image), nil
}

// variant is the CPU variant registries and Docker expect for arm64.
func variant(p platform) string {
	if p.arch == "arm64" {
		return "v8"
	}
	return ""
}

// write writes each platform's image as a docker load tarball, and the
// index of all of them as an OCI layout in out/oci. It returns the index's
// digest, which the registry will report for the pushed tag.
func (b imageBuild) write(out string, bins []built) (string, error) {
	tag, err := name.NewTag(b.repository + ":" + dockerTag(b.version))
	if err != nil {
		return "", err
	}
	var adds []mutate.IndexAddendum
	for _, bin := range bins {
		data, err := os.ReadFile(bin.path)
		if err != nil {
			return "", err
		}
		img, err := b.image(bin.platform, data)
		if err != nil {
			return "", fmt.Errorf("image for %s: %w", bin.platform, err)
		}
		file := filepath.Join(out, fmt.Sprintf("repomock_%s_%s_%s.docker.tar", b.version, bin.os, bin.arch))
		if err := tarball.WriteToFile(file, tag, img); err != nil {
			return "", err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: bin.os, Architecture: bin.arch, Variant: variant(bin.platform)},
		}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	idx = mutate.Annotations(idx, b.annotations()).(v1.ImageIndex)
	if _, err := layout.Write(filepath.Join(out, "oci"), idx); err != nil {
		return "", err
	}
	digest, err := idx.Digest()
	return digest.String(), err
}

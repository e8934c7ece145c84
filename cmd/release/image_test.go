package main

import (
	"archive/tar"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestParseDockerfile(t *testing.T) {
	// The repository's Dockerfile, as docker build reads it.
	got, err := readDockerfile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	want := &dockerfile{
		copies: []copyStep{{"build/repomock", "/repomock"}, {"fixtures", "/fixtures"}},
		config: v1.Config{
			Env:          []string{"PATH=" + defaultPath, "REPOMOCK_ADDR=0.0.0.0:8080", "REPOMOCK_ADMIN_OPEN=true"},
			User:         "65532:65532",
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/repomock", "health"},
				Interval: time.Second, Timeout: 2 * time.Second, StartPeriod: time.Second, Retries: 30},
			Entrypoint: []string{"/repomock"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readDockerfile =\n%+v\nwant\n%+v", got, want)
	}

	// What the release cannot build as docker build would, it refuses.
	const base = "FROM scratch\nCOPY build/repomock /repomock\n"
	for _, tc := range []struct{ name, dockerfile, err string }{
		{"a base image", "FROM golang:1.26\nCOPY build/repomock /repomock\n", "FROM scratch, only"},
		{"two stages", base + "FROM scratch\n", "one stage"},
		{"not FROM first", "ENV A=b\n" + base, "the first instruction must be FROM scratch"},
		{"RUN", base + "RUN echo hi\n", "Dockerfile:3: RUN: not built by cmd/release"},
		{"WORKDIR", base + "WORKDIR /x\n", "WORKDIR: not built by cmd/release"},
		{"COPY from a stage", base + "COPY --from=build /out /x\n", "without flags"},
		{"no binary", "FROM scratch\nCOPY fixtures /fixtures\n", "no COPY build/repomock"},
		{"shell-form ENTRYPOINT", base + "ENTRYPOINT /repomock\n", "exec form"},
		{"shell-form healthcheck", base + "HEALTHCHECK CMD /repomock health\n", "exec form"},
		{"unknown healthcheck option", base + "HEALTHCHECK --start-interval=1s CMD [\"/repomock\"]\n", "--start-interval"},
		{"bad interval", base + "HEALTHCHECK --interval=soon CMD [\"/repomock\"]\n", "--interval"},
		{"quoted ENV", base + "ENV A=\"b c\"\n", "without quotes"},
		{"bad port", base + "EXPOSE http\n", "not a port"},
		{"a continued line", base + "ENV A=b \\\n  C=d\n", "continued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d, err := parseDockerfile("Dockerfile", []byte(tc.dockerfile)); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseDockerfile = %+v, %v; want an error saying %q", d, err, tc.err)
			}
		})
	}
}

// testImageBuild is the image of the repository's Dockerfile and fixtures
// at a made-up commit.
func testImageBuild(t *testing.T, version string) imageBuild {
	t.Helper()
	spec, err := readDockerfile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return imageBuild{repository: "ghcr.io/repomock/repomock", version: version,
		revision: "973a8084c1bba8abc244e4b5c5c810b65712030f", created: testDate, spec: spec, root: "../.."}
}

var wantAnnotations = map[string]string{
	"org.opencontainers.image.created":     "2026-12-01T03:32:57Z",
	"org.opencontainers.image.description": "A mock and contract-test server for the Endor Labs, Huawei CodeArts Repo and Huawei ServiceStage APIs",
	"org.opencontainers.image.licenses":    "NOASSERTION",
	"org.opencontainers.image.revision":    "973a8084c1bba8abc244e4b5c5c810b65712030f",
	"org.opencontainers.image.source":      "https://github.com/repomock/repomock",
	"org.opencontainers.image.title":       "repomock",
	"org.opencontainers.image.version":     "v0.1.0",
}

func TestImage(t *testing.T) {
	b := testImageBuild(t, "v0.1.0")
	img, err := b.image(platform{"linux", "arm64"}, []byte("arm64 binary"))
	if err != nil {
		t.Fatal(err)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantConfig := b.spec.config
	wantConfig.Labels = wantAnnotations
	if cf.OS != "linux" || cf.Architecture != "arm64" || cf.Variant != "v8" || !cf.Created.Equal(testDate) {
		t.Errorf("platform %s/%s/%s, created %v; want linux/arm64/v8, %v", cf.OS, cf.Architecture, cf.Variant, cf.Created, testDate)
	}
	if !reflect.DeepEqual(cf.Config, wantConfig) {
		t.Errorf("config =\n%+v\nwant the Dockerfile's, labelled:\n%+v", cf.Config, wantConfig)
	}

	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
		t.Errorf("manifest media types: %s, config %s, layers %+v; want OCI's, one gzip layer", m.MediaType, m.Config.MediaType, m.Layers)
	}
	if !maps.Equal(m.Annotations, wantAnnotations) {
		t.Errorf("manifest annotations = %v, want %v", m.Annotations, wantAnnotations)
	}

	// The layer: the binary and the tracked fixtures, as COPY puts them.
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var got []string
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if name, ok := strings.CutPrefix(hdr.Name, "fixtures/"); ok && name != "" {
			disk, err := os.ReadFile(filepath.Join("../../fixtures", name))
			if err != nil || string(disk) != string(data) {
				t.Errorf("%s differs from fixtures/%s (%v)", hdr.Name, name, err)
			}
		}
		if !hdr.ModTime.Equal(testDate) || hdr.Uid != 0 {
			t.Errorf("%s: time %v, uid %d; want %v, root", hdr.Name, hdr.ModTime, hdr.Uid, testDate)
		}
		got = append(got, fmt.Sprintf("%s %s", hdr.Name, hdr.FileInfo().Mode()))
	}
	want := []string{"fixtures/ drwxr-xr-x", "fixtures/codearts.yaml -rw-r--r--", "fixtures/endor.yaml -rw-r--r--",
		"fixtures/servicestage.yaml -rw-r--r--", "repomock -rwxr-xr-x"}
	if !slices.Equal(got, want) {
		t.Errorf("layer:\n%q\nwant\n%q", got, want)
	}

	// The same inputs give the same image; another date, another image.
	again, err := b.image(platform{"linux", "arm64"}, []byte("arm64 binary"))
	if err != nil {
		t.Fatal(err)
	}
	later := b
	later.created = testDate.Add(time.Second)
	other, err := later.image(platform{"linux", "arm64"}, []byte("arm64 binary"))
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	d3, _ := other.Digest()
	if d1 != d2 || d1 == d3 {
		t.Errorf("digests %s, again %s, a second later %s: want the first two equal, the third not", d1, d2, d3)
	}
}

func TestImageWrite(t *testing.T) {
	// +dirty cannot be in a tag: the tarball is tagged v0.1.0-dirty.
	b := testImageBuild(t, "v0.1.0+dirty")
	bin := t.TempDir()
	var bins []built
	for _, p := range []platform{{"linux", "amd64"}, {"linux", "arm64"}} {
		path := filepath.Join(bin, p.arch)
		if err := os.WriteFile(path, []byte(p.arch+" binary"), 0o755); err != nil {
			t.Fatal(err)
		}
		bins = append(bins, built{platform: p, path: path})
	}
	out := t.TempDir()
	digest, err := b.write(out, bins)
	if err != nil {
		t.Fatal(err)
	}

	// One docker load tarball per platform, tagged with the version.
	tag, err := name.NewTag("ghcr.io/repomock/repomock:v0.1.0-dirty")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"amd64", "arm64"} {
		file := filepath.Join(out, "repomock_v0.1.0+dirty_linux_"+p+".docker.tar")
		m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(file) })
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || !slices.Equal(m[0].RepoTags, []string{tag.String()}) {
			t.Errorf("%s: manifest.json %+v, want one image tagged %s", file, m, tag)
		}
		img, err := tarball.ImageFromPath(file, &tag)
		if err != nil {
			t.Fatal(err)
		}
		if cf, err := img.ConfigFile(); err != nil || cf.Architecture != p {
			t.Errorf("%s: config %+v, %v; want architecture %s", file, cf, err, p)
		}
	}

	// The OCI layout: an index of both platforms, annotated, as pushed.
	idx, err := layout.ImageIndexFromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range im.Manifests {
		got = append(got, d.Platform.String()+" "+string(d.MediaType))
	}
	want := []string{"linux/amd64 " + string(types.OCIManifestSchema1), "linux/arm64/v8 " + string(types.OCIManifestSchema1)}
	if im.MediaType != types.OCIImageIndex || !slices.Equal(got, want) {
		t.Errorf("index %s with %q; want an OCI index of %q", im.MediaType, got, want)
	}
	if im.Annotations["org.opencontainers.image.version"] != "v0.1.0+dirty" || im.Annotations["org.opencontainers.image.source"] == "" {
		t.Errorf("index annotations = %v", im.Annotations)
	}
	if d, err := idx.Digest(); err != nil || d.String() != digest {
		t.Errorf("index digest %s (%v), write returned %s", d, err, digest)
	}
}

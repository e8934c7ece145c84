package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"testing"
	"time"
)

var (
	testDate  = time.Date(2026, 12, 1, 3, 32, 57, 0, time.UTC)
	testFiles = []entry{ // not in order, and without their directories
		{name: "repomock_v0.1.0_linux_amd64/repomock", mode: 0o755, data: []byte("\x7fELF binary")},
		{name: "repomock_v0.1.0_linux_amd64/fixtures/endor.yaml", mode: 0o644, data: []byte("endor: {}\n")},
		{name: "repomock_v0.1.0_linux_amd64/README.md", mode: 0o644, data: []byte("# repomock\n")},
	}
	// wantListing is what an archive of testFiles holds: every entry in
	// the order of its name, directories first, each dated testDate.
	wantListing = []string{
		"repomock_v0.1.0_linux_amd64/ drwxr-xr-x 0",
		"repomock_v0.1.0_linux_amd64/README.md -rw-r--r-- 11",
		"repomock_v0.1.0_linux_amd64/fixtures/ drwxr-xr-x 0",
		"repomock_v0.1.0_linux_amd64/fixtures/endor.yaml -rw-r--r-- 10",
		"repomock_v0.1.0_linux_amd64/repomock -rwxr-xr-x 11",
	}
)

func TestWriteTarGz(t *testing.T) {
	var a, b bytes.Buffer
	if err := writeTarGz(&a, testFiles, testDate); err != nil {
		t.Fatal(err)
	}
	// Another order in: the same bytes out.
	if err := writeTarGz(&b, reversed(testFiles), testDate); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two archives of the same files differ")
	}

	zr, err := gzip.NewReader(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header: name %q, time %v; want neither", zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !hdr.ModTime.Equal(testDate) || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" {
			t.Errorf("%s: time %v, owner %d:%d (%q:%q); want %v, 0:0", hdr.Name, hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname, testDate)
		}
		got = append(got, fmt.Sprintf("%s %s %d", hdr.Name, hdr.FileInfo().Mode(), hdr.Size))
	}
	if !slices.Equal(got, wantListing) {
		t.Errorf("tar listing:\n%q\nwant\n%q", got, wantListing)
	}
}

func TestWriteZip(t *testing.T) {
	var a, b bytes.Buffer
	if err := writeZip(&a, testFiles, testDate); err != nil {
		t.Fatal(err)
	}
	if err := writeZip(&b, reversed(testFiles), testDate); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two zips of the same files differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range zr.File {
		if !f.Modified.Equal(testDate) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, testDate)
		}
		mode := f.Mode()
		if mode.IsDir() {
			mode = fs.ModeDir | mode.Perm()
		}
		got = append(got, fmt.Sprintf("%s %s %d", f.Name, mode, f.UncompressedSize64))
	}
	if !slices.Equal(got, wantListing) {
		t.Errorf("zip listing:\n%q\nwant\n%q", got, wantListing)
	}
}

func reversed(files []entry) []entry {
	r := slices.Clone(files)
	slices.Reverse(r)
	return r
}

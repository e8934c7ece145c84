package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is a file of an archive or an image layer: a slash-separated name
// without a leading slash, its permission bits and its content. Directories
// are not entries: withDirs adds them.
type entry struct {
	name string
	mode fs.FileMode
	data []byte
}

// readGitFiles reads the files git tracks under paths (files or
// directories of the checkout root), so that a file left in the checkout
// by hand never ends up in a release. Names are relative to root.
func readGitFiles(root string, paths ...string) ([]entry, error) {
	cmd := exec.Command("git", append([]string{"ls-files", "-z", "--"}, paths...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files %s: %w", strings.Join(paths, " "), err)
	}
	var files []entry
	for name := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		mode := fs.FileMode(0o644)
		if st.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files = append(files, entry{name: name, mode: mode, data: data})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("git tracks none of %s", strings.Join(paths, ", "))
	}
	return files, nil
}

// prefixed puts files under the directory prefix (ending in /).
func prefixed(prefix string, files []entry) []entry {
	out := make([]entry, len(files))
	for i, f := range files {
		out[i] = entry{name: prefix + f.name, mode: f.mode, data: f.data}
	}
	return out
}

// withDirs returns files sorted by name with an entry (mode 0755, name
// ending in /) for each directory above them, as archive tools and Docker
// expect.
func withDirs(files []entry) []entry {
	seen := map[string]bool{}
	var out []entry
	for _, f := range files {
		for dir := path.Dir(f.name); dir != "." && !seen[dir]; dir = path.Dir(dir) {
			seen[dir] = true
			out = append(out, entry{name: dir + "/", mode: fs.ModeDir | 0o755})
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return out
}

// writeTar writes files as a tar stream, each dated mtime and owned by
// root, in the order of their names.
func writeTar(w io.Writer, files []entry, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, f := range withDirs(files) {
		hdr := &tar.Header{
			Name:     f.name,
			Mode:     int64(f.mode.Perm()),
			Size:     int64(len(f.data)),
			ModTime:  mtime,
			Typeflag: tar.TypeReg,
		}
		if f.mode.IsDir() {
			hdr.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeTarGz writes files as a gzip-compressed tar. The gzip header holds
// no name and no time, so the bytes depend on the files alone.
func writeTarGz(w io.Writer, files []entry, mtime time.Time) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := writeTar(zw, files, mtime); err != nil {
		return err
	}
	return zw.Close()
}

// writeZip writes files as a zip, each dated mtime, in the order of their
// names.
func writeZip(w io.Writer, files []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, f := range withDirs(files) {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(f.mode)
		if f.mode.IsDir() {
			hdr.Method = zip.Store
		}
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// tarBytes is writeTar into memory, for an image layer.
func tarBytes(files []entry, mtime time.Time) ([]byte, error) {
	var b bytes.Buffer
	err := writeTar(&b, files, mtime)
	return b.Bytes(), err
}

// Package layout_test holds the repository to the shape it is built in
// (see the README's Layout): no Go file over 600 lines and no package over
// 2,500 (tests and generated code aside); the vendors named only in their
// own packages; imports that point one way.
package layout_test

import (
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module      = "github.com/repomock/repomock"
	maxFile     = 600
	maxPackage  = 2500
	vendorsPath = "mock/vendors"
)

// pending are the known excesses, each with why; an entry that is no
// longer one fails the test, so that the list only shrinks.
var pending = map[string]string{}

// goFile is a Go source file of the repository, outside testcontainers
// (a module of its own).
type goFile struct {
	path  string // slash-separated, from the root
	dir   string
	test  bool
	lines int
	src   []byte
}

func repoFiles(t *testing.T) []goFile {
	t.Helper()
	root := filepath.Join("..", "..")
	var out []goFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "testcontainers" || strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, goFile{path: rel, dir: filepath.ToSlash(filepath.Dir(rel)), test: strings.HasSuffix(rel, "_test.go"),
			lines: strings.Count(string(src), "\n"), src: src})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

func TestSizes(t *testing.T) {
	used := map[string]bool{}
	over := func(key, what string) {
		if _, ok := pending[key]; ok {
			used[key] = true
			return
		}
		t.Error(what)
	}
	pkgLines := map[string]int{}
	for _, f := range repoFiles(t) {
		if f.test || generated.Match(f.src) {
			continue
		}
		pkgLines[f.dir] += f.lines
		if f.lines > maxFile {
			over(f.path, fmt.Sprintf("%s: %d lines, more than %d: it is probably two things", f.path, f.lines, maxFile))
		}
	}
	for dir, n := range pkgLines {
		if n > maxPackage {
			over(dir, fmt.Sprintf("package %s: %d lines, more than %d", dir, n, maxPackage))
		}
	}
	for key, why := range pending {
		if !used[key] && !strings.HasSuffix(key, ":names") {
			t.Errorf("%s is no longer over its bound (%s): take it off the pending list", key, why)
		}
	}
}

// vendorWords are the words that name a vendor, in identifiers and in
// strings: its id, its name, its product. "vendor" is a word of its own.
var vendorWords = []string{"endor", "codearts", "servicestage", "huawei", "huaweiauth"}

// words splits an identifier or a text into lower-case words, camel case
// and separators apart, joining a vendor's name written in two (CodeArts,
// Service Stage).
func words(s string) []string {
	var out []string
	for _, w := range regexp.MustCompile(`[A-Z]?[a-z]+|[A-Z]+(?:[a-z]+)?|[0-9]+`).FindAllString(s, -1) {
		out = append(out, strings.ToLower(w))
	}
	for i := 0; i+1 < len(out); i++ {
		switch out[i] + out[i+1] {
		case "codearts", "servicestage":
			out = append(out, out[i]+out[i+1])
		}
	}
	return out
}

// inVendors reports whether dir is a vendor's package, or the list.
func inVendors(dir string) bool { return dir == vendorsPath || strings.HasPrefix(dir, vendorsPath+"/") }

// TestNoVendorNamedOutsideTheVendors: a package under mock/ or cmd/ that
// is not a vendor's names no vendor, in an identifier or a string (the
// help text of a command aside), so that adding one changes none of them.
func TestNoVendorNamedOutsideTheVendors(t *testing.T) {
	used := map[string]bool{}
	for _, f := range repoFiles(t) {
		if f.test || inVendors(f.dir) || !strings.HasPrefix(f.path, "mock/") && !strings.HasPrefix(f.path, "cmd/") {
			continue
		}
		if key := f.dir + ":names"; pending[key] != "" {
			used[key] = true
			continue
		}
		if key := f.path + ":names"; pending[key] != "" {
			used[key] = true
			continue
		}
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(f.path, -1, len(f.src)), f.src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			var text string
			switch tok {
			case token.IDENT:
				text = lit
			case token.STRING:
				text, _ = strconv.Unquote(lit)
				if strings.HasPrefix(f.path, "cmd/") && strings.Contains(text, " ") {
					continue // help text: prose about the vendors, not a name the code uses
				}
			default:
				continue
			}
			for _, w := range words(text) {
				if slices.Contains(vendorWords, w) {
					t.Errorf("%s: %q names a vendor (%s): only the vendors' packages may", fset.Position(pos), text, w)
				}
			}
		}
	}
	for key := range pending {
		if strings.HasSuffix(key, ":names") && !used[key] {
			t.Errorf("%s is no longer needed: take it off the pending list", key)
		}
	}
}

// TestImportsPointOneWay: cmd → server → {its parts, pipeline, vendors} →
// vendor. Only the list (mock/vendors) imports a vendor's package, outside
// the vendors' own (and tests); a vendor imports neither the server nor
// the proxy, nor another vendor (the Huawei services import the gateway
// they sit behind); the test kits (…test) are tests' only.
func TestImportsPointOneWay(t *testing.T) {
	vendorPkg := regexp.MustCompile(`^` + module + `/mock/vendors/([a-z0-9]+)`)
	for _, f := range repoFiles(t) {
		if f.test {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f.path, f.src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		kit := strings.HasSuffix(filepath.Base(f.dir), "test")
		own := vendorPkg.FindStringSubmatch(module + "/" + f.dir)
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			m := vendorPkg.FindStringSubmatch(path)
			switch {
			case kit:
			case m != nil && !inVendors(f.dir):
				t.Errorf("%s imports %s: only the list of vendors (mock/vendors) and the tests may", f.path, path)
			case own != nil && (strings.HasPrefix(path, module+"/mock/server") || strings.HasPrefix(path, module+"/mock/proxy") || strings.HasPrefix(path, module+"/cmd/")):
				t.Errorf("%s imports %s: a vendor imports the vendor contract and the pipeline, not the server", f.path, path)
			case own != nil && m != nil && m[1] != own[1] && m[1] != "huawei" && !strings.HasSuffix(m[1], "test"):
				t.Errorf("%s imports %s: a vendor imports no other vendor (but its gateway)", f.path, path)
			case strings.HasPrefix(f.dir, "cmd/repomock") && f.dir == "cmd/repomock" && m != nil:
				t.Errorf("%s imports %s: cmd/repomock knows no vendor", f.path, path)
			}
		}
	}
}

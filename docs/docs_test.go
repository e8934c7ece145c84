// Package docs holds the documentation's tests: the pages are Markdown, and
// these hold them to the repository they describe. Every relative link of
// every Markdown file must name a file that exists (and a heading of it,
// when it names one), every Go snippet marked as copied from a test must be
// that test's lines as they are, and the README must stay short enough to
// read in two minutes. The command blocks CI runs (try-it, wrong-token,
// compose, install) are checked by running them, in .ci/run.
package docs

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// root is the repository, seen from this package's directory.
const root = ".."

// The README's bounds (issue 24: a quick start of at most 60 lines, a
// README of at most 400).
const (
	maxReadmeLines     = 400
	maxQuickStartLines = 60
)

// markdownFiles lists the repository's Markdown files, relative to root,
// leaving out hidden directories and build output.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "dist" || name == "build") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "README.md") || !slices.Contains(files, "docs/contract-suite.md") {
		t.Fatalf("found %v: not the repository's Markdown", files)
	}
	return files
}

// line is a line of a Markdown file with its number, outside or inside a
// fenced code block.
type line struct {
	n      int
	text   string
	inCode bool
}

func readLines(t *testing.T, file string) []line {
	t.Helper()
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []line
	code := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(text), "```")
		if fence {
			code = !code
		}
		out = append(out, line{n: n, text: text, inCode: code || fence})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	headingRE  = regexp.MustCompile(`^#{1,6} (.+?)\s*#*\s*$`)
	codeSpanRE = regexp.MustCompile("`[^`]*`")
	// linkRE matches an inline link or image, [text](target) or
	// ![alt](target), with an optional title after the target.
	linkRE     = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	linkTextRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// anchors returns the anchors GitHub gives the headings of a file: the
// text lower-cased, its markup and punctuation dropped, spaces as hyphens,
// a repeated one numbered -1, -2, …
func anchors(lines []line) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range lines {
		m := headingRE.FindStringSubmatch(l.text)
		if l.inCode || m == nil {
			continue
		}
		text := linkTextRE.ReplaceAllString(m[1], "$1")
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if k := seen[a]; k > 0 {
			out[fmt.Sprintf("%s-%d", a, k)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestRelativeLinksResolve: a link to a file of the repository names one
// that exists, and a link to a heading names one that the file has. Moving
// a section to another page breaks the links to it; this says where.
func TestRelativeLinksResolve(t *testing.T) {
	files := markdownFiles(t)
	lines := map[string][]line{}
	for _, f := range files {
		lines[f] = readLines(t, f)
	}
	checked := 0
	for _, file := range files {
		for _, l := range lines[file] {
			if l.inCode {
				continue
			}
			for _, m := range linkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(l.text, "code"), -1) {
				target := m[1]
				if schemeRE.MatchString(target) {
					continue
				}
				checked++
				path, anchor, _ := strings.Cut(target, "#")
				to := file
				if path != "" {
					to = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
					if _, err := os.Stat(filepath.Join(root, to)); err != nil {
						t.Errorf("%s:%d: %s: no such file %s", file, l.n, target, to)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(to, ".md") {
					t.Errorf("%s:%d: %s: an anchor into %s, which is not Markdown", file, l.n, target, to)
					continue
				}
				if _, ok := lines[to]; !ok {
					lines[to] = readLines(t, to)
				}
				if !anchors(lines[to])[anchor] {
					t.Errorf("%s:%d: %s: %s has no heading #%s", file, l.n, target, to, anchor)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d relative links; the README and docs/ have more: is linkRE still finding them?", checked)
	}
}

// snippetRE marks a Go block copied from a function of a test file:
// <!-- snippet: testcontainers/example_test.go TestInYourRepository -->.
var snippetRE = regexp.MustCompile(`^<!-- snippet: (\S+\.go) (\w+) -->$`)

// TestSnippetsAreTheirTests: a Go block marked as a snippet is a run of
// lines of the function it names, as they are there (one tab of
// indentation less), so the docs show code that CI compiles and runs.
func TestSnippetsAreTheirTests(t *testing.T) {
	found := 0
	for _, file := range markdownFiles(t) {
		lines := readLines(t, file)
		for i, l := range lines {
			m := snippetRE.FindStringSubmatch(l.text)
			if m == nil {
				continue
			}
			found++
			if i+1 >= len(lines) || lines[i+1].text != "```go" {
				t.Errorf("%s:%d: a snippet marker not followed by a ```go block", file, l.n)
				continue
			}
			var block []string
			for _, b := range lines[i+2:] {
				if b.text == "```" {
					break
				}
				block = append(block, b.text)
			}
			body := functionBody(t, m[1], m[2])
			if !containsRun(body, block) {
				t.Errorf("%s:%d: the snippet is not a run of lines of %s in %s; the function reads:\n%s",
					file, l.n, m[2], m[1], strings.Join(body, "\n"))
			}
		}
	}
	if found < 2 {
		t.Errorf("found %d snippet markers, want the README's and docs/testing-in-other-repos.md's", found)
	}
}

// functionBody returns the lines inside the braces of the function name in
// the Go file, one tab of indentation removed.
func functionBody(t *testing.T, file, name string) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name || fn.Recv != nil {
			continue
		}
		open, end := fset.Position(fn.Body.Lbrace).Offset, fset.Position(fn.Body.Rbrace).Offset
		inner := strings.Trim(string(src[open+1:end]), "\n")
		var out []string
		for s := range strings.SplitSeq(inner, "\n") {
			out = append(out, strings.TrimPrefix(s, "\t"))
		}
		return out
	}
	t.Fatalf("%s has no function %s", file, name)
	return nil
}

// containsRun reports whether run is a non-empty run of consecutive lines
// of lines.
func containsRun(lines, run []string) bool {
	if len(run) == 0 {
		return false
	}
	for i := range lines {
		if i+len(run) <= len(lines) && slices.Equal(lines[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// TestReadmeIsShort: the README is read in two minutes. The quick start is
// the section under "## Quick start", up to the next section.
func TestReadmeIsShort(t *testing.T) {
	lines := readLines(t, "README.md")
	if len(lines) > maxReadmeLines {
		t.Errorf("README.md has %d lines, more than %d: move a section to docs/", len(lines), maxReadmeLines)
	}
	start, end := -1, len(lines)
	for i, l := range lines {
		if l.inCode || !strings.HasPrefix(l.text, "## ") {
			continue
		}
		if start >= 0 {
			end = i
			break
		}
		if l.text == "## Quick start" {
			start = i
		}
	}
	switch {
	case start < 0:
		t.Error(`README.md has no "## Quick start"`)
	case start > 20:
		t.Errorf("the quick start begins at line %d: it belongs at the top", lines[start].n)
	case end-start > maxQuickStartLines:
		t.Errorf("the quick start has %d lines, more than %d", end-start, maxQuickStartLines)
	}
}

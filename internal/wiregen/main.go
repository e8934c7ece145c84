// Command wiregen writes copies of the server's wire types (the admin API's
// journal entries, faults, sessions) into a package that cannot import the
// server: the testcontainers module, which must build without the root
// module. It reads the server's source with go/ast, so the copies keep the
// fields, their JSON tags and their comments, and it refuses any type it
// cannot copy whole (a field of a type it is not asked to copy, an import
// outside the standard library).
//
// It runs from the repository root, as testcontainers' //go:generate line
// runs it:
//
//	go run ./internal/wiregen -o FILE -pkg NAME DIR:NAME[=NEWNAME][,-FIELD…]…
//
// Each argument names a type or a constant of the package in DIR; =NEWNAME
// renames it (and every use of it in the copies), -FIELD leaves a field of
// a struct out. The test in this directory regenerates the file named by
// testcontainers' //go:generate line in memory and fails when it differs:
// the copies have drifted from the server's types.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(2)
	}
}

func run(args []string, stderr io.Writer) error {
	cfg, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	src, err := generate(".", cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(cfg.out, src, 0o644)
}

// config is what one run copies, and where to.
type config struct {
	out, pkg string
	items    []item
}

// item is one type or constant to copy.
type item struct {
	dir, name, as string
	omit          []string
}

// parseArgs reads the command line (see the package comment).
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("wiregen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	fs.StringVar(&cfg.out, "o", "", "the `file` to write")
	fs.StringVar(&cfg.pkg, "pkg", "", "the package `name` of the file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if cfg.out == "" || cfg.pkg == "" || fs.NArg() == 0 {
		return nil, errors.New("usage: wiregen -o FILE -pkg NAME DIR:NAME[=NEWNAME][,-FIELD…]…")
	}
	for _, arg := range fs.Args() {
		dir, spec, ok := strings.Cut(arg, ":")
		if !ok || dir == "" || spec == "" {
			return nil, fmt.Errorf("%q: want DIR:NAME[=NEWNAME][,-FIELD…]", arg)
		}
		parts := strings.Split(spec, ",")
		it := item{dir: dir}
		it.name, it.as, _ = strings.Cut(parts[0], "=")
		if it.as == "" {
			it.as = it.name
		}
		for _, p := range parts[1:] {
			field, ok := strings.CutPrefix(p, "-")
			if !ok || field == "" {
				return nil, fmt.Errorf("%q: %q is not -FIELD", arg, p)
			}
			it.omit = append(it.omit, field)
		}
		if !token.IsIdentifier(it.name) || !token.IsIdentifier(it.as) {
			return nil, fmt.Errorf("%q: names must be Go identifiers", arg)
		}
		cfg.items = append(cfg.items, it)
	}
	return cfg, nil
}

// source is the parsed package of one directory.
type source struct {
	fset  *token.FileSet
	files []*ast.File
	pkg   string
}

func load(dir string) (*source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	s := &source{fset: token.NewFileSet()}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(s.fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		s.files = append(s.files, f)
		s.pkg = f.Name.Name
	}
	if len(s.files) == 0 {
		return nil, fmt.Errorf("%s: no Go files", dir)
	}
	return s, nil
}

// found is a declaration of a source package: a type or a constant, with
// its doc comment and the file it is in (for its imports).
type found struct {
	file  *ast.File
	doc   *ast.CommentGroup
	typ   *ast.TypeSpec
	value *ast.ValueSpec
	index int // the constant's place in value.Names
}

func (s *source) find(name string) (*found, error) {
	for _, f := range s.files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				doc := gd.Doc
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					if sp.Name.Name == name {
						if sp.Doc != nil {
							doc = sp.Doc
						}
						return &found{file: f, doc: doc, typ: sp}, nil
					}
				case *ast.ValueSpec:
					for i, n := range sp.Names {
						if n.Name == name && gd.Tok == token.CONST {
							if sp.Doc != nil || len(gd.Specs) > 1 {
								doc = sp.Doc
							}
							return &found{file: f, doc: doc, value: sp, index: i}, nil
						}
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("package %s has no type or constant %s", s.pkg, name)
}

// generate writes the copies cfg asks for, reading the packages from
// below root.
func generate(root string, cfg *config) ([]byte, error) {
	sources := map[string]*source{}
	renames := map[string]map[string]string{} // dir → name → new name
	for _, it := range cfg.items {
		if sources[it.dir] == nil {
			s, err := load(filepath.Join(root, it.dir))
			if err != nil {
				return nil, err
			}
			sources[it.dir] = s
			renames[it.dir] = map[string]string{}
		}
		renames[it.dir][it.name] = it.as
	}
	var types, consts bytes.Buffer
	imports := map[string]bool{}
	var from []string
	for _, it := range cfg.items {
		s := sources[it.dir]
		f, err := s.find(it.name)
		if err != nil {
			return nil, err
		}
		from = append(from, s.pkg+"."+it.name)
		if f.value != nil {
			if len(it.omit) > 0 {
				return nil, fmt.Errorf("%s.%s is a constant: it has no field to leave out", s.pkg, it.name)
			}
			if err := s.writeConst(&consts, f, it, renames[it.dir], imports); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.writeType(&types, f, it, renames[it.dir], imports); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "// Code generated by internal/wiregen from the server's source; DO NOT EDIT.\n")
	fmt.Fprintf(&out, "%s\npackage %s\n\n", wrap("It copies "+strings.Join(from, ", ")+".", 76), cfg.pkg)
	if len(imports) > 0 {
		paths := make([]string, 0, len(imports))
		for p := range imports {
			paths = append(paths, strconv.Quote(p))
		}
		slices.Sort(paths)
		fmt.Fprintf(&out, "import (\n%s\n)\n\n", strings.Join(paths, "\n"))
	}
	if consts.Len() > 0 {
		fmt.Fprintf(&out, "const (\n%s)\n\n", consts.String())
	}
	out.Write(types.Bytes())
	src, err := format.Source(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("the copies do not format: %w", err)
	}
	return src, nil
}

// writeConst copies one constant: its doc, its type if it has one (which
// must be copied too) and its value, which must be written out.
func (s *source) writeConst(w *bytes.Buffer, f *found, it item, renames map[string]string, imports map[string]bool) error {
	typ := ""
	if f.value.Type != nil {
		t, err := s.typeText(f.value.Type, f.file, renames, imports)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", s.pkg, it.name, err)
		}
		typ = " " + t
	}
	if f.index >= len(f.value.Values) {
		return fmt.Errorf("%s.%s has no value of its own (iota?): copy only constants written out", s.pkg, it.name)
	}
	lit, ok := f.value.Values[f.index].(*ast.BasicLit)
	if !ok {
		return fmt.Errorf("%s.%s is not a literal", s.pkg, it.name)
	}
	writeDoc(w, f.doc, it.name, it.as, "\t")
	fmt.Fprintf(w, "\t%s%s = %s\n", it.as, typ, lit.Value)
	return nil
}

// writeType copies one type: its doc and its definition, and of a struct
// each field but those left out, with its doc, its tag and its comment.
// The types it names may be the standard library's and those copied with
// it.
func (s *source) writeType(w *bytes.Buffer, f *found, it item, renames map[string]string, imports map[string]bool) error {
	if f.typ.TypeParams != nil || f.typ.Assign.IsValid() {
		return fmt.Errorf("%s.%s is generic or an alias: copy only plain types", s.pkg, it.name)
	}
	writeDoc(w, f.doc, it.name, it.as, "")
	st, ok := f.typ.Type.(*ast.StructType)
	if !ok {
		if len(it.omit) > 0 {
			return fmt.Errorf("%s.%s is not a struct: it has no field to leave out", s.pkg, it.name)
		}
		typ, err := s.typeText(f.typ.Type, f.file, renames, imports)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", s.pkg, it.name, err)
		}
		fmt.Fprintf(w, "type %s %s\n\n", it.as, typ)
		return nil
	}
	fmt.Fprintf(w, "type %s struct {\n", it.as)
	omitted := map[string]bool{}
	for _, field := range st.Fields.List {
		var names []string
		for _, n := range field.Names {
			if slices.Contains(it.omit, n.Name) {
				omitted[n.Name] = true
				continue
			}
			names = append(names, n.Name)
		}
		if len(field.Names) > 0 && len(names) == 0 {
			continue
		}
		typ, err := s.typeText(field.Type, f.file, renames, imports)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", s.pkg, it.name, err)
		}
		writeDoc(w, field.Doc, "", "", "\t")
		line := "\t" + strings.Join(names, ", ") + " " + typ
		if len(names) == 0 {
			line = "\t" + typ // embedded
		}
		if field.Tag != nil {
			line += " " + field.Tag.Value
		}
		if field.Comment != nil {
			line += " " + strings.TrimSpace(commentText(field.Comment))
		}
		w.WriteString(line + "\n")
	}
	w.WriteString("}\n\n")
	for _, name := range it.omit {
		if !omitted[name] {
			return fmt.Errorf("%s.%s has no field %s to leave out", s.pkg, it.name, name)
		}
	}
	return nil
}

// typeText prints a field's type, its named types renamed as copied, and
// notes the imports it needs. A type of the package that is not copied,
// or of a package outside the standard library, is an error: the copy
// would not build on its own.
func (s *source) typeText(expr ast.Expr, file *ast.File, renames map[string]string, imports map[string]bool) (string, error) {
	var err error
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		if err != nil {
			return false
		}
		switch x := n.(type) {
		case *ast.Field: // of an inline struct: its names are no types
			ast.Inspect(x.Type, walk)
			return false
		case *ast.SelectorExpr:
			pkg, ok := x.X.(*ast.Ident)
			if !ok {
				err = fmt.Errorf("type %s: not a package's type", printed(s.fset, x))
				return false
			}
			path, found := importPath(file, pkg.Name)
			switch {
			case !found:
				err = fmt.Errorf("type %s: no import of %s", printed(s.fset, x), pkg.Name)
			case strings.Contains(strings.Split(path, "/")[0], "."):
				err = fmt.Errorf("type %s: %s is not in the standard library", printed(s.fset, x), path)
			default:
				imports[path] = true
			}
			return false
		case *ast.Ident:
			if !isPredeclared(x.Name) {
				as, ok := renames[x.Name]
				if !ok {
					err = fmt.Errorf("type %s is not copied: add it to the arguments", x.Name)
					return false
				}
				x.Name = as
			}
		}
		return true
	}
	ast.Inspect(expr, walk)
	if err != nil {
		return "", err
	}
	return printed(s.fset, expr), nil
}

func printed(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, n)
	return b.String()
}

// importPath is the path file imports as name.
func importPath(file *ast.File, name string) (string, bool) {
	for _, imp := range file.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		as := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			as = imp.Name.Name
		}
		if as == name {
			return path, true
		}
	}
	return "", false
}

func isPredeclared(name string) bool {
	switch name {
	case "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32",
		"int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any":
		return true
	}
	return false
}

// writeDoc writes a doc comment, its first word name replaced by as (a
// type's doc starts with its name).
func writeDoc(w *bytes.Buffer, doc *ast.CommentGroup, name, as, indent string) {
	if doc == nil {
		return
	}
	text := commentText(doc)
	if name != as {
		text = strings.Replace(text, "// "+name+" ", "// "+as+" ", 1)
	}
	for _, line := range strings.Split(text, "\n") {
		w.WriteString(indent + line + "\n")
	}
}

// wrap writes text as // comment lines of at most width bytes (a longer
// word on a line of its own).
func wrap(text string, width int) string {
	var b, line strings.Builder
	for _, word := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(word) > width {
			b.WriteString("// " + line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(word)
	}
	if line.Len() > 0 {
		b.WriteString("// " + line.String() + "\n")
	}
	return b.String()
}

// commentText is a comment group as written, its lines joined.
func commentText(g *ast.CommentGroup) string {
	lines := make([]string, len(g.List))
	for i, c := range g.List {
		lines[i] = c.Text
	}
	return strings.Join(lines, "\n")
}

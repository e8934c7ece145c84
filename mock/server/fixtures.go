package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	// yaml/v4 rather than yaml.v3: v3 reports many syntax errors on the
	// wrong line, v4 gives the exact mark (and kin-openapi already links it).
	"go.yaml.in/yaml/v4"
)

// FixtureFile is a fixture file the server loaded.
type FixtureFile struct {
	// Path is Config.FixturesDir joined with the file's name.
	Path string `json:"path"`
	// Summary counts what the file holds, e.g. "2 API keys, 3 repository versions".
	Summary string `json:"summary"`
}

// Fixtures lists the fixture files of the fixtures in use (loaded at
// start, or by the last reload that succeeded), in the order read. Files
// absent from Config.FixturesDir are not listed.
func (s *Server) Fixtures() []FixtureFile {
	s.fixturesMu.Lock()
	defer s.fixturesMu.Unlock()
	return slices.Clone(s.fixtureFiles)
}

// FixtureNames are the names of the files in Config.FixturesDir the
// server's vendors read, one each: endor.yaml, codearts.yaml, ….
func (s *Server) FixtureNames() []string {
	names := make([]string, len(s.vendors))
	for i, v := range s.vendors {
		names[i] = FixtureName(v.ID())
	}
	return names
}

// FixtureName is the name of the fixtures file of the vendor id.
func FixtureName(id string) string { return id + ".yaml" }

// fixtureReader reads the vendors' fixture files in dir, each named for
// its vendor's ID (endor.yaml), and remembers what it read. A file that
// does not parse, or holds what a client could not store, stops the
// server; the error names the file and the line. It is the vendors'
// vendor.Fixtures.
type fixtureReader struct {
	dir   string
	names []string // the file names vendors read, present or not
	files []FixtureFile
	// failed is the file (or the directory) a Read failed on.
	failed string
}

// Read reads the fixtures of the vendor id with parse, or reports that
// there is no directory or no file.
func (r *fixtureReader) Read(id string, t reflect.Type, parse func([]byte) (string, error)) (bool, error) {
	name := FixtureName(id)
	r.names = append(r.names, name)
	if r.dir == "" {
		return false, nil
	}
	if st, err := os.Stat(r.dir); err != nil || !st.IsDir() {
		r.failed = r.dir
		return false, fmt.Errorf("fixtures: %s is not a directory", r.dir)
	}
	path := filepath.Join(r.dir, name)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	r.failed = path // until it is read
	if err != nil {
		return false, fmt.Errorf("fixtures %s: %w", path, err)
	}
	// The vendor parsers take JSON, so that they need no YAML library;
	// their errors are mapped back to the YAML line they come from.
	root, data, err := yamlToJSON(path, raw)
	if err != nil {
		return false, err
	}
	summary, err := parse(data)
	if err != nil {
		line, msg := locate(root, data, t, err)
		return false, atLine(path, line, msg)
	}
	r.failed = ""
	r.files = append(r.files, FixtureFile{Path: path, Summary: summary})
	return true, nil
}

// warnUnread warns about every file in the directory that no vendor reads,
// since a misnamed one (endor.yml) would otherwise be skipped without a
// word. Files whose names start with "." are skipped silently.
func (r *fixtureReader) warnUnread(log *slog.Logger) {
	if r.dir == "" {
		return
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !slices.Contains(r.names, e.Name()) && !strings.HasPrefix(e.Name(), ".") {
			log.Warn("fixtures: file not read; the files read are "+strings.Join(r.names, ", "), "file", filepath.Join(r.dir, e.Name()))
		}
	}
}

// atLine is an error at path:line, or at path when the line is unknown (0).
func atLine(path string, line int, msg string) error {
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", path, line, msg)
	}
	return fmt.Errorf("%s: %s", path, msg)
}

// yamlToJSON parses the fixture file at path and returns its root node
// and its JSON form (an empty file is {}).
func yamlToJSON(path string, raw []byte) (*yaml.Node, []byte, error) {
	var root yaml.Node
	err := yaml.Unmarshal(raw, &root)
	var doc any
	if err == nil && root.Kind != 0 {
		err = root.Decode(&doc)
	}
	if err != nil {
		line, msg := yamlErrorLine(err)
		return nil, nil, atLine(path, line, msg)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not representable as JSON: %w", path, err)
	}
	return &root, data, nil
}

// yamlErrorLine splits a YAML error into the line it happened on and its
// message. Where the construct the error is in began on another line
// (an unclosed quote), the message says so.
func yamlErrorLine(err error) (int, string) {
	var le *yaml.LoadError
	var les *yaml.LoadErrors
	switch {
	case errors.As(err, &les) && len(les.Errors) > 0:
		le = les.Errors[0]
	case errors.As(err, &le):
	default:
		return 0, strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msg := le.Message
	if le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark.Line != le.Mark.Line {
		msg += fmt.Sprintf(" (%s started on line %d)", le.ContextMsg, le.ContextMark.Line)
	}
	return le.Mark.Line, msg
}

// locate finds the YAML line a vendor parser's error is about, and says
// the error in the file's terms. The parser decoded data into a T; it
// fails in one of three ways:
//   - a value of the wrong type (encoding/json gives its offset in data);
//   - an unknown field (encoding/json names only the key);
//   - a broken rule, reported as "<vendor> fixtures: repositories[1]: name: …",
//     whose path leads to the node.
func locate(root *yaml.Node, data []byte, t reflect.Type, err error) (int, string) {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		path := jsonPathAt(data, typeErr.Offset)
		n, line := lookup(root, path)
		if n == nil {
			return 0, err.Error()
		}
		return line, fmt.Sprintf("%s: want %s, not %s", pathString(path), typeWord(typeErr.Type), valueWord(n))
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if q, ok := strings.CutPrefix(e.Error(), "json: unknown field "); ok {
			key, _ := strconv.Unquote(q)
			if path, n := unknownField(root, t, key, nil); n != nil {
				return n.Line, pathString(path) + ": unknown field"
			}
			return 0, "unknown field " + q
		}
	}
	msg := err.Error()
	// Drop the parser's "<vendor> fixtures: ": the file name says it.
	if i := strings.Index(msg, "fixtures: "); i >= 0 && !strings.Contains(msg[:i], ":") {
		msg = msg[i+len("fixtures: "):]
	}
	var path []string
	for _, seg := range strings.Split(msg, ": ") {
		if !pathSegment.MatchString(seg) {
			break
		}
		path = append(path, strings.FieldsFunc(seg, func(r rune) bool { return r == '.' || r == '[' || r == ']' })...)
	}
	// The deepest node on the path: a missing field is reported on the
	// object that lacks it.
	for ; len(path) > 0; path = path[:len(path)-1] {
		if n, line := lookup(root, path); n != nil {
			return line, msg
		}
	}
	return 0, msg
}

// pathSegment matches a path in a vendor parser's message: repositories[1],
// meta.name, meta.tags.0.
var pathSegment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])?(\.[A-Za-z0-9_-]+(\[[0-9]+\])?)*$`)

// jsonPathAt returns the path to the value in data that encoding/json
// reports at offset in an UnmarshalTypeError: a scalar ending there, or an
// object or array opening just before it. Array indexes are decimal.
func jsonPathAt(data []byte, offset int64) []string {
	type frame struct {
		object, wantKey bool
		key             string
		index           int
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
				stack = stack[:n-1]
				if n > 1 && stack[n-2].object {
					stack[n-2].wantKey = true
				}
				continue
			}
			if top.wantKey {
				top.key, top.wantKey = tok.(string), false
				continue
			}
			if !top.object {
				top.index++
			}
		}
		if dec.InputOffset() >= offset {
			path := make([]string, len(stack))
			for i, f := range stack {
				path[i] = f.key
				if !f.object {
					path[i] = strconv.Itoa(f.index)
				}
			}
			return path
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', index: -1})
		} else if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

// lookup follows path (keys, and decimal indexes into sequences) from the
// document root and returns the node's line: that of its key when it is a
// mapping's value (where "meta:" is written, not its first field), else
// its own. It returns 0 when the file has no such node.
func lookup(root *yaml.Node, path []string) (*yaml.Node, int) {
	n := resolve(root)
	line := n.Line
	for _, step := range path {
		switch n.Kind {
		case yaml.MappingNode:
			var next [2]*yaml.Node
			for _, kv := range pairs(n) {
				if kv[0].Value == step || next[0] == nil && strings.EqualFold(kv[0].Value, step) {
					next = kv
				}
			}
			if next[0] == nil {
				return nil, 0
			}
			n, line = resolve(next[1]), next[0].Line
		case yaml.SequenceNode:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil, 0
			}
			n = resolve(n.Content[i])
			line = n.Line
		default:
			return nil, 0
		}
	}
	return n, line
}

// unknownField finds key in the document where t has no such field, as
// encoding/json would (names match without regard to case), and returns
// its path and key node. A field that takes any JSON (json.RawMessage,
// interface{}) is not looked into.
func unknownField(n *yaml.Node, t reflect.Type, key string, path []string) ([]string, *yaml.Node) {
	n = resolve(n)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for _, kv := range pairs(n) {
			field, ok := fieldByJSONName(t, kv[0].Value)
			if !ok {
				if kv[0].Value == key {
					return append(slices.Clip(path), key), kv[0]
				}
				continue
			}
			if p, found := unknownField(kv[1], field.Type, key, append(slices.Clip(path), kv[0].Value)); found != nil {
				return p, found
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for _, kv := range pairs(n) {
			if p, found := unknownField(kv[1], t.Elem(), key, append(slices.Clip(path), kv[0].Value)); found != nil {
				return p, found
			}
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		for i, c := range n.Content {
			if p, found := unknownField(c, t.Elem(), key, append(slices.Clip(path), strconv.Itoa(i))); found != nil {
				return p, found
			}
		}
	}
	return nil, nil
}

// fieldByJSONName finds the field encoding/json decodes name into.
func fieldByJSONName(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if strings.EqualFold(tag, name) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// pairs lists a mapping's key and value nodes, those merged in with <<
// included.
func pairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			out = append(out, [2]*yaml.Node{k, v})
			continue
		}
		v = resolve(v)
		merged := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			merged = v.Content
		}
		for _, mm := range merged {
			if mm = resolve(mm); mm.Kind == yaml.MappingNode {
				out = append(out, pairs(mm)...)
			}
		}
	}
	return out
}

// resolve steps through the document node and aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		default:
			return n
		}
	}
}

// pathString writes a path as the fixture files' comments do:
// repositories[1].files[0].path.
func pathString(path []string) string {
	if len(path) == 0 {
		return "top level"
	}
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			fmt.Fprintf(&b, "[%s]", p)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// typeWord says what a Go type takes, in a YAML writer's words.
func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("a whole number (%s)", t.Kind())
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// valueWord shows what the file holds: a scalar as written, else its kind.
func valueWord(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// Package jsonvalue reads a JSON document in one scan, in time linear in
// its size whatever it holds: its value (as encoding/json decodes into an
// any with UseNumber), the first duplicate object key, data after the
// value, and whether it is JSON at all. Every body repomock reads goes
// through it, and the redaction of secrets reads JSON strings with
// AppendUnquote. It is also the one writer of JSON values (Marshal).
//
// It is not a general JSON library: a document it cannot read (a syntax
// error) is handed to encoding/json, which says what is wrong in its own
// words.
package jsonvalue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Doc is what Scan found in a document.
type Doc struct {
	// Value is the document's value, when Scan was asked to decode it:
	// objects as map[string]any, arrays as []any, numbers as json.Number,
	// as encoding/json's Decoder with UseNumber gives them (of a duplicate
	// key, the last value stands).
	Value any
	// Duplicate reports an object key that appears twice in one object,
	// and Path the first such: the keys down to it, dot-joined, the
	// duplicate last (array indexes are not named).
	Duplicate bool
	Path      string
	// Trailing reports data after the value (other than white space).
	Trailing bool
	// Err is a syntax error, in encoding/json's words when decoding, or
	// the context's error when it was done before the scan was.
	Err error
	// badUTF8 reports a string of the document that is not UTF-8.
	badUTF8 bool
}

// ValidUTF8 reports whether data, the document Scan read, is valid UTF-8,
// as utf8.Valid does: from the scan itself when it read the whole
// document (outside its strings, a JSON document is ASCII), else by
// reading data again.
func (d Doc) ValidUTF8(data []byte) bool {
	if d.Err == nil && !d.Trailing {
		return !d.badUTF8
	}
	return utf8.Valid(data)
}

// Valid reports whether the document is one JSON value and nothing else,
// as json.Valid does (which takes duplicate keys).
func (d Doc) Valid() bool { return d.Err == nil && !d.Trailing }

// MaxDepth is encoding/json's limit on nesting: a document nested deeper
// is a syntax error.
const MaxDepth = 10000

// checkEvery is how many bytes the scan reads between two looks at the
// context, so that a large body stops being read soon after its client
// has gone.
const checkEvery = 64 << 10

// errSyntax stands for a syntax error when the document is not decoded
// (encoding/json is not asked for its words).
var errSyntax = errors.New("jsonvalue: invalid JSON")

// Scan reads data, a whole document, once. With decode, Value is its
// value; without, nothing is allocated for a well-formed document whose
// objects have few keys and no escape in them. ctx is looked at every
// 64 KiB.
func Scan(ctx context.Context, data []byte, decode bool) Doc {
	s := scanner{ctx: ctx, data: data, build: decode, nextCheck: checkEvery, dupAt: -1}
	v, ok := s.value(0)
	d := Doc{Duplicate: s.dupAt >= 0, badUTF8: s.badUTF8}
	if d.Duplicate {
		d.Path = s.path()
	}
	switch {
	case s.ctxErr != nil:
		d.Err = s.ctxErr
	case ok:
		s.ws()
		d.Value, d.Trailing = v, s.i != len(data)
	case !decode:
		d.Err = errSyntax
	default:
		// encoding/json says what is wrong; should it read what this
		// scanner did not, its value stands.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if d.Err = dec.Decode(&v); d.Err == nil {
			d.Value, d.Trailing = v, len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0
		}
	}
	return d
}

// Valid reports whether data is one JSON value and nothing else, as
// json.Valid does, in one scan that allocates nothing (duplicate keys are
// not looked for).
func Valid(data []byte) bool {
	s := scanner{data: data, skipKeys: true, dupAt: -1}
	if _, ok := s.value(0); !ok {
		return false
	}
	s.ws()
	return s.i == len(data)
}

// Decode returns the value of data's first JSON value, as encoding/json's
// Decoder with UseNumber decodes it: data after it is not read, and of a
// duplicate key the last value stands.
func Decode(ctx context.Context, data []byte) (any, error) {
	d := Scan(ctx, data, true)
	return d.Value, d.Err
}

type scanner struct {
	ctx       context.Context
	data      []byte
	i         int
	build     bool // make the value
	skipKeys  bool // do not look for duplicate keys
	nextCheck int  // where ctx is looked at next
	ctxErr    error
	// The first duplicate key: the keys down to it, innermost first, as
	// far as the scan has come back up (to the container at depth dupAt;
	// -1 while there is none).
	dup     []string
	dupAt   int
	scratch []byte // an escaped key, decoded, when not building
	badUTF8 bool   // a string read is not UTF-8
}

func (s *scanner) path() string {
	var b strings.Builder
	for i := len(s.dup) - 1; i >= 0; i-- {
		b.WriteString(s.dup[i])
		if i > 0 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads the value at s.i. ok is false at a syntax error, a
// duplicate key (s.dup) or a context done (s.ctxErr): the scan stops.
func (s *scanner) value(depth int) (any, bool) {
	if s.i >= s.nextCheck {
		s.nextCheck = s.i + checkEvery
		if s.ctx != nil { // nil for Valid and AppendUnquote, which are not for long work
			if s.ctxErr = s.ctx.Err(); s.ctxErr != nil {
				return nil, false
			}
		}
	}
	s.ws()
	if s.i >= len(s.data) {
		return nil, false
	}
	switch c := s.data[s.i]; {
	case (c == '{' || c == '[') && depth >= MaxDepth:
		return nil, false
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		start, end, escaped, ok := s.str()
		if !ok || !s.build {
			return nil, ok
		}
		return unquote(s.data[start:end], escaped), true
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		end := numberEnd(s.data, s.i)
		if end < 0 {
			return nil, false
		}
		n := s.data[s.i:end]
		s.i = end
		if !s.build {
			return nil, true
		}
		return json.Number(n), true
	}
	return nil, false
}

// numberEnd returns the end of the number that starts at i, read as
// encoding/json reads one (RFC 8259 §6): the longest number there, so that
// 01 is 0 and then data; -1 when there is none.
func numberEnd(b []byte, i int) int {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(i + 1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(i + 1); b[i-1] == '.' {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func (s *scanner) literal(lit string) bool {
	if !bytes.HasPrefix(s.data[s.i:], []byte(lit)) {
		return false
	}
	s.i += len(lit)
	return true
}

// smallObject is how many keys an object holds before its keys are kept
// in a map: up to it, comparing with each is cheaper and allocates nothing.
const smallObject = 16

func (s *scanner) object(depth int) (any, bool) {
	s.i++ // {
	var m map[string]any
	if s.build {
		m = make(map[string]any)
	}
	// Without a map to build, the keys seen: their bytes (decoded when
	// escaped), then a set once there are more than smallObject.
	var small [smallObject][]byte
	seen := small[:0]
	var set map[string]struct{}

	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return m, true
	}
	for {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return nil, false
		}
		start, end, escaped, ok := s.str()
		if !ok {
			return nil, false
		}
		raw := s.data[start:end]
		var key string // decoded, when building
		dup := false
		switch {
		case s.build:
			key = unquote(raw, escaped)
			_, dup = m[key]
		case s.skipKeys:
		default:
			k := raw
			if escaped || !utf8.Valid(raw) {
				s.scratch = appendUnquote(s.scratch[:0], raw)
				k = bytes.Clone(s.scratch) // once per such key: linear
			}
			switch {
			case set != nil:
			case len(seen) < smallObject:
				for _, p := range seen {
					dup = dup || bytes.Equal(p, k)
				}
				seen = append(seen, k)
			default:
				set = make(map[string]struct{}, 2*smallObject)
				for _, p := range seen {
					set[string(p)] = struct{}{}
				}
			}
			if set != nil {
				_, dup = set[string(k)]
				set[string(k)] = struct{}{}
			}
		}
		if dup && s.dupAt < 0 {
			s.dup, s.dupAt = []string{unquote(raw, escaped)}, depth
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return nil, false
		}
		s.i++
		v, ok := s.value(depth)
		if !ok {
			return nil, false
		}
		if s.dupAt == depth+1 { // the duplicate was in this member
			s.dup, s.dupAt = append(s.dup, unquote(raw, escaped)), depth
		}
		if s.build {
			m[key] = v
		}
		s.ws()
		if s.i >= len(s.data) {
			return nil, false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (s *scanner) array(depth int) (any, bool) {
	s.i++ // [
	var a []any
	if s.build {
		a = make([]any, 0)
	}
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return a, true
	}
	for {
		v, ok := s.value(depth)
		if !ok {
			return nil, false
		}
		if s.dupAt == depth+1 {
			s.dupAt = depth
		}
		if s.build {
			a = append(a, v)
		}
		s.ws()
		if s.i >= len(s.data) {
			return nil, false
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads the string whose opening quote is at s.i: the bytes between
// its quotes, whether it holds an escape, and whether it is well formed
// (closed, no control character, every escape one of JSON's).
func (s *scanner) str() (start, end int, escaped, ok bool) {
	start = s.i + 1
	wide := false // a byte past ASCII: the string is checked for UTF-8
	for j := start; j < len(s.data); {
		switch b := s.data[j]; {
		case b == '"':
			s.i = j + 1
			if wide && !s.badUTF8 && !utf8.Valid(s.data[start:j]) {
				s.badUTF8 = true
			}
			return start, j, escaped, true
		case b < 0x20:
			return 0, 0, false, false
		case b == '\\':
			escaped = true
			if j+1 >= len(s.data) {
				return 0, 0, false, false
			}
			switch s.data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if hex4(s.data[j+2:]) < 0 {
					return 0, 0, false, false
				}
				j += 6
			default:
				return 0, 0, false, false
			}
		default:
			wide = wide || b >= utf8.RuneSelf
			j++
		}
	}
	return 0, 0, false, false
}

// hex4 reads four hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, h := range b[:4] {
		switch {
		case h >= '0' && h <= '9':
			h -= '0'
		case h >= 'a' && h <= 'f':
			h -= 'a' - 10
		case h >= 'A' && h <= 'F':
			h -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(h)
	}
	return r
}

// unquote decodes the bytes between a well-formed string's quotes.
func unquote(raw []byte, escaped bool) string {
	if !escaped && utf8.Valid(raw) {
		return string(raw)
	}
	return string(appendUnquote(make([]byte, 0, len(raw)), raw))
}

// AppendUnquote appends the decoded JSON string quoted (quotes included)
// to dst, as encoding/json decodes it: invalid UTF-8 and a lone surrogate
// read as U+FFFD. ok is false when quoted is not one well-formed JSON
// string.
func AppendUnquote(dst, quoted []byte) (_ []byte, ok bool) {
	if len(quoted) < 2 || quoted[0] != '"' {
		return dst, false
	}
	s := scanner{data: quoted}
	start, end, _, ok := s.str()
	if !ok || s.i != len(quoted) {
		return dst, false
	}
	return appendUnquote(dst, quoted[start:end]), true
}

// appendUnquote appends the decoded bytes between a well-formed string's
// quotes to dst, as encoding/json's unquote decodes them.
func appendUnquote(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		b := raw[i]
		switch {
		case b == '\\':
			switch e := raw[i+1]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(raw[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; anything else is U+FFFD.
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(raw[i+2:])); dec != utf8.RuneError {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // " \ /
				dst = append(dst, e)
			}
			i += 2
		case b < utf8.RuneSelf:
			dst = append(dst, b)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			dst = utf8.AppendRune(dst, r)
			i += size
		}
	}
	return dst
}

// ValidNumber is encoding/json's check of a json.Number: the JSON number
// grammar (RFC 8259 §6).
func ValidNumber(s string) bool {
	b := []byte(s)
	return numberEnd(b, 0) == len(b)
}

package jsonvalue

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// Marshal is how every answer's JSON is written, for every vendor:
// encoding/json without HTML escaping (no vendor writes <, > or & as
// \u003c on the wire: not protojson, not Jackson) and without a trailing
// newline.
//
// A JSON value (what encoding/json decodes to with UseNumber) is written
// without reflection, byte for byte as encoding/json writes it: that is
// what every answer is, and what encoding/json spends most on (sorting
// each map's keys through reflect values). Anything else goes to
// encoding/json.
func Marshal(v any) ([]byte, error) { return Append(make([]byte, 0, 512), v) }

// Append appends v to dst as Marshal writes it.
func Append(dst []byte, v any) ([]byte, error) {
	if data, ok := appendValue(dst, v); ok {
		return data, nil
	}
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// appendValue appends v as encoding/json writes it without HTML escaping,
// or reports false for a value that is not a JSON value of
// encoding/json's decoding (a float64, a struct, an invalid json.Number),
// which is left to encoding/json.
func appendValue(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		if v {
			return append(dst, "true"...), true
		}
		return append(dst, "false"...), true
	case string:
		return AppendString(dst, v), true
	case json.Number:
		n := string(v)
		if n == "" {
			n = "0" // encoding/json writes the zero Number as 0
		}
		if !ValidNumber(n) {
			return dst, false // encoding/json says why
		}
		return append(dst, n...), true
	case []any:
		if v == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendValue(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), true
		}
		var arr [32]string
		keys := arr[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json's order: by the keys' bytes
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			var ok bool
			if dst, ok = appendValue(dst, v[k]); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	}
	return dst, false
}

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, as Marshal writes it
// (encoding/json without HTML escaping): '"', '\\' and control characters
// escaped, invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

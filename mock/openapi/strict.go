package openapi

import (
	"bytes"
	"encoding/json"
)

// maxStrictDepth matches encoding/json's nesting limit: deeper bodies are
// left to the validator, which refuses them.
const maxStrictDepth = 10000

// strictJSON finds a duplicate object key or data after the JSON value, in
// one pass over the bytes and without allocating for well-formed bodies.
// Syntax errors are left to the validator, which reports them.
func strictJSON(data []byte) *Violation {
	sc := jsonScanner{data: data}
	i, v, ok := sc.value(0, 0)
	if !ok {
		return nil
	}
	if v != nil {
		return v
	}
	if sc.ws(i) != len(data) {
		return &Violation{Field: "body", Reason: "unexpected data after the JSON value"}
	}
	return nil
}

type jsonScanner struct{ data []byte }

func (s *jsonScanner) ws(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value scans the value at i and returns the index after it, a violation
// found inside it, and whether it was well formed.
func (s *jsonScanner) value(i, depth int) (int, *Violation, bool) {
	i = s.ws(i)
	if i >= len(s.data) || depth > maxStrictDepth {
		return i, nil, false
	}
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i+1, depth+1)
	case c == '[':
		return s.array(i+1, depth+1)
	case c == '"':
		end, _, ok := s.str(i)
		return end, nil, ok
	default:
		j := i
		for j < len(s.data) && (s.data[j] >= '0' && s.data[j] <= '9' || s.data[j] >= 'a' && s.data[j] <= 'z' || s.data[j] == '-' || s.data[j] == '+' || s.data[j] == '.' || s.data[j] == 'E') {
			j++
		}
		// A literal is true, false, null or a number; anything else is a
		// syntax error, which the validator names.
		lit := s.data[i:j]
		ok := len(lit) > 0 && (lit[0] == '-' || lit[0] >= '0' && lit[0] <= '9' ||
			string(lit) == "true" || string(lit) == "false" || string(lit) == "null")
		return j, nil, ok
	}
}

// str scans the string whose opening quote is at i: the index after its
// closing quote, and whether it holds an escape.
func (s *jsonScanner) str(i int) (int, bool, bool) {
	escaped := false
	for j := i + 1; j < len(s.data); j++ {
		switch s.data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, true
		}
	}
	return len(s.data), escaped, false
}

type rawKey struct {
	start, end int // the key with its quotes
	escaped    bool
}

// same reports whether two keys are equal as JSON strings.
func (s *jsonScanner) same(a, b rawKey) bool {
	ka, kb := s.data[a.start:a.end], s.data[b.start:b.end]
	if !a.escaped && !b.escaped {
		return bytes.Equal(ka, kb)
	}
	return s.decode(a) == s.decode(b)
}

func (s *jsonScanner) decode(k rawKey) string {
	var out string
	if err := json.Unmarshal(s.data[k.start:k.end], &out); err != nil {
		return string(s.data[k.start:k.end])
	}
	return out
}

func (s *jsonScanner) object(i, depth int) (int, *Violation, bool) {
	var small [16]rawKey
	keys := small[:0]
	i = s.ws(i)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil, true
	}
	for {
		i = s.ws(i)
		if i >= len(s.data) || s.data[i] != '"' {
			return i, nil, false
		}
		end, escaped, ok := s.str(i)
		if !ok {
			return end, nil, false
		}
		k := rawKey{i, end, escaped}
		for _, prev := range keys {
			if s.same(prev, k) {
				return end, &Violation{Field: s.decode(k), Reason: "duplicate field"}, true
			}
		}
		keys = append(keys, k)
		i = s.ws(end)
		if i >= len(s.data) || s.data[i] != ':' {
			return i, nil, false
		}
		next, v, ok := s.value(i+1, depth)
		if !ok {
			return next, nil, false
		}
		if v != nil {
			v.Field = s.decode(k) + "." + v.Field
			return next, v, true
		}
		var more bool
		if i, more, ok = s.next(next, '}'); !more {
			return i, nil, ok
		}
	}
}

func (s *jsonScanner) array(i, depth int) (int, *Violation, bool) {
	i = s.ws(i)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, nil, true
	}
	for {
		next, v, ok := s.value(i, depth)
		if !ok || v != nil {
			return next, v, ok
		}
		var more bool
		if i, more, ok = s.next(next, ']'); !more {
			return i, nil, ok
		}
	}
}

// next reads what follows a member at i: a comma (more members come, at
// the returned index), or close (the container ends, after it). Anything
// else is a syntax error.
func (s *jsonScanner) next(i int, close byte) (at int, more, ok bool) {
	i = s.ws(i)
	switch {
	case i >= len(s.data):
		return i, false, false
	case s.data[i] == ',':
		return i + 1, true, true
	case s.data[i] == close:
		return i + 1, false, true
	default:
		return i, false, false
	}
}

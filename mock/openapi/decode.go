package openapi

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// DecodeJSON decodes the first JSON value in data as encoding/json's
// Decoder does with UseNumber: objects as map[string]any, arrays as []any,
// numbers as json.Number. It is how every body is read.
//
// A body is read without reflection by decoder, which gives the same value
// (a test holds the two together); whatever it does not take on (a syntax
// error, a surrogate escape, invalid UTF-8, deep nesting) is left to
// encoding/json, which decodes it or says what is wrong.
func DecodeJSON(data []byte) (any, error) {
	d := decoder{data: data}
	if v, ok := d.value(0); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var val any
	err := dec.Decode(&val)
	return val, err
}

// decoder reads well-formed JSON; ok is false at anything else.
type decoder struct {
	data []byte
	i    int
}

// maxDecodeDepth is well below encoding/json's nesting limit, so that a
// body nested deeper is left to it.
const maxDecodeDepth = 1000

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, bool) {
	d.ws()
	if d.i >= len(d.data) || depth > maxDecodeDepth {
		return nil, false
	}
	switch c := d.data[d.i]; {
	case c == '{':
		d.i++
		m := make(map[string]any)
		d.ws()
		if d.i < len(d.data) && d.data[d.i] == '}' {
			d.i++
			return m, true
		}
		for {
			d.ws()
			k, ok := d.str()
			if !ok {
				return nil, false
			}
			d.ws()
			if d.i >= len(d.data) || d.data[d.i] != ':' {
				return nil, false
			}
			d.i++
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			d.ws()
			if d.i >= len(d.data) {
				return nil, false
			}
			switch d.data[d.i] {
			case ',':
				d.i++
			case '}':
				d.i++
				return m, true
			default:
				return nil, false
			}
		}
	case c == '[':
		d.i++
		a := make([]any, 0)
		d.ws()
		if d.i < len(d.data) && d.data[d.i] == ']' {
			d.i++
			return a, true
		}
		for {
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			d.ws()
			if d.i >= len(d.data) {
				return nil, false
			}
			switch d.data[d.i] {
			case ',':
				d.i++
			case ']':
				d.i++
				return a, true
			default:
				return nil, false
			}
		}
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		j := d.i
		for j < len(d.data) {
			if b := d.data[j]; b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E' || b >= '0' && b <= '9' {
				j++
				continue
			}
			break
		}
		n := string(d.data[d.i:j])
		if !isValidNumber(n) {
			return nil, false
		}
		d.i = j
		return json.Number(n), true
	}
	return nil, false
}

func (d *decoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.i:], []byte(lit)) {
		return false
	}
	d.i += len(lit)
	return true
}

// str reads a string at d.i. Escapes other than \uXXXX surrogates are
// read as encoding/json reads them.
func (d *decoder) str() (string, bool) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	j := start
	for j < len(d.data) {
		b := d.data[j]
		if b == '"' {
			s := d.data[start:j]
			if !utf8.Valid(s) {
				return "", false
			}
			d.i = j + 1
			return string(s), true
		}
		if b == '\\' {
			return d.escaped(start)
		}
		if b < 0x20 {
			return "", false
		}
		j++
	}
	return "", false
}

// escaped reads the string that starts at start and holds an escape.
func (d *decoder) escaped(start int) (string, bool) {
	out := make([]byte, 0, 2*len(d.data[start:])/3+8)
	j := start
	for j < len(d.data) {
		b := d.data[j]
		switch {
		case b == '"':
			if !utf8.Valid(out) {
				return "", false
			}
			d.i = j + 1
			return string(out), true
		case b < 0x20:
			return "", false
		case b != '\\':
			out = append(out, b)
			j++
			continue
		}
		if j+1 >= len(d.data) {
			return "", false
		}
		switch e := d.data[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(d.data) {
				return "", false
			}
			var r rune
			for _, h := range d.data[j+2 : j+6] {
				switch {
				case h >= '0' && h <= '9':
					h -= '0'
				case h >= 'a' && h <= 'f':
					h -= 'a' - 10
				case h >= 'A' && h <= 'F':
					h -= 'A' - 10
				default:
					return "", false
				}
				r = r<<4 | rune(h)
			}
			if r >= 0xd800 && r < 0xe000 {
				return "", false // a surrogate: encoding/json pairs them
			}
			out = utf8.AppendRune(out, r)
			j += 6
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

// Package redact takes the secrets out of what repomock keeps or shows of a
// request or an answer: the journal (and so its stream and the console) and
// the recordings of repomock proxy --record and repomock contract --record.
// One set of rules serves them all. The logs hold no header and no body at
// all.
//
// It reads what it redacts: the names of JSON fields as decoded (so that
// "\u0073ecret" is secret), whatever value a secret field holds (a string,
// an array, an object), the fields of a form body, and a JSON text that is
// not well formed (a secret before a syntax error, or in a body cut short,
// is found all the same). A body sent to exchange credentials that is not
// JSON at all is replaced whole.
package redact

import (
	"bytes"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// Mark replaces a secret value.
const Mark = "[redacted]"

// secretNames are the field names whose values are secrets, lower-case and
// without _ or -: Endor's API key pair and the token it buys, and the
// usual names of passwords, tokens and keys. A name that merely ends like
// one (next_page_token) is not one.
var secretNames = map[string]bool{
	"key": true, "secret": true, "token": true, "password": true, "passwd": true,
	"apikey": true, "apisecret": true, "apitoken": true, "accesstoken": true, "refreshtoken": true, "idtoken": true,
	"clientsecret": true, "privatetoken": true, "privatekey": true, "accesskey": true, "secretkey": true,
	"securitytoken": true, "authtoken": true, "sessiontoken": true,
}

// Rules add secret names to the built-in ones: those of a vendor
// (vendor.Secrets) that the built-in lists lack. A nil *Rules adds none;
// the package's functions are a nil *Rules' methods.
type Rules struct {
	headers map[string]bool // canonical header names
	fields  map[string]bool // folded as secretName folds them
	shape   shape           // of the built-in names and fields
}

// shape says which folded names may be secret names, before they are
// looked up: most of a body's field names are not, and are told so by
// their length and their first and last bytes.
type shape struct {
	first [longestName + 1][4]uint64 // by length: the first bytes, a bit each
	last  [4]uint64                  // the last bytes
}

func (sh *shape) add(name string) {
	n := len(name)
	sh.first[n][name[0]/64] |= 1 << (name[0] % 64)
	sh.last[name[n-1]/64] |= 1 << (name[n-1] % 64)
}

func (sh *shape) fits(name []byte) bool {
	n := len(name)
	return n > 0 && sh.first[n][name[0]/64]&(1<<(name[0]%64)) != 0 && sh.last[name[n-1]/64]&(1<<(name[n-1]%64)) != 0
}

// builtinShape is the shape of secretNames.
var builtinShape = func() (sh shape) {
	for name := range secretNames {
		sh.add(name)
	}
	return sh
}()

// NewRules makes Rules of header names (any case) and body field names
// (compared without case, _ or -).
func NewRules(headers, fields []string) *Rules {
	r := &Rules{headers: map[string]bool{}, fields: map[string]bool{}, shape: builtinShape}
	for _, h := range headers {
		r.headers[http.CanonicalHeaderKey(h)] = true
	}
	for _, f := range fields {
		var buf [longestName]byte
		if n, ok := fold(buf[:], []byte(f)); ok && n > 0 {
			r.fields[string(buf[:n])] = true
			r.shape.add(string(buf[:n]))
		}
	}
	return r
}

// Name reports whether a JSON field or form field named name holds a
// secret: compared without case, _ or -.
func Name(name string) bool { return (*Rules)(nil).Name(name) }

// Name is the package's Name, with r's fields too.
func (r *Rules) Name(name string) bool { return r.secretName([]byte(name)) }

// longestName bounds a name worth folding: every secret name is shorter,
// with room for separators.
const longestName = 40

func (r *Rules) secretName(b []byte) bool {
	var buf [longestName]byte
	n, ok := fold(buf[:], b)
	if !ok {
		return false
	}
	sh := &builtinShape
	if r != nil {
		sh = &r.shape
	}
	if !sh.fits(buf[:n]) {
		return false
	}
	return secretNames[string(buf[:n])] || r != nil && r.fields[string(buf[:n])]
}

// fold writes b into buf as secret names are compared: lower case, without
// _ or -. ok is false for a name no secret name can be (too long, or with
// a letter that folds to none of ASCII's).
func fold(buf []byte, b []byte) (n int, ok bool) {
	if len(b) > longestName {
		return 0, false
	}
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			// Folded as encoding/json matches field names (bytes.EqualFold):
			// the Kelvin sign is a k, the long s an s.
			r, size = utf8.DecodeRune(b[i:])
			if r = asciiFold(r); r >= utf8.RuneSelf {
				return 0, false // no secret name has it
			}
		}
		i += size
		switch {
		case r == '_' || r == '-':
			continue
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		}
		buf[n] = byte(r)
		n++
	}
	return n, true
}

// asciiFold returns the ASCII letter r folds to, or r.
func asciiFold(r rune) rune {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return f
		}
	}
	return r
}

// secretHeaders are the headers that carry credentials.
var secretHeaders = map[string]bool{
	"Authorization":          true,
	"Proxy-Authorization":    true,
	"Cookie":                 true,
	"Set-Cookie":             true,
	"X-Auth-Token":           true,
	"X-Subject-Token":        true,
	"X-Security-Token":       true,
	"X-Repo-Auth":            true,
	"X-Api-Key":              true,
	"X-Repomock-Admin-Token": true,
}

// Header reports whether the header name (any case) carries credentials.
func Header(name string) bool { return (*Rules)(nil).Header(name) }

// Header is the package's Header, with r's headers too.
func (r *Rules) Header(name string) bool {
	k := http.CanonicalHeaderKey(name)
	return secretHeaders[k] || r != nil && r.headers[k]
}

// Headers returns h with the values of its credential headers replaced by
// Mark: h itself when it has none, else a copy.
func Headers(h http.Header) http.Header { return (*Rules)(nil).Headers(h) }

// Headers is the package's Headers, with r's headers too.
func (r *Rules) Headers(h http.Header) http.Header {
	var out http.Header
	for k := range h {
		if r.Header(k) {
			if out == nil {
				out = maps.Clone(h)
			}
			out[k] = []string{Mark}
		}
	}
	if out == nil {
		return h
	}
	return out
}

// Body returns body with the value of every secret field replaced by Mark
// (body itself when it holds none), and whether body is one well-formed
// JSON value. A form (by its contentType, or a body that is not JSON and
// reads as one) is redacted field by field; anything else is read as JSON,
// well formed or not. With credentials (the body of an operation that
// exchanges credentials: see Credentials), a body that is not well-formed
// JSON is replaced whole by "<redacted: N bytes>", since what it holds
// cannot be told.
//
// body may be the start of a longer body: a secret value it ends in is
// redacted to its end.
func Body(body []byte, contentType string, credentials bool) (redacted []byte, isJSON bool) {
	return (*Rules)(nil).Body(body, contentType, credentials)
}

// Body is the package's Body, with r's fields too.
func (r *Rules) Body(body []byte, contentType string, credentials bool) (redacted []byte, isJSON bool) {
	if len(body) == 0 {
		return body, false
	}
	return r.body(body, contentType, credentials, jsonvalue.Valid(body))
}

// KnownBody is Body for a body already known to be, or not to be, one
// well-formed JSON value (isJSON), as the one scan of a request's body
// found: it is not read again to find out.
func (r *Rules) KnownBody(body []byte, contentType string, credentials, isJSON bool) []byte {
	if len(body) == 0 {
		return body
	}
	out, _ := r.body(body, contentType, credentials, isJSON)
	return out
}

// Redact is Body for a body not yet read to tell whether it is JSON: it
// reads it for that only where that decides how it is redacted (an
// operation that exchanges credentials, or a form's content type), and
// then says what it found (known). Otherwise it redacts in one pass
// (JSON's fields, or a form's), and whether the body is JSON is left to
// whoever shows it.
func (r *Rules) Redact(body []byte, contentType string, credentials bool) (redacted []byte, isJSON, known bool) {
	switch {
	case len(body) == 0:
		return body, false, true
	case credentials || isForm(contentType):
		isJSON = jsonvalue.Valid(body)
		out, _ := r.body(body, contentType, credentials, isJSON)
		return out, isJSON, true
	case looksLikeForm(body): // no JSON value looks like a form
		return r.form(body), false, true
	}
	// JSON or not, its JSON fields are what is redacted (body's last case).
	return r.jsonFields(body), false, false
}

func (r *Rules) body(body []byte, contentType string, credentials, isJSON bool) ([]byte, bool) {
	switch {
	case isJSON:
		return r.jsonFields(body), true
	case credentials:
		return fmt.Appendf(nil, "<redacted: %d bytes>", len(body)), false
	case isForm(contentType) || looksLikeForm(body):
		return r.form(body), false
	}
	return r.jsonFields(body), false
}

func isForm(contentType string) bool {
	if contentType == "" || contentType == "application/json" {
		return false // most bodies: not parsed
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// looksLikeForm reports whether body reads as name=value pairs joined by &.
func looksLikeForm(body []byte) bool {
	return bytes.IndexByte(body, '=') > 0 && !bytes.ContainsAny(body, "{}[]\" \n\r\t")
}

// form redacts the values of the secret fields of a form body.
func (r *Rules) form(body []byte) []byte {
	var out []byte
	start := 0
	for start <= len(body) {
		end := bytes.IndexByte(body[start:], '&')
		if end < 0 {
			end = len(body)
		} else {
			end += start
		}
		pair := body[start:end]
		if name, _, ok := bytes.Cut(pair, []byte("=")); ok {
			n, err := url.QueryUnescape(string(name))
			if err != nil {
				n = string(name)
			}
			if r.Name(n) {
				if out == nil {
					out = append(make([]byte, 0, len(body)), body[:start]...)
				}
				out = append(append(append(out, name...), '='), Mark...)
				if end < len(body) {
					out = append(out, '&')
				}
				start = end + 1
				continue
			}
		}
		if out != nil {
			out = append(out, body[start:min(end+1, len(body))]...)
		}
		start = end + 1
	}
	if out == nil {
		return body
	}
	return out
}

// jsonFields replaces the value of every field with a secret name by
// "[redacted]", reading the text as JSON as far as it goes: a string
// followed by a colon is a field name, decoded; its value is the string,
// the bracketed array or object (to its matching bracket, strings
// respected), or the literal that follows, up to the end of the text.
func (r *Rules) jsonFields(b []byte) []byte {
	var out []byte
	copied := 0 // b[:copied] is in out
	for i := 0; i < len(b); {
		if b[i] != '"' {
			i++
			continue
		}
		end := stringEnd(b, i)
		colon := skipSpace(b, end)
		if colon >= len(b) || b[colon] != ':' {
			i = end
			continue
		}
		if !r.fieldName(b[i:end]) {
			i = end
			continue
		}
		v := skipSpace(b, colon+1)
		if v >= len(b) {
			break
		}
		vend := valueEnd(b, v)
		out = append(append(out, b[copied:v]...), `"`+Mark+`"`...)
		copied, i = vend, vend
	}
	if out == nil {
		return b
	}
	return append(out, b[copied:]...)
}

// fieldName reports whether the JSON string quoted (quotes included, not
// necessarily well formed) is a secret name.
func (r *Rules) fieldName(quoted []byte) bool {
	raw := quoted[1:]
	if len(raw) > 0 && raw[len(raw)-1] == '"' {
		raw = raw[:len(raw)-1]
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return r.secretName(raw)
	}
	var buf [2 * longestName]byte // most names fit: no allocation
	name, ok := jsonvalue.AppendUnquote(buf[:0], quoted)
	return ok && r.secretName(name)
}

// stringEnd returns the index after the string whose opening quote is at
// i, or len(b) when it is not closed.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index after the value that starts at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				j = stringEnd(b, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return len(b)
	}
	j := i
	for j < len(b) && strings.IndexByte(",}] \t\r\n", b[j]) < 0 {
		j++
	}
	return max(j, i+1)
}

// Credentials reports whether an operation exchanges credentials: its
// request or one of its answers declares a field with a secret name (as
// Endor's POST /v1/auth/api-key takes a key and secret and answers a
// token). Such an operation's bodies that are not JSON are redacted whole.
func Credentials(op *openapi3.Operation) bool { return (*Rules)(nil).Credentials(op) }

// Credentials is the package's Credentials, with r's fields too.
func (r *Rules) Credentials(op *openapi3.Operation) bool {
	if op == nil {
		return false
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.SchemaRef) bool
	walk = func(s *openapi3.SchemaRef) bool {
		if s == nil || s.Value == nil || seen[s.Value] {
			return false
		}
		seen[s.Value] = true
		for name, p := range s.Value.Properties {
			if r.Name(name) || walk(p) {
				return true
			}
		}
		if walk(s.Value.Items) {
			return true
		}
		for _, group := range []openapi3.SchemaRefs{s.Value.AllOf, s.Value.AnyOf, s.Value.OneOf} {
			for _, g := range group {
				if walk(g) {
					return true
				}
			}
		}
		return false
	}
	content := func(c openapi3.Content) bool {
		for _, mt := range c {
			if mt != nil && walk(mt.Schema) {
				return true
			}
		}
		return false
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil && content(rb.Value.Content) {
		return true
	}
	if op.Responses != nil {
		for _, r := range op.Responses.Map() {
			if r != nil && r.Value != nil && content(r.Value.Content) {
				return true
			}
		}
	}
	return false
}

// Package protojson reads and writes JSON bodies the way grpc-gateway's
// protobuf-JSON marshalers do (https://protobuf.dev/programming-guides/json/),
// with an OpenAPI schema standing in for the proto descriptor.
//
// It is for vendors that are grpc-gateway services in front of protobuf
// (Endor Labs): their published OpenAPI says what the fields are, and this
// package applies protojson's rules to them. On the way in, a body is
// normalised before it is validated, so that the spec stays the vendor's
// and kin-openapi sees what the vendor's decoder would have made of it. On
// the way out, unpopulated fields are added (application/json) or left out
// (the compact form), before the response is validated.
//
// The schema stands in for the descriptor, so two readings are assumptions:
// the n-th value of a schema's enum is the enum's number n (grpc-gateway's
// generator lists values in declaration order), and a string with format
// date-time is a google.protobuf.Timestamp.
package protojson

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// Codec is an pipeline.Codec with protojson's rules. Compact, when set, says
// whether an answer is the compact form (application/jsoncompact), which
// leaves unpopulated fields out; otherwise they are written with their
// zero values, as grpc-gateway's default marshaler (EmitUnpopulated) does.
type Codec struct {
	Compact func(c echo.Context) bool
}

var _ pipeline.Codec = Codec{}

// DecodeRequest normalises a request body as protojson reads it:
//   - a field may be named by its proto name or its lowerCamelCase JSON name,
//     but not both;
//   - null is the same as an absent field;
//   - an enum may be given by name or by number;
//   - a field that holds its zero value ("", false, 0, the zero enum, an
//     empty list or map) is unset, so "required" treats it as absent;
//   - a timestamp with any offset becomes UTC with Z, with 0, 3, 6 or 9
//     fractional digits; one with more than 9 is refused.
//
// Fields the schema does not know, and free-form objects, are left as they
// are for the validator to judge.
func (Codec) DecodeRequest(s *openapi3.Schema, body any) (any, []pipeline.Violation) {
	n := normaliser{strict: true}
	out, _ := n.value(s, body, nil, true)
	return out, n.violations
}

// EncodeResponse writes a response body as the marshaler the request
// chose: compact leaves unpopulated fields out, otherwise each message
// present gets all of its fields. Timestamps are written as protojson
// writes them in both forms.
func (c Codec) EncodeResponse(ctx echo.Context, s *openapi3.Schema, body any) any {
	if c.Compact != nil && c.Compact(ctx) {
		n := normaliser{}
		out, keep := n.value(s, body, nil, true)
		if !keep {
			return map[string]any{}
		}
		return out
	}
	return populate(s, body)
}

// kind is what a schema stands for in protobuf terms.
type kind int

const (
	kindOther     kind = iota // a free-form object, or a schema with no type
	kindMessage               // an object with properties
	kindMap                   // an object with typed additionalProperties
	kindList                  // an array
	kindEnum                  // a string with an enum
	kindTimestamp             // a string with format date-time
	kindString
	kindBool
	kindNumber
)

func kindOf(s *openapi3.Schema) kind {
	if s == nil {
		return kindOther
	}
	t := s.Type
	switch {
	case len(s.Properties) > 0:
		return kindMessage
	case t.Is(openapi3.TypeArray):
		return kindList
	case t.Is(openapi3.TypeObject) || t.IsEmpty():
		if ap := s.AdditionalProperties.Schema; ap != nil && ap.Value != nil && (!ap.Value.Type.IsEmpty() || len(ap.Value.Properties) > 0) {
			return kindMap
		}
		return kindOther
	case t.Is(openapi3.TypeString) && len(s.Enum) > 0:
		return kindEnum
	case t.Is(openapi3.TypeString) && s.Format == "date-time":
		return kindTimestamp
	case t.Is(openapi3.TypeString):
		return kindString
	case t.Is(openapi3.TypeBoolean):
		return kindBool
	case t.Is(openapi3.TypeInteger) || t.Is(openapi3.TypeNumber):
		return kindNumber
	}
	return kindOther
}

func value(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// normaliser applies the reading rules. strict reports what protojson
// would refuse (a field given twice, an enum number out of range); without
// it (on the way out) the same rules only drop unpopulated fields.
type normaliser struct {
	strict     bool
	violations []pipeline.Violation
}

func (n *normaliser) fail(path *fieldPath, format string, args ...any) {
	if n.strict {
		n.violations = append(n.violations, pipeline.Violation{Field: path.String(), Reason: fmt.Sprintf(format, args...)})
	}
}

// value returns v as protojson reads it, and whether the field is set. A
// field (field is true) holding its zero value is not set; an element of a
// list or a value of a map always is.
func (n *normaliser) value(s *openapi3.Schema, v any, path *fieldPath, field bool) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch kindOf(s) {
	case kindMessage:
		m, ok := v.(map[string]any)
		if !ok {
			return v, true
		}
		out := make(map[string]any, len(m))
		var buf [32]string
		for _, k := range sortedKeys(buf[:0], m) {
			name := k
			if s.Properties[k] == nil {
				if p := protoName(s, k); p != "" {
					name = p
					if _, both := m[p]; both {
						n.fail(&fieldPath{path, k}, "is the JSON name of %s, which is given too: a field may be given once", (&fieldPath{path, p}).String())
						continue
					}
				}
			}
			prop := value(s.Properties[name])
			if prop == nil {
				out[name] = m[k] // unknown: the validator says so
				continue
			}
			if nv, set := n.value(prop, m[k], &fieldPath{path, name}, true); set {
				out[name] = nv
			}
		}
		return out, true // a message that is present is set, even when empty
	case kindMap:
		m, ok := v.(map[string]any)
		if !ok {
			return v, true
		}
		if len(m) == 0 {
			return m, !field
		}
		elem := value(s.AdditionalProperties.Schema)
		for k, e := range m {
			if nv, _ := n.value(elem, e, &fieldPath{path, k}, false); nv != nil {
				m[k] = nv
			}
		}
		return m, true
	case kindList:
		a, ok := v.([]any)
		if !ok {
			return v, true
		}
		if len(a) == 0 {
			return a, !field
		}
		elem := value(s.Items)
		for i, e := range a {
			if nv, _ := n.value(elem, e, &fieldPath{path, strconv.Itoa(i)}, false); nv != nil {
				a[i] = nv
			}
		}
		return a, true
	case kindEnum:
		if num, ok := numberText(v); ok {
			i, err := strconv.Atoi(num)
			if err != nil || i < 0 || i >= len(s.Enum) {
				n.fail(path, "%s is not a number of this enum: must be 0 to %d, or a name (%s)", num, len(s.Enum)-1, enumNames(s))
				return v, true
			}
			v = s.Enum[i]
		}
		if field && v == s.Enum[0] {
			return nil, false // the zero enum is unset
		}
		return v, true
	case kindTimestamp:
		str, ok := v.(string)
		if !ok {
			return v, true
		}
		if str == "" {
			return nil, !field
		}
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return v, true // the validator names the bad date
		}
		// time.Parse cuts what a nanosecond cannot hold; protojson refuses it.
		if digits := fractionalDigits(str); digits > 9 {
			n.fail(path, "%q has %d fractional digits: a timestamp holds 9 at most (nanoseconds)", str, digits)
			return v, true
		}
		return FormatTimestamp(t), true
	case kindString:
		return v, !field || v != ""
	case kindBool:
		return v, !field || v != false
	case kindNumber:
		if num, ok := numberText(v); ok && field {
			if f, err := strconv.ParseFloat(num, 64); err == nil && f == 0 {
				return nil, false
			}
		}
		return v, true
	}
	return v, true
}

// numberText is a JSON number's text, however it was decoded.
func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), true
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), true
	}
	return "", false
}

// populate adds to every message present in v the fields it lacks, with
// their zero values, as protojson's EmitUnpopulated writes them.
// Assumption: a message field that is not set is left out, where protojson
// writes null, because the vendor's published schema does not allow null.
// For the same reason a timestamp that is not set is left out.
func populate(s *openapi3.Schema, v any) any {
	switch kindOf(s) {
	case kindMessage:
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for name, ref := range s.Properties {
			prop := value(ref)
			if cur, ok := m[name]; ok {
				switch kindOf(prop) {
				case kindTimestamp: // rewritten
					m[name] = populate(prop, cur)
				case kindMessage, kindMap, kindList: // filled in place
					populate(prop, cur)
				}
				continue
			}
			if z, ok := zero(prop); ok && !optional(prop) {
				m[name] = z
			}
		}
		return m
	case kindMap:
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				m[k] = populate(value(s.AdditionalProperties.Schema), e)
			}
		}
		return v
	case kindList:
		if a, ok := v.([]any); ok {
			for i, e := range a {
				a[i] = populate(value(s.Items), e)
			}
		}
		return v
	case kindTimestamp:
		if str, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
				return FormatTimestamp(t)
			}
		}
		return v
	}
	return v
}

// OptionalExtension marks a property that is a proto3 optional field: it
// has presence, so protojson leaves it out when unset even where it writes
// every other unpopulated field.
const OptionalExtension = "x-repomock-optional"

func optional(s *openapi3.Schema) bool {
	b, _ := s.Extensions[OptionalExtension].(bool)
	return b
}

// zero is the value protojson writes for an unpopulated field of schema s,
// and false for a field it would write as null (a message, a timestamp).
func zero(s *openapi3.Schema) (any, bool) {
	switch kindOf(s) {
	case kindMap:
		return map[string]any{}, true
	case kindList:
		return []any{}, true
	case kindEnum:
		return s.Enum[0], true
	case kindString:
		return "", true
	case kindBool:
		return false, true
	case kindNumber:
		return json.Number("0"), true
	}
	return nil, false
}

// fractionalDigits counts the digits after the seconds of an RFC 3339
// time that time.Parse accepted: those after the first '.'.
func fractionalDigits(s string) int {
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0
	}
	n := 0
	for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
		n++
	}
	return n
}

// FormatTimestamp writes t as protojson writes a google.protobuf.Timestamp:
// RFC 3339 in UTC with Z, and 0, 3, 6 or 9 fractional digits.
func FormatTimestamp(t time.Time) string {
	t = t.UTC()
	ns := t.Nanosecond()
	switch {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

// protoName returns the property of s whose lowerCamelCase JSON name is
// key, or "".
func protoName(s *openapi3.Schema, key string) string {
	for name := range s.Properties {
		if name != key && jsonName(name) == key {
			return name
		}
	}
	return ""
}

// jsonName is protoc's JSON name of a field: each underscore dropped and
// the letter after it capitalised (parent_uuid → parentUuid).
func jsonName(proto string) string {
	var b strings.Builder
	upper := false
	for i := 0; i < len(proto); i++ {
		c := proto[i]
		if c == '_' {
			upper = true
			continue
		}
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = false
		b.WriteByte(c)
	}
	return b.String()
}

func enumNames(s *openapi3.Schema) string {
	names := make([]string, len(s.Enum))
	for i, e := range s.Enum {
		names[i] = fmt.Sprint(e)
	}
	return strings.Join(names, ", ")
}

// fieldPath is where a value is in a body (meta.tags.0), kept as a chain
// and written out only for a violation.
type fieldPath struct {
	parent *fieldPath
	name   string
}

func (p *fieldPath) String() string {
	if p == nil {
		return ""
	}
	if p.parent == nil {
		return p.name
	}
	return p.parent.String() + "." + p.name
}

// sortedKeys appends m's keys to buf, sorted, so that violations come in
// the same order every time.
func sortedKeys(buf []string, m map[string]any) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// Package protojson reads and writes JSON bodies the way grpc-gateway's
// protobuf-JSON marshalers do (https://protobuf.dev/programming-guides/json/),
// with an OpenAPI schema standing in for the proto descriptor.
//
// It is for vendors that are grpc-gateway services in front of protobuf
// (Endor Labs): their published OpenAPI says what the fields are, and this
// package applies protojson's rules to them. On the way in, a body is read
// as the vendor's decoder reads it, so that the spec stays the vendor's and
// what is validated is what the vendor would have made of it. On the way
// out, unpopulated fields are added (application/json) or left out (the
// compact form), and what is validated is what is written. Each is one
// walk over the body (see Codec).
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

	"github.com/repomock/repomock/mock/internal/schemacheck"
	"github.com/repomock/repomock/mock/pipeline"
)

// Codec is a pipeline.Codec with protojson's rules. Compact, when set, says
// whether an answer is the compact form (application/jsoncompact), which
// leaves unpopulated fields out; otherwise they are written with their
// zero values, as grpc-gateway's default marshaler (EmitUnpopulated) does.
//
// Each body is read or written in one walk beside its schema, which
// normalises (or populates), checks (with the compiled validator's Node of
// each field: mock/internal/schemacheck) and decodes (or encodes, the
// keys in their order) at once:
//   - a request body is read as protojson reads it: a field may be named
//     by its proto name or its lowerCamelCase JSON name, but not both; null
//     is the same as an absent field; an enum may be given by name or by
//     number; a field that holds its zero value ("", false, 0, the zero
//     enum, an empty list or map) is unset, so "required" treats it as
//     absent; a timestamp with any offset becomes UTC with Z, with 0, 3, 6
//     or 9 fractional digits, and one with more than 9 is refused. Fields
//     the schema does not know, and free-form objects, are left as they
//     are for the validator to judge;
//   - an answer is written as the marshaler the request chose: compact
//     leaves unpopulated fields out (read by the same rules), otherwise
//     each message present gets all of its fields. Timestamps are written
//     as protojson writes them in both forms.
type Codec struct {
	Compact func(c echo.Context) bool
}

var _ pipeline.Codec = Codec{}

// Body compiles the reading and writing of schema s's bodies, checked by
// check (nil: not checked).
func (c Codec) Body(s *openapi3.Schema, check *schemacheck.Schema) pipeline.BodyCodec {
	var root schemacheck.Node
	if check != nil {
		root = check.Root()
	}
	return &body{plan: compile(s, root), checked: check != nil, compact: c.Compact}
}

// body is Codec's pipeline.BodyCodec for one schema and direction.
type body struct {
	plan    *plan
	checked bool
	compact func(c echo.Context) bool
}

// Read reads a request body, and checks what it reads.
func (b *body) Read(v any) (any, []pipeline.Violation, bool) {
	r := reader{checked: b.checked, valid: b.checked}
	out, set := r.value(b.plan, v, true)
	if !set {
		r.judge(b.plan.check, out) // the body itself, unset or not, is what is checked
	}
	return out, r.violations, r.valid && len(r.violations) == 0
}

// Append writes an answer, and checks what it writes.
func (b *body) Append(c echo.Context, dst []byte, v any) ([]byte, bool, error) {
	w := writer{dst: dst, checked: b.checked, valid: b.checked}
	var err error
	if b.compact != nil && b.compact(c) {
		err = w.compactBody(b.plan, v)
	} else {
		err = w.full(b.plan, v)
	}
	if err != nil {
		return nil, false, err
	}
	return w.dst, w.valid, nil
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

// OptionalExtension marks a property that is a proto3 optional field: it
// has presence, so protojson leaves it out when unset even where it writes
// every other unpopulated field.
const OptionalExtension = "x-repomock-optional"

func optional(s *openapi3.Schema) bool {
	b, _ := s.Extensions[OptionalExtension].(bool)
	return b
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

func enumNames(s *openapi3.Schema) string {
	names := make([]string, len(s.Enum))
	for i, e := range s.Enum {
		names[i] = fmt.Sprint(e)
	}
	return strings.Join(names, ", ")
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

// Package schemacheck answers, from schemas compiled once, whether what
// kin-openapi would check passes: a decoded JSON body against its schema
// (Schema, as openapi3.Schema.VisitJSON visits it), a request's parameters
// (Params, as openapi3filter.ValidateRequest decodes and visits them), and a
// response's status and headers (Answers, as openapi3filter.ValidateResponse
// checks them).
//
// It is a yes/no fast path in front of kin-openapi, not a validator of its
// own: it never says what is wrong. When it says valid, kin-openapi need not
// run; when it says invalid, kin-openapi runs to word the refusal, so every
// message stays kin-openapi's. kin-openapi is the reference: a differential
// test and a fuzz target hold the two to the same verdict, both ways. (A
// verdict of invalid that kin-openapi does not share would only cost time,
// since kin-openapi then has the last word; valid where kin-openapi refuses
// would let a bad request or answer through.)
//
// Compiling walks the schema once: properties in maps, patterns as compiled
// regular expressions (the simplest as plain code), the formats kin-openapi
// registers (date, date-time, byte, int32, int64) as plain code, enums as
// values. Checking a value then
// needs no reflection, no sorting and no allocation. A schema that uses
// something it does not mirror (multipleOf, uniqueItems, a discriminator, a
// pattern Go cannot compile…) does not compile: the error says why, and
// that schema stays on kin-openapi.
//
// It mirrors the OpenAPI 3.0 visit of kin-openapi v0.153 (VisitJSON without
// EnableJSONSchema2020), which is what the pipeline runs on bodies.
package schemacheck

import (
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Direction is which way a body is visited: as kin-openapi's
// VisitAsRequest, VisitAsResponse, or neither.
type Direction uint8

// The directions.
const (
	Free Direction = iota
	Request
	Response
)

// Mode is how a body is visited. Its zero value is kin-openapi's VisitJSON
// with MultiErrors and nothing else.
type Mode struct {
	Direction Direction
	// ReadOnlyAllowed lets readOnly properties through in a request
	// (DisableReadOnlyValidation).
	ReadOnlyAllowed bool
	// RejectUnknown adds the pipeline's own rule, which is not
	// kin-openapi's (mock/pipeline's unknownFields, as protobuf JSON reads
	// a body): an object property that the schema, through properties,
	// additionalProperties and items only, does not declare is refused,
	// unless the object schema declares no properties or allows
	// additional ones.
	RejectUnknown bool
}

// Schema is one schema compiled for one Mode. It is safe for concurrent use.
type Schema struct {
	root          *node
	rejectUnknown bool
}

// Compile compiles s for mode. s must have passed the document's Validate.
// The error says what kin-openapi checks that Compile does not mirror.
func Compile(s *openapi3.Schema, mode Mode) (*Schema, error) {
	c := newCompiler(mode)
	n, err := c.compile(s, nil)
	if err != nil {
		return nil, err
	}
	return &Schema{root: n, rejectUnknown: mode.RejectUnknown}, nil
}

// Valid reports whether v, a value as encoding/json decodes it with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil; float64
// and the integer types are taken too), passes the schema. A value of any
// other type is not valid, to be left to kin-openapi.
func (s *Schema) Valid(v any) bool {
	return s.root.valid(v, nil, s.rejectUnknown)
}

// node is one schema, compiled. Every field mirrors what kin-openapi's
// visit reads (openapi3/schema_3point0_validator.go).
type node struct {
	dir            Direction
	always         int8 // the boolean schema: 0 none, 1 true, -1 false
	permitsNull    bool // nullable, or "null" among the types
	empty          bool // Schema.IsEmpty
	not            *node
	oneOf, anyOf   []*node
	allOf          []*node
	enum           []any
	types          typeSet
	requireInteger bool // integer permitted, number not

	// numbers
	intFormat, numFormat func(float64) bool
	hasMin, hasMax       bool
	min, max             float64
	exclMin, exclMax     bool // an exclusive bound applies
	exclMinV, exclMaxV   float64

	// strings
	minLength, maxLength uint64
	hasMaxLength         bool
	pattern              func(string) bool
	strFormat            func(string) bool

	// arrays
	minItems, maxItems uint64
	hasMaxItems        bool
	items              *node

	// objects
	minProps, maxProps uint64
	hasMaxProps        bool
	props              map[string]*node
	declaresProps      bool     // len(Properties) > 0, for the unknown-field rule
	forbidden          []string // readOnly in a request, writeOnly in a response, not allowed
	apAllowed          bool     // additionalProperties is not false
	apTrue             bool     // additionalProperties: true, for the unknown-field rule
	ap                 *node    // the additionalProperties schema
	required           []string
	mustHave           []string // required, less those dirNames exempts (Node.Required)
	// dirNames are the properties this schema or its allOf (to any depth)
	// declares readOnly (visited as a request) or writeOnly (as a response):
	// kin-openapi does not require them in that direction, nor those that
	// the schemas this one is visited under, for the same value, declare.
	dirNames map[string]struct{}
}

// typeSet holds the JSON types a schema permits (Types.Permits).
type typeSet uint8

const (
	tBoolean typeSet = 1 << iota
	tInteger
	tNumber
	tString
	tArray
	tObject
)

// frame is a schema this value is already being visited under, through
// not, oneOf, anyOf or allOf: kin-openapi's visitedSchemas from visitedBase.
type frame struct {
	n  *node
	up *frame
}

// valid reports whether v passes n, visited under up for the same value.
// strict applies the unknown-field rule to v: it follows a body's
// properties, additionalProperties and items from the top, and no
// subschema of not, oneOf, anyOf or allOf. (Where valid returns early,
// for an empty schema, true, or null, the rule has nothing to refuse.)
func (n *node) valid(v any, up *frame, strict bool) bool {
	switch x := v.(type) {
	case nil:
		if n.permitsNull {
			return true
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	switch {
	case n.always > 0:
		return true
	case n.always < 0:
		return false
	case n.empty:
		return v != nil
	}
	here := frame{n: n, up: up}
	if n.not != nil && n.not.valid(v, &here, false) {
		return false
	}
	composed := false
	if len(n.oneOf) > 0 {
		matched := 0
		for _, o := range n.oneOf {
			if o.valid(v, &here, false) {
				matched++
			}
		}
		if matched != 1 {
			return false
		}
		composed = true
	}
	if len(n.anyOf) > 0 {
		matched := false
		for _, o := range n.anyOf {
			if o.valid(v, &here, false) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
		composed = true
	}
	for _, o := range n.allOf {
		if !o.valid(v, &here, false) {
			return false
		}
		composed = true
	}
	if composed && v == nil {
		return true
	}
	if len(n.enum) > 0 && !n.inEnum(v) {
		return false
	}
	switch x := v.(type) {
	case nil:
		return false // permitsNull was false
	case bool:
		return n.types&tBoolean != 0
	case json.Number:
		f, err := x.Float64()
		return err == nil && n.number(f)
	case float64:
		return n.number(x)
	case int:
		return n.number(float64(x))
	case int32:
		return n.number(float64(x))
	case int64:
		return n.number(float64(x))
	case string:
		return n.string(x)
	case []any:
		return n.array(x, strict)
	case map[string]any:
		return n.object(x, up, strict)
	}
	return false
}

func (n *node) number(f float64) bool {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false // not JSON; kin-openapi says what it makes of it
	}
	if n.requireInteger {
		if f != math.Trunc(f) {
			return false
		}
		if n.intFormat != nil && !n.intFormat(f) {
			return false
		}
	} else {
		if n.types&(tInteger|tNumber) == 0 {
			return false
		}
		if n.numFormat != nil && !n.numFormat(f) {
			return false
		}
	}
	return !(n.exclMin && !(f > n.exclMinV) ||
		n.exclMax && !(f < n.exclMaxV) ||
		n.hasMin && !(n.min <= f) ||
		n.hasMax && !(n.max >= f))
}

func (n *node) string(s string) bool {
	if n.types&tString == 0 {
		return false
	}
	if n.minLength != 0 || n.hasMaxLength {
		// kin-openapi counts UTF-16 units over the string's runes, which
		// are never surrogates: that is the rune count.
		length := uint64(utf8.RuneCountInString(s))
		if n.minLength != 0 && length < n.minLength {
			return false
		}
		if n.hasMaxLength && length > n.maxLength && !dropMaxLength {
			return false
		}
	}
	if n.pattern != nil && !n.pattern(s) {
		return false
	}
	return n.strFormat == nil || n.strFormat(s)
}

func (n *node) array(a []any, strict bool) bool {
	if n.types&tArray == 0 {
		return false
	}
	l := uint64(len(a))
	if n.minItems != 0 && l < n.minItems || n.hasMaxItems && l > n.maxItems {
		return false
	}
	if n.items != nil {
		for _, e := range a {
			if !n.items.valid(e, nil, strict) {
				return false
			}
		}
	}
	return true
}

func (n *node) object(m map[string]any, up *frame, strict bool) bool {
	if n.types&tObject == 0 {
		return false
	}
	for _, name := range n.forbidden {
		if m[name] != nil {
			return false
		}
	}
	l := uint64(len(m))
	if n.minProps != 0 && l < n.minProps || n.hasMaxProps && l > n.maxProps {
		return false
	}
	for k, v := range m {
		switch p := n.props[k]; {
		case p != nil:
			if !p.valid(v, nil, strict) {
				return false
			}
		case !n.apAllowed:
			return false
		case n.ap != nil:
			if !n.ap.valid(v, nil, strict) {
				return false
			}
		case strict && n.declaresProps && !n.apTrue:
			return false // an unknown field
		}
	}
	for _, k := range n.required {
		if _, ok := m[k]; !ok && !n.exempt(k, up) {
			return false
		}
	}
	return true
}

// exempt reports whether a missing required property is not required in
// this direction: readOnly in a request or writeOnly in a response, as this
// schema, its allOf, or a schema this value is visited under declares it.
func (n *node) exempt(k string, up *frame) bool {
	if n.dir == Free {
		return false
	}
	if _, ok := n.dirNames[k]; ok {
		return true
	}
	for f := up; f != nil; f = f.up {
		if _, ok := f.n.dirNames[k]; ok {
			return true
		}
	}
	return false
}

func (n *node) inEnum(v any) bool {
	for _, e := range n.enum {
		if equalJSON(e, v) {
			return true
		}
	}
	return false
}

// equalJSON is kin-openapi's equalJSONValues: a from the schema, b from
// the value; numbers of any Go type are equal by value.
func equalJSON(a, b any) bool {
	if x, ok := asFloat(a); ok {
		y, ok := asFloat(b)
		return ok && x == y
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && y == a
	case string:
		y, ok := b.(string)
		return ok && y == a
	case []any:
		y, ok := b.([]any)
		if !ok || len(y) != len(a) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(y) != len(a) {
			return false
		}
		for k, av := range a {
			bv, ok := y[k]
			if !ok || !equalJSON(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// asFloat is kin-openapi's jsonNumberAsFloat64.
func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int8:
		return float64(v), true
	case int16:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint8:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint64:
		return float64(v), true
	}
	return 0, false
}

// enumValue checks that an enum value is one equalJSON compares as
// kin-openapi does.
func enumValue(v any) error {
	if _, ok := asFloat(v); ok {
		return nil
	}
	switch v := v.(type) {
	case nil, bool, string:
		return nil
	case json.Number:
		return fmt.Errorf("enum value %q is not a number", string(v))
	case []any:
		for _, e := range v {
			if err := enumValue(e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range v {
			if err := enumValue(e); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("enum value of type %T", v)
}

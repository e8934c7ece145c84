// Package gen makes the contract suite's data: request bodies and
// parameters valid against an OpenAPI schema (Generator, for
// positive_data_acceptance), and the same values broken one rule at a time
// (Mutations, for negative_data_rejection). It knows no vendor: a check
// that needs values the schema leaves open (a real parent project, a
// unique name) pins them with WithOverrides.
//
// Generator.Value makes request bodies that kin-openapi accepts as requests
// (VisitJSON with VisitAsRequest), from a seeded gofakeit.Faker so a seed
// always gives the same bodies. Mutations breaks one valid body one rule at a
// time, for bodies the API must refuse.
//
// Values have encoding/json shapes: map[string]any, []any, string, bool, nil,
// int64 for schemas of type integer and float64 for type number, so that
// json.Marshal writes integers without a decimal point. Both functions accept
// any numeric Go type (float64 from json.Unmarshal included) on input.
//
// Handled: type (a 3.1 type list uses its first non-null type; a schema
// without one gets it from its keywords: properties → object, items → array,
// minimum/maximum/multipleOf → number, otherwise string), enum, const,
// required and optional properties, readOnly (never generated, never
// mutated), additionalProperties as a map schema, minProperties and
// maxProperties (best effort), arrays with items, minItems, maxItems and
// uniqueItems (best effort), strings with pattern, minLength, maxLength and
// the formats date-time, date, byte, uuid, email, uri/url, hostname, ipv4 and
// ipv6, integers and numbers with minimum, maximum, both styles of exclusive
// bounds and multipleOf, booleans, recursive schemas (depth-limited), allOf
// (merged: properties and required are united, other keywords are taken from
// the first subschema that sets them) and oneOf/anyOf (value merges in the
// first alternative like an allOf member; Mutations the alternative the valid
// value matches). Every generated scalar is checked against its schema with
// kin-openapi and redrawn (a bounded number of times) when it fails.
//
// Not handled: nullable values are never generated (null is valid but never
// chosen); not, discriminator mappings, if/then/else, prefixItems,
// patternProperties, dependentRequired and other 3.1-only keywords are
// ignored; a generated oneOf value is not checked to match only one
// alternative; conflicting allOf members and an allOf member with
// additionalProperties false are not reconciled; a pattern that gofakeit
// cannot generate within the length bounds (e.g. `^[a-z]+$` with minLength
// 40: gofakeit repeats at most 10 times) yields a best-effort invalid string;
// a schema that requires infinite nesting gets null past depth 32. Mutations
// does not break minProperties, maxProperties, multipleOf, uniqueItems,
// format or const, and names map values by their key, so a key containing a
// dot makes an ambiguous rule path.
package gen

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/getkin/kin-openapi/openapi3"
)

const (
	genMaxDepth      = 6  // below this depth optional properties, items and map entries stop
	genHardDepth     = 32 // beyond this a schema that requires infinite nesting gets null
	genStringTries   = 64 // candidates tried per string before giving up
	genNumberTries   = 16
	genDefaultItems  = 3 // items above minItems when maxItems leaves room
	genMaxMapEntries = 2
	genMaxCount      = 10000 // never build arrays or strings longer than this
	genMergeDepth    = 16    // allOf nesting followed when merging

	unknownFieldName  = "repomock_unknown_field"
	unknownFieldValue = "repomock"
	rootRulePath      = "$" // the location named by rules on the body itself
)

// Generator makes schema-valid values. Same seed → same values.
type Generator struct {
	f         *gofakeit.Faker
	maxDepth  int
	overrides map[string]func(*gofakeit.Faker) any
}

// New returns a generator whose values depend only on seed (0 is a
// seed like any other, not "random").
func New(seed uint64) *Generator {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &Generator{f: gofakeit.NewFaker(src, true), maxDepth: genMaxDepth}
}

// WithOverrides returns a generator that shares g's Faker (and so its random
// sequence) and uses o, merged over g's overrides, for the values at the given
// dot paths: "meta.name" for a property, "meta.tags.*" for array items,
// "meta.annotations.*" for map values, "" for the whole body. An override
// replaces the value at its path; whether an optional property is present is
// still decided by the schema. Override values are used as returned.
func (g *Generator) WithOverrides(o map[string]func(*gofakeit.Faker) any) *Generator {
	n := *g
	n.overrides = make(map[string]func(*gofakeit.Faker) any, len(g.overrides)+len(o))
	for k, v := range g.overrides {
		n.overrides[k] = v
	}
	for k, v := range o {
		if v != nil {
			n.overrides[k] = v
		}
	}
	return &n
}

// Faker is the generator's source of fake data, for a check that draws
// values of its own from the same seeded sequence.
func (g *Generator) Faker() *gofakeit.Faker { return g.f }

// Value returns a value valid against s as a request body (see the package
// comment above for what is handled). It never panics: a schema it cannot
// satisfy gets a best-effort value.
func (g *Generator) Value(s *openapi3.Schema) (v any) {
	defer func() {
		if r := recover(); r != nil {
			v = nil
		}
	}()
	return g.gen(s, "", 0)
}

func (g *Generator) gen(s *openapi3.Schema, path string, depth int) any {
	if fn, ok := g.overrides[path]; ok {
		return fn(g.f)
	}
	if depth > genHardDepth {
		return nil
	}
	if s == nil {
		return g.plainString(0, 8)
	}
	s = flattenSchema(s, true, 0)
	if len(s.Enum) > 0 {
		return normalizeNumber(s, deepCopyValue(s.Enum[g.f.IntN(len(s.Enum))]))
	}
	if s.Const != nil {
		return normalizeNumber(s, deepCopyValue(s.Const))
	}
	switch SchemaType(s) {
	case openapi3.TypeObject:
		return g.object(s, path, depth)
	case openapi3.TypeArray:
		return g.array(s, path, depth)
	case openapi3.TypeInteger:
		return g.integer(s)
	case openapi3.TypeNumber:
		return g.number(s)
	case openapi3.TypeBoolean:
		return g.f.Bool()
	case openapi3.TypeNull:
		return nil
	default:
		return g.str(s)
	}
}

// set returns v, or for a required enum whose value is the schema's
// default another of its values. grpc-gateway's generator gives every enum
// its zero value as default, and protobuf JSON reads the zero value as
// unset, so a protobuf API refuses it where a value is required.
func (g *Generator) set(s *openapi3.Schema, path string, v any) any {
	if _, overridden := g.overrides[path]; overridden || s == nil {
		return v
	}
	s = flattenSchema(s, true, 0)
	if s.Default == nil || len(s.Enum) < 2 || !reflect.DeepEqual(v, s.Default) {
		return v
	}
	others := slices.DeleteFunc(slices.Clone(s.Enum), func(e any) bool { return reflect.DeepEqual(e, s.Default) })
	if len(others) == 0 {
		return v
	}
	return normalizeNumber(s, deepCopyValue(others[g.f.IntN(len(others))]))
}

func (g *Generator) object(s *openapi3.Schema, path string, depth int) any {
	obj := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	names := sortedKeys(s.Properties)
	for _, name := range names {
		ps := propSchema(s, name)
		if ps != nil && ps.ReadOnly {
			continue
		}
		if required[name] || (depth < g.maxDepth && g.f.Bool()) {
			obj[name] = g.gen(ps, joinPath(path, name), depth+1)
		}
		if required[name] {
			obj[name] = g.set(ps, joinPath(path, name), obj[name])
		}
	}
	// Required names the properties do not declare: any value will do.
	for _, name := range s.Required {
		if _, declared := s.Properties[name]; !declared {
			if _, done := obj[name]; !done {
				obj[name] = g.gen(additionalSchema(s), joinPath(path, name), depth+1)
			}
		}
	}
	mapSchema := additionalSchema(s)
	if mapSchema != nil && depth < g.maxDepth {
		for range g.f.IntN(genMaxMapEntries + 1) {
			g.addMapEntry(obj, s, mapSchema, path, depth)
		}
	}
	// minProperties: optional properties first, then map entries.
	for _, name := range names {
		if uint64(len(obj)) >= s.MinProps {
			break
		}
		if ps := propSchema(s, name); ps != nil && ps.ReadOnly {
			continue
		}
		if _, ok := obj[name]; !ok {
			obj[name] = g.gen(propSchema(s, name), joinPath(path, name), depth+1)
		}
	}
	if allowsExtra(s) {
		for i := 0; uint64(len(obj)) < s.MinProps && i < 100; i++ {
			g.addMapEntry(obj, s, mapSchema, path, depth)
		}
	}
	// maxProperties: drop optional properties, last first.
	if s.MaxProps != nil {
		keys := sortedKeys(obj)
		for i := len(keys) - 1; i >= 0 && uint64(len(obj)) > *s.MaxProps; i-- {
			if !required[keys[i]] {
				delete(obj, keys[i])
			}
		}
	}
	return obj
}

func (g *Generator) addMapEntry(obj map[string]any, s, mapSchema *openapi3.Schema, path string, depth int) {
	key := strings.ToLower(g.f.Word())
	for i := 2; ; i++ {
		_, taken := obj[key]
		_, declared := s.Properties[key]
		if !taken && !declared {
			break
		}
		key = strings.ToLower(g.f.Word()) + strconv.Itoa(i)
	}
	obj[key] = g.gen(mapSchema, joinPath(path, "*"), depth+1)
}

func (g *Generator) array(s *openapi3.Schema, path string, depth int) any {
	lo := int(min(s.MinItems, genMaxCount))
	hi := lo + genDefaultItems
	if s.MaxItems != nil && *s.MaxItems < uint64(hi) {
		hi = int(*s.MaxItems)
	}
	if depth >= g.maxDepth || hi < lo {
		hi = lo
	}
	n := lo + g.f.IntN(hi-lo+1)
	var items *openapi3.Schema
	if s.Items != nil {
		items = s.Items.Value
	}
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for range n {
		var v any
		for try := 0; try < 10; try++ {
			v = g.gen(items, joinPath(path, "*"), depth+1)
			if !s.UniqueItems || !seen[jsonKey(v)] {
				break
			}
		}
		seen[jsonKey(v)] = true
		out = append(out, v)
	}
	return out
}

func (g *Generator) str(s *openapi3.Schema) string {
	lo, hi := stringBounds(s)
	var re *regexp.Regexp
	pattern := ""
	if s.Pattern != "" {
		pattern = goPattern(s.Pattern)
		re, _ = regexp.Compile(pattern)
	}
	var c string
	for try := range genStringTries {
		switch {
		case re != nil:
			c = g.f.Regex(pattern)
		case try < genStringTries/2 && formatKnown(s.Format):
			c = g.formatted(s.Format)
		default:
			c = g.plainString(lo, hi)
		}
		if acceptsRequest(s, c) {
			return c
		}
	}
	return c
}

func formatKnown(format string) bool {
	switch format {
	case "date-time", "date", "byte", "uuid", "email", "uri", "url", "hostname", "ipv4", "ipv6":
		return true
	}
	return false
}

func (g *Generator) formatted(format string) string {
	switch format {
	case "date-time", "date":
		t := g.f.DateRange(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC))
		t = t.UTC().Truncate(time.Second)
		if format == "date" {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339)
	case "byte":
		b := make([]byte, 1+g.f.IntN(12))
		for i := range b {
			b[i] = byte(g.f.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	case "uuid":
		return g.f.UUID()
	case "email":
		return g.f.Email()
	case "uri", "url":
		return g.f.URL()
	case "hostname":
		return g.f.DomainName()
	case "ipv4":
		return g.f.IPv4Address()
	case "ipv6":
		return g.f.IPv6Address()
	}
	return g.f.Word()
}

// plainString returns words, cut to a length in [lo, hi] (at least 1 when hi
// allows), never more than 24 characters above lo.
func (g *Generator) plainString(lo, hi int) string {
	if lo == 0 && hi >= 1 {
		lo = 1
	}
	if hi > lo+24 {
		hi = lo + 24
	}
	if hi < lo {
		hi = lo
	}
	n := lo + g.f.IntN(hi-lo+1)
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		w := g.f.Word()
		if w == "" {
			w = "x"
		}
		b.WriteString(w)
	}
	out := []byte(b.String()[:n])
	if n > 0 && out[n-1] == ' ' {
		out[n-1] = 'x'
	}
	return string(out)
}

func (g *Generator) integer(s *openapi3.Schema) any {
	lo, hi := integerRange(s)
	if lo > hi {
		return int64(lo)
	}
	for range genNumberTries {
		var v int64
		if m := s.MultipleOf; m != nil && *m > 0 {
			kLo, kHi := math.Ceil(lo / *m), math.Floor(hi / *m)
			if kLo > kHi {
				break
			}
			kHi = math.Min(kHi, kLo+1000)
			v = int64((kLo + float64(g.f.IntN(int(kHi-kLo)+1))) * *m)
		} else {
			v = int64(lo) + int64(g.f.IntN(int(hi-lo)+1))
		}
		if acceptsRequest(s, v) {
			return v
		}
	}
	return int64(lo)
}

func (g *Generator) number(s *openapi3.Schema) any {
	lo, loEx, hi, hiEx := numberBounds(s)
	if !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && lo > hi {
		return lo
	}
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		lo, hi = 0, 1000
	case math.IsInf(lo, -1):
		lo = hi - 1000
	case math.IsInf(hi, 1):
		hi = lo + 1000
	}
	for range genNumberTries {
		var v float64
		if m := s.MultipleOf; m != nil && *m > 0 {
			kLo, kHi := math.Ceil(lo / *m), math.Floor(hi / *m)
			if kLo > kHi {
				break
			}
			kHi = math.Min(kHi, kLo+1000)
			v = (kLo + float64(g.f.IntN(int(kHi-kLo)+1))) * *m
		} else {
			v = math.Round((lo+g.f.Float64()*(hi-lo))*100) / 100
		}
		if (loEx && v <= lo) || (hiEx && v >= hi) {
			continue
		}
		if acceptsRequest(s, v) {
			return v
		}
	}
	return (lo + hi) / 2
}

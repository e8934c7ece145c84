package contracts

// Data generation for positive_data_acceptance and negative_data_rejection.
//
// generator.value makes request bodies that kin-openapi accepts as requests
// (VisitJSON with VisitAsRequest), from a seeded gofakeit.Faker so a seed
// always gives the same bodies. mutations breaks one valid body one rule at a
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
// first alternative like an allOf member; mutations the alternative the valid
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
// a schema that requires infinite nesting gets null past depth 32. mutations
// does not break minProperties, maxProperties, multipleOf, uniqueItems,
// format or const, and names map values by their key, so a key containing a
// dot makes an ambiguous rule path.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

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

// generator makes schema-valid values. Same seed → same values.
type generator struct {
	f         *gofakeit.Faker
	maxDepth  int
	overrides map[string]func(*gofakeit.Faker) any
}

// newGenerator returns a generator whose values depend only on seed (0 is a
// seed like any other, not "random").
func newGenerator(seed uint64) *generator {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &generator{f: gofakeit.NewFaker(src, true), maxDepth: genMaxDepth}
}

// withOverrides returns a generator that shares g's Faker (and so its random
// sequence) and uses o, merged over g's overrides, for the values at the given
// dot paths: "meta.name" for a property, "meta.tags.*" for array items,
// "meta.annotations.*" for map values, "" for the whole body. An override
// replaces the value at its path; whether an optional property is present is
// still decided by the schema. Override values are used as returned.
func (g *generator) withOverrides(o map[string]func(*gofakeit.Faker) any) *generator {
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

// value returns a value valid against s as a request body (see the package
// comment above for what is handled). It never panics: a schema it cannot
// satisfy gets a best-effort value.
func (g *generator) value(s *openapi3.Schema) (v any) {
	defer func() {
		if r := recover(); r != nil {
			v = nil
		}
	}()
	return g.gen(s, "", 0)
}

func (g *generator) gen(s *openapi3.Schema, path string, depth int) any {
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
	switch schemaType(s) {
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
func (g *generator) set(s *openapi3.Schema, path string, v any) any {
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

func (g *generator) object(s *openapi3.Schema, path string, depth int) any {
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

func (g *generator) addMapEntry(obj map[string]any, s, mapSchema *openapi3.Schema, path string, depth int) {
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

func (g *generator) array(s *openapi3.Schema, path string, depth int) any {
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

func (g *generator) str(s *openapi3.Schema) string {
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

func (g *generator) formatted(format string) string {
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
func (g *generator) plainString(lo, hi int) string {
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

func (g *generator) integer(s *openapi3.Schema) any {
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

func (g *generator) number(s *openapi3.Schema) any {
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

// mutation is one way to break a valid value: the rule it breaks and the broken value.
type mutation struct {
	Rule  string // short and located, e.g. "meta.name: required", "context.type: enum", "name: pattern", "description: maxLength", "meta.tags: type", "meta.repomock_unknown_field: unknown field"
	Value any    // a deep copy of the valid value with exactly that rule broken
}

// mutations derives every one-rule break of valid against s. Rules are
// located by the dot path of the value they change ("meta.tags.0",
// "meta.annotations.key", "$" for the body itself) and are one of required,
// type, enum, pattern, minLength, maxLength, minimum, exclusiveMinimum,
// maximum, exclusiveMaximum, minItems, maxItems and unknown field (an extra
// property repomock_unknown_field on objects that declare properties and do
// not declare additionalProperties, or declare it false; only when
// unknownFields is true). Array items and map values share rules: a rule
// already broken in an earlier item (or entry) is not broken again in a
// later one. Rules on readOnly properties are skipped.
//
// Every mutation but the unknown-field ones is checked to fail VisitJSON with
// VisitAsRequest when valid passes it; one that would not is left out. The
// result is sorted by Rule and deterministic; valid is not modified.
func mutations(s *openapi3.Schema, valid any, unknownFields bool) (out []mutation) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
		}
	}()
	if s == nil {
		return nil
	}
	w := &mutator{root: valid, unknown: unknownFields, seen: map[string]bool{}, gen: newGenerator(1)}
	w.walk(s, valid, nil, "", "", true)
	validOK := s.VisitJSON(valid, openapi3.VisitAsRequest()) == nil
	for _, m := range w.out {
		if validOK && !strings.HasSuffix(m.Rule, ": unknown field") &&
			s.VisitJSON(m.Value, openapi3.VisitAsRequest()) == nil {
			continue
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rule < out[j].Rule })
	return out
}

type pathStep struct {
	key   string
	index int
	isIdx bool
}

type mutator struct {
	root    any
	unknown bool
	seen    map[string]bool // generic rules (indexes and map keys as *) already broken
	out     []mutation
	gen     *generator
}

// add records the break of rule at loc: the value there replaced by v, or the
// property removed.
func (w *mutator) add(path, generic, rule string, loc []pathStep, v any, remove bool) {
	if w.seen[joinRule(generic, rule)] {
		return
	}
	w.seen[joinRule(generic, rule)] = true
	cp := setAt(deepCopyValue(w.root), loc, v, remove)
	w.out = append(w.out, mutation{Rule: joinRule(path, rule), Value: cp})
}

func joinRule(path, rule string) string {
	if path == "" {
		path = rootRulePath
	}
	return path + ": " + rule
}

func (w *mutator) walk(s *openapi3.Schema, v any, loc []pathStep, path, generic string, root bool) {
	if s == nil {
		return
	}
	s = withMatchedAlternative(flattenSchema(s, false, 0), v)
	if s.ReadOnly && !root {
		return
	}
	if !root {
		if wt, ok := wrongType(s); ok {
			w.add(path, generic, "type", loc, wt, false)
		}
	}
	if v == nil {
		return
	}
	if len(s.Enum) > 0 {
		if c, ok := enumBreak(s, v); ok {
			w.add(path, generic, "enum", loc, c, false)
		}
	}
	switch val := v.(type) {
	case map[string]any:
		w.object(s, val, loc, path, generic)
	case []any:
		w.array(s, val, loc, path, generic)
	case string:
		w.str(s, val, loc, path, generic)
	case bool:
	default:
		if f, ok := toFloat(v); ok {
			w.number(s, f, loc, path, generic)
		}
	}
}

func (w *mutator) object(s *openapi3.Schema, val map[string]any, loc []pathStep, path, generic string) {
	req := slices.Clone(s.Required)
	sort.Strings(req)
	for _, name := range slices.Compact(req) {
		if ps := propSchema(s, name); ps != nil && ps.ReadOnly {
			continue
		}
		if _, present := val[name]; present {
			w.add(joinPath(path, name), joinPath(generic, name), "required", extend(loc, pathStep{key: name}), nil, true)
		}
	}
	mapSchema := additionalSchema(s)
	for _, k := range sortedKeys(val) {
		at := extend(loc, pathStep{key: k})
		if ref, ok := s.Properties[k]; ok {
			if ref != nil && ref.Value != nil {
				w.walk(ref.Value, val[k], at, joinPath(path, k), joinPath(generic, k), false)
			}
		} else if mapSchema != nil {
			w.walk(mapSchema, val[k], at, joinPath(path, k), joinPath(generic, "*"), false)
		}
	}
	ap := s.AdditionalProperties
	noExtra := (ap.Has == nil && ap.Schema == nil) || (ap.Has != nil && !*ap.Has)
	if w.unknown && len(s.Properties) > 0 && noExtra {
		if _, taken := val[unknownFieldName]; !taken {
			w.add(joinPath(path, unknownFieldName), joinPath(generic, unknownFieldName), "unknown field",
				extend(loc, pathStep{key: unknownFieldName}), unknownFieldValue, false)
		}
	}
}

func (w *mutator) array(s *openapi3.Schema, val []any, loc []pathStep, path, generic string) {
	var items *openapi3.Schema
	if s.Items != nil {
		items = s.Items.Value
	}
	if s.MinItems > 0 && uint64(len(val)) >= s.MinItems {
		w.add(path, generic, "minItems", loc, deepCopyValue(val[:s.MinItems-1]), false)
	}
	if m := s.MaxItems; m != nil && *m < genMaxCount && uint64(len(val)) <= *m {
		longer := deepCopyValue(val).([]any)
		seen := map[string]bool{}
		for _, x := range longer {
			seen[jsonKey(x)] = true
		}
		for i := 0; uint64(len(longer)) <= *m && i < 10*genMaxCount; i++ {
			var x any
			if len(val) > 0 && !s.UniqueItems {
				x = deepCopyValue(val[len(longer)%len(val)])
			} else {
				x = w.gen.gen(items, "", 1)
			}
			if s.UniqueItems && seen[jsonKey(x)] {
				continue
			}
			seen[jsonKey(x)] = true
			longer = append(longer, x)
		}
		w.add(path, generic, "maxItems", loc, longer, false)
	}
	if items != nil {
		for i, x := range val {
			w.walk(items, x, extend(loc, pathStep{index: i, isIdx: true}), joinPath(path, strconv.Itoa(i)), joinPath(generic, "*"), false)
		}
	}
}

func (w *mutator) str(s *openapi3.Schema, val string, loc []pathStep, path, generic string) {
	if !s.Type.Permits(openapi3.TypeString) {
		return
	}
	if s.Pattern != "" && len(s.Enum) == 0 {
		if c, ok := patternBreak(s, val); ok {
			w.add(path, generic, "pattern", loc, c, false)
		}
	}
	runes := []rune(val)
	if n := s.MinLength; n > 0 && uint64(utf16Len(val)) >= n {
		relaxed := *s
		relaxed.MinLength = 0
		short := string(runes[:min(int(n-1), len(runes))])
		cands := []string{short, string(runes[len(runes)-len([]rune(short)):]), strings.Repeat("a", int(n-1))}
		w.add(path, generic, "minLength", loc, pickBreak(s, &relaxed, cands), false)
	}
	if m := s.MaxLength; m != nil && *m < genMaxCount && uint64(utf16Len(val)) <= *m {
		relaxed := *s
		relaxed.MaxLength = nil
		n := int(*m) + 1
		var cands []string
		if len(runes) > 0 {
			cands = append(cands,
				padTo(val, string(runes[len(runes)-1]), n),
				padTo(val, string(runes[0]), n),
				padTo("", val, n))
		}
		cands = append(cands, strings.Repeat("a", n), strings.Repeat("0", n))
		w.add(path, generic, "maxLength", loc, pickBreak(s, &relaxed, cands), false)
	}
}

func (w *mutator) number(s *openapi3.Schema, val float64, loc []pathStep, path, generic string) {
	isInt := s.Type.Permits(openapi3.TypeInteger) && !s.Type.Permits(openapi3.TypeNumber)
	if !isInt && !s.Type.Permits(openapi3.TypeNumber) {
		return
	}
	out := func(f float64) any {
		if isInt {
			return int64(f)
		}
		return f
	}
	try := func(rule string, relaxed *openapi3.Schema, cands []float64) {
		var vals []any
		for _, c := range cands {
			if !math.IsInf(c, 0) && !math.IsNaN(c) && math.Abs(c) < 1<<53 {
				vals = append(vals, out(c))
			}
		}
		if len(vals) == 0 {
			return
		}
		w.add(path, generic, rule, loc, pickBreak(s, relaxed, vals), false)
	}
	if m := s.Min; m != nil {
		relaxed := *s
		relaxed.Min = nil
		if s.ExclusiveMin.IsTrue() {
			relaxed.ExclusiveMin = openapi3.ExclusiveBound{}
			try("exclusiveMinimum", &relaxed, []float64{math.Floor(*m), *m})
		} else if isInt {
			try("minimum", &relaxed, []float64{math.Ceil(*m) - 1})
		} else {
			try("minimum", &relaxed, []float64{*m - 1, *m - 0.5, *m - 0.01})
		}
	}
	if b := s.ExclusiveMin.Value; b != nil {
		relaxed := *s
		relaxed.ExclusiveMin = openapi3.ExclusiveBound{}
		try("exclusiveMinimum", &relaxed, []float64{math.Floor(*b), *b})
	}
	if m := s.Max; m != nil {
		relaxed := *s
		relaxed.Max = nil
		if s.ExclusiveMax.IsTrue() {
			relaxed.ExclusiveMax = openapi3.ExclusiveBound{}
			try("exclusiveMaximum", &relaxed, []float64{math.Ceil(*m), *m})
		} else if isInt {
			try("maximum", &relaxed, []float64{math.Floor(*m) + 1})
		} else {
			try("maximum", &relaxed, []float64{*m + 1, *m + 0.5, *m + 0.01})
		}
	}
	if b := s.ExclusiveMax.Value; b != nil {
		relaxed := *s
		relaxed.ExclusiveMax = openapi3.ExclusiveBound{}
		try("exclusiveMaximum", &relaxed, []float64{math.Ceil(*b), *b})
	}
}

// pickBreak returns the first candidate that s rejects and relaxed (s without
// the rule being broken) accepts, so that only that rule is broken; failing
// that, the first candidate s rejects; failing that, the first.
func pickBreak[T any](s, relaxed *openapi3.Schema, cands []T) T {
	for _, c := range cands {
		if !acceptsRequest(s, c) && acceptsRequest(relaxed, c) {
			return c
		}
	}
	for _, c := range cands {
		if !acceptsRequest(s, c) {
			return c
		}
	}
	return cands[0]
}

// patternBreak searches, deterministically and boundedly, for a string that
// does not match s's pattern but meets every other rule of s: first the valid
// string with one character replaced, then with one character inserted or
// removed.
func patternBreak(s *openapi3.Schema, val string) (string, bool) {
	relaxed := *s
	relaxed.Pattern = ""
	ok := func(c string) bool { return !acceptsRequest(s, c) && acceptsRequest(&relaxed, c) }
	runes := []rune(val)
	n := len(runes)
	positions := []int{}
	if n > 0 {
		positions = append(positions, 0)
		if n > 1 {
			positions = append(positions, n-1)
		}
		for i := 1; i < n-1 && i < 64; i++ {
			positions = append(positions, i)
		}
	}
	chars := []rune{' ', '!', '#', '/', '.', '-', '_', 'a', 'Z', '0', '~', 'é'}
	for _, i := range positions {
		for _, ch := range chars {
			if runes[i] == ch {
				continue
			}
			c := slices.Clone(runes)
			c[i] = ch
			if ok(string(c)) {
				return string(c), true
			}
		}
	}
	for _, ch := range chars {
		for _, c := range []string{string(ch) + val, val + string(ch)} {
			if ok(c) {
				return c, true
			}
		}
	}
	for _, i := range positions {
		c := string(slices.Delete(slices.Clone(runes), i, i+1))
		if ok(c) {
			return c, true
		}
	}
	return "", false
}

// enumBreak returns a value of v's JSON type that is not in s's enum,
// preferring one that meets s's other rules.
func enumBreak(s *openapi3.Schema, v any) (any, bool) {
	relaxed := *s
	relaxed.Enum = nil
	var cands []any
	switch v.(type) {
	case string:
		for _, e := range s.Enum {
			if es, ok := e.(string); ok {
				cands = append(cands, es+"x", "x"+es)
				if len(es) > 1 {
					cands = append(cands, es[:len(es)-1])
				}
			}
		}
		cands = append(cands, "repomock", "x")
	case bool:
		cands = append(cands, true, false)
	case map[string]any, []any:
		return nil, false
	default:
		f, ok := toFloat(v)
		if !ok {
			return nil, false
		}
		hi, lo := f, f
		for _, e := range s.Enum {
			if ef, ok := toFloat(e); ok {
				hi, lo = math.Max(hi, ef), math.Min(lo, ef)
			}
		}
		for _, c := range []float64{hi + 1, lo - 1, hi + 2, lo - 2, math.Floor(hi) + 1} {
			cands = append(cands, normalizeNumber(s, c))
		}
	}
	var fallback any
	for _, c := range cands {
		if inEnum(s.Enum, c) {
			continue
		}
		if acceptsRequest(&relaxed, c) {
			return c, true
		}
		if fallback == nil {
			fallback = c
		}
	}
	return fallback, fallback != nil
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if jsonKey(e) == jsonKey(v) {
			return true
		}
	}
	return false
}

// wrongType returns a value of a JSON type s does not permit, if s has a type.
func wrongType(s *openapi3.Schema) (any, bool) {
	if s.Type.IsEmpty() {
		return nil, false
	}
	var cands []any
	switch schemaType(s) {
	case openapi3.TypeString:
		cands = []any{int64(1)}
	case openapi3.TypeBoolean:
		cands = []any{"true"}
	}
	cands = append(cands, "repomock", int64(1), true, []any{}, map[string]any{})
	for _, c := range cands {
		if !typePermits(s.Type, c) {
			return c, true
		}
	}
	return nil, false
}

func typePermits(t *openapi3.Types, v any) bool {
	switch v.(type) {
	case string:
		return t.Permits(openapi3.TypeString)
	case bool:
		return t.Permits(openapi3.TypeBoolean)
	case []any:
		return t.Permits(openapi3.TypeArray)
	case map[string]any:
		return t.Permits(openapi3.TypeObject)
	case int64:
		return t.Permits(openapi3.TypeInteger) || t.Permits(openapi3.TypeNumber)
	}
	return true
}

// --- schema helpers ---

// flattenSchema merges s's allOf members (and, when alternatives is true,
// the first oneOf and anyOf alternative) into a copy of s. It never modifies
// s or the schemas it points to.
func flattenSchema(s *openapi3.Schema, alternatives bool, depth int) *openapi3.Schema {
	if len(s.AllOf) == 0 && (!alternatives || (len(s.OneOf) == 0 && len(s.AnyOf) == 0)) {
		return s
	}
	c := *s
	c.AllOf = nil
	parts := make([]*openapi3.Schema, 0, len(s.AllOf)+2)
	for _, r := range s.AllOf {
		if r != nil && r.Value != nil {
			parts = append(parts, r.Value)
		}
	}
	if alternatives {
		c.OneOf, c.AnyOf = nil, nil
		for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
			if len(alts) > 0 && alts[0] != nil && alts[0].Value != nil {
				parts = append(parts, alts[0].Value)
			}
		}
	}
	c.Properties = maps.Clone(s.Properties)
	c.Required = slices.Clone(s.Required)
	for _, p := range parts {
		if depth < genMergeDepth {
			p = flattenSchema(p, alternatives, depth+1)
		}
		mergeSchema(&c, p)
	}
	return &c
}

// withMatchedAlternative merges into s the oneOf alternative v matches (when
// it matches exactly one) and the first anyOf alternative it matches, so that
// mutations walk the rules v was accepted under. Breaking one of them may make
// v match another alternative; mutations drops such a break.
func withMatchedAlternative(s *openapi3.Schema, v any) *openapi3.Schema {
	if len(s.OneOf) == 0 && len(s.AnyOf) == 0 {
		return s
	}
	c := *s
	c.OneOf, c.AnyOf = nil, nil
	c.Properties = maps.Clone(s.Properties)
	c.Required = slices.Clone(s.Required)
	var matchedOne *openapi3.Schema
	for _, r := range s.OneOf {
		if r != nil && r.Value != nil && acceptsRequest(r.Value, v) {
			if matchedOne != nil {
				matchedOne = nil
				break
			}
			matchedOne = r.Value
		}
	}
	if matchedOne != nil {
		mergeSchema(&c, flattenSchema(matchedOne, false, 1))
	}
	for _, r := range s.AnyOf {
		if r != nil && r.Value != nil && acceptsRequest(r.Value, v) {
			mergeSchema(&c, flattenSchema(r.Value, false, 1))
			break
		}
	}
	return &c
}

// mergeSchema adds p's constraints to c: properties and required are united,
// other keywords are kept from c when c sets them.
func mergeSchema(c, p *openapi3.Schema) {
	if c.Type.IsEmpty() && !p.Type.IsEmpty() {
		t := p.Type.Clone()
		c.Type = &t
	}
	if len(p.Properties) > 0 && c.Properties == nil {
		c.Properties = openapi3.Schemas{}
	}
	for k, v := range p.Properties {
		if _, ok := c.Properties[k]; !ok {
			c.Properties[k] = v
		}
	}
	for _, r := range p.Required {
		if !slices.Contains(c.Required, r) {
			c.Required = append(c.Required, r)
		}
	}
	if c.Format == "" {
		c.Format = p.Format
	}
	if c.Pattern == "" {
		c.Pattern = p.Pattern
	}
	if len(c.Enum) == 0 {
		c.Enum = p.Enum
	}
	if c.Const == nil {
		c.Const = p.Const
	}
	if c.Min == nil {
		c.Min = p.Min
	}
	if c.Max == nil {
		c.Max = p.Max
	}
	if !c.ExclusiveMin.IsSet() {
		c.ExclusiveMin = p.ExclusiveMin
	}
	if !c.ExclusiveMax.IsSet() {
		c.ExclusiveMax = p.ExclusiveMax
	}
	if c.MultipleOf == nil {
		c.MultipleOf = p.MultipleOf
	}
	c.MinLength = max(c.MinLength, p.MinLength)
	if c.MaxLength == nil || (p.MaxLength != nil && *p.MaxLength < *c.MaxLength) {
		c.MaxLength = p.MaxLength
	}
	c.MinItems = max(c.MinItems, p.MinItems)
	if c.MaxItems == nil || (p.MaxItems != nil && *p.MaxItems < *c.MaxItems) {
		c.MaxItems = p.MaxItems
	}
	c.MinProps = max(c.MinProps, p.MinProps)
	if c.MaxProps == nil || (p.MaxProps != nil && *p.MaxProps < *c.MaxProps) {
		c.MaxProps = p.MaxProps
	}
	if c.Items == nil {
		c.Items = p.Items
	}
	if c.AdditionalProperties.Has == nil && c.AdditionalProperties.Schema == nil {
		c.AdditionalProperties = p.AdditionalProperties
	}
	c.UniqueItems = c.UniqueItems || p.UniqueItems
	c.ReadOnly = c.ReadOnly || p.ReadOnly
}

// schemaType is the type to generate for s: its first non-null type, or one
// inferred from its keywords.
func schemaType(s *openapi3.Schema) string {
	for _, t := range s.Type.Slice() {
		if t != openapi3.TypeNull {
			return t
		}
	}
	switch {
	case !s.Type.IsEmpty():
		return openapi3.TypeNull
	case len(s.Properties) > 0 || len(s.Required) > 0 || s.AdditionalProperties.Schema != nil:
		return openapi3.TypeObject
	case s.Items != nil:
		return openapi3.TypeArray
	case s.Min != nil || s.Max != nil || s.MultipleOf != nil:
		return openapi3.TypeNumber
	}
	return openapi3.TypeString
}

func propSchema(s *openapi3.Schema, name string) *openapi3.Schema {
	if ref := s.Properties[name]; ref != nil {
		return ref.Value
	}
	return nil
}

// additionalSchema is the schema of map values, nil when s declares none.
func additionalSchema(s *openapi3.Schema) *openapi3.Schema {
	if ref := s.AdditionalProperties.Schema; ref != nil && ref.Value != nil {
		return ref.Value
	}
	return nil
}

func allowsExtra(s *openapi3.Schema) bool {
	return s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has
}

func stringBounds(s *openapi3.Schema) (lo, hi int) {
	lo = int(min(s.MinLength, genMaxCount))
	hi = lo + 16
	if s.MaxLength != nil {
		hi = int(min(*s.MaxLength, uint64(lo+64)))
	}
	return lo, hi
}

// numberBounds are s's lower and upper bounds (±Inf when absent) and whether
// they are exclusive, in both the 3.0 (boolean) and 3.1 (number) styles.
func numberBounds(s *openapi3.Schema) (lo float64, loEx bool, hi float64, hiEx bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.Min != nil {
		lo, loEx = *s.Min, s.ExclusiveMin.IsTrue()
	}
	if b := s.ExclusiveMin.Value; b != nil && *b >= lo {
		lo, loEx = *b, true
	}
	if s.Max != nil {
		hi, hiEx = *s.Max, s.ExclusiveMax.IsTrue()
	}
	if b := s.ExclusiveMax.Value; b != nil && *b <= hi {
		hi, hiEx = *b, true
	}
	return
}

// integerRange is the inclusive range of integers to draw from: s's bounds,
// or a span of 1000 where one is missing ([0, 1000] with neither).
func integerRange(s *openapi3.Schema) (lo, hi float64) {
	const limit = 1 << 53
	l, lEx, h, hEx := numberBounds(s)
	lo, hi = math.Ceil(l), math.Floor(h)
	if lEx && lo == l {
		lo++
	}
	if hEx && hi == h {
		hi--
	}
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		lo, hi = 0, 1000
	case math.IsInf(lo, -1):
		lo = hi - 1000
		if hi >= 0 {
			lo = math.Max(0, lo)
		}
	case math.IsInf(hi, 1):
		hi = lo + 1000
	}
	lo = math.Max(math.Min(lo, limit), -limit)
	hi = math.Max(math.Min(hi, limit), -limit)
	return lo, hi
}

// acceptsRequest tells whether s accepts v as (part of) a request body.
func acceptsRequest(s *openapi3.Schema, v any) bool {
	return s.VisitJSON(v, openapi3.VisitAsRequest()) == nil
}

// goPattern rewrites \uXXXX as kin-openapi does before compiling a pattern.
var patternCodepoints = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

func goPattern(p string) string { return patternCodepoints.ReplaceAllString(p, `\x{$1}`) }

// normalizeNumber turns a whole float64 into int64 for integer schemas.
func normalizeNumber(s *openapi3.Schema, v any) any {
	if f, ok := v.(float64); ok && schemaType(s) == openapi3.TypeInteger && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return v
}

// --- value helpers ---

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func deepCopyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyValue(e)
		}
		return out
	}
	return v
}

// setAt sets (or, with remove, deletes) the value at loc in cur, which it
// modifies, and returns cur.
func setAt(cur any, loc []pathStep, v any, remove bool) any {
	if len(loc) == 0 {
		return v
	}
	st := loc[0]
	switch c := cur.(type) {
	case map[string]any:
		if len(loc) == 1 && remove {
			delete(c, st.key)
		} else {
			c[st.key] = setAt(c[st.key], loc[1:], v, remove)
		}
	case []any:
		if st.isIdx && st.index < len(c) {
			c[st.index] = setAt(c[st.index], loc[1:], v, remove)
		}
	}
	return cur
}

func extend(loc []pathStep, st pathStep) []pathStep {
	return append(slices.Clip(loc), st)
}

func joinPath(path, seg string) string {
	if path == "" {
		return seg
	}
	return path + "." + seg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// padTo returns s followed by repetitions of fill, cut to n runes.
func padTo(s, fill string, n int) string {
	if fill == "" {
		fill = "a"
	}
	r := []rune(s)
	f := []rune(fill)
	for i := 0; len(r) < n; i++ {
		r = append(r, f[i%len(f)])
	}
	return string(r[:n])
}

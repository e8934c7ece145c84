package gen

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Mutation is one way to break a valid value: the rule it breaks and the broken value.
type Mutation struct {
	Rule  string // short and located, e.g. "meta.name: required", "context.type: enum", "name: pattern", "description: maxLength", "meta.tags: type", "meta.repomock_unknown_field: unknown field"
	Value any    // a deep copy of the valid value with exactly that rule broken
}

// Mutations derives every one-rule break of valid against s. Rules are
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
func Mutations(s *openapi3.Schema, valid any, unknownFields bool) (out []Mutation) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
		}
	}()
	if s == nil {
		return nil
	}
	w := &mutator{root: valid, unknown: unknownFields, seen: map[string]bool{}, gen: New(1)}
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
	out     []Mutation
	gen     *Generator
}

// add records the break of rule at loc: the value there replaced by v, or the
// property removed.
func (w *mutator) add(path, generic, rule string, loc []pathStep, v any, remove bool) {
	if w.seen[joinRule(generic, rule)] {
		return
	}
	w.seen[joinRule(generic, rule)] = true
	cp := setAt(deepCopyValue(w.root), loc, v, remove)
	w.out = append(w.out, Mutation{Rule: joinRule(path, rule), Value: cp})
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
	switch SchemaType(s) {
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

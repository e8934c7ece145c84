// Package schemagen makes values for OpenAPI schemas, most of them valid,
// and breaks them, for the tests that hold a fast path to kin-openapi
// (mock/pipeline's differential test and fuzz target, and
// mock/vendors/endor/protojson's): values that pass every check but one
// are where two validators differ. It is test support, used by tests
// only.
package schemagen

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Gen makes values for a schema, most of them valid, to hold a validator
// to kin-openapi where it matters: values that pass every check but one.
// Mutate then breaks them, one or two places at a time.
type Gen struct {
	R *rand.Rand
}

// New returns a Gen whose values are the same for the same seed.
func New(seed uint64) *Gen { return &Gen{R: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// Chance is true with probability p.
func (g *Gen) Chance(p float64) bool { return g.R.Float64() < p }

// Value is a value for s as the pipeline decodes one: maps, slices,
// strings, json.Number, bool, nil.
func (g *Gen) Value(s *openapi3.Schema) any { return g.value(s, 0) }

func (g *Gen) value(s *openapi3.Schema, depth int) any {
	if s == nil || depth > 8 {
		return "x"
	}
	if s.Nullable && g.Chance(0.05) {
		return nil
	}
	switch {
	case len(s.OneOf) > 0:
		return g.value(s.OneOf[g.R.IntN(len(s.OneOf))].Value, depth+1)
	case len(s.AnyOf) > 0:
		return g.value(s.AnyOf[g.R.IntN(len(s.AnyOf))].Value, depth+1)
	case len(s.AllOf) > 0:
		// One object schema with every part's properties and required
		// names; a part that is not about objects gives the value alone.
		merged := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}, Properties: openapi3.Schemas{}}
		for _, part := range append([]*openapi3.Schema{s}, refValues(s.AllOf)...) {
			if part.Type != nil && !part.Type.Is(openapi3.TypeObject) {
				return g.value(part, depth+1)
			}
			for k, p := range part.Properties {
				merged.Properties[k] = p
			}
			merged.Required = append(merged.Required, part.Required...)
		}
		return g.value(merged, depth+1)
	}
	if len(s.Enum) > 0 && g.Chance(0.9) {
		return jsonShape(s.Enum[g.R.IntN(len(s.Enum))])
	}
	types := s.Type.Slice()
	typ := openapi3.TypeObject
	if len(types) > 0 {
		typ = types[g.R.IntN(len(types))]
	} else if len(s.Properties) == 0 && len(s.Required) == 0 {
		typ = []string{openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeBoolean, openapi3.TypeObject}[g.R.IntN(4)]
	}
	switch typ {
	case openapi3.TypeString:
		return g.str(s)
	case openapi3.TypeInteger:
		return json.Number(strconv.FormatInt(g.integer(s), 10))
	case openapi3.TypeNumber:
		lo, hi := -1000.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		return json.Number(strconv.FormatFloat(lo+(hi-lo)*g.R.Float64(), 'g', -1, 64))
	case openapi3.TypeBoolean:
		return g.Chance(0.5)
	case openapi3.TypeArray:
		lo := int(s.MinItems)
		hi := lo + 3
		if s.MaxItems != nil && int(*s.MaxItems) < hi {
			hi = int(*s.MaxItems)
		}
		out := []any{}
		for range lo + g.R.IntN(hi-lo+1) {
			var item *openapi3.Schema
			if s.Items != nil {
				item = s.Items.Value
			}
			out = append(out, g.value(item, depth+1))
		}
		return out
	case openapi3.TypeNull:
		return nil
	}
	obj := map[string]any{}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name].Value
		if slices.Contains(s.Required, name) || g.Chance(0.6) || p.ReadOnly && g.Chance(0.3) {
			obj[name] = g.value(p, depth+1)
		}
	}
	if ap := s.AdditionalProperties.Schema; ap != nil && ap.Value != nil {
		for i := range g.R.IntN(3) {
			obj[fmt.Sprintf("key%d", i)] = g.value(ap.Value, depth+1)
		}
	}
	return obj
}

func (g *Gen) integer(s *openapi3.Schema) int64 {
	lo, hi := int64(-1000), int64(1000)
	if s.Min != nil {
		lo = int64(*s.Min)
		if s.ExclusiveMin.IsTrue() {
			lo++
		}
	}
	if s.Max != nil {
		hi = int64(*s.Max)
		if s.ExclusiveMax.IsTrue() {
			hi--
		}
	}
	if hi < lo {
		return lo
	}
	return lo + g.R.Int64N(hi-lo+1)
}

// letters include some beyond ASCII, counted by kin-openapi as one each.
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.éß中😀 "

func (g *Gen) letter() rune {
	rs := []rune(letters)
	return rs[g.R.IntN(len(rs))]
}

func (g *Gen) str(s *openapi3.Schema) string {
	switch s.Format {
	case "date-time":
		t := time.Date(1990+g.R.IntN(60), time.Month(1+g.R.IntN(12)), 1+g.R.IntN(31), g.R.IntN(24), g.R.IntN(60), g.R.IntN(60), g.R.IntN(1e9), time.UTC)
		layouts := []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05.000+07:00"}
		return t.Format(layouts[g.R.IntN(len(layouts))])
	case "date":
		return time.Date(1990+g.R.IntN(60), time.Month(1+g.R.IntN(12)), 1+g.R.IntN(31), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case "byte":
		b := make([]byte, g.R.IntN(12))
		for i := range b {
			b[i] = byte(g.R.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	if s.Pattern != "" {
		if re, err := syntax.Parse(s.Pattern, syntax.Perl); err == nil {
			var b strings.Builder
			g.match(&b, re.Simplify())
			return b.String()
		}
	}
	lo := int(s.MinLength)
	hi := lo + 12
	if s.MaxLength != nil && int(*s.MaxLength) < hi {
		hi = int(*s.MaxLength)
	}
	n := lo + g.R.IntN(hi-lo+1)
	out := make([]rune, n)
	for i := range out {
		out[i] = g.letter()
	}
	return string(out)
}

// match writes a string that re matches.
func (g *Gen) match(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		pair := g.R.IntN(len(re.Rune) / 2)
		lo, hi := re.Rune[2*pair], re.Rune[2*pair+1]
		if hi > lo+1000 {
			hi = lo + 1000
		}
		b.WriteRune(lo + rune(g.R.IntN(int(hi-lo)+1)))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(g.letter())
	case syntax.OpCapture:
		g.match(b, re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g.match(b, sub)
		}
	case syntax.OpAlternate:
		g.match(b, re.Sub[g.R.IntN(len(re.Sub))])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+3 {
				hi = lo + 3
			}
		}
		for range lo + g.R.IntN(hi-lo+1) {
			g.match(b, re.Sub[0])
		}
	}
}

// Mutate returns a deep copy of v with one to three places broken: a value
// of another type, null, a key removed or added, a string or number beyond
// a bound or off a pattern or format.
func (g *Gen) Mutate(v any) any {
	v = DeepCopy(v)
	for range 1 + g.R.IntN(3) {
		v = g.MutateAt(v)
	}
	return v
}

// MutateAt breaks one place of v, in place where it can, and returns it.
func (g *Gen) MutateAt(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) > 0 && g.Chance(0.7) {
			k := slices.Sorted(maps.Keys(x))[g.R.IntN(len(x))]
			switch g.R.IntN(6) {
			case 0:
				delete(x, k)
			case 1:
				x["unknown_"+k] = x[k]
			default:
				x[k] = g.MutateAt(x[k])
			}
			return x
		}
	case []any:
		if len(x) > 0 && g.Chance(0.7) {
			i := g.R.IntN(len(x))
			switch g.R.IntN(4) {
			case 0:
				return append(x, x[i])
			case 1:
				return x[:i]
			default:
				x[i] = g.MutateAt(x[i])
			}
			return x
		}
	case string:
		if g.Chance(0.7) {
			return []func(string) string{
				func(s string) string { return s + strings.Repeat("a", 1+g.R.IntN(300)) },
				func(string) string { return "" },
				func(s string) string { return "!" + s },
				func(s string) string { return s + " " },
				func(s string) string { return strings.ToUpper(s) },
				func(s string) string { return strings.Repeat("é", utf8Len(s)+1) },
				func(s string) string {
					if len(s) > 1 {
						return s[:len(s)-1]
					}
					return s
				},
				func(string) string {
					return []string{"2017-02-30T00:00:00Z", "2026-11-25T10:00:00Z", "2026-11-25", "2026-11-25T24:00:00Z",
						"2026-11-25T10:00:00.Z", "2026-11-25t10:00:00z", "CONTEXT_TYPE_REF", "0", "20", "base64", "text/plain"}[g.R.IntN(11)]
				},
			}[g.R.IntN(8)](x)
		}
	case json.Number:
		if g.Chance(0.7) {
			return json.Number([]string{"-1", "0", "1", "20", "1.5", "100", "101", "2147483647", "2147483648", "-2147483649",
				"1e400", "9223372036854775808", "1e2", "-0"}[g.R.IntN(14)])
		}
	}
	return []any{nil, json.Number("1"), json.Number("1.5"), "x", "", true, false, map[string]any{}, []any{}, []any{"x"},
		map[string]any{"x": "y"}}[g.R.IntN(11)]
}

func utf8Len(s string) int { return len([]rune(s)) }

// DeepCopy copies v's maps and slices.
func DeepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = DeepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = DeepCopy(e)
		}
		return out
	}
	return v
}

// jsonShape is an enum value from the spec as a body carries it.
func jsonShape(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case int:
		return json.Number(strconv.Itoa(x))
	}
	return v
}

func refValues(refs openapi3.SchemaRefs) []*openapi3.Schema {
	out := make([]*openapi3.Schema, len(refs))
	for i, r := range refs {
		out[i] = r.Value
	}
	return out
}

// Edge returns a copy of v, a value generated for s, with one field
// taken just past one of its bounds (maxLength, minLength, maximum,
// minimum), its first character repeated or cut so that its pattern, if
// any, may still hold: a value that breaks that bound alone. v is
// returned as it is when it has no such field.
func (g *Gen) Edge(s *openapi3.Schema, v any) any {
	v = DeepCopy(v)
	type site struct {
		set    func(any)
		schema *openapi3.Schema
		value  any
	}
	var sites []site
	var walk func(s *openapi3.Schema, v any, set func(any))
	walk = func(s *openapi3.Schema, v any, set func(any)) {
		if s == nil {
			return
		}
		if s.MaxLength != nil || s.MinLength > 0 || s.Max != nil || s.Min != nil {
			sites = append(sites, site{set, s, v})
		}
		for _, part := range refValues(s.AllOf) {
			walk(part, v, set)
		}
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				p := s.Properties[k]
				if p == nil {
					p = s.AdditionalProperties.Schema
				}
				if p != nil {
					walk(p.Value, x[k], func(nv any) { x[k] = nv })
				}
			}
		case []any:
			if s.Items != nil {
				for i := range x {
					walk(s.Items.Value, x[i], func(nv any) { x[i] = nv })
				}
			}
		}
	}
	walk(s, v, func(nv any) { v = nv })
	if len(sites) == 0 {
		return v
	}
	st := sites[g.R.IntN(len(sites))]
	switch x := st.value.(type) {
	case string:
		first := "a"
		if r := []rune(x); len(r) > 0 {
			first = string(r[0])
		}
		if st.schema.MaxLength != nil && (st.schema.MinLength == 0 || g.Chance(0.5)) {
			st.set(strings.Repeat(first, int(*st.schema.MaxLength)+1))
		} else if st.schema.MinLength > 0 {
			st.set(strings.Repeat(first, int(st.schema.MinLength)-1))
		}
	case json.Number:
		if st.schema.Max != nil && (st.schema.Min == nil || g.Chance(0.5)) {
			st.set(json.Number(strconv.FormatFloat(*st.schema.Max+1, 'g', -1, 64)))
		} else if st.schema.Min != nil {
			st.set(json.Number(strconv.FormatFloat(*st.schema.Min-1, 'g', -1, 64)))
		}
	}
	return v
}

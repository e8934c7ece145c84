package gen

import (
	"maps"
	"math"
	"regexp"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

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

// SchemaType is the type to generate for s: its first non-null type, or one
// inferred from its keywords.
func SchemaType(s *openapi3.Schema) string {
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
	if f, ok := v.(float64); ok && SchemaType(s) == openapi3.TypeInteger && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return v
}

package pipeline

import "github.com/getkin/kin-openapi/openapi3"

// kin-openapi's VisitAsRequest and VisitAsResponse make every visit of an
// object sort the names of its schema's properties, to look for readOnly
// and writeOnly ones: about a fifth of the cost of visiting a body. Where
// a schema has none that the direction could act on, the direction cannot
// change the result, and the body is visited without it. Which schemas
// those are is worked out once, in New.

// directionFree reports whether kin-openapi's 3.0 validator (the one
// VisitJSON runs without the JSON Schema 2020 option) visits any value
// with s to the same result with the direction as without it, when
// readOnly properties are allowed in a request (DisableReadOnlyValidation)
// and no defaults are set:
//   - as a request, the direction only exempts a readOnly property from
//     "required": free unless the name of a readOnly property anywhere in
//     s is required anywhere in s (allOf may join the two);
//   - as a response, it refuses a writeOnly property and exempts one from
//     "required": free unless s has a writeOnly property.
//
// (The copies it makes of a value before visiting oneOf and anyOf
// branches only guard defaults, which are not set.)
func directionFree(s *openapi3.Schema, asResponse bool) bool {
	readOnly, required := map[string]bool{}, map[string]bool{}
	writeOnly := false
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walkAll := func(refs []*openapi3.SchemaRef) {
		for _, r := range refs {
			walk(r)
		}
	}
	walkMap := func(m openapi3.Schemas) {
		for _, r := range m {
			walk(r)
		}
	}
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		for _, k := range s.Required {
			required[k] = true
		}
		for name, p := range s.Properties {
			if p != nil && p.Value != nil {
				readOnly[name] = readOnly[name] || p.Value.ReadOnly
				writeOnly = writeOnly || p.Value.WriteOnly
			}
		}
		walkMap(s.Properties)
		walkMap(s.PatternProperties)
		walkMap(s.DependentSchemas)
		walkMap(s.Defs)
		walkAll(s.OneOf)
		walkAll(s.AnyOf)
		walkAll(s.AllOf)
		walkAll(s.PrefixItems)
		for _, r := range []*openapi3.SchemaRef{
			s.Not, s.Items, s.AdditionalProperties.Schema, s.Contains, s.PropertyNames,
			s.If, s.Then, s.Else, s.ContentSchema, s.UnevaluatedItems.Schema, s.UnevaluatedProperties.Schema,
		} {
			walk(r)
		}
	}
	walk(&openapi3.SchemaRef{Value: s})
	if asResponse {
		return !writeOnly
	}
	for name := range readOnly {
		if readOnly[name] && required[name] {
			return false
		}
	}
	return true
}

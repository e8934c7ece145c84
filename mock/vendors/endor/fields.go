package endor

import "github.com/getkin/kin-openapi/openapi3"

// isField reports whether path names a field of the objects schema
// describes, as a filter reaches it: by proto names, through lists (a path
// goes on into a list's elements, as spec.dependencies.name does), into
// any key of a map, and anywhere below an object the schema leaves free.
// A path may stop at a message (meta exists).
func isField(s *openapi3.Schema, path []string) bool {
	for _, seg := range path {
		for s != nil && s.Type.Is(openapi3.TypeArray) {
			s = schemaOf(s.Items)
		}
		switch {
		case s == nil:
			return true // a schema that says nothing says no field is missing
		case len(s.Properties) > 0:
			if s = schemaOf(s.Properties[seg]); s == nil {
				return false
			}
		case s.AdditionalProperties.Schema != nil:
			s = schemaOf(s.AdditionalProperties.Schema)
		case s.Type.Is(openapi3.TypeObject) || s.Type.IsEmpty():
			return true // free-form: any field may be there
		default:
			return false // a value has no fields
		}
	}
	return true
}

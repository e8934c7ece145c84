package openapi

import (
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// unknownFields appends a violation for every object property in v that
// schema s does not declare. An object schema with no properties and no
// additionalProperties schema is free-form and takes anything.
func unknownFields(s *openapi3.Schema, v any, path string, out *[]Violation) {
	if s == nil {
		return
	}
	switch val := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			at := k
			if path != "" {
				at = path + "." + k
			}
			switch prop, ap := s.Properties[k], s.AdditionalProperties; {
			case prop != nil:
				unknownFields(prop.Value, val[k], at, out)
			case ap.Schema != nil:
				unknownFields(ap.Schema.Value, val[k], at, out)
			case len(s.Properties) == 0, ap.Has != nil && *ap.Has:
				// free-form object
			default:
				*out = append(*out, Violation{Field: at, Reason: "unknown field"})
			}
		}
	case []any:
		if s.Items == nil {
			return
		}
		for i, item := range val {
			unknownFields(s.Items.Value, item, path+"."+strconv.Itoa(i), out)
		}
	}
}

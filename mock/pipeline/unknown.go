package pipeline

import (
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// unknownFields appends a violation for every object property in v that
// schema s does not declare. An object schema with no properties and no
// additionalProperties schema is free-form and takes anything.
func unknownFields(s *openapi3.Schema, v any, path *fieldPath, out *[]Violation) {
	if s == nil {
		return
	}
	switch val := v.(type) {
	case map[string]any:
		var buf [32]string
		keys := buf[:0]
		for k := range val {
			keys = append(keys, k)
		}
		slices.Sort(keys) // violations in a stable order
		for _, k := range keys {
			at := &fieldPath{parent: path, name: k}
			switch prop, ap := s.Properties[k], s.AdditionalProperties; {
			case prop != nil:
				unknownFields(prop.Value, val[k], at, out)
			case ap.Schema != nil:
				unknownFields(ap.Schema.Value, val[k], at, out)
			case len(s.Properties) == 0, ap.Has != nil && *ap.Has:
				// free-form object
			default:
				*out = append(*out, Violation{Field: at.String(), Reason: "unknown field"})
			}
		}
	case []any:
		if s.Items == nil {
			return
		}
		for i, item := range val {
			unknownFields(s.Items.Value, item, &fieldPath{parent: path, name: strconv.Itoa(i), element: true}, out)
		}
	}
}

// fieldPath is where a value is in a body (meta.tags.0), kept as a chain
// and written out only for a violation.
type fieldPath struct {
	parent  *fieldPath
	name    string
	element bool // a list element: written after a dot even at the top
}

func (p *fieldPath) String() string {
	switch {
	case p == nil:
		return ""
	case p.parent == nil && !p.element:
		return p.name
	}
	return p.parent.String() + "." + p.name
}

package protojson

import (
	"encoding/json"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/internal/protoname"
	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// plan is a schema compiled for the walks, with the compiled validator's
// Node that checks the values it describes: what the walks would
// otherwise work out at each value (the schema's kind, its fields in
// order, its JSON names, its fields' zero values).
type plan struct {
	kind  kind
	check schemacheck.Node
	// whole: the value is checked whole (check.Whole), once its parts are
	// read or written; its parts are not checked on their own.
	whole bool

	// A message's fields, sorted by name (encoding/json's order), and by
	// proto name and by JSON name (where it is not the proto name).
	fields []*field
	byName map[string]*field
	byJSON map[string]*field
	// otherRequired are the names check requires that no field has.
	otherRequired []string

	// elem is a map's values' or a list's items' plan; elemAllowed is
	// false when check allows a map no value at all.
	elem        *plan
	elemAllowed bool

	enum      []any  // an enum's values, number n the n-th
	enumNames string // for a violation
}

// field is a message's field.
type field struct {
	name  string
	index int    // in plan.fields
	key   []byte // "name": as written
	plan  *plan
	// required: the message's check requires the field.
	required bool
	// zero is the field's zero value as EmitUnpopulated writes it, nil
	// for a field it leaves out (a message, a timestamp, a proto3
	// optional field); zeroValid says whether the check passes it.
	zero      []byte
	zeroValid bool
}

// compile makes the plan of s, checked by check.
func compile(s *openapi3.Schema, check schemacheck.Node) *plan {
	return (&compiler{plans: map[planKey]*plan{}}).plan(s, check)
}

type planKey struct {
	s     *openapi3.Schema
	check schemacheck.Node
}

// compiler makes each plan once: a schema may hold itself.
type compiler struct{ plans map[planKey]*plan }

func (c *compiler) plan(s *openapi3.Schema, check schemacheck.Node) *plan {
	key := planKey{s, check}
	if p := c.plans[key]; p != nil {
		return p
	}
	p := &plan{kind: kindOf(s), check: check, whole: check.Whole()}
	c.plans[key] = p
	if p.whole {
		check = schemacheck.Node{} // the parts are checked with the whole
	}
	switch p.kind {
	case kindMessage:
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range s.Properties {
				if !yield(k) {
					return
				}
			}
		})
		p.byName = make(map[string]*field, len(names))
		required := map[string]bool{}
		for _, k := range check.Required() {
			required[k] = true
		}
		for i, name := range names {
			prop := schemaOf(s.Properties[name])
			pc, _ := check.Property(name) // a property the schema declares is allowed
			f := &field{name: name, index: i, key: append(jsonvalue.AppendString(nil, name), ':'), plan: c.plan(prop, pc), required: required[name]}
			delete(required, name)
			if z, ok := zero(prop); ok && !optional(prop) {
				f.zero, _ = jsonvalue.Marshal(z)
				f.zeroValid = pc.Valid(z)
			}
			p.fields = append(p.fields, f)
			p.byName[name] = f
			if j := protoname.JSONName(name); j != name {
				if p.byJSON == nil {
					p.byJSON = map[string]*field{}
				}
				if p.byJSON[j] == nil { // two names with one JSON name: the first
					p.byJSON[j] = f
				}
			}
		}
		for _, k := range check.Required() {
			if required[k] {
				p.otherRequired = append(p.otherRequired, k)
			}
		}
	case kindMap:
		var ec schemacheck.Node
		ec, p.elemAllowed = check.Property("") // a map's schema has no properties: any key is alike
		p.elem = c.plan(schemaOf(s.AdditionalProperties.Schema), ec)
	case kindList:
		p.elem = c.plan(schemaOf(s.Items), check.Items())
	case kindEnum:
		p.enum, p.enumNames = s.Enum, enumNames(s)
	}
	return p
}

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// zero is the value protojson writes for an unpopulated field of schema s,
// and false for a field it would write as null (a message, a timestamp).
func zero(s *openapi3.Schema) (any, bool) {
	switch kindOf(s) {
	case kindMap:
		return map[string]any{}, true
	case kindList:
		return []any{}, true
	case kindEnum:
		return s.Enum[0], true
	case kindString:
		return "", true
	case kindBool:
		return false, true
	case kindNumber:
		return json.Number("0"), true
	}
	return nil, false
}

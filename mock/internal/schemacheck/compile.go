package schemacheck

import (
	"errors"
	"fmt"
	"math"

	"github.com/getkin/kin-openapi/openapi3"
)

// compiler compiles the schemas of one Mode, each once.
type compiler struct {
	mode  Mode
	nodes map[*openapi3.Schema]*node
	// formats are the checks of the formats met so far, by name.
	formats formats
}

func newCompiler(mode Mode) *compiler {
	return &compiler{mode: mode, nodes: make(map[*openapi3.Schema]*node), formats: make(formats)}
}

// chain is the schemas a schema is being compiled under for the same
// value (through not, oneOf, anyOf, allOf): a schema met again on it
// would be a cycle, which kin-openapi cuts short where this cannot.
type chain struct {
	s  *openapi3.Schema
	up *chain
}

func (c *chain) has(s *openapi3.Schema) bool {
	for ; c != nil; c = c.up {
		if c.s == s {
			return true
		}
	}
	return false
}

func (c *compiler) ref(r *openapi3.SchemaRef, what string, under *chain) (*node, error) {
	if r == nil || r.Value == nil {
		return nil, fmt.Errorf("%s: unresolved reference", what)
	}
	n, err := c.compile(r.Value, under)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

func (c *compiler) refs(rs openapi3.SchemaRefs, what string, under *chain) ([]*node, error) {
	var out []*node
	for i, r := range rs {
		n, err := c.ref(r, fmt.Sprintf("%s[%d]", what, i), under)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// compile compiles s; under is the chain s is visited under for the same
// value (nil when s is visited on a value of its own: a property, an item).
func (c *compiler) compile(s *openapi3.Schema, under *chain) (*node, error) {
	if under.has(s) {
		return nil, errors.New("a schema that applies to a value through itself (not, oneOf, anyOf, allOf)")
	}
	if n := c.nodes[s]; n != nil {
		return n, nil
	}
	if err := unsupported(s); err != nil {
		return nil, err
	}
	n := &node{dir: c.mode.Direction, permitsNull: s.Nullable || s.Type.IncludesNull(), empty: s.IsEmpty()}
	c.nodes[s] = n // before the subschemas: a schema may hold itself in a property
	if s.Always != nil {
		n.always = -1
		if *s.Always {
			n.always = 1
		}
	}
	same := &chain{s: s, up: under}
	var err error
	if s.Not != nil {
		if n.not, err = c.ref(s.Not, "not", same); err != nil {
			return nil, err
		}
	}
	if n.oneOf, err = c.refs(s.OneOf, "oneOf", same); err != nil {
		return nil, err
	}
	if n.anyOf, err = c.refs(s.AnyOf, "anyOf", same); err != nil {
		return nil, err
	}
	if n.allOf, err = c.refs(s.AllOf, "allOf", same); err != nil {
		return nil, err
	}
	for _, e := range s.Enum {
		if err := enumValue(e); err != nil {
			return nil, err
		}
	}
	n.enum = s.Enum

	for _, t := range []struct {
		name string
		bit  typeSet
	}{
		{openapi3.TypeBoolean, tBoolean}, {openapi3.TypeInteger, tInteger}, {openapi3.TypeNumber, tNumber},
		{openapi3.TypeString, tString}, {openapi3.TypeArray, tArray}, {openapi3.TypeObject, tObject},
	} {
		if s.Type.Permits(t.name) {
			n.types |= t.bit
		}
	}
	n.requireInteger = n.types&tInteger != 0 && n.types&tNumber == 0

	c.numbers(n, s)
	if err := c.strings(n, s); err != nil {
		return nil, err
	}
	if err := c.arrays(n, s); err != nil {
		return nil, err
	}
	if err := c.objects(n, s); err != nil {
		return nil, err
	}
	return n, nil
}

// unsupported names what s asks of a value that kin-openapi checks and
// compile does not mirror.
func unsupported(s *openapi3.Schema) error {
	switch {
	case s.MultipleOf != nil:
		return errors.New("multipleOf")
	case s.UniqueItems:
		return errors.New("uniqueItems")
	case s.Discriminator != nil && (len(s.OneOf) > 0 || len(s.AnyOf) > 0):
		return errors.New("discriminator")
	case len(s.PrefixItems) > 0:
		return errors.New("prefixItems")
	case s.MinLength > math.MaxInt64, s.MaxLength != nil && *s.MaxLength > math.MaxInt64,
		s.MinItems > math.MaxInt64, s.MaxItems != nil && *s.MaxItems > math.MaxInt64,
		s.MinProps > math.MaxInt64, s.MaxProps != nil && *s.MaxProps > math.MaxInt64:
		return errors.New("a bound beyond int64")
	}
	return nil
}

func (c *compiler) numbers(n *node, s *openapi3.Schema) {
	if s.Format != "" {
		if n.requireInteger {
			n.intFormat = c.formats.integer(s.Format)
		} else {
			n.numFormat = c.formats.number(s.Format)
		}
	}
	// OpenAPI 3.1's exclusive bounds are numbers; 3.0's modify minimum and maximum.
	if eb := s.ExclusiveMin; eb.Value != nil {
		n.exclMin, n.exclMinV = true, *eb.Value
	} else if eb.Bool != nil && *eb.Bool && s.Min != nil {
		n.exclMin, n.exclMinV = true, *s.Min
	}
	if eb := s.ExclusiveMax; eb.Value != nil {
		n.exclMax, n.exclMaxV = true, *eb.Value
	} else if eb.Bool != nil && *eb.Bool && s.Max != nil {
		n.exclMax, n.exclMaxV = true, *s.Max
	}
	if s.Min != nil {
		n.hasMin, n.min = true, *s.Min
	}
	if s.Max != nil {
		n.hasMax, n.max = true, *s.Max
	}
}

func (c *compiler) strings(n *node, s *openapi3.Schema) error {
	n.minLength = s.MinLength
	if s.MaxLength != nil {
		n.hasMaxLength, n.maxLength = true, *s.MaxLength
	}
	if s.Pattern != "" {
		var err error
		if n.pattern, err = pattern(s.Pattern); err != nil {
			return fmt.Errorf("pattern %q: %w", s.Pattern, err)
		}
	}
	if s.Format != "" {
		n.strFormat = c.formats.string(s.Format)
	}
	return nil
}

func (c *compiler) arrays(n *node, s *openapi3.Schema) error {
	n.minItems = s.MinItems
	if s.MaxItems != nil {
		n.hasMaxItems, n.maxItems = true, *s.MaxItems
	}
	if s.Items != nil {
		var err error
		if n.items, err = c.ref(s.Items, "items", nil); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) objects(n *node, s *openapi3.Schema) error {
	n.minProps = s.MinProps
	if s.MaxProps != nil {
		n.hasMaxProps, n.maxProps = true, *s.MaxProps
	}
	n.declaresProps = len(s.Properties) > 0
	if n.declaresProps {
		n.props = make(map[string]*node, len(s.Properties))
	}
	for name, r := range s.Properties {
		p, err := c.ref(r, "properties."+name, nil)
		if err != nil {
			return err
		}
		n.props[name] = p
		v := r.Value
		if c.mode.Direction == Request && v.ReadOnly && !c.mode.ReadOnlyAllowed ||
			c.mode.Direction == Response && v.WriteOnly {
			n.forbidden = append(n.forbidden, name)
		}
	}
	ap := s.AdditionalProperties
	n.apAllowed = ap.Has == nil || *ap.Has
	n.apTrue = ap.Has != nil && *ap.Has
	if ap.Schema != nil {
		// kin-openapi visits additional properties with the schema only
		// when they are allowed; the unknown-field rule takes the schema
		// either way.
		if ap.Schema.Value == nil {
			return errors.New("additionalProperties: unresolved reference")
		}
		var err error
		if n.ap, err = c.compile(ap.Schema.Value, nil); err != nil {
			return fmt.Errorf("additionalProperties: %w", err)
		}
	}
	n.required = s.Required
	if c.mode.Direction != Free {
		n.dirNames = make(map[string]struct{})
		c.directionNames(s, n.dirNames, map[*openapi3.Schema]bool{})
	}
	for _, k := range n.required {
		if !n.exempt(k, nil) {
			n.mustHave = append(n.mustHave, k)
		}
	}
	return nil
}

// directionNames adds the properties s and its allOf, to any depth,
// declare readOnly (as a request) or writeOnly (as a response):
// kin-openapi's declaresReadOnlyOrWriteOnly.
func (c *compiler) directionNames(s *openapi3.Schema, names map[string]struct{}, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for name, r := range s.Properties {
		if r == nil || r.Value == nil {
			continue
		}
		if c.mode.Direction == Request && r.Value.ReadOnly || c.mode.Direction == Response && r.Value.WriteOnly {
			names[name] = struct{}{}
		}
	}
	for _, r := range s.AllOf {
		if r != nil {
			c.directionNames(r.Value, names, seen)
		}
	}
}

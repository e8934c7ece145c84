package schemacheck

// Node is one schema of a compiled Schema, for a codec that checks a value
// as it walks it (mock/vendors/endor/protojson reads and writes a body
// that way), rather than walking it again to check it: a Node checks a
// container's own rules (Object, Array), and gives the Nodes of its
// properties and items, which check their values as the codec reaches
// them. Checked piece by piece, a value gets the verdict Valid gives it
// whole; where that is not so (Whole), the codec checks the value whole.
//
// The zero Node takes any value: it is what a property no schema
// describes gets.
type Node struct {
	n      *node
	strict bool // the unknown-field rule applies to this value
}

// Root is the Node of the schema s was compiled from.
func (s *Schema) Root() Node { return Node{n: s.root, strict: s.rejectUnknown} }

// Valid reports whether v passes the Node's schema, whole: what
// Schema.Valid says of it at this place.
func (n Node) Valid(v any) bool {
	if n.n == nil {
		return true
	}
	return n.n.valid(v, nil, n.strict)
}

// Whole reports whether an object or an array must be checked whole
// (Valid) rather than piece by piece: its schema composes others (not,
// oneOf, anyOf, allOf), which apply to the value and its parts together,
// forbids properties in its direction (readOnly in a request, writeOnly
// in a response), or lists an enum. A scalar is always checked whole.
func (n Node) Whole() bool {
	x := n.n
	return x != nil && (x.not != nil || len(x.oneOf) > 0 || len(x.anyOf) > 0 || len(x.allOf) > 0 ||
		len(x.forbidden) > 0 || len(x.enum) > 0)
}

// free reports whether the schema takes any value without looking into it
// (the zero Node, true, the empty schema), or none (false): its parts are
// then not checked.
func (n Node) free() bool { x := n.n; return x == nil || x.always != 0 || x.empty }

// Object reports whether an object with count properties passes the
// Node's own rules: its type and its bounds on properties. Required says
// which properties it must have; each property's value is its Property's
// to check. Not for a Whole Node.
func (n Node) Object(count int) bool {
	x := n.n
	switch {
	case x == nil || x.always > 0 || x.empty:
		return true
	case x.always < 0 || x.types&tObject == 0:
		return false
	}
	l := uint64(count)
	return !(x.minProps != 0 && l < x.minProps || x.hasMaxProps && l > x.maxProps)
}

// Required are the properties an object must have for the Node: its
// required ones, but those its direction exempts (readOnly in a request,
// writeOnly in a response).
func (n Node) Required() []string {
	if n.free() {
		return nil
	}
	return n.n.mustHave
}

// Property returns the Node that checks the value of the property name of
// an object, and false when the object may not have it (additional
// properties not allowed, or an unknown field where the unknown-field
// rule applies).
func (n Node) Property(name string) (Node, bool) {
	if n.free() {
		return Node{}, true
	}
	x := n.n
	if p := x.props[name]; p != nil {
		return Node{n: p, strict: n.strict}, true
	}
	switch {
	case !x.apAllowed:
		return Node{}, false
	case x.ap != nil:
		return Node{n: x.ap, strict: n.strict}, true
	case n.strict && x.declaresProps && !x.apTrue:
		return Node{}, false
	}
	return Node{}, true
}

// Array reports whether an array of length items passes the Node's own
// rules: its type and its bounds on items. Not for a Whole Node.
func (n Node) Array(length int) bool {
	x := n.n
	switch {
	case x == nil || x.always > 0 || x.empty:
		return true
	case x.always < 0 || x.types&tArray == 0:
		return false
	}
	l := uint64(length)
	return !(x.minItems != 0 && l < x.minItems || x.hasMaxItems && l > x.maxItems)
}

// Items returns the Node that checks each item of an array.
func (n Node) Items() Node {
	if n.free() || n.n.items == nil {
		return Node{}
	}
	return Node{n: n.n.items, strict: n.strict}
}

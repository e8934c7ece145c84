package protojson

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// writer writes an answer in one walk, as jsonvalue.Marshal would write
// the value the marshaler makes of it (each object's keys in byte order),
// and checks what it writes with each value's plan's check (unless
// checked is false: kin-openapi checks the answer then).
//
// full is grpc-gateway's default marshaler (EmitUnpopulated): every
// message present gets the fields it lacks, with their zero values.
// Assumption: a message field that is not set is left out, where
// protojson writes null, because the vendor's published schema does not
// allow null; for the same reason a timestamp that is not set is left out.
// compact is its jsoncompact marshaler, which leaves out what is not set,
// as prep reads it.
type writer struct {
	dst            []byte
	checked, valid bool
}

func (w *writer) checking() bool { return w.checked && w.valid }

func (w *writer) judge(check schemacheck.Node, v any) {
	if w.checking() && !check.Valid(v) {
		w.valid = false
	}
}

// leaf writes v as it is, and checks it.
func (w *writer) leaf(check schemacheck.Node, v any) error {
	if s, ok := v.(string); ok {
		w.dst = jsonvalue.AppendString(w.dst, s)
	} else {
		out, err := jsonvalue.Append(w.dst, v)
		if err != nil {
			return err
		}
		w.dst = out
	}
	w.judge(check, v)
	return nil
}

// whole checks, whole, what was written from start on: a value of a plan
// that is checked whole (a schema that composes others, or that forbids
// properties in this direction). Read back, what was written is the
// value kin-openapi would see.
func (w *writer) whole(p *plan, start int) {
	if !w.checking() {
		return
	}
	v, err := jsonvalue.Decode(context.Background(), w.dst[start:])
	w.valid = err == nil && p.check.Valid(v)
}

// comma separates an object's members and an array's items.
func (w *writer) comma(n int) {
	if n > 0 {
		w.dst = append(w.dst, ',')
	}
}

// member writes a key that is no field of the message, and its value,
// checked by what the message's check says of that key.
func (w *writer) member(p *plan, n int, k string, v any) error {
	w.comma(n)
	w.dst = append(jsonvalue.AppendString(w.dst, k), ':')
	c, ok := p.check.Property(k)
	if !ok && w.checking() {
		w.valid = false
	}
	return w.leaf(c, v)
}

// object checks a message's or a map's own rules: its count members
// are checked.
func (w *writer) object(p *plan, start, count int) bool {
	if !w.checking() {
		return false
	}
	if p.whole {
		w.whole(p, start)
		return false
	}
	if !p.check.Object(count) {
		w.valid = false
		return false
	}
	return true
}

// full writes v as the default marshaler does.
func (w *writer) full(p *plan, v any) error {
	switch p.kind {
	case kindMessage:
		if m, ok := v.(map[string]any); ok && m != nil {
			return w.fullMessage(p, m)
		}
	case kindMap:
		if m, ok := v.(map[string]any); ok && m != nil {
			return w.fullMap(p, m)
		}
	case kindList:
		if a, ok := v.([]any); ok && a != nil {
			return w.fullList(p, a)
		}
	case kindTimestamp:
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				v = FormatTimestamp(t)
			}
		}
	}
	return w.leaf(p.check, v)
}

func (w *writer) fullMessage(p *plan, m map[string]any) error {
	start, valid := len(w.dst), w.valid
	// Most messages hold no key that is no field: they are written in
	// their fields' order at once; one that does is written again, its
	// other keys in their places.
	n, fields, err := w.fullMembers(p, m, nil)
	if err == nil && fields < len(m) {
		w.dst, w.valid = w.dst[:start], valid
		var buf [8]string
		others := buf[:0]
		for k := range m {
			if p.byName[k] == nil {
				others = append(others, k)
			}
		}
		slices.Sort(others)
		n, _, err = w.fullMembers(p, m, others)
	}
	if err != nil {
		return err
	}
	if w.object(p, start, n) {
		for _, k := range p.otherRequired {
			if _, ok := m[k]; !ok {
				w.valid = false
			}
		}
	}
	return nil
}

// fullMembers writes m's fields, and the keys others (sorted) in their
// places among them, and says how many members it wrote, and how many of
// m's keys are fields.
func (w *writer) fullMembers(p *plan, m map[string]any, others []string) (n, fields int, err error) {
	w.dst = append(w.dst, '{')
	for _, f := range p.fields {
		for len(others) > 0 && others[0] < f.name {
			if err := w.member(p, n, others[0], m[others[0]]); err != nil {
				return 0, 0, err
			}
			others, n = others[1:], n+1
		}
		switch cur, ok := m[f.name]; {
		case ok:
			w.comma(n)
			w.dst = append(w.dst, f.key...)
			if err := w.full(f.plan, cur); err != nil {
				return 0, 0, err
			}
			n, fields = n+1, fields+1
		case f.zero != nil:
			w.comma(n)
			w.dst = append(append(w.dst, f.key...), f.zero...)
			n++
			if !f.zeroValid && w.checking() {
				w.valid = false
			}
		case f.required && w.checking():
			w.valid = false
		}
	}
	for _, k := range others {
		if err := w.member(p, n, k, m[k]); err != nil {
			return 0, 0, err
		}
		n++
	}
	w.dst = append(w.dst, '}')
	return n, fields, nil
}

func (w *writer) fullMap(p *plan, m map[string]any) error {
	start := len(w.dst)
	var buf [32]string
	w.dst = append(w.dst, '{')
	for i, k := range sortedKeys(buf[:0], m) {
		w.comma(i)
		w.dst = append(jsonvalue.AppendString(w.dst, k), ':')
		if err := w.full(p.elem, m[k]); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, '}')
	w.mapChecks(p, m, start)
	return nil
}

// mapChecks checks a map's own rules, its values checked.
func (w *writer) mapChecks(p *plan, m map[string]any, start int) {
	if len(m) > 0 && !p.elemAllowed && w.checking() {
		w.valid = false
	}
	if w.object(p, start, len(m)) {
		for _, k := range p.check.Required() {
			if _, ok := m[k]; !ok {
				w.valid = false
			}
		}
	}
}

func (w *writer) fullList(p *plan, a []any) error {
	start := len(w.dst)
	w.dst = append(w.dst, '[')
	for i, e := range a {
		w.comma(i)
		if err := w.full(p.elem, e); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, ']')
	w.listChecks(p, len(a), start)
	return nil
}

func (w *writer) listChecks(p *plan, n, start int) {
	switch {
	case !w.checking():
	case p.whole:
		w.whole(p, start)
	case !p.check.Array(n):
		w.valid = false
	}
}

// compactBody writes v as the compact marshaler does: {} when it is not
// set at all.
func (w *writer) compactBody(p *plan, v any) error {
	out, set := compactPrep(p, v, true)
	if !set {
		w.dst = append(w.dst, "{}"...)
		w.judge(p.check, map[string]any{})
		return nil
	}
	return w.compact(p, out)
}

// compactPrep is prep for any value: whether it is set, and, when it is
// not a message, a map or a list, what it is written as.
func compactPrep(p *plan, v any, field bool) (any, bool) {
	if v == nil {
		return nil, false
	}
	switch p.kind {
	case kindMessage:
		return v, true
	case kindMap:
		if m, ok := v.(map[string]any); ok && len(m) == 0 {
			return v, !field
		}
		return v, true
	case kindList:
		if a, ok := v.([]any); ok && len(a) == 0 {
			return v, !field
		}
		return v, true
	}
	return prep(p, v, field, nil)
}

// compact writes a set value, prepared, as the compact marshaler does.
func (w *writer) compact(p *plan, v any) error {
	switch p.kind {
	case kindMessage:
		if m, ok := v.(map[string]any); ok {
			return w.compactMessage(p, m)
		}
	case kindMap:
		if m, ok := v.(map[string]any); ok && m != nil {
			return w.compactMap(p, m)
		}
	case kindList:
		if a, ok := v.([]any); ok && a != nil {
			return w.compactList(p, a)
		}
	}
	return w.leaf(p.check, v)
}

// entry is a member of a message as the compact marshaler reads it: key
// as given, name as read (the proto name of a JSON name).
type entry struct {
	name, key string
	f         *field
}

func (w *writer) compactMessage(p *plan, m map[string]any) error {
	start := len(w.dst)
	var kbuf [32]string
	var ebuf [32]entry
	entries, renamed := ebuf[:0], false
	for _, k := range sortedKeys(kbuf[:0], m) {
		f, name := p.byName[k], k
		if f == nil && p.byJSON != nil {
			if f = p.byJSON[k]; f != nil {
				if _, both := m[f.name]; both {
					continue // the field is read by its proto name
				}
				name, renamed = f.name, true
			}
		}
		entries = append(entries, entry{name, k, f})
	}
	if renamed {
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	}
	w.dst = append(w.dst, '{')
	n, required := 0, 0
	for _, e := range entries {
		if e.f == nil {
			if err := w.member(p, n, e.key, m[e.key]); err != nil {
				return err
			}
			n++
			continue
		}
		nv, set := compactPrep(e.f.plan, m[e.key], true)
		if !set {
			continue
		}
		w.comma(n)
		w.dst = append(w.dst, e.f.key...)
		if err := w.compact(e.f.plan, nv); err != nil {
			return err
		}
		n++
		if e.f.required {
			required++
		}
	}
	w.dst = append(w.dst, '}')
	if w.object(p, start, n) {
		for _, f := range p.fields {
			if f.required {
				required--
			}
		}
		if required != 0 {
			w.valid = false
		}
		for _, k := range p.otherRequired {
			if _, ok := m[k]; !ok || p.byJSON[k] != nil {
				w.valid = false
			}
		}
	}
	return nil
}

func (w *writer) compactMap(p *plan, m map[string]any) error {
	start := len(w.dst)
	var buf [32]string
	w.dst = append(w.dst, '{')
	for i, k := range sortedKeys(buf[:0], m) {
		w.comma(i)
		w.dst = append(jsonvalue.AppendString(w.dst, k), ':')
		if err := w.compactItem(p.elem, m[k]); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, '}')
	w.mapChecks(p, m, start)
	return nil
}

func (w *writer) compactList(p *plan, a []any) error {
	start := len(w.dst)
	w.dst = append(w.dst, '[')
	for i, e := range a {
		w.comma(i)
		if err := w.compactItem(p.elem, e); err != nil {
			return err
		}
	}
	w.dst = append(w.dst, ']')
	w.listChecks(p, len(a), start)
	return nil
}

// compactItem writes a map's value or a list's item, which is always set.
func (w *writer) compactItem(p *plan, v any) error {
	nv, _ := compactPrep(p, v, false)
	if nv == nil {
		nv = v
	}
	return w.compact(p, nv)
}

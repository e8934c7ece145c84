package protojson

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/repomock/repomock/mock/internal/schemacheck"
	"github.com/repomock/repomock/mock/pipeline"
)

// reader reads a request body in one walk: it reads each value as
// protojson does (prep), notes what protojson refuses, and checks each
// value as it leaves it, with its plan's check (unless checked is
// false: kin-openapi checks the body then).
type reader struct {
	checked, valid bool
	violations     []pipeline.Violation
	// The path, for a violation: depth steps, the first in near (so that
	// a walk allocates nothing for it), the rest in far.
	depth int
	near  [16]step
	far   []step
}

// step is a field's or a map key's name, or a list item's index (name "").
type step struct {
	name  string
	index int
}

func (r *reader) push(s step) {
	if r.depth < len(r.near) {
		r.near[r.depth] = s
	} else {
		r.far = append(r.far, s)
	}
	r.depth++
}

func (r *reader) pop() {
	if r.depth--; r.depth >= len(r.near) {
		r.far = r.far[:len(r.far)-1]
	}
}

func (r *reader) field(name string) { r.push(step{name: name, index: -1}) }
func (r *reader) item(i int)        { r.push(step{index: i}) }

func (r *reader) step(i int) step {
	if i < len(r.near) {
		return r.near[i]
	}
	return r.far[i-len(r.near)]
}

// at writes the path, and then name when given: meta.tags.0.
func (r *reader) at(name string) string {
	var b strings.Builder
	for i := range r.depth {
		s := r.step(i)
		if i > 0 {
			b.WriteByte('.')
		}
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(s.name)
		}
	}
	if name != "" {
		if r.depth > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
	}
	return b.String()
}

// fail notes what protojson refuses at the path. A nil reader (a writer's
// reading) notes nothing.
func (r *reader) fail(format string, args ...any) {
	if r != nil {
		r.violations = append(r.violations, pipeline.Violation{Field: r.at(""), Reason: fmt.Sprintf(format, args...)})
	}
}

func (r *reader) checking() bool { return r.checked && r.valid }

// judge checks v whole.
func (r *reader) judge(check schemacheck.Node, v any) {
	if r.checking() && !check.Valid(v) {
		r.valid = false
	}
}

// value returns v as protojson reads it, and whether the field is set. A
// field (field is true) holding its zero value is not set; an element of a
// list or a value of a map always is. What is set is checked.
func (r *reader) value(p *plan, v any, field bool) (any, bool) {
	if v == nil {
		if !field {
			r.judge(p.check, nil) // an element stays null
		}
		return nil, false
	}
	switch p.kind {
	case kindMessage:
		if m, ok := v.(map[string]any); ok {
			return r.message(p, m), true // a message that is present is set, even when empty
		}
	case kindMap:
		if m, ok := v.(map[string]any); ok {
			return r.mapValues(p, m, field)
		}
	case kindList:
		if a, ok := v.([]any); ok {
			return r.list(p, a, field)
		}
	}
	out, set := prep(p, v, field, r)
	if set {
		r.judge(p.check, out)
	}
	return out, set
}

// message reads m in place: a field given by its JSON name is renamed, an
// unset field dropped.
func (r *reader) message(p *plan, m map[string]any) map[string]any {
	var kbuf, gbuf [32]string
	// gone are the keys to drop once every key is read: whether a field is
	// also given by its JSON name is looked up in m as it came.
	gone := gbuf[:0]
	for _, k := range sortedKeys(kbuf[:0], m) {
		f, name := p.byName[k], k
		if f == nil && p.byJSON != nil {
			if f = p.byJSON[k]; f != nil {
				name = f.name
				gone = append(gone, k)
				if _, both := m[name]; both {
					given := r.at(name)
					r.field(k)
					r.fail("is the JSON name of %s, which is given too: a field may be given once", given)
					r.pop()
					continue
				}
			}
		}
		if f == nil {
			// Unknown: its check says whether it may be here.
			if r.checking() {
				if c, ok := p.check.Property(k); !ok || !c.Valid(m[k]) {
					r.valid = false
				}
			}
			continue
		}
		r.field(name)
		nv, set := r.value(f.plan, m[k], true)
		r.pop()
		switch {
		case set:
			m[name] = nv
		case name == k:
			gone = append(gone, k)
		}
	}
	for _, k := range gone {
		delete(m, k)
	}
	r.object(p, m)
	return m
}

// object checks a message's or a map's own rules, its values checked.
func (r *reader) object(p *plan, m map[string]any) {
	if !r.checking() {
		return
	}
	if p.whole {
		r.valid = p.check.Valid(m)
		return
	}
	if !p.check.Object(len(m)) {
		r.valid = false
		return
	}
	for _, k := range p.check.Required() {
		if _, ok := m[k]; !ok {
			r.valid = false
			return
		}
	}
}

func (r *reader) mapValues(p *plan, m map[string]any, field bool) (any, bool) {
	if len(m) == 0 {
		if field {
			return m, false
		}
		r.object(p, m)
		return m, true
	}
	if !p.elemAllowed {
		r.valid = false
	}
	for k, e := range m {
		r.field(k)
		if nv, _ := r.value(p.elem, e, false); nv != nil {
			m[k] = nv
		}
		r.pop()
	}
	r.object(p, m)
	return m, true
}

func (r *reader) list(p *plan, a []any, field bool) (any, bool) {
	if len(a) == 0 && field {
		return a, false
	}
	for i, e := range a {
		r.item(i)
		if nv, _ := r.value(p.elem, e, false); nv != nil {
			a[i] = nv
		}
		r.pop()
	}
	if r.checking() {
		if p.whole {
			r.valid = p.check.Valid(a)
		} else {
			r.valid = p.check.Array(len(a))
		}
	}
	return a, true
}

// prep reads a value that is not a message, a map or a list (or is not
// one where its schema says it is) as protojson does, and says whether it
// is set: an enum's number is its name, a timestamp is in UTC, a field's
// zero value is unset. What protojson refuses goes to r (nil: nowhere);
// the value is then left as it is.
func prep(p *plan, v any, field bool, r *reader) (any, bool) {
	switch p.kind {
	case kindEnum:
		if num, ok := numberText(v); ok {
			i, err := strconv.Atoi(num)
			if err != nil || i < 0 || i >= len(p.enum) {
				r.fail("%s is not a number of this enum: must be 0 to %d, or a name (%s)", num, len(p.enum)-1, p.enumNames)
				return v, true
			}
			v = p.enum[i]
		}
		if field && v == p.enum[0] {
			return nil, false // the zero enum is unset
		}
	case kindTimestamp:
		str, ok := v.(string)
		switch {
		case !ok:
		case str == "":
			if field {
				return nil, false
			}
		default:
			t, err := time.Parse(time.RFC3339Nano, str)
			if err != nil {
				break // the check names the bad date
			}
			// time.Parse cuts what a nanosecond cannot hold; protojson refuses it.
			if digits := fractionalDigits(str); digits > 9 {
				r.fail("%q has %d fractional digits: a timestamp holds 9 at most (nanoseconds)", str, digits)
				break
			}
			return FormatTimestamp(t), true
		}
	case kindString:
		return v, !field || v != ""
	case kindBool:
		return v, !field || v != false
	case kindNumber:
		if num, ok := numberText(v); ok && field {
			if f, err := strconv.ParseFloat(num, 64); err == nil && f == 0 {
				return nil, false
			}
		}
	}
	return v, true
}

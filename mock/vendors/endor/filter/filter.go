package filter

// This file implements the list_parameters.filter language of the Endor Labs
// REST API, as documented at
// https://docs.endorlabs.com/rest-api/using-the-rest-api/filters/ :
//
//	filter    := [ or ]                      empty or blank: matches everything
//	or        := and { "or" and }
//	and       := primary { "and" primary }   ("and" binds tighter than "or")
//	primary   := "(" or ")" | condition
//	condition := path ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) value
//	           | path [ "not" ] "in" list
//	           | path [ "not" ] "contains" ( list | value )
//	           | path "matches" value          (Go regexp, unanchored)
//	           | path [ "not" ] "exists"
//	path      := segment { "." segment }      segment := [A-Za-z0-9_-]+
//	list      := "[" value { "," value } "]"
//	value     := "double quoted" | 'single quoted' | bare
//	           | "date(" YYYY-MM-DD | RFC 3339 ")" | "now(" [ Go duration ] ")"
//
// Keywords (and, or, not, in, contains, matches, exists) may be written in
// any case: the vendor's SDK joins clauses with " AND " (vendors.md §7).
// A path that goes through an array visits every element (the vendor's
// "spec.dependencies.name" example), and a condition holds when any value
// reached satisfies it.
//
// Values are typed, as in the vendor's store: a time.Time in the document
// (the store's view holds the object's date-time fields so) is a time, and
// compares only with date() and now(); a string is a string. A comparison
// across types matches nothing, with no error: so `meta.create_time >
// "2026-01-01T00:00:00Z"` matches nothing, as Endor's SDK notes say a bare
// ISO string "often returns empty results" (vendors.md §6).

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// maxNesting bounds parenthesis depth, so hostile input cannot recurse deeply.
	maxNesting = 32
	// maxPathSegments bounds the length of one dot path.
	maxPathSegments = 64
	// maxTokenShown bounds how much of a bad token is quoted in an error.
	maxTokenShown = 32
)

// Filter is a compiled list_parameters.filter expression. The zero value is not usable; an empty or all-whitespace expression parses to a Filter that matches everything.
type Filter struct {
	root node
}

// Parse compiles expr. Errors are short and say where: e.g. `unexpected ")" at offset 12`, `unknown operator "=~" at offset 9`, `unterminated string at offset 4`, `invalid regular expression "(": ...`. No panics on any input (it will be fuzzed).
func Parse(expr string) (*Filter, error) {
	p := &parser{src: expr}
	p.skipSpace()
	if p.eof() {
		return &Filter{root: matchAll{}}, nil
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.unexpected(p.pos, `"and", "or" or end of filter`)
	}
	return &Filter{root: root}, nil
}

// Match reports whether the object's JSON tree satisfies the filter, with
// now() read from the wall clock.
func (f *Filter) Match(doc map[string]any) bool { return f.MatchAt(doc, time.Now()) }

// MatchAt reports whether the object's JSON tree satisfies the filter, with
// now() meaning now: a fake passes its clock's time, read once per list.
func (f *Filter) MatchAt(doc map[string]any, now time.Time) bool {
	if f == nil || f.root == nil {
		return false // the zero Filter is not a compiled filter; it matches nothing
	}
	return f.root.eval(doc, now)
}

// BadPath returns the first path of the filter, in the order written,
// that isField refuses, or "".
func (f *Filter) BadPath(isField func(path []string) bool) string {
	var walk func(n node) string
	walk = func(n node) string {
		var kids []node
		switch t := n.(type) {
		case *condition:
			if !isField(t.path) {
				return strings.Join(t.path, ".")
			}
		case andNode:
			kids = t
		case orNode:
			kids = t
		}
		for _, k := range kids {
			if bad := walk(k); bad != "" {
				return bad
			}
		}
		return ""
	}
	return walk(f.root)
}

// ---------------------------------------------------------------------------
// Evaluation

type node interface {
	eval(doc map[string]any, now time.Time) bool
}

type matchAll struct{}

func (matchAll) eval(map[string]any, time.Time) bool { return true }

type andNode []node

func (n andNode) eval(doc map[string]any, now time.Time) bool {
	for _, k := range n {
		if !k.eval(doc, now) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) eval(doc map[string]any, now time.Time) bool {
	for _, k := range n {
		if k.eval(doc, now) {
			return true
		}
	}
	return false
}

type operator uint8

const (
	opEq operator = iota
	opLt
	opLe
	opGt
	opGe
	opIn
	opContains
	opMatches
	opExists
)

// condition is one "path operator value" condition. Negated operators (!=, not in,
// not contains, not exists) are the plain operator with neg set: they hold
// exactly when the plain operator does not. So `!=`, `not in` and
// `not contains` are true on a missing path — assumption: the vendor says a
// missing field "can't be equal to anything", and MongoDB's $ne/$nin, which
// that wording mirrors, match documents without the field.
type condition struct {
	path []string
	op   operator
	neg  bool
	vals []operand
	re   *regexp.Regexp
}

func (c *condition) eval(doc map[string]any, now time.Time) bool {
	return c.walk(doc, c.path, false, now) != c.neg
}

// walk resolves path from v, fanning out over arrays, and reports whether any
// value reached satisfies the operator. viaArray records that an array was
// crossed on the way: `contains` applies only to what lists hold.
func (c *condition) walk(v any, path []string, viaArray bool, now time.Time) bool {
	for len(path) > 0 {
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[path[0]]
			if !ok {
				return false
			}
			v, path = next, path[1:]
		case []any:
			for _, e := range t {
				if c.walk(e, path, true, now) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return c.test(v, viaArray, now)
}

// test applies the operator to one resolved value.
func (c *condition) test(v any, viaArray bool, now time.Time) bool {
	if c.op == opExists {
		// Assumption from the vendor's "this also covers {}, [], etc.": null,
		// empty objects and empty arrays do not exist; "" , 0 and false do.
		switch t := v.(type) {
		case nil:
			return false
		case map[string]any:
			return len(t) > 0
		case []any:
			return len(t) > 0
		}
		return true
	}
	if arr, ok := v.([]any); ok {
		// Assumption: a path landing on an array satisfies a comparison when
		// any element does (`meta.tags == a` is true for ["a","b"]).
		for _, e := range arr {
			if c.test(e, true, now) {
				return true
			}
		}
		return false
	}
	switch c.op {
	case opEq, opIn:
		return c.anyEqual(v, now)
	case opContains:
		// The docs: contains "matches objects where a specified list
		// contains one or more specified values". On a scalar it matches
		// nothing, with no error: Endor's SDK notes say `meta.name contains
		// "x"` "often returns zero rows with no error" (vendors.md §6).
		return viaArray && c.anyEqual(v, now)
	case opMatches:
		s, ok := v.(string) // assumption: only string values can match a regex
		return ok && c.re.MatchString(s)
	case opLt, opLe, opGt, opGe:
		r, ok := compareTo(v, &c.vals[0], now)
		if !ok {
			return false
		}
		switch c.op {
		case opLt:
			return r < 0
		case opLe:
			return r <= 0
		case opGt:
			return r > 0
		default:
			return r >= 0
		}
	}
	return false
}

func (c *condition) anyEqual(v any, now time.Time) bool {
	for i := range c.vals {
		if equals(v, &c.vals[i], now) {
			return true
		}
	}
	return false
}

type operandKind uint8

const (
	text        operandKind = iota // a quoted or bare literal
	dateOperand                    // date(...): a fixed instant
	nowOperand                     // now(offset): an instant relative to evaluation time
)

// operand is a literal from the filter, pre-parsed so Match does not allocate.
type operand struct {
	text  string
	kind  operandKind
	isNum bool
	num   float64
	t     time.Time
	d     time.Duration
}

func (v *operand) instant(now time.Time) time.Time {
	if v.kind == nowOperand {
		return now.Add(v.d)
	}
	return v.t
}

// equals compares one JSON scalar with a literal. Numbers compare numerically
// when both sides parse as numbers (so "42" — proto3 JSON's int64 form —
// equals 42); booleans match the literals true/false; null equals nothing
// (the vendor says to use exists / not exists instead of == null). A time
// equals only a date() or now() at the same instant.
func equals(leaf any, v *operand, now time.Time) bool {
	t, isTime := leaf.(time.Time)
	if isTime || v.kind != text {
		return isTime && v.kind != text && t.Equal(v.instant(now))
	}
	switch x := leaf.(type) {
	case string:
		if x == v.text {
			return true
		}
		if v.isNum && IsNumber(x) {
			f, _ := strconv.ParseFloat(x, 64)
			return f == v.num
		}
	case float64:
		return v.isNum && x == v.num
	case bool:
		return v.text == strconv.FormatBool(x)
	}
	return false
}

// compareTo compares one JSON scalar with a literal for <, <=, >, >=. ok is false
// when they are not comparable (booleans, null, objects, a number against a
// non-number, a time against anything but date()/now()). Strings compare
// bytewise; times compare as instants.
func compareTo(leaf any, v *operand, now time.Time) (r int, ok bool) {
	t, isTime := leaf.(time.Time)
	if isTime || v.kind != text {
		if !isTime || v.kind == text {
			return 0, false
		}
		return t.Compare(v.instant(now)), true
	}
	switch x := leaf.(type) {
	case float64:
		if v.isNum {
			return cmp.Compare(x, v.num), true
		}
	case string:
		if v.isNum && IsNumber(x) {
			f, _ := strconv.ParseFloat(x, 64)
			return cmp.Compare(f, v.num), true
		}
		return strings.Compare(x, v.text), true
	}
	return 0, false
}

// ParseTime reads an RFC 3339 timestamp or a YYYY-MM-DD date (midnight UTC).
func ParseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if len(s) == len(time.DateOnly) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// IsNumber reports whether s is a plain decimal number (JSON grammar, leading
// zeros allowed). It rejects what strconv.ParseFloat would also take but is
// not a number here: "inf", "NaN", hex floats, underscores.
func IsNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

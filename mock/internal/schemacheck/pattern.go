package schemacheck

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// pattern compiles a schema's pattern as kin-openapi does
// (openapi3/schema_pattern.go), and returns its match. A pattern that is a
// run of fixed pieces, one of which may repeat a varying number of times,
// anchored at both ends (^[0-9a-f]{32}$, ^APIGW\.[0-9]{4}$,
// ^[A-Za-z0-9._-]{4,63}$), is matched as plain code, rune by rune as the
// regexp package reads a string; any other by the compiled regexp.
func pattern(expr string) (func(string) bool, error) {
	goExpr := intoGoRegexp(expr)
	re, err := regexp.Compile(goExpr)
	if err != nil {
		return nil, err
	}
	if r := runOf(goExpr); r != nil {
		return r.match, nil
	}
	return re.MatchString, nil
}

// patternCodepoints is how kin-openapi rewrites \uXXXX for Go (intoGoRegexp).
var patternCodepoints = regexp.MustCompile(`(?P<replaced_with_slash_x>\\u)(?P<code>[0-9A-F]{4})`)

func intoGoRegexp(re string) string {
	return patternCodepoints.ReplaceAllString(re, `\x{${code}}`)
}

// run is ^piece piece … piece$: each piece a class of runes taken min to
// max times; only one piece may have min < max.
type run struct {
	pieces  []piece
	fixed   int // runes the pieces take, the varying one's min aside
	varying int // the index of the piece with min < max, or -1
}

type piece struct {
	ascii    [2]uint64 // the class below utf8.RuneSelf, as bits
	ranges   []rune    // the class, as lo, hi pairs
	min, max int       // max < 0: no bound
}

func (p *piece) has(r rune) bool {
	if r < utf8.RuneSelf {
		return p.ascii[r>>6]&(1<<(r&63)) != 0
	}
	for i := 0; i+1 < len(p.ranges); i += 2 {
		if p.ranges[i] <= r && r <= p.ranges[i+1] {
			return true
		}
	}
	return false
}

// runOf reads expr as a run, or returns nil.
func runOf(expr string) *run {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return nil
	}
	r := &run{varying: -1}
	add := func(ranges []rune, min, max int) bool {
		if min != max {
			if r.varying >= 0 {
				return false
			}
			r.varying = len(r.pieces)
		} else {
			r.fixed += min
		}
		p := piece{ranges: ranges, min: min, max: max}
		for i := 0; i+1 < len(ranges); i += 2 {
			for c := ranges[i]; c <= ranges[i+1] && c < utf8.RuneSelf; c++ {
				p.ascii[c>>6] |= 1 << (c & 63)
			}
		}
		r.pieces = append(r.pieces, p)
		return true
	}
	for _, sub := range re.Sub[1 : len(re.Sub)-1] {
		ok := true
		switch sub.Op {
		case syntax.OpLiteral:
			if sub.Flags&syntax.FoldCase != 0 {
				return nil
			}
			for _, c := range sub.Rune {
				ok = ok && add([]rune{c, c}, 1, 1)
			}
		case syntax.OpCharClass:
			ok = add(sub.Rune, 1, 1)
		case syntax.OpRepeat, syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
			if sub.Sub[0].Op != syntax.OpCharClass {
				return nil
			}
			min, max := sub.Min, sub.Max
			switch sub.Op {
			case syntax.OpStar:
				min, max = 0, -1
			case syntax.OpPlus:
				min, max = 1, -1
			case syntax.OpQuest:
				min, max = 0, 1
			}
			ok = add(sub.Sub[0].Rune, min, max)
		default:
			return nil
		}
		if !ok {
			return nil
		}
	}
	return r
}

func (r *run) match(s string) bool {
	n := utf8.RuneCountInString(s)
	extra := n - r.fixed // what the varying piece takes
	if r.varying < 0 {
		if extra != 0 {
			return false
		}
	} else if v := &r.pieces[r.varying]; extra < v.min || v.max >= 0 && extra > v.max {
		return false
	}
	i, left := 0, 0
	for _, c := range s {
		for left == 0 {
			if left = r.pieces[i].min; i == r.varying {
				left = extra
			}
			i++
		}
		if !r.pieces[i-1].has(c) {
			return false
		}
		left--
	}
	return true
}

package stubs

import (
	"encoding/json"
	"math/big"
)

// holds reports whether got, a request's JSON value, holds want, a stub's
// (both as encoding/json decodes with UseNumber): an object holds each of
// want's keys with a value that holds want's, an array has want's length
// and holds want element by element, a number is equal by value, anything
// else is equal.
func holds(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !holds(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !holds(g[i], w[i]) {
				return false
			}
		}
		return true
	case json.Number:
		g, ok := got.(json.Number)
		return ok && sameNumber(g, w)
	}
	return got == want
}

// sameNumber compares two JSON numbers by value: 1, 1.0 and 1e0 are one.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := new(big.Rat).SetString(string(a))
	y, oky := new(big.Rat).SetString(string(b))
	return okx && oky && x.Cmp(y) == 0
}

// mergePatch applies patch to target as RFC 7396 says: an object patch
// sets each of its keys in an object target (a null value removes the
// key), recursively; any other patch replaces the target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

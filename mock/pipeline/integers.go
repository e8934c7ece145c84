package pipeline

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// IntegerStrings is a Codec for services that read an integer field the
// way a Java backend's JSON binding does: a string of decimal digits
// ("20") is the number 20, and a whole number written as 20.0 or 2e1 is
// 20. Any other value of an integer field (another string, a fraction,
// true, null, an object, a list) is refused as "must be an integer", so
// that it is never answered with a misleading enum message. Responses are
// left as they are.
type IntegerStrings struct{}

var _ Codec = IntegerStrings{}

// DecodeRequest rewrites the integer fields of body's objects, at any
// depth the schema describes.
func (IntegerStrings) DecodeRequest(s *openapi3.Schema, body any) (any, []Violation) {
	var vs []Violation
	out := integers(s, body, "", &vs)
	return out, vs
}

// EncodeResponse returns body unchanged.
func (IntegerStrings) EncodeResponse(_ echo.Context, _ *openapi3.Schema, body any) any { return body }

func integers(s *openapi3.Schema, v any, path string, vs *[]Violation) any {
	if s == nil {
		return v
	}
	if s.Type.Is(openapi3.TypeInteger) {
		if n, ok := wholeNumber(v); ok {
			return n
		}
		*vs = append(*vs, Violation{Field: path, Reason: "must be an integer"})
		return v
	}
	switch val := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(val)) { // violations in a stable order
			if p := s.Properties[k]; p != nil && p.Value != nil {
				val[k] = integers(p.Value, val[k], joinField(path, k), vs)
			}
		}
		return val
	case []any:
		if s.Items != nil {
			for i, e := range val {
				val[i] = integers(s.Items.Value, e, joinField(path, strconv.Itoa(i)), vs)
			}
		}
		return val
	}
	return v
}

// wholeNumber reads v as an integer: a JSON number without a fraction, or
// a string of an optional '-' and decimal digits.
func wholeNumber(v any) (json.Number, bool) {
	switch n := v.(type) {
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return n, true
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
			return "", false
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
	case string:
		digits, negative := strings.CutPrefix(n, "-")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return "", false
		}
		if digits = strings.TrimLeft(digits, "0"); digits == "" {
			return "0", true
		} else if negative {
			return json.Number("-" + digits), true
		}
		return json.Number(digits), true
	}
	return "", false
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

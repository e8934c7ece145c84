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

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/internal/schemacheck"
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

// Body reads the integer fields of the request bodies of s, at any depth
// the schema describes, and writes answers as they are.
func (IntegerStrings) Body(s *openapi3.Schema, check *schemacheck.Schema) BodyCodec {
	return integerBody{s: s, check: check}
}

type integerBody struct {
	s     *openapi3.Schema
	check *schemacheck.Schema
}

func (b integerBody) Read(body any) (any, []Violation, bool) {
	var vs []Violation
	out := integers(b.s, body, "", &vs)
	return out, vs, len(vs) == 0 && b.check != nil && b.check.Valid(out)
}

func (b integerBody) Append(_ echo.Context, dst []byte, body any) ([]byte, bool, error) {
	out, err := jsonvalue.Append(dst, body)
	return out, err == nil && b.check != nil && b.check.Valid(body), err
}

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

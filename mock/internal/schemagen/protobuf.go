package schemagen

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/internal/protoname"
)

// Protobuf returns v, a value for s, as a client of a grpc-gateway
// service may spell it (protobuf JSON, mock/vendors/endor/protojson):
// fields by their lowerCamelCase JSON names, now and then by both names;
// enums by number, now and then out of range; timestamps with offsets,
// and up to twelve fractional digits; nulls, zero values and empty lists
// and maps where fields were. It changes v's maps and lists in place.
func (g *Gen) Protobuf(s *openapi3.Schema, v any) any {
	if s == nil {
		return v
	}
	if g.Chance(0.03) {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		switch {
		case len(s.Properties) > 0:
			return g.message(s, x)
		case s.AdditionalProperties.Schema != nil:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				x[k] = g.Protobuf(s.AdditionalProperties.Schema.Value, x[k])
			}
		}
	case []any:
		if s.Items != nil {
			for i := range x {
				x[i] = g.Protobuf(s.Items.Value, x[i])
			}
		}
		if g.Chance(0.05) {
			return append(x, nil)
		}
	case string:
		switch {
		case len(s.Enum) > 0 && g.Chance(0.3):
			return json.Number(strconv.Itoa(g.R.IntN(len(s.Enum) + 2)))
		case len(s.Enum) > 0 && g.Chance(0.1):
			return s.Enum[0]
		case s.Format == "date-time" && g.Chance(0.4):
			return []string{"", "2026-11-25T12:00:00.5+02:00", "2026-11-25T10:00:00.1234567890Z", "2026-11-25T10:00:00.123456789Z",
				"2026-11-24T23:30:00.000001-01:00", "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.000Z", "2026-11-25T10:00:00.120Z",
				"2026-11-24T23:30:00.000000000001-01:00", "2026-11-25 10:00:00Z"}[g.R.IntN(10)]
		case g.Chance(0.1):
			return ""
		}
	case bool:
		if g.Chance(0.2) {
			return false
		}
	case json.Number:
		if g.Chance(0.2) {
			return json.Number([]string{"0", "0.0", "-0", "1e0", "0e5"}[g.R.IntN(5)])
		}
	}
	return v
}

func (g *Gen) message(s *openapi3.Schema, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e := m[k]
		if p := s.Properties[k]; p != nil {
			e = g.Protobuf(p.Value, e)
		}
		name := k
		if j := protoname.JSONName(k); j != k && g.Chance(0.3) {
			name = j
			if g.Chance(0.1) {
				out[k] = e // both names
			}
		}
		out[name] = e
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if _, ok := out[name]; ok || !g.Chance(0.05) {
			continue
		}
		switch p := s.Properties[name].Value; {
		case p.Type.Is(openapi3.TypeArray):
			out[name] = []any{}
		case p.Type.Is(openapi3.TypeObject) && len(p.Properties) == 0:
			out[name] = map[string]any{}
		case p.Type.Is(openapi3.TypeBoolean):
			out[name] = false
		case p.Type.Is(openapi3.TypeString):
			out[name] = ""
		}
	}
	return out
}

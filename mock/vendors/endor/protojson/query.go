package protojson

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/internal/protoname"
	"github.com/repomock/repomock/mock/pipeline"
)

var _ pipeline.QueryDecoder = Codec{}

// mapKey is grpc-gateway's key[value] form: the value in brackets comes
// before the key's own values.
var mapKey = regexp.MustCompile(`^(.*)\[(.*)\]$`)

// DecodeQuery reads a query as grpc-gateway's default query parser does
// (runtime/query.go), every key a dot path of fields of the request
// message, with the operation's query parameters standing in for those
// fields (list_parameters.sort.path is the path list_parameters, sort,
// path):
//   - each segment of a key may be a field's proto name or its
//     lowerCamelCase JSON name (list_parameters.page_size,
//     listParameters.pageSize, or a mix of both);
//   - a key that names no field, at any segment, is ignored: a
//     cache-buster (_=…) or a typo changes nothing;
//   - a key that goes on past a value (list_parameters.count.x), or stops
//     at a message (list_parameters.sort), is refused;
//   - a field takes one value: a key given twice, or a field given under
//     two spellings, is refused (for the latter grpc-gateway keeps one of
//     them at random; repomock's choice is to say so);
//   - a boolean is read by strconv.ParseBool (1, t, T, TRUE, true, True and
//     their false counterparts), an integer in base 10 within its
//     format's range, an enum by name or by number (the n-th value the
//     schema lists is number n), a timestamp as RFC 3339; anything else
//     is refused, an empty value included. A string is taken as it is.
//
// The query returned names each field by its parameter's name and spells
// each value as the spec does (true, 5, SORT_ENTRY_ORDER_DESC), so that
// kin-openapi validates, and the handler reads, what the vendor's parser
// made of it.
func (Codec) DecodeQuery(params []*openapi3.Parameter, query url.Values) (url.Values, []string, []pipeline.Violation) {
	out := make(url.Values, len(query))
	var ignored []string
	var vs []pipeline.Violation
	given := map[string]string{} // parameter name → the key that set it
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range query {
			if !yield(k) {
				return
			}
		}
	}) {
		path, values := key, query[key]
		if m := mapKey.FindStringSubmatch(key); m != nil {
			path, values = m[1], append([]string{m[2]}, values...)
		}
		p, err := queryField(params, strings.Split(path, "."))
		switch {
		case err != "":
			vs = append(vs, pipeline.Violation{Field: key, Reason: err})
			continue
		case p == nil:
			ignored = append(ignored, key)
			continue
		}
		if first, dup := given[p.Name]; dup {
			vs = append(vs, pipeline.Violation{Field: key, Reason: fmt.Sprintf("sets %s, which %s sets too: a field takes one value", p.Name, first)})
			continue
		}
		given[p.Name] = key
		if len(values) > 1 {
			vs = append(vs, pipeline.Violation{Field: key, Reason: fmt.Sprintf("given %d times, takes one value", len(values))})
			continue
		}
		v, reason := queryValue(p.Schema, values[0])
		if reason != "" {
			vs = append(vs, pipeline.Violation{Field: key, Reason: reason})
			continue
		}
		out[p.Name] = []string{v}
	}
	return out, ignored, vs
}

// queryField finds the parameter a key's path names: nil when it names no
// field, and a reason when it names one wrongly.
func queryField(params []*openapi3.Parameter, path []string) (*openapi3.Parameter, string) {
	for _, p := range params {
		segs := strings.Split(p.Name, ".")
		n := 0
		for n < len(path) && n < len(segs) && (path[n] == segs[n] || path[n] == protoname.JSONName(segs[n])) {
			n++
		}
		switch {
		case n == len(path) && n == len(segs):
			return p, ""
		case n == len(segs):
			// grpc-gateway: invalid path: "count" is not a message.
			return nil, fmt.Sprintf("invalid path: %q is not a message: %s takes a value", segs[n-1], p.Name)
		case n == len(path):
			return nil, fmt.Sprintf("is a message, not a value: give its fields (%s)", p.Name)
		}
	}
	return nil, ""
}

// queryValue reads one value as its schema's type, and returns it as the
// spec spells it, or why it is refused.
func queryValue(ref *openapi3.SchemaRef, v string) (string, string) {
	s := schemaOf(ref)
	switch kindOf(s) {
	case kindBool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", fmt.Sprintf("%q is not a boolean: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False (strconv.ParseBool, as grpc-gateway reads it)", clip(v))
		}
		return strconv.FormatBool(b), ""
	case kindNumber:
		if s.Type.Is(openapi3.TypeNumber) {
			bits := 64
			if s.Format == "float" {
				bits = 32
			}
			f, err := strconv.ParseFloat(v, bits)
			if err != nil {
				return "", fmt.Sprintf("%q is not a number", clip(v))
			}
			return strconv.FormatFloat(f, 'g', -1, bits), ""
		}
		bits := 64
		if s.Format == "int32" {
			bits = 32
		}
		n, err := strconv.ParseInt(v, 10, bits)
		if err != nil {
			return "", fmt.Sprintf("%q is not an integer of %d bits", clip(v), bits)
		}
		return strconv.FormatInt(n, 10), ""
	case kindEnum:
		for _, e := range s.Enum {
			if e == v {
				return v, ""
			}
		}
		if i, err := strconv.Atoi(v); err == nil && i >= 0 && i < len(s.Enum) {
			return fmt.Sprint(s.Enum[i]), ""
		}
		return "", fmt.Sprintf("%q is not a value of this enum: one of %s, or its number 0 to %d", clip(v), enumNames(s), len(s.Enum)-1)
	case kindTimestamp:
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			return "", fmt.Sprintf("%q is not an RFC 3339 time", clip(v))
		}
	}
	return v, ""
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

package contracts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/contracts/gen"
)

// positive sends n schema-valid bodies generated from op's request schema;
// the target must accept each with a success status the spec lists for op
// (a status only "default" matches is not one). made gets each accepted
// exchange, to clean up after it.
func (s *suite) positive(r Reporter, op *operation, g *gen.Generator, n int, build func(body any) request, made func(*exchange)) {
	r.Helper()
	schema := op.requestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for range n {
		body := g.Value(schema)
		x, err := s.call(r.Context(), op, build(body))
		switch {
		case err != nil:
			r.Errorf("%v", err)
		case x.status/100 != 2:
			r.Errorf("a schema-valid body was refused: %s\nrequest body: %s", x, clip(string(x.reqBody), 400))
		default:
			made(x)
			outcome(r, listedSuccess(x))
		}
	}
}

// negative sends base broken one rule at a time (see mutations); the target
// must refuse each with the vendor's validation rejection. made gets any
// exchange that was wrongly accepted, to clean up after it.
func (s *suite) negative(r Reporter, op *operation, base any, unknownFields bool, build func(body any) request, made func(*exchange)) {
	r.Helper()
	schema := op.requestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for _, m := range gen.Mutations(schema, base, unknownFields) {
		s.rejects(r, op, m.Rule, build(m.Value), made)
	}
}

// rejects sends one invalid request, which must get the vendor's
// documented rejection of invalid input: its status and its code, in its
// envelope. A 401, 403, 404 or 5xx is not that, whatever its envelope.
func (s *suite) rejects(r Reporter, op *operation, rule string, req request, made func(*exchange)) {
	r.Helper()
	x, err := s.call(r.Context(), op, req)
	if err != nil {
		r.Errorf("rule %s: %v", rule, err)
		return
	}
	if x.status/100 == 2 {
		r.Errorf("rule %s: an invalid request was accepted: %s\nrequest body: %s", rule, x, clip(string(x.reqBody), 400))
		if made != nil {
			made(x)
		}
		return
	}
	if err := op.vendor.invalid(x); err != nil {
		r.Errorf("rule %s: %v", rule, err)
		return
	}
	pass(r)
}

// vendorError checks an answer is the vendor's error status with its
// code, in its envelope; what names the answer in a failure.
func vendorError(status int, code, what string) func(x *exchange) error {
	return func(x *exchange) error {
		if got := x.op.vendor.code(x.json()); x.status != status || got != code {
			return fmt.Errorf("want %s, HTTP %d code %s: %s", what, status, code, x)
		}
		if err := x.op.vendor.envelope(x.status, x.body); err != nil {
			return fmt.Errorf("HTTP %d is not in the vendor's error envelope (%v): %s", x.status, err, x)
		}
		return nil
	}
}

// successes lists the 2xx statuses op's spec names explicitly (a range
// such as 2XX counts; "default" does not).
func successes(op *operation) []string {
	var out []string
	for k := range op.route.Operation.Responses.Map() {
		if strings.HasPrefix(k, "2") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// listedSuccess fails unless x's status is a success op's spec lists.
func listedSuccess(x *exchange) error {
	ok := successes(x.op)
	st := strconv.Itoa(x.status)
	if slices.Contains(ok, st) || slices.Contains(ok, st[:1]+"XX") {
		return nil
	}
	return fmt.Errorf("HTTP %d is not a success status the spec lists for %s (it lists %s; \"default\" is no success): %s",
		x.status, x.op.id, strings.Join(ok, ", "), x)
}

// paramNegatives breaks base's path and query parameters of op one rule
// at a time, each per its schema (type, bounds, enum, pattern, a required
// parameter left out); the target must refuse each with the vendor's
// validation rejection. Parameters named in skip are left alone.
func (s *suite) paramNegatives(r Reporter, op *operation, base request, skip ...string) {
	r.Helper()
	g := gen.New(s.target.Seed)
	for _, p := range opParams(op) {
		if (p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery) || slices.Contains(skip, p.Name) ||
			p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		schema := p.Schema.Value
		current, given := base.params[p.Name], true
		if p.In == openapi3.ParameterInQuery {
			current, given = base.query.Get(p.Name), base.query.Has(p.Name)
		}
		if p.In == openapi3.ParameterInQuery && p.Required && given {
			req := base.clone()
			req.query.Del(p.Name)
			s.rejects(r, op, "query "+p.Name+": required", req, nil)
		}
		var valid any = current
		if !given {
			valid = g.Value(schema)
		} else if v, ok := parseParam(schema, current); ok {
			valid = v
		}
		breaks := gen.Mutations(schema, valid, false)
		// In a URL every value is text: the type break of a number or a
		// boolean is text that does not parse as one.
		if !schema.Type.Is(openapi3.TypeString) && !schema.Type.Is(openapi3.TypeArray) && !schema.Type.Is(openapi3.TypeObject) {
			breaks = append(breaks, gen.Mutation{Rule: "type", Value: "not-a-" + gen.SchemaType(schema)})
		}
		for _, m := range breaks {
			text := paramText(m.Value)
			if v, ok := parseParam(schema, text); ok && schema.VisitJSON(v, openapi3.VisitAsRequest()) == nil {
				continue // the break does not survive being written in a URL
			}
			if p.In == openapi3.ParameterInPath && (text == "" || strings.Contains(text, "/")) {
				continue // it would name another route
			}
			req := base.clone()
			if p.In == openapi3.ParameterInPath {
				req.params[p.Name] = text
			} else {
				req.query.Set(p.Name, text)
			}
			s.rejects(r, op, p.In+" "+p.Name+"="+strconv.Quote(clip(text, 40))+": "+strings.TrimPrefix(strings.TrimPrefix(m.Rule, "$"), ": "), req, nil)
		}
	}
}

// opParams is op's parameters with its path's.
func opParams(op *operation) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	seen := map[string]bool{}
	for _, refs := range []openapi3.Parameters{op.route.Operation.Parameters, op.route.PathItem.Parameters} {
		for _, ref := range refs {
			if ref != nil && ref.Value != nil && !seen[ref.Value.In+" "+ref.Value.Name] {
				seen[ref.Value.In+" "+ref.Value.Name] = true
				out = append(out, ref.Value)
			}
		}
	}
	return out
}

// paramText writes a value as it goes in a URL.
func paramText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// parseParam reads text as the schema's type; ok is false when it is not one.
func parseParam(s *openapi3.Schema, text string) (any, bool) {
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || s.Type.Is(openapi3.TypeInteger) && f != float64(int64(f)) {
			return nil, false
		}
		return f, true
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(text)
		return b, err == nil && (text == "true" || text == "false")
	}
	return text, true
}

// useAfterFree: after del, each of reads (a read or an update of the
// deleted object) must get the vendor's not-found.
func (s *suite) useAfterFree(r Reporter, del *operation, delReq request, reads map[*operation]request) {
	r.Helper()
	x, err := s.call(r.Context(), del, delReq)
	if err != nil || x.status/100 != 2 {
		for op := range reads {
			s.check(r, op, func(r Reporter) {
				r.Errorf("the delete to free the object failed, so nothing was read after it: %s", describe(x, err))
			})
		}
		return
	}
	ops := make([]*operation, 0, len(reads))
	for op := range reads {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b *operation) int { return strings.Compare(a.id, b.id) })
	for _, op := range ops {
		s.check(r, op, func(r Reporter) {
			x, err := s.call(r.Context(), op, reads[op])
			if err != nil {
				r.Errorf("%v", err)
				return
			}
			if x.status/100 == 2 {
				r.Errorf("the deleted object is still served: %s", x)
				return
			}
			outcome(r, op.vendor.gone(x))
		})
	}
}

// unsupported sends method to op's path, which serves no such method: the
// answer must pass want.
func (s *suite) unsupported(r Reporter, op *operation, method string, req request, want func(x *exchange) error) {
	r.Helper()
	req.method, req.unseen = method, true
	x, err := s.call(r.Context(), op, req)
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	if err := want(x); err != nil {
		r.Errorf("%s is not served on %s, and the answer is not the vendor's for that: %v", method, op.path, err)
		return
	}
	pass(r)
}

// describe says what an exchange or its error was, for a failure.
func describe(x *exchange, err error) string {
	if err != nil {
		return err.Error()
	}
	if x == nil {
		return "no request was sent"
	}
	return x.String()
}

// statusIs checks an answer's status and, with check, its body.
func statusIs(status int, check func(map[string]any) error) func(x *exchange) error {
	return func(x *exchange) error {
		if x.status != status {
			return fmt.Errorf("want HTTP %d: %s", status, x)
		}
		if err := check(x.json()); err != nil {
			return fmt.Errorf("%v: %s", err, x)
		}
		return nil
	}
}

// rejectsWith sends req, which must get status in the envelope check
// accepts (nil: the vendor's).
func (s *suite) rejectsWith(r Reporter, op *operation, req request, status int, check func(body map[string]any) error) {
	r.Helper()
	x, err := s.call(r.Context(), op, req)
	outcome(r, func() error {
		if err != nil {
			return err
		}
		if err := expectStatus(x, status); err != nil {
			return err
		}
		if check != nil {
			return check(x.json())
		}
		return op.vendor.envelope(x.status, x.body)
	}())
}

// missingAuth sends req without credentials: the target must answer 401 in
// the envelope check accepts.
func (s *suite) missingAuth(r Reporter, op *operation, req request, check func(body map[string]any) error) {
	r.Helper()
	req.noAuth = true
	x, err := s.call(r.Context(), op, req)
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	if x.status != 401 {
		r.Errorf("want HTTP 401 without credentials: %s", x)
		return
	}
	outcome(r, check(x.json()))
}

// skipAll skips op's sub-test of the current check for each of ops, saying why.
func (s *suite) skipAll(r Reporter, why string, ops ...*operation) {
	for _, op := range ops {
		s.check(r, op, func(r Reporter) { r.Skipf("%s", why) })
	}
}

// readBack checks a 2xx answer with want. Which 2xx is
// status_code_conformance's to judge.
func readBack(x *exchange, err error, want func(map[string]any) error) error {
	if err != nil {
		return err
	}
	if err := expect2xx(x); err != nil {
		return err
	}
	return want(x.json())
}

// str reads a dot path of a decoded JSON object as a string ("" if absent).
func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[p]
	}
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// stringField fails unless m[key] is a non-empty string.
func stringField(m map[string]any, key string) error {
	if s, ok := m[key].(string); !ok || s == "" {
		return fmt.Errorf("%q is missing or not a string", key)
	}
	return nil
}

// notFound fails unless x is a 404 in its vendor's error envelope.
func notFound(x *exchange) error {
	if err := expectStatus(x, 404); err != nil {
		return err
	}
	if err := x.op.vendor.envelope(x.status, x.body); err != nil {
		return fmt.Errorf("the 404 is not in the vendor's error envelope: %v: %s", err, x)
	}
	return nil
}

// orNone is s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

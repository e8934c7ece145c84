package contracts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/contracts/gen"
)

// Positive sends n schema-valid bodies generated from op's request schema;
// the target must accept each with a success status the spec lists for op
// (a status only "default" matches is not one). made, when set, gets each
// accepted exchange, to clean up after it.
func (s *Suite) Positive(r Reporter, op *Operation, g *gen.Generator, n int, build func(body any) Request, made func(*Exchange)) {
	r.Helper()
	schema := op.RequestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for range n {
		body := g.Value(schema)
		x, err := s.Call(r.Context(), op, build(body))
		switch {
		case err != nil:
			r.Errorf("%v", err)
		case x.Status/100 != 2:
			r.Errorf("a schema-valid body was refused: %s\nrequest body: %s", x, clip(string(x.RequestBody), 400))
		default:
			if made != nil {
				made(x)
			}
			Outcome(r, ListedSuccess(x))
		}
	}
}

// Negative sends base broken one rule at a time (see gen.Mutations); the target
// must refuse each with the vendor's validation rejection. made, when set,
// gets any exchange that was wrongly accepted, to clean up after it.
func (s *Suite) Negative(r Reporter, op *Operation, base any, unknownFields bool, build func(body any) Request, made func(*Exchange)) {
	r.Helper()
	schema := op.RequestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for _, m := range gen.Mutations(schema, base, unknownFields) {
		s.Rejects(r, op, m.Rule, build(m.Value), made)
	}
}

// Rejects sends one invalid request, which must get the vendor's
// documented rejection of invalid input: its status and its code, in its
// envelope. A 401, 403, 404 or 5xx is not that, whatever its envelope.
func (s *Suite) Rejects(r Reporter, op *Operation, rule string, req Request, made func(*Exchange)) {
	r.Helper()
	x, err := s.Call(r.Context(), op, req)
	if err != nil {
		r.Errorf("rule %s: %v", rule, err)
		return
	}
	if x.Status/100 == 2 {
		r.Errorf("rule %s: an invalid request was accepted: %s\nrequest body: %s", rule, x, clip(string(x.RequestBody), 400))
		if made != nil {
			made(x)
		}
		return
	}
	if err := op.Vendor.invalid(x); err != nil {
		r.Errorf("rule %s: %v", rule, err)
		return
	}
	Passed(r)
}

// VendorError checks an answer is the vendor's error status with its
// code, in its envelope; what names the answer in a failure.
func VendorError(status int, code, what string) func(x *Exchange) error {
	return func(x *Exchange) error {
		if got := x.Op.Vendor.code(x.JSON()); x.Status != status || got != code {
			return fmt.Errorf("want %s, HTTP %d code %s: %s", what, status, code, x)
		}
		if err := x.Op.Vendor.envelope(x.Status, x.Body); err != nil {
			return fmt.Errorf("HTTP %d is not in the vendor's error envelope (%v): %s", x.Status, err, x)
		}
		return nil
	}
}

// successes lists the 2xx statuses op's spec names explicitly (a range
// such as 2XX counts; "default" does not).
func successes(op *Operation) []string {
	var out []string
	for k := range op.route.Operation.Responses.Map() {
		if strings.HasPrefix(k, "2") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// ListedSuccess fails unless x's status is a success op's spec lists.
func ListedSuccess(x *Exchange) error {
	ok := successes(x.Op)
	st := strconv.Itoa(x.Status)
	if slices.Contains(ok, st) || slices.Contains(ok, st[:1]+"XX") {
		return nil
	}
	return fmt.Errorf("HTTP %d is not a success status the spec lists for %s (it lists %s; \"default\" is no success): %s",
		x.Status, x.Op.ID, strings.Join(ok, ", "), x)
}

// ParamNegatives breaks base's path and query parameters of op one rule
// at a time, each per its schema (type, bounds, enum, pattern, a required
// parameter left out); the target must refuse each with the vendor's
// validation rejection. Parameters named in skip are left alone.
func (s *Suite) ParamNegatives(r Reporter, op *Operation, base Request, skip ...string) {
	r.Helper()
	g := gen.New(s.Seed())
	for _, p := range opParams(op) {
		if (p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery) || slices.Contains(skip, p.Name) ||
			p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		schema := p.Schema.Value
		current, given := base.Params[p.Name], true
		if p.In == openapi3.ParameterInQuery {
			current, given = base.Query.Get(p.Name), base.Query.Has(p.Name)
		}
		if p.In == openapi3.ParameterInQuery && p.Required && given {
			req := base.Clone()
			req.Query.Del(p.Name)
			s.Rejects(r, op, "query "+p.Name+": required", req, nil)
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
			req := base.Clone()
			if p.In == openapi3.ParameterInPath {
				req.Params[p.Name] = text
			} else {
				req.Query.Set(p.Name, text)
			}
			s.Rejects(r, op, p.In+" "+p.Name+"="+strconv.Quote(clip(text, 40))+": "+strings.TrimPrefix(strings.TrimPrefix(m.Rule, "$"), ": "), req, nil)
		}
	}
}

// opParams is op's parameters with its path's.
func opParams(op *Operation) []*openapi3.Parameter {
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

// UseAfterFree: after del, each of reads (a read or an update of the
// deleted object) must get the vendor's not-found.
func (s *Suite) UseAfterFree(r Reporter, del *Operation, delReq Request, reads map[*Operation]Request) {
	r.Helper()
	x, err := s.Call(r.Context(), del, delReq)
	if err != nil || x.Status/100 != 2 {
		for op := range reads {
			s.Check(r, op, func(r Reporter) {
				r.Errorf("the delete to free the object failed, so nothing was read after it: %s", describe(x, err))
			})
		}
		return
	}
	ops := make([]*Operation, 0, len(reads))
	for op := range reads {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b *Operation) int { return strings.Compare(a.ID, b.ID) })
	for _, op := range ops {
		s.Check(r, op, func(r Reporter) {
			x, err := s.Call(r.Context(), op, reads[op])
			if err != nil {
				r.Errorf("%v", err)
				return
			}
			if x.Status/100 == 2 {
				r.Errorf("the deleted object is still served: %s", x)
				return
			}
			Outcome(r, op.Vendor.gone(x))
		})
	}
}

// Unsupported sends method to op's path, which serves no such method: the
// answer must pass want.
func (s *Suite) Unsupported(r Reporter, op *Operation, method string, req Request, want func(x *Exchange) error) {
	r.Helper()
	req.Method, req.Unseen = method, true
	x, err := s.Call(r.Context(), op, req)
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	if err := want(x); err != nil {
		r.Errorf("%s is not served on %s, and the answer is not the vendor's for that: %v", method, op.Path, err)
		return
	}
	Passed(r)
}

// describe says what an exchange or its error was, for a failure.
func describe(x *Exchange, err error) string {
	if err != nil {
		return err.Error()
	}
	if x == nil {
		return "no request was sent"
	}
	return x.String()
}

// StatusIs checks an answer's status and, with check, its body.
func StatusIs(status int, check func(map[string]any) error) func(x *Exchange) error {
	return func(x *Exchange) error {
		if x.Status != status {
			return fmt.Errorf("want HTTP %d: %s", status, x)
		}
		if err := check(x.JSON()); err != nil {
			return fmt.Errorf("%v: %s", err, x)
		}
		return nil
	}
}

// RejectsWith sends req, which must get status in the envelope check
// accepts (nil: the vendor's).
func (s *Suite) RejectsWith(r Reporter, op *Operation, req Request, status int, check func(body map[string]any) error) {
	r.Helper()
	x, err := s.Call(r.Context(), op, req)
	Outcome(r, func() error {
		if err != nil {
			return err
		}
		if err := ExpectStatus(x, status); err != nil {
			return err
		}
		if check != nil {
			return check(x.JSON())
		}
		return op.Vendor.envelope(x.Status, x.Body)
	}())
}

// MissingAuth sends req without credentials: the target must answer 401 in
// the envelope check accepts.
func (s *Suite) MissingAuth(r Reporter, op *Operation, req Request, check func(body map[string]any) error) {
	r.Helper()
	req.NoAuth = true
	x, err := s.Call(r.Context(), op, req)
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	if x.Status != 401 {
		r.Errorf("want HTTP 401 without credentials: %s", x)
		return
	}
	Outcome(r, check(x.JSON()))
}

// SkipAll skips op's sub-test of the current check for each of ops, saying why.
func (s *Suite) SkipAll(r Reporter, why string, ops ...*Operation) {
	for _, op := range ops {
		s.Check(r, op, func(r Reporter) { r.Skipf("%s", why) })
	}
}

// ReadBack checks a 2xx answer with want. Which 2xx is
// status_code_conformance's to judge.
func ReadBack(x *Exchange, err error, want func(map[string]any) error) error {
	if err != nil {
		return err
	}
	if err := Expect2xx(x); err != nil {
		return err
	}
	return want(x.JSON())
}

// Field reads a dot path of a decoded JSON object as a string ("" if absent).
func Field(m map[string]any, path ...string) string {
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

// NotFound fails unless x is a 404 in its vendor's error envelope.
func NotFound(x *Exchange) error {
	if err := ExpectStatus(x, 404); err != nil {
		return err
	}
	if err := x.Op.Vendor.envelope(x.Status, x.Body); err != nil {
		return fmt.Errorf("the 404 is not in the vendor's error envelope: %v: %s", err, x)
	}
	return nil
}

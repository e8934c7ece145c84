package contracts

import (
	"fmt"
)

// positive sends n schema-valid bodies generated from op's request schema;
// the target must accept each (2xx). made gets each accepted exchange, to
// clean up after it.
func (s *suite) positive(r Reporter, op *operation, g *generator, n int, build func(body any) request, made func(*exchange)) {
	r.Helper()
	schema := op.requestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for range n {
		body := g.value(schema)
		x, err := s.call(r.Context(), op, build(body))
		switch {
		case err != nil:
			r.Errorf("%v", err)
		case x.status/100 != 2:
			r.Errorf("a schema-valid body was refused: %s\nbody: %s", x, clip(string(x.reqBody), 400))
		default:
			pass(r)
			made(x)
		}
	}
}

// negative sends base broken one rule at a time (see mutations); the target
// must refuse each with a 4xx in its error envelope. made gets any exchange
// that was wrongly accepted, to clean up after it.
func (s *suite) negative(r Reporter, op *operation, base any, unknownFields bool, build func(body any) request, made func(*exchange)) {
	r.Helper()
	schema := op.requestSchema()
	if schema == nil {
		r.Skipf("the operation takes no JSON body")
		return
	}
	for _, m := range mutations(schema, base, unknownFields) {
		s.rejects(r, op, m.Rule, build(m.Value), made)
	}
}

// rejects sends one invalid request, which must get a 4xx in the vendor's
// error envelope.
func (s *suite) rejects(r Reporter, op *operation, rule string, req request, made func(*exchange)) {
	r.Helper()
	x, err := s.call(r.Context(), op, req)
	if err != nil {
		r.Errorf("%s: %v", rule, err)
		return
	}
	if x.status/100 == 2 {
		r.Errorf("%s: an invalid request was accepted: %s", rule, x)
		if made != nil {
			made(x)
		}
		return
	}
	if x.status/100 != 4 {
		r.Errorf("%s: want a 4xx, got %s", rule, x)
		return
	}
	if err := op.vendor.envelope(x.status, x.body); err != nil {
		r.Errorf("%s: HTTP %d is not in the vendor's error envelope: %v: %s", rule, x.status, err, clip(string(x.body), 300))
		return
	}
	pass(r)
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

package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/internal/schemacheck"
	"github.com/repomock/repomock/mock/internal/schemagen"
	"github.com/repomock/repomock/specs"
)

// The differential test and the fuzz target hold the compiled validator
// (mock/internal/schemacheck) to kin-openapi, the reference, on the three
// vendor specs, exactly as the pipeline asks each of them: every body
// schema with the options and mode the Validator picks for it (the
// unknown-field rule on and off), every operation's parameters with
// reqOpts, every response's status and headers with respHeadOpts. Any
// difference in verdict fails. Built with -tags schemacheck_broken, the
// compiled validator skips maxLength, and both must fail.

// bodyCase is one body schema as the pipeline checks it.
type bodyCase struct {
	name    string
	schema  *openapi3.Schema
	opts    []openapi3.SchemaValidationOption
	unknown bool // the unknown-field rule applies after kin-openapi
	fast    *schemacheck.Schema
}

// kin is the pipeline's verdict without the compiled validator:
// kin-openapi's, then the unknown-field rule's.
func (c *bodyCase) kin(v any) error {
	if err := c.schema.VisitJSON(v, c.opts...); err != nil {
		return err
	}
	if c.unknown {
		var vs []Violation
		if unknownFields(c.schema, v, nil, &vs); len(vs) > 0 {
			return fmt.Errorf("unknown fields: %v", vs)
		}
	}
	return nil
}

// routeCase is one operation's parameters and answers.
type routeCase struct {
	name    string
	v       *Validator
	rt      *route
	params  []*openapi3.Parameter // as ValidateRequest reads them
	answers map[string]*openapi3.Response
}

func (c *routeCase) kinRequest(req *http.Request, path map[string]string) error {
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: path, Route: c.rt.kin, Options: &c.v.reqOpts,
	})
}

func (c *routeCase) kinAnswer(method string, status int, header http.Header) error {
	req := httptest.NewRequest(method, "/", nil)
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: c.rt.kin, Options: &c.v.reqOpts},
		Status:                 status, Header: header, Options: &c.v.respHeadOpts,
	})
}

// differentialCases builds the Validators of the three specs and lists
// what each checks. Every schema, parameter set and response set of the
// specs must compile.
func differentialCases(t testing.TB) (bodies []*bodyCase, routes []*routeCase) {
	t.Helper()
	for _, name := range specs.All() {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, unknown := range []bool{false, true} {
			v, err := New(doc, Options{RejectUnknownFields: unknown})
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range v.ops {
				rt := v.routes[op.Method+" "+op.EchoPath]
				kop := rt.kin.Operation
				if rb := kop.RequestBody; rb != nil && rb.Value != nil {
					for _, ct := range slices.Sorted(maps.Keys(rb.Value.Content)) {
						s := rb.Value.Content[ct].Schema.Value
						opts, _ := v.requestBody(s)
						bodies = append(bodies, &bodyCase{fmt.Sprintf("%s %s request %s unknown=%v", name, op.ID, ct, unknown), s, opts, unknown, v.fast.reqBody[s]})
					}
				}
				if unknown {
					continue // the rest does not depend on it
				}
				responses := kop.Responses.Map()
				for _, status := range slices.Sorted(maps.Keys(responses)) {
					content := responses[status].Value.Content
					for _, ct := range slices.Sorted(maps.Keys(content)) {
						s := content[ct].Schema.Value
						opts, _ := v.responseBody(s)
						bodies = append(bodies, &bodyCase{fmt.Sprintf("%s %s response %s %s", name, op.ID, status, ct), s, opts, false, v.fast.respBody[s]})
					}
				}
				rc := &routeCase{name: name + " " + op.ID, v: v, rt: rt, answers: map[string]*openapi3.Response{}}
				for _, p := range rt.kin.PathItem.Parameters {
					if kop.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
						rc.params = append(rc.params, p.Value)
					}
				}
				for _, p := range kop.Parameters {
					rc.params = append(rc.params, p.Value)
				}
				for status, resp := range responses {
					rc.answers[status] = resp.Value
				}
				if v.fast.params[rt] == nil || v.fast.answers[rt] == nil {
					t.Fatalf("%s: the parameters or answers did not compile", rc.name)
				}
				routes = append(routes, rc)
			}
		}
	}
	for _, b := range bodies {
		if b.fast == nil {
			t.Fatalf("%s: did not compile", b.name)
		}
	}
	return bodies, routes
}

// tally counts verdicts by case, to show the values reach both sides.
type tally map[string]*[2]int

func (t tally) add(name string, valid bool) {
	if t[name] == nil {
		t[name] = new([2]int)
	}
	if valid {
		t[name][0]++
	} else {
		t[name][1]++
	}
}

// TestDifferentialCompiledAgreesWithKin runs generated bodies, mutated or
// taken just past a bound (15,000), parameters (6,000 requests) and
// answers (3,000) through the compiled validator and through kin-openapi,
// and fails on any difference.
func TestDifferentialCompiledAgreesWithKin(t *testing.T) {
	bodies, routes := differentialCases(t)
	g := schemagen.New(1)
	counts := tally{}
	failures := 0
	fail := func(format string, args ...any) {
		if failures++; failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	perBody := 15000 / len(bodies)
	for _, b := range bodies {
		for i := range perBody {
			v := g.Value(b.schema)
			switch i % 4 {
			case 1, 2:
				v = g.Mutate(v)
			case 3:
				v = g.Edge(b.schema, v)
			}
			want := b.kin(v)
			if got := b.fast.Valid(v); got != (want == nil) {
				data, _ := json.Marshal(v)
				fail("%s: %s\ncompiled says valid=%v, kin-openapi: %v", b.name, data, got, want)
			}
			if got := piecewise(b.fast.Root(), v); got != (want == nil) {
				data, _ := json.Marshal(v)
				fail("%s: %s\ncompiled, piece by piece, says valid=%v, kin-openapi: %v", b.name, data, got, want)
			}
			counts.add(b.name, want == nil)
		}
	}
	for _, rc := range routes {
		p := rc.v.fast.params[rc.rt]
		for range 6000 / len(routes) {
			req, path := genRequest(g, rc)
			want := rc.kinRequest(req, path)
			if got := p.Valid(req, path); got != (want == nil) {
				fail("%s: %s %v path %v\ncompiled says valid=%v, kin-openapi: %v", rc.name, req.URL, req.Header, path, got, want)
			}
			counts.add(rc.name+" parameters", want == nil)
		}
		a := rc.v.fast.answers[rc.rt]
		for range 3000 / len(routes) {
			method, status, header := genAnswer(g, rc)
			want := rc.kinAnswer(method, status, header)
			if got := a.Valid(method, status, header); got != (want == nil) {
				fail("%s: %s → %d %v\ncompiled says valid=%v, kin-openapi: %v", rc.name, method, status, header, got, want)
			}
			counts.add(rc.name+" answers", want == nil)
		}
	}
	noParams := map[string]bool{}
	for _, rc := range routes {
		noParams[rc.name+" parameters"] = len(rc.params) == 0
	}
	total, valid := 0, 0
	for name, c := range counts {
		total += c[0] + c[1]
		valid += c[0]
		// Each case must see both verdicts, or the generator says nothing
		// about one side (the exceptions: an operation without parameters,
		// and one whose every response takes any headers).
		if c[0] == 0 || c[1] == 0 && !strings.HasSuffix(name, " answers") && !noParams[name] {
			t.Errorf("%s: %d valid, %d invalid: the generator misses a side", name, c[0], c[1])
		}
	}
	if total < 20000 {
		t.Errorf("%d verdicts compared, want at least 20,000", total)
	}
	t.Logf("%d verdicts compared (%d valid, %d invalid) over %d body cases and %d operations; %d differences",
		total, valid, total-valid, len(bodies), len(routes), failures)
}

// piecewise checks v as a codec that walks it does (schemacheck.Node):
// each object and array by its own rules, then each of its parts by its
// Node; a scalar, and a value whose Node is Whole, whole.
func piecewise(n schemacheck.Node, v any) bool {
	if n.Whole() {
		return n.Valid(v)
	}
	switch x := v.(type) {
	case map[string]any:
		if !n.Object(len(x)) {
			return false
		}
		for _, k := range n.Required() {
			if _, ok := x[k]; !ok {
				return false
			}
		}
		for k, e := range x {
			if p, ok := n.Property(k); !ok || !piecewise(p, e) {
				return false
			}
		}
		return true
	case []any:
		if !n.Array(len(x)) {
			return false
		}
		for _, e := range x {
			if !piecewise(n.Items(), e) {
				return false
			}
		}
		return true
	}
	return n.Valid(v)
}

// genRequest makes a request for rc's parameters: each present, absent,
// empty, or given a value generated for its schema, mutated or not, and
// written in the query in the ways a client may (escaped, repeated, with
// a plus or a semicolon).
func genRequest(g *schemagen.Gen, rc *routeCase) (*http.Request, map[string]string) {
	path := map[string]string{}
	var query []string
	header := http.Header{}
	mutate := 0.0 // a third of the requests are generated valid
	if g.Chance(0.66) {
		mutate = 0.3
	}
	for _, p := range rc.params {
		if !g.Chance(0.9) {
			continue
		}
		raw := paramValue(g, p, mutate)
		switch p.In {
		case openapi3.ParameterInPath:
			path[p.Name] = raw
		case openapi3.ParameterInQuery:
			switch g.R.IntN(6) {
			case 0:
				if mutate == 0 {
					break
				}
				query = append(query, p.Name+"="+raw) // unescaped
			case 1:
				query = append(query, p.Name+"=", p.Name+"="+url.QueryEscape(raw))
			case 2:
				query = append(query, p.Name) // a key alone
			default:
				query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(raw))
			}
		case openapi3.ParameterInHeader:
			switch g.R.IntN(8) {
			case 0:
				if mutate > 0 {
					header[http.CanonicalHeaderKey(p.Name)] = []string{}
				}
			case 1:
				header[http.CanonicalHeaderKey(p.Name)] = []string{raw, "second"}
			default:
				header.Set(p.Name, raw)
			}
		}
	}
	if mutate > 0 && g.Chance(0.1) {
		query = append(query, []string{"zz=1", ";", "a;b=1", "%zz=1", "x=%zz", "&&"}[g.R.IntN(6)])
	}
	target := "/"
	if len(query) > 0 {
		target += "?" + strings.Join(query, "&")
	}
	req := httptest.NewRequest(rc.rt.op.Method, "/", nil)
	req.URL.RawQuery = strings.TrimPrefix(target, "/?")
	if target == "/" {
		req.URL.RawQuery = ""
	}
	req.Header = header
	return req, path
}

// paramValue is a parameter's value as a string: generated for its
// schema, and mutated with the chance given.
func paramValue(g *schemagen.Gen, p *openapi3.Parameter, mutate float64) string {
	var s *openapi3.Schema
	if p.Schema != nil {
		s = p.Schema.Value
	}
	v := g.Value(s)
	if g.Chance(mutate) {
		v = g.MutateAt(v)
	}
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return []string{"x", "1.5", "-", "+1", "0x10", "1e3", "true", " "}[g.R.IntN(8)]
}

// genAnswer makes a method, a status and headers for rc's responses: a
// declared status or another, each declared header present, absent, empty
// or mutated.
func genAnswer(g *schemagen.Gen, rc *routeCase) (method string, status int, header http.Header) {
	method = rc.rt.op.Method
	if g.Chance(0.05) {
		method = http.MethodHead
	}
	declared := slices.Sorted(maps.Keys(rc.answers))
	if len(declared) > 0 && g.Chance(0.7) {
		k := declared[g.R.IntN(len(declared))]
		if n, err := strconv.Atoi(strings.ReplaceAll(k, "X", "0")); err == nil {
			status = n + g.R.IntN(2)*strings.Count(k, "X")
		} else {
			status = 200 + g.R.IntN(400)
		}
	} else {
		status = []int{200, 201, 204, 301, 304, 400, 401, 404, 409, 429, 500, 503, 0, 99, 600}[g.R.IntN(15)]
	}
	header = http.Header{}
	for _, status := range declared {
		resp := rc.answers[status]
		for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
			h := resp.Headers[name]
			if !g.Chance(0.8) {
				continue
			}
			var s *openapi3.Schema
			if h.Value.Schema != nil {
				s = h.Value.Schema.Value
			}
			switch g.R.IntN(8) {
			case 0:
				header[http.CanonicalHeaderKey(name)] = []string{}
			case 1:
				header.Set(name, "")
			default:
				header.Set(name, paramValue(g, &openapi3.Parameter{Schema: &openapi3.SchemaRef{Value: s}}, 0.4))
			}
		}
	}
	return method, status, header
}

// TestCompiledAnswersAsKinOpenAPI sends the same requests, generated and
// mutated, through the pipeline twice, with the compiled validator and
// with kin-openapi alone (Options.Validator), with handlers that answer
// generated and mutated values, and compares the answers whole: status,
// headers and body, every violation's words included.
func TestCompiledAnswersAsKinOpenAPI(t *testing.T) {
	var compared, refused int
	for _, name := range specs.All() {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		serve := map[string]*echo.Echo{}
		var v *Validator
		for _, mode := range []string{ValidatorCompiled, ValidatorKinOpenAPI} {
			e := echo.New()
			render := func(c echo.Context, err error) {
				var re *RequestError
				var se *ResponseError
				switch {
				case errors.As(err, &re):
					_ = c.JSON(re.Status, re.Violations)
				case errors.As(err, &se):
					_ = c.JSON(http.StatusInternalServerError, se.Violations)
				default:
					e.DefaultHTTPErrorHandler(err, c)
				}
			}
			if v, err = New(doc, Options{Validator: mode, RejectUnknownFields: name == specs.Endor, ErrFunc: render}); err != nil {
				t.Fatal(err)
			}
			handlers := map[string]Handler{}
			for _, op := range v.ops {
				rt := v.routes[op.Method+" "+op.EchoPath]
				handlers[op.ID] = func(c echo.Context, in Request) (int, any, error) {
					// The answer depends on the request alone, so that both
					// pipelines answer the same.
					seed, _ := strconv.ParseUint(c.Request().Header.Get("X-Seed"), 10, 64)
					g := schemagen.New(seed)
					status := http.StatusOK
					resp := rt.kin.Operation.Responses.Status(status)
					if resp == nil {
						return http.StatusNoContent, nil, nil
					}
					mt := resp.Value.Content.Get(echo.MIMEApplicationJSON)
					if mt == nil {
						return status, nil, nil
					}
					out := g.Value(mt.Schema.Value)
					if g.Chance(0.3) {
						out = g.Mutate(out)
					}
					c.Response().Header().Set("X-Request-Id", []string{"r1", ""}[g.R.IntN(2)])
					return status, out, nil
				}
			}
			if err := v.Register(e, handlers); err != nil {
				t.Fatal(err)
			}
			serve[mode] = e
		}
		g := schemagen.New(2)
		for _, op := range v.ops {
			rt := v.routes[op.Method+" "+op.EchoPath]
			rc := &routeCase{v: v, rt: rt}
			for _, p := range rt.kin.PathItem.Parameters {
				if rt.kin.Operation.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
					rc.params = append(rc.params, p.Value)
				}
			}
			for _, p := range rt.kin.Operation.Parameters {
				rc.params = append(rc.params, p.Value)
			}
			var body *openapi3.Schema
			if rb := rt.kin.Operation.RequestBody; rb != nil {
				body = rb.Value.Content.Get(echo.MIMEApplicationJSON).Schema.Value
			}
			for i := range 150 {
				base, path := genRequest(g, rc)
				target, raw := rt.op.Path, rt.op.Path
				for k, val := range path {
					target = strings.ReplaceAll(target, "{"+k+"}", val)
					raw = strings.ReplaceAll(raw, "{"+k+"}", url.PathEscape(val))
				}
				var data []byte
				if body != nil {
					val := g.Value(body)
					if i%3 != 0 {
						val = g.Mutate(val)
					}
					data, _ = json.Marshal(val)
				}
				var got [2]*httptest.ResponseRecorder
				for j, mode := range []string{ValidatorCompiled, ValidatorKinOpenAPI} {
					req := httptest.NewRequest(op.Method, "/", bytes.NewReader(data))
					req.URL.Path, req.URL.RawPath, req.URL.RawQuery = target, raw, base.URL.RawQuery
					req.Header = base.Header.Clone()
					req.Header.Set("X-Seed", strconv.Itoa(i))
					if data != nil {
						req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
					}
					got[j] = httptest.NewRecorder()
					serve[mode].ServeHTTP(got[j], req)
				}
				a, b := got[0], got[1]
				if a.Code != b.Code || a.Body.String() != b.Body.String() || fmt.Sprint(a.Header()) != fmt.Sprint(b.Header()) {
					t.Errorf("%s %s %s\ncompiled:    %d %v %s\nkin-openapi: %d %v %s",
						op.Method, target, data, a.Code, a.Header(), a.Body, b.Code, b.Header(), b.Body)
				}
				compared++
				if a.Code != http.StatusOK && a.Code != http.StatusNoContent {
					refused++
				}
			}
		}
	}
	t.Logf("%d exchanges answered alike, %d of them refusals", compared, refused)
}

// FuzzCompiledAgreesWithKin does what the differential test does with the
// fuzzer's inputs. which picks what is checked, by its remainder by 3: a
// body case, whose JSON is body or, without one, a value generated from
// seed (then mutated, or taken past a bound, by seed's remainder by 3);
// an operation's parameters, each path
// parameter being path, the query query, and each header parameter
// header; or an operation's answer, its status path (a number), each
// declared header header. Any difference in verdict fails.
//
//	go test ./mock/pipeline -run '^$' -fuzz '^FuzzCompiledAgreesWithKin$' -fuzztime 60s
func FuzzCompiledAgreesWithKin(f *testing.F) {
	bodies, routes := differentialCases(f)
	g := schemagen.New(3)
	for i := range 2 * len(bodies) {
		v := g.Value(bodies[i%len(bodies)].schema)
		if i >= len(bodies) {
			v = g.Mutate(v)
		}
		data, _ := json.Marshal(v)
		f.Add(uint16(3*(i%len(bodies))), uint64(0), data, "", "", "")
	}
	for i := range 10 * len(bodies) {
		f.Add(uint16(3*(i%len(bodies))), uint64(i), []byte(nil), "", "", "")
	}
	for i, rc := range routes {
		req, path := genRequest(g, rc)
		var p, h string
		for _, k := range slices.Sorted(maps.Keys(path)) {
			p = path[k]
		}
		for _, k := range slices.Sorted(maps.Keys(req.Header)) {
			if vs := req.Header[k]; len(vs) > 0 {
				h = vs[0]
			}
		}
		f.Add(uint16(3*i+1), uint64(0), []byte(nil), req.URL.RawQuery, h, p)
		_, status, header := genAnswer(g, rc)
		for _, k := range slices.Sorted(maps.Keys(header)) {
			if vs := header[k]; len(vs) > 0 {
				h = vs[0]
			}
		}
		f.Add(uint16(3*i+2), uint64(0), []byte(nil), "", h, strconv.Itoa(status))
	}
	f.Fuzz(func(t *testing.T, which uint16, seed uint64, body []byte, query, header, path string) {
		switch which % 3 {
		case 0:
			c := bodies[int(which/3)%len(bodies)]
			var v any
			if len(body) == 0 {
				g := schemagen.New(seed)
				switch v = g.Value(c.schema); seed % 3 {
				case 1:
					v = g.Mutate(v)
				case 2:
					v = g.Edge(c.schema, v)
				}
				body, _ = json.Marshal(v)
			} else {
				var err error
				if v, err = jsonvalue.Decode(context.Background(), body); err != nil {
					return
				}
			}
			want := c.kin(v)
			if got := c.fast.Valid(v); got != (want == nil) {
				t.Fatalf("%s: %s\ncompiled says valid=%v, kin-openapi: %v", c.name, body, got, want)
			}
			return
		case 2:
			rc := routes[int(which/3)%len(routes)]
			status, _ := strconv.Atoi(path)
			h := http.Header{}
			for _, resp := range rc.answers {
				for name := range resp.Headers {
					h.Set(name, header)
				}
			}
			want := rc.kinAnswer(rc.rt.op.Method, status, h)
			if got := rc.v.fast.answers[rc.rt].Valid(rc.rt.op.Method, status, h); got != (want == nil) {
				t.Fatalf("%s: %d %v\ncompiled says valid=%v, kin-openapi: %v", rc.name, status, h, got, want)
			}
			return
		}
		rc := routes[int(which/3)%len(routes)]
		req := httptest.NewRequest(rc.rt.op.Method, "/", nil)
		req.URL.RawQuery = query
		params := map[string]string{}
		for _, p := range rc.params {
			switch p.In {
			case openapi3.ParameterInPath:
				params[p.Name] = path
			case openapi3.ParameterInHeader:
				req.Header.Set(p.Name, header)
			}
		}
		want := rc.kinRequest(req, params)
		if got := rc.v.fast.params[rc.rt].Valid(req, params); got != (want == nil) {
			t.Fatalf("%s: query %q, header %q, path %q\ncompiled says valid=%v, kin-openapi: %v", rc.name, query, header, path, got, want)
		}
	})
}

// TestSchemaSharedByRequestAndAnswerCompilesForEach: a schema that is both
// a request body and an answer is compiled for each direction, so that
// neither falls back to kin-openapi.
func TestSchemaSharedByRequestAndAnswerCompilesForEach(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: echo, version: '1'}
paths:
  /things:
    put:
      operationId: Put
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
      responses:
        '200':
          description: the thing
          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string, readOnly: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas["Thing"].Value
	req, resp := v.fast.reqBody[s], v.fast.respBody[s]
	if req == nil || resp == nil {
		t.Fatalf("compiled as a request body: %v, as an answer: %v", req != nil, resp != nil)
	}
	// Each in its own direction: id is readOnly, so not required of a request.
	if v := map[string]any{}; !req.Valid(v) || resp.Valid(v) {
		t.Errorf("{} as a request: %v (want valid), as an answer: %v (want refused)", req.Valid(v), resp.Valid(v))
	}
}

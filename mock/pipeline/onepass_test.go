package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/internal/schemagen"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/specs"
)

// The one-pass codec (Endor's protobuf JSON, mock/vendors/endor/protojson)
// reads a request body and writes an answer each in one walk that also
// checks it with the compiled validator, piece by piece. kin-openapi stays
// the reference: these tests hold the codec's verdicts to kin-openapi's
// on what the codec read or wrote, both ways, and the answers of the
// compiled pipeline to those of --validator=kin-openapi, whole.

// onePassCase is one body schema of Endor's spec, in one direction, as
// the pipeline reads or writes it.
type onePassCase struct {
	name     string
	schema   *openapi3.Schema
	response bool
	v        *pipeline.Validator
}

func endorValidator(t testing.TB, mode string, errFunc pipeline.ErrFunc) (*openapi3.T, *pipeline.Validator) {
	t.Helper()
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Endor)
	if err != nil {
		t.Fatal(err)
	}
	opts := endor.New(endor.Config{}).Validation()
	opts.Validator, opts.ErrFunc = mode, errFunc
	v, err := pipeline.New(doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return doc, v
}

func onePassCases(t testing.TB) []*onePassCase {
	t.Helper()
	_, v := endorValidator(t, pipeline.ValidatorCompiled, nil)
	var cases []*onePassCase
	for _, response := range []bool{false, true} {
		for _, s := range v.BodySchemas(response) {
			name := s.Title
			if name == "" {
				data, _ := json.Marshal(slices.Sorted(func(yield func(string) bool) {
					for k := range s.Properties {
						if !yield(k) {
							return
						}
					}
				}))
				name = string(data)
			}
			cases = append(cases, &onePassCase{name: fmt.Sprintf("%s response=%v", name, response), schema: s, response: response, v: v})
		}
	}
	slices.SortFunc(cases, func(a, b *onePassCase) int { return strings.Compare(a.name, b.name) })
	return cases
}

// compactContext is a request that Endor answers in the compact form, or
// not.
func compactContext(compact bool) echo.Context {
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	if compact {
		req.Header.Set(echo.HeaderAccept, endor.MediaTypeJSONCompact)
	}
	return echo.New().NewContext(req, httptest.NewRecorder())
}

// verdicts returns the codec's verdict on v and kin-openapi's on what the
// codec made of it; skip when there is no verdict to compare (protojson
// refused the body before any check, or it could not be written).
func (c *onePassCase) verdicts(v any, compact bool) (got bool, want error, skip bool) {
	bc := c.v.BodyCodec(c.schema, c.response)
	if !c.response {
		out, vs, ok := bc.Read(v)
		if len(vs) > 0 {
			return false, nil, true
		}
		return ok, c.v.KinBody(c.schema, false, out), false
	}
	data, ok, err := bc.Append(compactContext(compact), nil, v)
	if err != nil {
		return false, nil, true
	}
	written, err := jsonvalue.Decode(context.Background(), data)
	if err != nil {
		return false, err, false
	}
	return ok, c.v.KinBody(c.schema, true, written), false
}

// TestOnePassAgreesWithKin reads generated request bodies, and writes
// generated answers (in both of Endor's forms), mutated or taken past a
// bound, and spelt as protobuf JSON clients spell them, 24,000 in all:
// the codec's verdict, checked as it walked, must be kin-openapi's on what
// it read or wrote.
func TestOnePassAgreesWithKin(t *testing.T) {
	cases := onePassCases(t)
	g := schemagen.New(11)
	failures := 0
	counts := map[string]*[3]int{} // valid, refused, refused by protojson first
	per := 24000 / len(cases)
	for _, c := range cases {
		counts[c.name] = new([3]int)
		for i := range per {
			v := g.Value(c.schema)
			switch i % 4 {
			case 1, 2:
				v = g.Mutate(v)
			case 3:
				v = g.Edge(c.schema, v)
			}
			v = g.Protobuf(c.schema, v)
			got, want, skip := c.verdicts(v, i%2 == 1)
			switch {
			case skip:
				counts[c.name][2]++
				continue
			case want == nil:
				counts[c.name][0]++
			default:
				counts[c.name][1]++
			}
			if got != (want == nil) {
				if failures++; failures <= 20 {
					data, _ := json.Marshal(v)
					t.Errorf("%s (compact %v): %s\nthe codec says valid=%v, kin-openapi: %v", c.name, i%2 == 1, data, got, firstLine(want))
				}
			}
		}
	}
	total := 0
	for name, n := range counts {
		total += n[0] + n[1]
		if n[0] == 0 || n[1] == 0 {
			t.Errorf("%s: %d valid, %d refused: the generator misses a side", name, n[0], n[1])
		}
	}
	if total < 20000 {
		t.Errorf("%d verdicts compared, want at least 20,000", total)
	}
	t.Logf("%d verdicts compared over %d cases; %d differences", total, len(cases), failures)
}

// TestOnePassAnswersAsKinOpenAPI sends the same requests, generated,
// mutated and spelt as protobuf JSON clients spell them, in either
// content type and asking for either form, to Endor's pipeline twice,
// with the compiled validator (the one-pass codec checking as it goes)
// and with kin-openapi alone, behind handlers that answer generated
// values; and compares the answers whole, every word of every refusal.
func TestOnePassAnswersAsKinOpenAPI(t *testing.T) {
	var doc *openapi3.T
	serve := map[string]*echo.Echo{}
	var ops []pipeline.Operation
	for _, mode := range []string{pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
		e := echo.New()
		render := func(c echo.Context, err error) {
			var re *pipeline.RequestError
			var se *pipeline.ResponseError
			switch {
			case errors.As(err, &re):
				_ = c.JSON(re.Status, re.Violations)
			case errors.As(err, &se):
				_ = c.JSON(http.StatusInternalServerError, se.Violations)
			default:
				e.DefaultHTTPErrorHandler(err, c)
			}
		}
		var v *pipeline.Validator
		doc, v = endorValidator(t, mode, render)
		ops = v.Operations()
		handlers := map[string]pipeline.Handler{}
		for _, op := range ops {
			kop := doc.Paths.Find(op.Path).GetOperation(op.Method)
			handlers[op.ID] = func(c echo.Context, in pipeline.Request) (int, any, error) {
				// The answer depends on the request alone, so that both
				// pipelines answer the same.
				seed, _ := strconv.ParseUint(c.Request().Header.Get("X-Seed"), 10, 64)
				g := schemagen.New(seed)
				s := kop.Responses.Status(http.StatusOK).Value.Content.Get(echo.MIMEApplicationJSON).Schema.Value
				out := g.Value(s)
				if g.Chance(0.3) {
					out = g.Mutate(out)
				}
				return http.StatusOK, g.Protobuf(s, out), nil
			}
		}
		if err := v.Register(e, handlers); err != nil {
			t.Fatal(err)
		}
		serve[mode] = e
	}
	g := schemagen.New(12)
	compared, refused := 0, 0
	for _, op := range ops {
		kop := doc.Paths.Find(op.Path).GetOperation(op.Method)
		target := strings.NewReplacer("{tenant_meta.namespace}", "acme.prod", "{uuid}", "656e69058032bf0abaaeb600").Replace(op.Path)
		for i := range 250 {
			var data []byte
			if rb := kop.RequestBody; rb != nil {
				s := rb.Value.Content.Get(echo.MIMEApplicationJSON).Schema.Value
				v := g.Value(s)
				if i%3 != 0 {
					v = g.Mutate(v)
				}
				data, _ = json.Marshal(g.Protobuf(s, v))
			}
			ct := []string{echo.MIMEApplicationJSON, endor.MediaTypeJSONCompact}[g.R.IntN(2)]
			accept := []string{"", echo.MIMEApplicationJSON, endor.MediaTypeJSONCompact}[g.R.IntN(3)]
			var got [2]*httptest.ResponseRecorder
			for j, mode := range []string{pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
				req := httptest.NewRequest(op.Method, target, bytes.NewReader(data))
				req.Header.Set("X-Seed", strconv.Itoa(i))
				if data != nil {
					req.Header.Set(echo.HeaderContentType, ct)
				}
				if accept != "" {
					req.Header.Set(echo.HeaderAccept, accept)
				}
				got[j] = httptest.NewRecorder()
				serve[mode].ServeHTTP(got[j], req)
			}
			a, b := got[0], got[1]
			if a.Code != b.Code || a.Body.String() != b.Body.String() || fmt.Sprint(a.Header()) != fmt.Sprint(b.Header()) {
				t.Errorf("%s %s %s (%s, accept %q)\ncompiled:    %d %v %s\nkin-openapi: %d %v %s",
					op.Method, target, data, ct, accept, a.Code, a.Header(), a.Body, b.Code, b.Header(), b.Body)
			}
			compared++
			if a.Code != http.StatusOK {
				refused++
			}
		}
	}
	if refused == 0 || refused == compared {
		t.Errorf("%d of %d exchanges refused: both sides must be seen", refused, compared)
	}
	t.Logf("%d exchanges answered alike, %d of them refusals", compared, refused)
}

// FuzzOnePassAgreesWithKin does what TestOnePassAgreesWithKin does with
// the fuzzer's inputs: which picks the case (and, by its parity, the
// compact form of an answer); the value is body's JSON or, without one,
// generated from seed (mutated by seed's remainder by 3, spelt as
// protobuf JSON by its remainder by 2).
//
//	go test ./mock/pipeline -run '^$' -fuzz '^FuzzOnePassAgreesWithKin$' -fuzztime 60s
func FuzzOnePassAgreesWithKin(f *testing.F) {
	cases := onePassCases(f)
	g := schemagen.New(13)
	for i := range 2 * len(cases) {
		c := cases[i%len(cases)]
		data, _ := json.Marshal(g.Protobuf(c.schema, g.Mutate(g.Value(c.schema))))
		f.Add(uint16(2*(i%len(cases))+i%2), uint64(0), data)
	}
	for i := range 6 * len(cases) {
		f.Add(uint16(i), uint64(i), []byte(nil))
	}
	f.Fuzz(func(t *testing.T, which uint16, seed uint64, body []byte) {
		c := cases[int(which/2)%len(cases)]
		var v any
		if len(body) == 0 {
			g := schemagen.New(seed)
			if v = g.Value(c.schema); seed%3 == 1 {
				v = g.Mutate(v)
			}
			if seed%2 == 1 {
				v = g.Protobuf(c.schema, v)
			}
		} else {
			var err error
			if v, err = jsonvalue.Decode(context.Background(), body); err != nil {
				return
			}
		}
		got, want, skip := c.verdicts(v, which%2 == 1)
		if !skip && got != (want == nil) {
			data, _ := json.Marshal(v)
			t.Fatalf("%s (compact %v): %s\nthe codec says valid=%v, kin-openapi: %v", c.name, which%2 == 1, data, got, firstLine(want))
		}
	})
}

// firstLine is an error's first line: kin-openapi's go on with the schema.
func firstLine(err error) string {
	if err == nil {
		return "<nil>"
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	return first
}

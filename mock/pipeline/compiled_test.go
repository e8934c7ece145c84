package pipeline_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// TestValidatorOption: the two validators are named, and any other name
// is refused when the Validator is built.
func TestValidatorOption(t *testing.T) {
	doc := loadDoc(t, petSpec)
	for _, name := range []string{"", pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
		if _, err := pipeline.New(doc, pipeline.Options{Validator: name}); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	_, err := pipeline.New(doc, pipeline.Options{Validator: "fast"})
	if want := `openapi: validator "fast" is not compiled or kin-openapi`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestKinOpenAPIValidatorTakesTheHotPathBack: the compiled validator
// checks a valid create without kin-openapi, which allocates as it visits;
// --validator=kin-openapi gives the whole check back to kin-openapi.
func TestKinOpenAPIValidatorTakesTheHotPathBack(t *testing.T) {
	allocs := map[string]float64{}
	for _, name := range []string{pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
		e := newServer(t, pipeline.Options{Validator: name, RejectUnknownFields: true}, okHandler)
		allocs[name] = testing.AllocsPerRun(50, func() {
			req := httptest.NewRequest(http.MethodPost, "/v1/owners/alice/pets?limit=2", strings.NewReader(good))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", name, rec.Code, rec.Body)
			}
		})
	}
	// kin-openapi's ValidateRequest, ValidateResponse and two VisitJSON
	// allocate dozens of times; the compiled checks not at all.
	if allocs[pipeline.ValidatorKinOpenAPI]-allocs[pipeline.ValidatorCompiled] < 20 {
		t.Errorf("allocations per request: %v with the compiled validator, %v with kin-openapi's alone",
			allocs[pipeline.ValidatorCompiled], allocs[pipeline.ValidatorKinOpenAPI])
	}
}

// A document with what the compiled validator does not mirror: multipleOf.
const multipleSpec = `
openapi: 3.0.3
info: {title: dozens, version: '1'}
paths:
  /eggs:
    post:
      operationId: Buy
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                count: {type: integer, multipleOf: 12}
      responses:
        '204': {description: bought}
        '400': {description: refused}
`

// TestUncompiledSchemaStaysOnKinOpenAPI: a schema the compiled validator
// cannot mirror is said so at start, with the operation and the reason,
// and kin-openapi checks it alone.
func TestUncompiledSchemaStaysOnKinOpenAPI(t *testing.T) {
	var logs bytes.Buffer
	v, err := pipeline.New(loadDoc(t, multipleSpec), pipeline.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		ErrFunc: func(c echo.Context, err error) { _ = c.String(http.StatusBadRequest, err.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	want := `level=INFO msg="validation stays on kin-openapi: the compiled validator does not mirror it" operation=Buy what="request body application/json" reason="properties.count: multipleOf"`
	if got := strings.TrimSpace(logs.String()); !strings.HasSuffix(got, want) || strings.Count(got, "\n") != 0 {
		t.Errorf("log:\n%s\nwant one line ending\n%s", got, want)
	}
	e := echo.New()
	if err := v.Register(e, map[string]pipeline.Handler{"Buy": func(echo.Context, pipeline.Request) (int, any, error) {
		return http.StatusNoContent, nil, nil
	}}); err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		`{"count":24}`: "204 ",
		`{"count":25}`: "400 count: number must be a multiple of 12",
	} {
		r := do(t, e, http.MethodPost, "/eggs", "application/json", body)
		if got := fmt.Sprintf("%d %s", r.status, r.raw); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
}

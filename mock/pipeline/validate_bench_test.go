package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/specs"
)

// What the three creates send and answer (BenchmarkCreate's requests, and
// the answers repomock gave them).
const (
	endorCreate = `{"meta":{"name":"b1","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"b1","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"b1"}}}`
	endorAnswer = `{"context":{"id":"b1","tags":[],"type":"CONTEXT_TYPE_REF"},"meta":{"annotations":{},"create_time":"2026-12-07T18:05:23.426210931Z",` +
		`"created_by":"token-9d17676d@repomock@bearer","description":"","kind":"RepositoryVersion","name":"b1","parent_kind":"Project",` +
		`"parent_uuid":"656e69058032bf0abaaeb600","references":{},"tags":[],"update_time":"2026-12-07T18:05:23.426210931Z",` +
		`"updated_by":"token-9d17676d@repomock@bearer","upsert_time":"2026-12-07T18:05:23.426210931Z","version":"v1"},` +
		`"spec":{"allow_ref_as_pr_scan_base":false,"version":{"metadata":{},"ref":"b1","sha":""}},"tenant_meta":{"namespace":"acme.prod"},` +
		`"uuid":"ff4ae39f6bb44fb81c115a0b"}`
	codeartsCreate     = `{"name":"repo-1","project_uuid":"4838955a48e2492bbe44b31bc4c272f6","visibility_level":20}`
	servicestageCreate = `{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`
)

// BenchmarkValidate measures one check of each create's request body,
// parameters and answer: by kin-openapi, as the pipeline calls it
// (VisitJSON with the body's options; ValidateRequest without the body;
// ValidateResponse without the body), and by the compiled validator.
//
//	go test ./mock/pipeline -run '^$' -bench Validate -benchmem -count=5
func BenchmarkValidate(b *testing.B) {
	type check struct {
		name     string
		kin      func() error
		compiled func() bool
	}
	var checks []check
	for _, c := range []struct {
		name, spec, opID, body, answer, target string
		path                                   Params
		headers                                []string
	}{
		{"endor", specs.Endor, "RepositoryVersionService_CreateRepositoryVersion", endorCreate, endorAnswer,
			"/v1/namespaces/acme.prod/repository-versions", Params{"tenant_meta.namespace": "acme.prod"}, nil},
		{"codearts", specs.CodeArts, "CreateRepository", codeartsCreate, "", "/v1/repositories", Params{}, []string{"X-Auth-Token", "t"}},
		{"servicestage", specs.ServiceStage, "CreateFile", servicestageCreate, "",
			"/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/dir:file-1.txt?ref=master",
			Params{"project_id": "0123456789abcdef0123456789abcdef", "namespace": "repomock", "project": "group:app", "path": "dir:file-1.txt"},
			[]string{"X-Auth-Token", "t", "X-Repo-Auth", "repomock-bench"}},
	} {
		doc, err := specs.Load(context.Background(), specs.FS(), c.spec)
		if err != nil {
			b.Fatal(err)
		}
		// As the vendors set it: Endor refuses unknown fields.
		v, err := New(doc, Options{RejectUnknownFields: c.spec == specs.Endor})
		if err != nil {
			b.Fatal(err)
		}
		var rt *route
		for _, r := range v.routes {
			if r.op.ID == c.opID {
				rt = r
			}
		}
		schema := rt.kin.Operation.RequestBody.Value.Content.Get("application/json").Schema.Value
		body, err := jsonvalue.Decode(context.Background(), []byte(c.body))
		if err != nil {
			b.Fatal(err)
		}
		opts, _ := v.requestBody(schema)
		fast := v.fast.reqBody[schema]
		checks = append(checks, check{c.name + "-request",
			func() error { return schema.VisitJSON(body, opts...) },
			func() bool { return fast.Valid(body) }})

		req := httptest.NewRequest(http.MethodPost, c.target, http.NoBody)
		for i := 0; i+1 < len(c.headers); i += 2 {
			req.Header.Set(c.headers[i], c.headers[i+1])
		}
		params := v.fast.params[rt]
		checks = append(checks, check{c.name + "-parameters",
			func() error {
				return openapi3filter.ValidateRequest(req.Context(), &openapi3filter.RequestValidationInput{
					Request: req, PathParams: c.path, Route: rt.kin, Options: &v.reqOpts})
			},
			func() bool { return params.Valid(req, c.path) }})

		if c.answer == "" {
			continue
		}
		answer, err := jsonvalue.Decode(context.Background(), []byte(c.answer))
		if err != nil {
			b.Fatal(err)
		}
		aschema := responseSchema(rt, http.StatusOK, "application/json")
		aopts, _ := v.responseBody(aschema)
		afast := v.fast.respBody[aschema]
		checks = append(checks, check{c.name + "-answer",
			func() error { return aschema.VisitJSON(answer, aopts...) },
			func() bool { return afast.Valid(answer) }})
		header := http.Header{"Content-Type": {"application/json"}}
		answers := v.fast.answers[rt]
		checks = append(checks, check{c.name + "-answer-status-headers",
			func() error {
				return openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: c.path, Route: rt.kin, Options: &v.reqOpts},
					Status:                 http.StatusOK, Header: header, Options: &v.respHeadOpts})
			},
			func() bool { return answers.Valid(http.MethodPost, http.StatusOK, header) }})
	}
	for _, c := range checks {
		if err := c.kin(); err != nil || !c.compiled() {
			b.Fatalf("%s: kin-openapi: %v, compiled: %v", c.name, err, c.compiled())
		}
		b.Run(c.name+"/kin-openapi", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.kin()
			}
		})
		b.Run(c.name+"/compiled", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.compiled()
			}
		})
	}
}

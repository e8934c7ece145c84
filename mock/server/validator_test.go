package server_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// TestValidatorsAnswerAlike: with --validator=compiled and with
// --validator=kin-openapi the server answers the same requests, good and
// bad, with the same status, headers and body, byte for byte: the compiled
// validator only decides sooner, and kin-openapi words every refusal.
func TestValidatorsAnswerAlike(t *testing.T) {
	ssPath := "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/dir:a.txt"
	requests := []struct {
		method, target, body string
		headers              []string
	}{
		{"POST", endortest.Path, `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, nil},
		{"POST", endortest.Path, `{"meta":{"name":"main","colour":"red"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, nil},
		{"POST", endortest.Path, `{"meta":{},"context":{"id":"main","type":"CONTEXT_TYPE_NOPE"}}`, nil},
		{"POST", endortest.Path, `{"meta":{"name":"x","create_time":"yesterday"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, nil},
		{"GET", endortest.Path + "?list_parameters.page_size=abc", "", nil},
		{"GET", endortest.Path + "?list_parameters.page_size=2&list_parameters.count=true", "", nil},
		{"POST", "/v1/repositories", `{"name":"repo-1","project_uuid":"4838955a48e2492bbe44b31bc4c272f6","visibility_level":20}`, []string{"X-Auth-Token", "t"}},
		{"POST", "/v1/repositories", `{"name":"repo-2","project_uuid":"4838955a48e2492bbe44b31bc4c272f6","visibility_level":"30"}`, []string{"X-Auth-Token", "t"}},
		{"POST", "/v1/repositories", `{"name":"` + strings.Repeat("n", 300) + `","project_uuid":"short"}`, []string{"X-Auth-Token", "t"}},
		{"POST", "/v1/repositories", `{"name":"` + strings.Repeat("n", 257) + `","project_uuid":"4838955a48e2492bbe44b31bc4c272f6"}`, []string{"X-Auth-Token", "t"}},
		{"GET", "/v2/repositories/abc", "", []string{"X-Auth-Token", "t"}},
		{"POST", ssPath + "?ref=master", `{"message":"m","content":"aGk="}`, []string{"X-Auth-Token", "t", "X-Repo-Auth", "repomock-test"}},
		{"POST", ssPath + "?ref=master", `{"message":"m","content":"aGk="}`, []string{"X-Auth-Token", "t", "X-Repo-Auth", "a b"}},
		{"POST", ssPath, `{"message":"","content":"aGk=","encoding":"utf-7"}`, []string{"X-Auth-Token", "t", "X-Repo-Auth", "repomock-test"}},
	}
	answers := map[string][]string{}
	for _, validator := range []string{pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
		srv, err := server.New(server.Config{Seed: 1, Clock: vendorstest.NewClock().Now, Validator: validator})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range requests {
			req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
			if r.body != "" {
				req.Header.Set("Content-Type", ctJSON)
			}
			if r.headers == nil {
				req.Header.Set("Authorization", token)
			}
			for i := 0; i+1 < len(r.headers); i += 2 {
				req.Header.Set(r.headers[i], r.headers[i+1])
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			answers[validator] = append(answers[validator], fmt.Sprintf("%d %v %s", rec.Code, rec.Header(), rec.Body))
		}
	}
	refused := 0
	for i, r := range requests {
		compiled, kin := answers[pipeline.ValidatorCompiled][i], answers[pipeline.ValidatorKinOpenAPI][i]
		if compiled != kin {
			t.Errorf("%s %s %.80s\ncompiled:    %s\nkin-openapi: %s", r.method, r.target, r.body, compiled, kin)
		}
		if !strings.HasPrefix(kin, "200 ") {
			refused++
		}
	}
	if refused < 8 {
		t.Errorf("%d of %d requests refused: the bad ones must be refused, for their words to be compared", refused, len(requests))
	}
}

func TestValidatorSettingIsChecked(t *testing.T) {
	_, err := server.New(server.Config{Validator: "fast"})
	if want := `validator: "fast" is not compiled or kin-openapi`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

package mock_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/repomock/repomock/mock"
	"github.com/repomock/repomock/mock/openapi"
)

// createCase makes the i-th create request of one vendor's create operation.
type createCase struct {
	name string
	req  func(i int64) *http.Request
}

func jsonRequest(method, target, body string, headers ...string) *http.Request {
	req := httptest.NewRequest(method, target, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", ctJSON)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

var createCases = []createCase{
	{"endor", func(i int64) *http.Request {
		name := fmt.Sprintf("b%d", i)
		return jsonRequest(http.MethodPost, rvPath, fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":%q,"type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":%q}}}`, name, name, name), "Authorization", token)
	}},
	{"endor-upsert", func(int64) *http.Request {
		return jsonRequest(http.MethodPost, rvPath, `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, "Authorization", token)
	}},
	{"codearts", func(i int64) *http.Request {
		return jsonRequest(http.MethodPost, "/v1/repositories", fmt.Sprintf(`{"name":"repo-%d","project_uuid":"4838955a48e2492bbe44b31bc4c272f6","visibility_level":20}`, i), "X-Auth-Token", "t")
	}},
	{"servicestage", func(i int64) *http.Request {
		return jsonRequest(http.MethodPost, fmt.Sprintf("/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/dir:file-%d.txt?ref=master", i),
			`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`, "X-Auth-Token", "t", "X-Repo-Auth", "repomock-bench")
	}},
}

// BenchmarkCreate measures each vendor's create through the whole server
// (routing, auth, request and response validation, the store), with the
// handler called in-process so that no network cost is counted. Each
// iteration creates a new object, except endor-upsert, which updates one.
// The cases named …-kin-openapi run with --validator=kin-openapi.
//
//	go test ./mock -run '^$' -bench Create -benchmem
func BenchmarkCreate(b *testing.B) {
	for _, c := range createCases {
		for _, validator := range []string{openapi.ValidatorCompiled, openapi.ValidatorKinOpenAPI} {
			name := c.name
			if validator != openapi.ValidatorCompiled {
				name += "-" + validator
			}
			b.Run(name, func(b *testing.B) { benchmarkCreate(b, c, validator) })
		}
	}
}

func benchmarkCreate(b *testing.B, c createCase, validator string) {
	srv, err := mock.New(mock.Config{Seed: 1, Validator: validator})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, c.req(n.Add(1)))
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

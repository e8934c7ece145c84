package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
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
		return jsonRequest(http.MethodPost, endortest.Path, fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":%q,"type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":%q}}}`, name, name, name), "Authorization", token)
	}},
	{"endor-upsert", func(int64) *http.Request {
		return jsonRequest(http.MethodPost, endortest.Path, `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, "Authorization", token)
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
//	go test ./mock/server -run '^$' -bench Create -benchmem
func BenchmarkCreate(b *testing.B) {
	for _, c := range createCases {
		for _, validator := range []string{pipeline.ValidatorCompiled, pipeline.ValidatorKinOpenAPI} {
			name := c.name
			if validator != pipeline.ValidatorCompiled {
				name += "-" + validator
			}
			b.Run(name, func(b *testing.B) { benchmarkCreate(b, c, validator) })
		}
	}
}

func benchmarkCreate(b *testing.B, c createCase, validator string) {
	srv, err := server.New(server.Config{Seed: 1, Validator: validator})
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

// escapedKeys is the body of issue 21's finding 1: an object of n keys,
// each written with an escape ({"\u006b0":1,"\u006b1":1,…}).
func escapedKeys(n int) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"\u006b%d":1`, i)
	}
	b.WriteByte('}')
	return b.String()
}

// newlineStrings is an array of n strings "\n" (an escape each).
func newlineStrings(n int) string {
	return "[" + strings.Repeat(`"\n",`, n-1) + `"\n"]`
}

// BenchmarkHostileBody measures what a body built to be expensive costs
// the whole server (POST /v1/auth/api-key needs no credentials): per
// doubling of its size the cost should double, not quadruple.
//
//	go test ./mock/server -run '^$' -bench HostileBody -benchmem
func BenchmarkHostileBody(b *testing.B) {
	srv, err := server.New(server.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	cases := []struct {
		name string
		body string
	}{}
	for _, n := range []int{1000, 2000, 4000, 8000} {
		cases = append(cases, struct{ name, body string }{fmt.Sprintf("escaped-keys=%d", n), escapedKeys(n)})
	}
	for _, n := range []int{20000, 40000, 80000} {
		cases = append(cases, struct{ name, body string }{fmt.Sprintf("newline-strings=%d", n), newlineStrings(n)})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, jsonRequest(http.MethodPost, "/v1/auth/api-key", c.body))
				if rec.Code != http.StatusBadRequest {
					b.Fatalf("status %d, want 400: %.200s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkStateDurability measures what --state-durability fsync costs an
// Endor create, in-process, with the state file in a temporary directory
// (the figure is the disk's fsync): each mode with one client, and with 8
// at once, whose changes share an fsync.
//
//	go test ./mock/server -run '^$' -bench StateDurability -benchtime 2000x
func BenchmarkStateDurability(b *testing.B) {
	for _, mode := range []string{server.DurabilityInterval, server.DurabilityFsync} {
		for _, clients := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/clients=%d", mode, clients), func(b *testing.B) {
				srv, err := server.New(server.Config{Seed: 1, StateFile: b.TempDir() + "/state.json", StateDurability: mode})
				if err != nil {
					b.Fatal(err)
				}
				h := srv.Handler()
				var n atomic.Int64
				create := func() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, createCases[0].req(n.Add(1)))
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
				if clients == 1 {
					for b.Loop() {
						create()
					}
				} else {
					b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							create()
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
			})
		}
	}
}

// BenchmarkAdminJournal measures GET /__admin/requests on a full journal
// (1000 Endor creates, each body about 250 bytes each way), the admin
// route whose answer is the largest: through the pipeline, the answer is
// encoded, decoded and checked against specs/admin.yaml before it is sent.
//
//	go test ./mock/server -run '^$' -bench AdminJournal -benchmem
func BenchmarkAdminJournal(b *testing.B) {
	srv, err := server.New(server.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for i := range int64(1000) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, createCases[0].req(i))
		if rec.Code != http.StatusOK {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/__admin/requests", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("journal: %d %.300s", rec.Code, rec.Body)
		}
	}
}

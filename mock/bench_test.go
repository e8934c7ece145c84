package mock_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/repomock/repomock/mock"
)

// BenchmarkEndorCreate measures CreateRepositoryVersion through the whole
// server (routing, auth, request and response validation, the store) with
// the handler called in-process, so that network cost is left out.
// Each iteration creates a new object; "upsert" updates one key over and over.
//
//	go test ./mock -run '^$' -bench EndorCreate -benchmem
func BenchmarkEndorCreate(b *testing.B) {
	for _, mode := range []string{"new", "upsert"} {
		b.Run(mode, func(b *testing.B) {
			srv, err := mock.New(mock.Config{Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			var n atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := "main"
					if mode == "new" {
						name = fmt.Sprintf("b%d", n.Add(1))
					}
					body := fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":%q,"type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":%q}}}`, name, name, name)
					req := httptest.NewRequest(http.MethodPost, rvPath, bytes.NewReader([]byte(body)))
					req.Header.Set("Authorization", token)
					req.Header.Set("Content-Type", ctJSON)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

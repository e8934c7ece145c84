package pipeline_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// BenchmarkMiddleware measures the validating middleware alone: the same
// handler on the same route, behind the middleware ("validated") and bare.
//
//	go test ./mock/pipeline -run '^$' -bench Middleware -benchmem
func BenchmarkMiddleware(b *testing.B) {
	doc := loadDocB(b, petSpec)
	for _, mode := range []string{"bare", "validated"} {
		b.Run(mode, func(b *testing.B) {
			e := echo.New()
			if mode == "bare" {
				e.POST("/v1/owners/:owner.name/pets", func(c echo.Context) error {
					_, body, _ := okHandler(c, pipeline.Request{Params: pipeline.Params{"owner.name": c.Param("owner.name")}})
					return pipeline.WriteJSON(c, http.StatusOK, body)
				})
			} else {
				v, err := pipeline.New(doc, pipeline.Options{RejectUnknownFields: true})
				if err != nil {
					b.Fatal(err)
				}
				if err := v.Register(e, map[string]pipeline.Handler{"CreatePet": okHandler}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/v1/owners/alice/pets", strings.NewReader(good))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					e.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

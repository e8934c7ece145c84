package endor

import (
	"fmt"
	"github.com/repomock/repomock/mock/vendors/endor/filter"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// fill stores n repository versions in ns of s, as creates would.
func fill(f *Fake, s *store.Store, ns string, n int) {
	for i := range n {
		b := &createBody{}
		b.Meta.Name = "v" + strconv.Itoa(i)
		b.Meta.ParentUUID = "656e69058032bf0abaaeb600"
		if i%2 == 0 {
			b.Meta.Tags = []string{"even"}
		}
		b.Context = Context{ID: b.Meta.Name, Type: "CONTEXT_TYPE_REF"}
		b.Spec = []byte(`{"version":{"ref":"` + b.Meta.Name + `"}}`)
		if _, err := f.upsert(s, ns, b, "bench@repomock@bearer", f.newID); err != nil {
			panic(err)
		}
	}
}

func newBenchFake() *Fake {
	return New(Config{Faker: gofakeit.New(1), Clock: func() time.Time { return time.Unix(1_700_000_000, 0) }})
}

// storedSizes are the store sizes the scale benchmarks run at.
// REPOMOCK_BENCH_LARGE=1 adds 1,000,000 (about 30 s to fill, and ~1.5 GB).
func storedSizes() []int {
	sizes := []int{0, 100_000}
	if os.Getenv("REPOMOCK_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// BenchmarkCreateWithStored measures the create handler (auth and
// validation left out: this is the store's cost) with an empty store and
// with many stored objects, and reports the memory each stored object
// takes beyond its JSON.
//
//	REPOMOCK_BENCH_LARGE=1 go test ./mock/vendors/endor -run '^$' -bench CreateWithStored -benchmem
func BenchmarkCreateWithStored(b *testing.B) {
	for _, n := range storedSizes() {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			f := newBenchFake()
			s := f.Store("")
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			fill(f, s, "acme.prod", n)
			runtime.GC()
			runtime.ReadMemStats(&after)
			var perObject, jsonPerObject float64
			if n > 0 {
				var jsonBytes int
				_, objects := s.Contents()
				for _, o := range objects {
					jsonBytes += len(o)
				}
				perObject = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				jsonPerObject = float64(jsonBytes) / float64(n)
			}
			e := echo.New()
			b.ResetTimer()
			for i := range b.N {
				name := "new-" + strconv.Itoa(i)
				body := `{"meta":{"name":"` + name + `","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`
				req := httptest.NewRequest(http.MethodPost, "/v1/namespaces/acme.prod/repository-versions", nil)
				c := e.NewContext(req, httptest.NewRecorder())
				// What the pipeline does around the handler: decode, then encode the answer.
				value, err := jsonvalue.Decode(c.Request().Context(), []byte(body))
				if err != nil {
					b.Fatal(err)
				}
				status, out, err := f.create(c, pipeline.Request{Body: value, Params: pipeline.Params{nsParam: "acme.prod"}})
				if err != nil || status != http.StatusOK {
					b.Fatalf("create: %v %d", err, status)
				}
				if _, err := jsonvalue.Marshal(out); err != nil {
					b.Fatal(err)
				}
			}
			if n > 0 { // after the loop: ResetTimer deletes reported metrics
				b.ReportMetric(perObject, "heap-B/object")
				b.ReportMetric(perObject-jsonPerObject, "beyond-json-B/object")
			}
		})
	}
}

// BenchmarkListFilter measures a filtered list over 10,000 and 100,000
// objects: ns/object should stay flat (linear growth).
//
//	go test ./mock/vendors/endor -run '^$' -bench ListFilter -benchmem
func BenchmarkListFilter(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			f := newBenchFake()
			s := f.Store("")
			fill(f, s, "acme.prod", n)
			expr, err := filter.Parse(`meta.tags contains even and (spec.version.ref == v42 or meta.name matches "^v1")`)
			if err != nil {
				b.Fatal(err)
			}
			q := store.Query{Filter: expr}
			s.List("acme.prod", q) // decode every object's view once, as the first list would
			b.ResetTimer()
			for range b.N {
				if got := s.List("acme.prod", q); len(got) == 0 {
					b.Fatal("no match")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/object")
		})
	}
}

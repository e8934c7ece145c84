package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock"
)

// allocated measures what f allocates, run alone (as testing.AllocsPerRun
// runs it): bytes and allocations.
func allocated(f func()) (bytes, count uint64) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f() // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// A body built to be expensive costs the server in proportion to its size
// (issue 21, finding 1: 1,000 / 2,000 / 4,000 escaped keys to the
// unauthenticated API-key exchange cost 0.55 / 2.0 / 9.4 s of CPU, and
// 80,000 "\n" strings 6.9 s). What a request allocates is the measure:
// unlike its time, it is the same on every run. BenchmarkHostileBody
// gives the times.
func TestHostileBodiesCostLinearTime(t *testing.T) {
	srv, err := mock.New(mock.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	for _, body := range []struct {
		name string
		make func(n int) string
		base int
	}{{"escaped keys", escapedKeys, 1000}, {"newline strings", newlineStrings, 10000}} {
		var prevBytes, prevCount uint64
		for n := body.base; n <= 8*body.base; n *= 2 {
			data := body.make(n)
			status := 0
			b, c := allocated(func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, jsonRequest(http.MethodPost, "/v1/auth/api-key", data))
				status = rec.Code
			})
			if status != http.StatusBadRequest {
				t.Errorf("%s, %d: status %d, want 400", body.name, n, status)
			}
			t.Logf("%s, %d: %d bytes, %d allocations", body.name, n, b, c)
			if prevBytes > 0 && (float64(b) > 2.5*float64(prevBytes) || float64(c) > 2.5*float64(prevCount)) {
				t.Errorf("%s, %d → %d: %d → %d bytes, %d → %d allocations: more than 2.5 times per doubling",
					body.name, n/2, n, prevBytes, b, prevCount, c)
			}
			prevBytes, prevCount = b, c
		}
	}
}

// A request whose client has gone is not served: its body is not handled
// (nothing is created) and the journal records no answer (issue 21,
// finding 1: the work went on after the client had gone).
func TestRequestWorkStopsWhenTheClientGoes(t *testing.T) {
	l := newLive(t, mock.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // gone before the server reads a byte of the body
	req := jsonRequest(http.MethodPost, rvPath, fmt.Sprintf(endorCreate, "gone", "gone"), "Authorization", token).WithContext(ctx)
	l.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)

	if status, body := l.call(http.MethodGet, rvPath, "", "Authorization", token); status != http.StatusOK || strings.Contains(body, `"gone"`) {
		t.Errorf("the list after the client went: %d %s; want 200 without the object", status, body)
	}
	es := l.requests("?operation=RepositoryVersionService_CreateRepositoryVersion")
	if len(es) != 1 || es[0].Status != 0 {
		var got []int
		for _, e := range es {
			got = append(got, e.Status)
		}
		t.Fatalf("journal: creates with statuses %v; want one, with status 0 (no answer)", got)
	}
}

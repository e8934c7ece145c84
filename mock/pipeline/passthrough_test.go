package pipeline_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// An upstream's answer, as a proxy hands it on: written byte for byte, and
// checked as received.
func rawAnswer(body string) pipeline.Handler {
	return func(echo.Context, pipeline.Request) (int, any, error) {
		h := http.Header{"Content-Type": {"application/json"}, "X-Upstream": {"1"}}
		return http.StatusOK, &pipeline.Raw{Status: http.StatusOK, Header: h, Body: []byte(body)}, nil
	}
}

func TestRawAnswerIsWrittenAsReceived(t *testing.T) {
	const body = `{ "owner":"alice",  "id":"p1" }` // spacing and order no encoder would write
	e := newServer(t, pipeline.Options{}, rawAnswer(body))
	r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good)
	if r.status != http.StatusOK || r.raw != body || r.header.Get("X-Upstream") != "1" {
		t.Fatalf("answer %d %q %v, want the raw answer as it was", r.status, r.raw, r.header)
	}
}

func TestRawAnswerIsChecked(t *testing.T) {
	const body = `{"id":42}`
	e := newServer(t, pipeline.Options{}, rawAnswer(body))
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusInternalServerError ||
		!strings.Contains(r.raw, "owner: value is required") {
		t.Errorf("strict: %d %s, want the raw answer replaced", r.status, r.raw)
	}
	e = newServer(t, pipeline.Options{LenientResponses: true}, rawAnswer(body))
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", good); r.status != http.StatusOK || r.raw != body ||
		!strings.Contains(r.header.Get(pipeline.ViolationHeader), "owner: value is required") {
		t.Errorf("lenient: %d %s %v, want the raw answer marked", r.status, r.raw, r.header)
	}
}

func TestLenientRequestsReachTheHandler(t *testing.T) {
	var seen []pipeline.Violation
	var got string
	h := func(c echo.Context, in pipeline.Request) (int, any, error) {
		seen = pipeline.StateOf(c).Violations
		data, _ := io.ReadAll(c.Request().Body)
		got = string(data)
		return okHandler(c, in)
	}
	const bad = `{"meta":{"name":"far too long a name","kind":"cow"}}`
	e := newServer(t, pipeline.Options{LenientRequests: true}, h)
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", bad); r.status != http.StatusOK {
		t.Fatalf("status %d %s, want the handler's answer", r.status, r.raw)
	}
	if got != bad || len(seen) != 2 {
		t.Errorf("handler read %q with violations %v, want the body as sent and its two violations", got, seen)
	}
	// A body over the limit is still refused.
	e = newServer(t, pipeline.Options{LenientRequests: true, MaxBodyBytes: 8}, h)
	if r := do(t, e, http.MethodPost, "/v1/owners/alice/pets", "application/json", bad); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", r.status)
	}
}

package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/specs"
)

// clock is a settable clock for the fakes.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// exchange is one request and the response it got, as seen on the wire.
type exchange struct {
	method, target string
	reqHeader      http.Header
	reqBody        []byte
	status         int
	header         http.Header
	body           []byte
}

// harness runs a repomock server over real HTTP on 127.0.0.1 and records
// every exchange, to replay it against the spec when the test ends.
type harness struct {
	t     *testing.T
	srv   *server.Server
	url   string
	clock *clock

	mu      sync.Mutex
	traffic []exchange
}

// newHarness starts a server. cfg's Clock and Seed default to a fixed clock
// and seed 1.
func newHarness(t *testing.T, cfg server.Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock()}
	if cfg.Clock == nil {
		cfg.Clock = h.clock.Now
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ts := httptest.NewServer(h.recording(srv.Handler()))
	h.url = ts.URL
	t.Cleanup(func() {
		ts.Close()
		checked, errs := replay(t, h.traffic)
		for _, err := range errs {
			t.Error(err)
		}
		t.Logf("replay: %d responses conform to their specs", checked)
	})
	return h
}

// response is what do returns: the status, the headers, the raw body and
// the body decoded as a JSON object (nil if it is not one).
type response struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

const (
	token  = "Bearer test-token"
	ctJSON = "application/json"
)

// do sends a request. body may be a string (sent as is) or anything else
// (sent as JSON); headers are name, value pairs; without them the request
// carries the test bearer token and, with a body, Content-Type: application/json.
func (h *harness) do(method, target string, body any, headers ...string) response {
	h.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, h.url+target, bytes.NewReader(data))
	if err != nil {
		h.t.Fatal(err)
	}
	if headers == nil {
		headers = []string{"Authorization", token}
		if body != nil {
			headers = append(headers, "Content-Type", ctJSON)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	// A client that names its encodings (the Endor SDK's gzip, br, zstd)
	// decompresses for itself: Go's transport does only when it asked.
	raw = gunzip(h.t, resp.Header, raw)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.json)
	return r
}

// gunzip returns a gzip-encoded body decompressed, as the client reads it.
func gunzip(t *testing.T, header http.Header, body []byte) []byte {
	t.Helper()
	if header.Get("Content-Encoding") != "gzip" {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Content-Encoding: gzip, but the body is not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("a gzip body that does not decompress: %v", err)
	}
	return out
}

// recording wraps the server so that every exchange, whoever the client
// (the tests' own requests or the Huawei SDK), is kept for the replay.
func (h *harness) recording(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		h.mu.Lock()
		h.traffic = append(h.traffic, exchange{r.Method, r.URL.RequestURI(), r.Header.Clone(), body, rec.Code, rec.Header().Clone(), gunzip(h.t, rec.Header(), rec.Body.Bytes())})
		h.mu.Unlock()
	})
}

// replay checks every recorded response against the spec it belongs to,
// with kin-openapi's own router and ValidateResponse, independently of the
// middleware that served it. Requests that match no operation (unknown
// routes, wrong methods, admin calls) have no response schema to check.
// Each exchange also goes through the compiled validator and kin-openapi
// (differ), whose verdicts must agree. It returns how many responses it
// checked and what did not conform or agree.
func replay(t *testing.T, traffic []exchange) (checked int, errs []error) {
	t.Helper()
	type router struct {
		name string
		r    routers.Router
	}
	var rs []router
	for _, name := range specs.All() {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		// gorillamux matches the servers' host; route on a relative copy,
		// as the published files name the vendors' hosts.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, router{name, r})
	}
	d := newDiffer()
	defer func() { t.Logf("replay: %d verdicts of the compiled validator compared with kin-openapi's", d.checked) }()
	for _, x := range traffic {
		req, err := http.NewRequest(x.method, "http://127.0.0.1"+x.target, bytes.NewReader(x.reqBody))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = x.reqHeader
		for _, r := range rs {
			route, params, err := r.r.FindRoute(req)
			if err != nil {
				continue
			}
			input := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 x.status,
				Header:                 x.header,
				Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			input.SetBodyBytes(x.body)
			checked++
			if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
				errs = append(errs, fmt.Errorf("replay: %s %s → %d does not conform to %s: %v\nbody: %.500s", x.method, x.target, x.status, r.name, err, x.body))
			}
			errs = append(errs, d.exchange(x, req, route, params)...)
			break
		}
	}
	return checked, errs
}

// jsonEqual compares two JSON texts as values, so that a vendor body is
// compared whole.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got: %s\nwant: %s", gb, wb)
	}
}

// get reads a dot path out of a decoded JSON object.
func get(m map[string]any, path string) any {
	var v any = m
	for _, seg := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[seg]
	}
	return v
}

func jsonUnmarshal(raw string, v any) error { return json.Unmarshal([]byte(raw), v) }

// serve sends one authenticated JSON request straight to a server's handler.
func serve(t *testing.T, srv *server.Server, method, target string, body any) response {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(data))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", ctJSON)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.json)
	return r
}

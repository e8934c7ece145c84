// Package vendorstest is the tests' kit: a server under test, served over
// HTTP on 127.0.0.1 or in-process, with the one way tests send it
// requests (Server.Do), the replay of all its traffic against the vendors'
// specs when the test ends, and the vendors' settings a test changes
// (Settings). It names the vendors, as a vendors' package may.
package vendorstest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/vendor"
)

// Clock is a settable clock for the fakes.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at 2026-11-25 10:00:00.123456789 UTC.
func NewClock() *Clock { return NewClockAt(time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)) }

// NewClockAt starts at t.
func NewClockAt(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Exchange is one request and the response it got, as seen on the wire.
type Exchange struct {
	Method, Target string
	ReqHeader      http.Header
	ReqBody        []byte
	Status         int
	Header         http.Header
	Body           []byte
}

// Server is a server under test. Every exchange through it is recorded
// and, when the test ends, replayed against the spec it belongs to with
// kin-openapi's own router and ValidateResponse (independently of the
// pipeline that served it), and through the compiled validator and
// kin-openapi, whose verdicts must agree (see Live and Checked for the
// other ways).
type Server struct {
	T testing.TB
	// URL is where it listens (http://127.0.0.1:…); "" in-process.
	URL string

	h       http.Handler
	auth    []string
	live    bool
	checked bool
	inProc  bool
	routers []specRouter
	specs   []vendor.Spec // beyond the embedded ones
	rec     *recorded
}

// recorded is the traffic a Server keeps for the replay, shared by its
// copies (With).
type recorded struct {
	mu      sync.Mutex
	traffic []Exchange
}

// An Option changes how Serve serves.
type Option func(*Server)

// Auth gives the headers (name, value pairs) of a request that names
// none.
func Auth(headers ...string) Option { return func(s *Server) { s.auth = headers } }

// Live puts nothing between the client and the server (a reset fault
// needs the connection, a stream must flow): nothing is recorded.
func Live() Option { return func(s *Server) { s.live = true } }

// InProcess serves each request into an httptest.ResponseRecorder, with no
// listener and no network (Server.URL is "").
func InProcess() Option { return func(s *Server) { s.inProc = true } }

// Spec adds a vendor's spec to those the traffic is replayed against
// (the embedded ones): a vendor of the test's own.
func Spec(sp vendor.Spec) Option { return func(s *Server) { s.specs = append(s.specs, sp) } }

// Checked checks each answer as it comes, failing the test at once on a
// 5xx or an answer that breaks its spec (a fuzz target's properties),
// instead of replaying all at the end.
func Checked() Option { return func(s *Server) { s.checked = true } }

// Serve serves h for the test t.
func Serve(t testing.TB, h http.Handler, opts ...Option) *Server {
	t.Helper()
	s := &Server{T: t, h: h, rec: &recorded{}}
	for _, o := range opts {
		o(s)
	}
	if s.checked {
		s.routers = loadSpecRouters(t, s.specs)
	}
	if s.inProc {
		return s
	}
	if s.live {
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		s.URL = ts.URL
		return s
	}
	ts := httptest.NewServer(s.recording(h))
	s.URL = ts.URL
	t.Cleanup(func() {
		ts.Close()
		if s.checked {
			return
		}
		checked, errs := replay(t, s.rec.traffic, loadSpecRouters(t, s.specs))
		for _, err := range errs {
			t.Error(err)
		}
		t.Logf("replay: %d responses conform to their specs", checked)
	})
	return s
}

// At is a Server for a server the test started itself at url (on a
// listener of its own): nothing is recorded.
func At(t testing.TB, url string, opts ...Option) *Server {
	s := &Server{T: t, URL: url, rec: &recorded{}}
	for _, o := range opts {
		o(s)
	}
	s.live = true
	return s
}

// Response is what Do returns: the status, the headers, the body (gzip
// undone) and the body decoded as a JSON object (nil if it is not one).
type Response struct {
	Status int
	Header http.Header
	Raw    string
	JSON   map[string]any
}

// Do sends a request and returns the answer. body is sent as it is (a
// string or []byte) or as JSON (anything else). headers are name, value
// pairs, a "" value deleting the header; a request that names none
// carries the server's Auth headers and, with a body, Content-Type:
// application/json. An in-process request names localhost as its Host
// (the admin API answers only to this server's names).
func (s *Server) Do(method, target string, body any, headers ...string) Response {
	t := s.T
	t.Helper()
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
			t.Fatal(err)
		}
	}
	if len(headers) == 0 {
		headers = s.auth
		if len(data) > 0 {
			headers = append(append([]string(nil), headers...), "Content-Type", "application/json")
		}
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(data)
	}
	base := s.URL
	if s.inProc {
		base = "http://localhost"
	}
	req, err := http.NewRequest(method, base+target, rd)
	if err != nil {
		t.Fatalf("building %s %.200q: %v", method, target, err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	var r Response
	if s.inProc {
		req.RequestURI = target
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		r = Response{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
		s.check(Exchange{method, target, req.Header.Clone(), data, rec.Code, rec.Header().Clone(), rec.Body.Bytes()})
	} else {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		// A client that names its encodings (the Endor SDK's gzip, br,
		// zstd) decompresses for itself: Go's transport does only when it
		// asked.
		r = Response{Status: resp.StatusCode, Header: resp.Header, Raw: string(gunzip(t, resp.Header, raw))}
	}
	_ = json.Unmarshal([]byte(r.Raw), &r.JSON)
	return r
}

// OK fails the test unless r is a 2xx, and returns its body without the
// line end echo's JSON has.
func (r Response) OK(t testing.TB) string {
	t.Helper()
	if r.Status/100 != 2 {
		t.Fatalf("HTTP %d %s", r.Status, r.Raw)
	}
	return strings.TrimSpace(r.Raw)
}

// Decode fails the test unless r has the status want, and decodes its
// JSON body into out (when not nil).
func (r Response) Decode(t testing.TB, want int, out any) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("HTTP %d %s, want %d", r.Status, r.Raw, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(r.Raw), out); err != nil {
			t.Fatalf("%v\n%s", err, r.Raw)
		}
	}
}

// gunzip returns a gzip-encoded body decompressed, as the client reads it.
func gunzip(t testing.TB, header http.Header, body []byte) []byte {
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
// (the tests' own requests or a vendor's SDK), is kept for the replay, or
// checked at once.
func (s *Server) recording(next http.Handler) http.Handler {
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
		s.check(Exchange{r.Method, r.URL.RequestURI(), r.Header.Clone(), body, rec.Code, rec.Header().Clone(), gunzip(s.T, rec.Header(), rec.Body.Bytes())})
	})
}

// check records x for the replay, or, when the server is Checked, checks
// it now.
func (s *Server) check(x Exchange) {
	if !s.checked {
		if s.inProc {
			return // nothing replays it
		}
		s.rec.mu.Lock()
		s.rec.traffic = append(s.rec.traffic, x)
		s.rec.mu.Unlock()
		return
	}
	t := s.T
	t.Helper()
	if x.Status >= 500 {
		t.Fatalf("%s %.300q → %d (a 5xx)\nrequest body: %.300q\nresponse: %.500s", x.Method, x.Target, x.Status, x.ReqBody, x.Body)
	}
	if err := conforms(s.routers, x); err != nil {
		t.Fatalf("%v\nrequest body: %.300q", err, x.ReqBody)
	}
}

// Result is the answer's status and body, the line end echo's JSON has
// taken off.
func (r Response) Result() (int, string) { return r.Status, strings.TrimSpace(r.Raw) }

// With returns the server with requests reported to t: a fuzz target's
// input, a sub-test.
func (s *Server) With(t testing.TB) *Server {
	c := *s
	c.T = t
	return &c
}

// Doer sends a test's requests: a *Server, or what embeds one.
type Doer interface {
	Do(method, target string, body any, headers ...string) Response
	// TB is the test the requests are reported to.
	TB() testing.TB
}

// TB is the test the server's requests are reported to.
func (s *Server) TB() testing.TB { return s.T }

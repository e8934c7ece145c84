package proxy_test

// The proxy in front of a repomock upstream, per vendor, all on 127.0.0.1.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repomock/repomock/contracts/diff"
	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/recording"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	proxyStageProject = "0123456789abcdef0123456789abcdef"
	proxyRepoProject  = "4838955a48e2492bbe44b31bc4c272f6"
)

// proxyCall is one request to a vendor route.
type proxyCall struct {
	method, path string
	header       map[string]string
	body         string
}

// proxyVendorCase is what each vendor's tests send, and how its upstream
// is broken.
type proxyVendorCase struct {
	vendor string
	// valid is a create the spec and the upstream accept.
	valid proxyCall
	// invalid breaks the spec at field.
	invalid proxyCall
	field   string
	// breakAnswer drops a field the spec requires from a 2xx answer.
	breakAnswer func(h http.Header, body map[string]any)
	brokenField string
}

func proxyCases() []proxyVendorCase {
	endorBody := `{"meta":{"name":"main","parent_uuid":"6560a00000000000000000aa"},"context":{"id":"default","type":"CONTEXT_TYPE_MAIN"},"spec":{"version":{"ref":"main"}}}`
	bearer := map[string]string{"Authorization": "Bearer proxy-test-token", "Content-Type": "application/json"}
	token := map[string]string{"X-Auth-Token": "proxy-test-iam-token", "Content-Type": "application/json"}
	stage := map[string]string{"X-Auth-Token": "proxy-test-iam-token", "X-Repo-Auth": "my-git-auth", "Content-Type": "application/json"}
	stagePath := "/v1/" + proxyStageProject + "/git/files/repomock/app/docs:README.md?ref=main"
	return []proxyVendorCase{{
		vendor:      "endor",
		valid:       proxyCall{"POST", "/v1/namespaces/acme.prod/repository-versions", bearer, endorBody},
		invalid:     proxyCall{"POST", "/v1/namespaces/acme.prod/repository-versions", bearer, `{"meta":{"parent_uuid":"6560a00000000000000000aa"},"context":{"id":"default","type":"CONTEXT_TYPE_MAIN"}}`},
		field:       "meta.name",
		breakAnswer: func(_ http.Header, b map[string]any) { delete(b, "meta") },
		brokenField: "meta",
	}, {
		vendor:      "codearts",
		valid:       proxyCall{"POST", "/v1/repositories", token, `{"name":"proxied-repo","project_uuid":"` + proxyRepoProject + `","description":"through the proxy"}`},
		invalid:     proxyCall{"POST", "/v1/repositories", token, `{"name":"proxied-repo","project_uuid":"` + proxyRepoProject + `","visibility_level":5}`},
		field:       "visibility_level",
		breakAnswer: func(h http.Header, _ map[string]any) { h.Del("X-Request-Id") },
		brokenField: "X-Request-Id",
	}, {
		vendor:      "servicestage",
		valid:       proxyCall{"POST", stagePath, stage, `{"message":"add the readme","content":"IyBhcHAK"}`},
		invalid:     proxyCall{"POST", stagePath, stage, `{"message":"","content":"IyBhcHAK"}`},
		field:       "message",
		breakAnswer: func(_ http.Header, b map[string]any) { delete(b, "path") },
		brokenField: "path",
	}}
}

// upstream is a repomock started in-process, behind a handler that keeps
// its last answer as sent and may break it.
type upstream struct {
	srv  *server.Server
	url  string
	mu   sync.Mutex
	last *httptest.ResponseRecorder
	// breakAnswer, when set, rewrites every 2xx JSON answer.
	breakAnswer func(h http.Header, body map[string]any)
}

func newUpstream(t *testing.T, cfg server.Config) *upstream {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{srv: srv}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		u.mu.Lock()
		brk := u.breakAnswer
		u.mu.Unlock()
		if brk != nil && rec.Code/100 == 2 && !strings.HasPrefix(r.URL.Path, "/__admin") {
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				brk(rec.Header(), m)
				body, _ = json.Marshal(m)
				rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
		if !strings.HasPrefix(r.URL.Path, "/__admin") {
			kept := httptest.NewRecorder()
			for k, vs := range rec.Header() {
				kept.Header()[k] = vs
			}
			kept.Code = rec.Code
			kept.Body = bytes.NewBuffer(body)
			u.mu.Lock()
			u.last = kept
			u.mu.Unlock()
		}
	}))
	t.Cleanup(ts.Close)
	u.url = ts.URL
	return u
}

func (u *upstream) lastAnswer() *httptest.ResponseRecorder {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

// journal is the server's journal at base, newest first.
func journalOf(t *testing.T, base string) []journal.Entry {
	t.Helper()
	res, err := http.Get(base + "/__admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Requests []journal.Entry `json:"requests"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Requests
}

// newProxy starts a proxy in front of up for every vendor.
func newProxy(t *testing.T, up string, cfg proxy.Config) string {
	t.Helper()
	u, err := url.Parse(up)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upstreams == nil {
		cfg.Upstreams = map[string]*url.URL{"endor": u, "codearts": u, "servicestage": u}
	}
	srv, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// answer is what a proxied call gets.
type answer = vendorstest.Response

// object is a's body, which must be a JSON object.
func object(t *testing.T, a answer) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.Raw), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, a.Raw)
	}
	return m
}

// do sends pc to base, signed by sign when not nil, with vendorstest's Do.
func do(t *testing.T, base string, pc proxyCall, sign func(*http.Request, []byte)) answer {
	t.Helper()
	var headers []string
	for k, v := range pc.header {
		headers = append(headers, k, v)
	}
	if sign != nil {
		// The signature is over the request as sent: sign one like it,
		// and send its headers.
		req, err := http.NewRequest(pc.method, base+pc.path, strings.NewReader(pc.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range pc.header {
			req.Header.Set(k, v)
		}
		sign(req, []byte(pc.body))
		headers = headers[:0]
		for k, vs := range req.Header {
			headers = append(headers, k, vs[0])
		}
	}
	if len(headers) == 0 {
		headers = []string{"Content-Type", ""} // exactly what pc says: nothing
	}
	return vendorstest.At(t, base).Do(pc.method, pc.path, pc.body, headers...)
}

func TestProxyValidCreatePassesThroughUnchanged(t *testing.T) {
	for _, tc := range proxyCases() {
		t.Run(tc.vendor, func(t *testing.T) {
			up := newUpstream(t, server.Config{})
			px := newProxy(t, up.url, proxy.Config{})
			got := do(t, px, tc.valid, nil)
			sent := up.lastAnswer()
			if sent == nil {
				t.Fatal("the upstream saw nothing")
			}
			if got.Status != 200 || got.Status != sent.Code {
				t.Fatalf("status %d, upstream %d: %s", got.Status, sent.Code, got.Raw)
			}
			if got.Raw != sent.Body.String() {
				t.Errorf("body changed:\n proxy    %s\n upstream %s", got.Raw, sent.Body.Bytes())
			}
			for _, h := range []string{"Content-Type", "X-Request-Id"} {
				if got.Header.Get(h) != sent.Header().Get(h) {
					t.Errorf("%s: %q, upstream sent %q", h, got.Header.Get(h), sent.Header().Get(h))
				}
			}
			if v := got.Header.Values(pipeline.ViolationHeader); len(v) > 0 {
				t.Errorf("%s: %q on a valid exchange", pipeline.ViolationHeader, v)
			}
			e := journalOf(t, px)
			if len(e) != 1 || e[0].Verdict != journal.VerdictPassed || e[0].Vendor != tc.vendor {
				t.Fatalf("proxy journal: %+v", e)
			}
			for _, h := range []string{"Authorization", "X-Auth-Token", "X-Repo-Auth"} {
				if v := e[0].Request.Header.Get(h); v != "" && v != "[redacted]" {
					t.Errorf("journal keeps %s: %q", h, v)
				}
			}
		})
	}
}

func TestProxyInvalidRequest(t *testing.T) {
	for _, tc := range proxyCases() {
		t.Run(tc.vendor+"/reported", func(t *testing.T) {
			up := newUpstream(t, server.Config{})
			px := newProxy(t, up.url, proxy.Config{})
			got := do(t, px, tc.invalid, nil)
			if n := len(journalOf(t, up.url)); n != 1 {
				t.Fatalf("upstream journal holds %d requests, want the forwarded one", n)
			}
			sent := up.lastAnswer()
			if got.Status != sent.Code || got.Raw != sent.Body.String() {
				t.Errorf("answer %d %s, upstream sent %d %s", got.Status, got.Raw, sent.Code, sent.Body.Bytes())
			}
			if v := strings.Join(got.Header.Values(pipeline.ViolationHeader), " | "); !strings.Contains(v, tc.field) {
				t.Errorf("%s = %q, want it to name %s", pipeline.ViolationHeader, v, tc.field)
			}
			// The upstream refused what breaks the spec, as the spec says
			// it would: the request is rejected, its violations named.
			e := journalOf(t, px)
			if len(e) != 1 || e[0].Verdict != journal.VerdictRejected || !strings.Contains(strings.Join(e[0].Violations, ";"), tc.field) {
				t.Fatalf("proxy journal: %+v", e)
			}
		})
		t.Run(tc.vendor+"/strict", func(t *testing.T) {
			up := newUpstream(t, server.Config{})
			px := newProxy(t, up.url, proxy.Config{Strict: true})
			got := do(t, px, tc.invalid, nil)
			if got.Status != http.StatusBadRequest || !strings.Contains(string(got.Raw), tc.field) {
				t.Errorf("answer %d %s, want 400 naming %s", got.Status, got.Raw, tc.field)
			}
			vendorShaped(t, tc.vendor, got)
			if n := len(journalOf(t, up.url)); n != 0 {
				t.Errorf("upstream journal holds %d requests: the invalid one was forwarded", n)
			}
		})
	}
}

// vendorShaped checks an error body is in the vendor's envelope.
func vendorShaped(t *testing.T, vendor string, a answer) {
	t.Helper()
	m := object(t, a)
	var ok bool
	switch vendor {
	case "endor":
		_, ok = m["code"].(float64)
	case "codearts":
		_, ok = m["error"].(map[string]any)
		ok = ok && m["status"] == "failed"
	case "servicestage":
		_, ok = m["error_code"].(string)
	}
	if !ok {
		t.Errorf("not in %s's error shape: %s", vendor, a.Raw)
	}
	if vendor != "endor" && a.Header.Get("X-Request-Id") == "" {
		t.Errorf("a Huawei answer without X-Request-Id")
	}
}

func TestProxyBrokenUpstream(t *testing.T) {
	for _, tc := range proxyCases() {
		for _, strict := range []bool{false, true} {
			name := tc.vendor + "/reported"
			if strict {
				name = tc.vendor + "/strict"
			}
			t.Run(name, func(t *testing.T) {
				up := newUpstream(t, server.Config{})
				up.breakAnswer = tc.breakAnswer
				px := newProxy(t, up.url, proxy.Config{Strict: strict})
				got := do(t, px, tc.valid, nil)
				e := journalOf(t, px)
				if len(e) != 1 || e[0].Verdict != journal.VerdictInvalid || !strings.Contains(strings.Join(e[0].Violations, ";"), tc.brokenField) {
					t.Fatalf("proxy journal: %+v", e)
				}
				if strict {
					if got.Status != http.StatusBadGateway {
						t.Fatalf("answer %d %s, want 502", got.Status, got.Raw)
					}
					vendorShaped(t, tc.vendor, got)
					return
				}
				sent := up.lastAnswer()
				if got.Status != 200 || got.Raw != sent.Body.String() {
					t.Errorf("answer %d %s, upstream sent %s", got.Status, got.Raw, sent.Body.Bytes())
				}
				if v := strings.Join(got.Header.Values(pipeline.ViolationHeader), " | "); !strings.Contains(v, tc.brokenField) {
					t.Errorf("%s = %q, want it to name %s", pipeline.ViolationHeader, v, tc.brokenField)
				}
			})
		}
	}
}

const (
	proxyAK = "HPUAPROXYEXAMPLE0001"
	proxySK = "proxy-example-secret-key-0123456789"
)

func TestProxyResignsHuaweiRequests(t *testing.T) {
	creds := []huawei.Credential{{AK: proxyAK, SK: proxySK}}
	sign := func(r *http.Request, body []byte) {
		r.Header.Del("X-Auth-Token")
		r.Header.Set("X-Project-Id", proxyStageProject)
		// As the SDK does, the host is signed (the wire takes r.Host).
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		r.Header.Set("Host", host)
		sdkhmac.Sign(r, body, proxyAK, proxySK, time.Now())
	}
	for _, tc := range proxyCases()[1:] {
		t.Run(tc.vendor, func(t *testing.T) {
			up := newUpstream(t, server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: creds}.Vendors()})
			px := newProxy(t, up.url, proxy.Config{Server: server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: creds}.Vendors()}})
			// The client's signature, sent to the upstream as it is, fails
			// there: it covers the proxy's host.
			if got := do(t, up.url, tc.valid, func(r *http.Request, b []byte) {
				r.Host = strings.TrimPrefix(px, "http://")
				sign(r, b)
				r.Host = "" // sent to the upstream's host
			}); got.Status != http.StatusUnauthorized {
				t.Fatalf("the client's signature on the upstream: %d %s, want 401", got.Status, got.Raw)
			}
			got := do(t, px, tc.valid, sign)
			if got.Status != 200 {
				t.Fatalf("signed request through the proxy: %d %s", got.Status, got.Raw)
			}
			e := journalOf(t, up.url)
			if len(e) != 2 || e[0].Status != 200 {
				t.Fatalf("upstream journal: %d entries, newest %d", len(e), e[0].Status)
			}
			// A bad signature stops at the proxy.
			bad := do(t, px, tc.valid, func(r *http.Request, b []byte) { sign(r, append(b, ' ')) })
			if bad.Status != http.StatusUnauthorized {
				t.Errorf("bad signature: %d %s, want 401", bad.Status, bad.Raw)
			}
			if n := len(journalOf(t, up.url)); n != 2 {
				t.Errorf("the badly signed request reached the upstream")
			}
		})
	}
	t.Run("without credentials", func(t *testing.T) {
		up := newUpstream(t, server.Config{})
		px := newProxy(t, up.url, proxy.Config{})
		got := do(t, px, proxyCases()[1].valid, sign)
		if got.Status != http.StatusUnauthorized || !strings.Contains(string(got.Raw), "--huawei-credentials") {
			t.Errorf("answer %d %s, want a 401 that names --huawei-credentials", got.Status, got.Raw)
		}
		if n := len(journalOf(t, up.url)); n != 0 {
			t.Errorf("the signed request reached the upstream")
		}
	})
}

func TestProxyUnsetVendorAnswersGateway404(t *testing.T) {
	up := newUpstream(t, server.Config{})
	u, _ := url.Parse(up.url)
	px := newProxy(t, up.url, proxy.Config{Upstreams: map[string]*url.URL{"endor": u}})
	for _, tc := range proxyCases()[1:] {
		got := do(t, px, tc.valid, nil)
		if got.Status != http.StatusNotFound || object(t, got)["error_code"] != huawei.CodeNoAPI {
			t.Errorf("%s: %d %s, want the gateway's 404", tc.vendor, got.Status, got.Raw)
		}
	}
	if n := len(journalOf(t, up.url)); n != 0 {
		t.Errorf("upstream journal holds %d requests", n)
	}
}

func TestProxyRecordingLoadsAsFixtures(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("REPOMOCK_PROXY_RECORD_DIR"); d != "" {
		dir = d // to look at a recording
	}
	up := newUpstream(t, server.Config{})
	px := newProxy(t, up.url, proxy.Config{RecordDir: dir})
	created := map[string]map[string]any{}
	for _, tc := range proxyCases() {
		got := do(t, px, tc.valid, nil)
		if got.Status != 200 {
			t.Fatalf("%s: %d %s", tc.vendor, got.Status, got.Raw)
		}
		created[tc.vendor] = object(t, got)
	}
	// An API key exchange: its secrets never reach the recording.
	do(t, px, proxyCall{"POST", "/v1/auth/api-key", map[string]string{"Content-Type": "application/json"}, `{"key":"endr+proxy-secret-key","secret":"endr+proxy-secret-value"}`}, nil)

	var files []string
	for _, pattern := range []string{"*.yaml", proxy.ExchangesDir + "/*.json"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, m...)
	}
	if len(files) != 7 {
		t.Errorf("recorded %d files, want 3 fixture files and 4 exchanges: %v", len(files), files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, secret := range []string{"proxy-test-token", "proxy-test-iam-token", "my-git-auth", "endr+proxy-secret"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the credential %q", f, secret)
			}
		}
	}
	rec, err := recording.Read(filepath.Join(dir, proxy.ExchangesDir))
	if err != nil {
		t.Fatal(err)
	}
	if x, ok := rec["endor.proxy.RepositoryVersionService_CreateRepositoryVersion.001"]; !ok || x.Status != 200 || x.Path != "/v1/namespaces/{tenant_meta.namespace}/repository-versions" {
		t.Errorf("endor create exchange: %+v (recording: %d exchanges)", x, len(rec))
	}
	if x := rec["codearts.proxy.CreateRepository.001"]; x.Headers["X-Request-Id"] == "" {
		t.Errorf("codearts exchange without the declared X-Request-Id: %+v", x)
	}
	// The recording diffs against itself with no difference.
	if d, err := diff.Recordings(filepath.Join(dir, proxy.ExchangesDir), filepath.Join(dir, proxy.ExchangesDir)); err != nil || d.Differ() != 0 {
		t.Errorf("diff of the recording with itself: %v, %d differ", err, d.Differ())
	}

	fresh, err := server.New(server.Config{FixturesDir: dir, Seed: 3})
	if err != nil {
		t.Fatalf("the recording does not load as fixtures: %v", err)
	}
	ts := httptest.NewServer(fresh.Handler())
	defer ts.Close()
	uuid, _ := created["endor"]["uuid"].(string)
	got := do(t, ts.URL, proxyCall{"GET", "/v1/namespaces/acme.prod/repository-versions/" + uuid, map[string]string{"Authorization": "Bearer x"}, ""}, nil)
	if got.Status != 200 || object(t, got)["meta"].(map[string]any)["name"] != "main" {
		t.Errorf("endor object from the recording: %d %s", got.Status, got.Raw)
	}
	repo, _ := created["codearts"]["result"].(map[string]any)["repository_uuid"].(string)
	got = do(t, ts.URL, proxyCall{"GET", "/v2/repositories/" + repo, map[string]string{"X-Auth-Token": "t"}, ""}, nil)
	if got.Status != 200 || object(t, got)["result"].(map[string]any)["repository_name"] != "proxied-repo" {
		t.Errorf("codearts repository from the recording: %d %s", got.Status, got.Raw)
	}
	got = do(t, ts.URL, proxyCall{"GET", "/v1/" + proxyStageProject + "/git/files/repomock/app/docs:README.md?ref=main",
		map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "my-git-auth"}, ""}, nil)
	if got.Status != 200 || object(t, got)["content"] != "IyBhcHAK" {
		t.Errorf("servicestage file from the recording: %d %s", got.Status, got.Raw)
	}
}

// Sessions, faults and the admin API work in proxy mode as in the mock; a
// session's prefix is the proxy's, not the upstream's.
func TestProxySessionsAndFaults(t *testing.T) {
	creds := []huawei.Credential{{AK: proxyAK, SK: proxySK}}
	up := newUpstream(t, server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: creds}.Vendors()})
	px := newProxy(t, up.url, proxy.Config{Server: server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: creds}.Vendors()}})
	tc := proxyCases()[1]
	inSession := tc.valid
	inSession.path = "/__sessions/team-a" + tc.valid.path
	// Signed over the prefixed path the client used.
	got := do(t, px, inSession, func(r *http.Request, body []byte) {
		r.Header.Del("X-Auth-Token")
		r.Header.Set("Host", r.URL.Host)
		sdkhmac.Sign(r, body, proxyAK, proxySK, time.Now())
	})
	if got.Status != 200 {
		t.Fatalf("create in a session: %d %s", got.Status, got.Raw)
	}
	if e := journalOf(t, up.url); len(e) != 1 || e[0].Path != "/v1/repositories" || e[0].Session != "" {
		t.Fatalf("upstream journal: %+v", e)
	}
	if e := journalOf(t, px); len(e) != 1 || e[0].Session != "team-a" {
		t.Fatalf("proxy journal: %+v", e)
	}

	res, err := http.Post(px+"/__admin/faults", "application/json", strings.NewReader(`{"vendor":"codearts","kind":"error","status":503,"times":1}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /__admin/faults: %d", res.StatusCode)
	}
	got = do(t, px, tc.valid, nil)
	if got.Status != http.StatusServiceUnavailable {
		t.Fatalf("with a fault: %d %s, want 503", got.Status, got.Raw)
	}
	vendorShaped(t, "codearts", got)
	if n := len(journalOf(t, up.url)); n != 1 {
		t.Errorf("the faulted request reached the upstream")
	}
}

// The upstream transport: X-Forwarded-* only when asked for, hop-by-hop
// headers dropped, the timeout and the body limit answered in the
// vendor's shape.
func TestProxyTransport(t *testing.T) {
	type seen struct{ header http.Header }
	got := make(chan seen, 1)
	var mode string
	var modeMu sync.Mutex
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		modeMu.Lock()
		m := mode
		modeMu.Unlock()
		select {
		case got <- seen{r.Header.Clone()}:
		default:
		}
		w.Header().Set("X-Request-Id", "0123456789abcdef0123456789abcdef")
		w.Header().Set("Content-Type", "application/json")
		switch m {
		case "slow":
			time.Sleep(300 * time.Millisecond)
		case "large":
			_, _ = w.Write([]byte(`{"result":{"repository_uuid":"` + strings.Repeat("a", 4096) + `"},"status":"success"}`))
			return
		}
		_, _ = w.Write([]byte(`{"result":{"repository_uuid":"0123456789abcdef0123456789abcdef"},"status":"success"}`))
	}))
	defer fake.Close()
	set := func(m string) {
		modeMu.Lock()
		mode = m
		modeMu.Unlock()
	}
	tc := proxyCases()[1]
	withHop := tc.valid
	withHop.header = map[string]string{"X-Auth-Token": "t", "Content-Type": "application/json", "Connection": "X-Hop", "X-Hop": "1",
		"X-Forwarded-For": "203.0.113.9", sessions.Header: "s1"}

	for _, forwarded := range []bool{false, true} {
		px := newProxy(t, fake.URL, proxy.Config{ForwardedHeaders: forwarded})
		if a := do(t, px, withHop, nil); a.Status != 200 {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		h := (<-got).header
		if h.Get("X-Hop") != "" || h.Get(sessions.Header) != "" {
			t.Errorf("forwarded a hop-by-hop or repomock header: %v", h)
		}
		if xff := h.Get("X-Forwarded-For"); forwarded != (xff == "127.0.0.1") || strings.Contains(xff, "203.0.113.9") {
			t.Errorf("--forwarded-headers %v: X-Forwarded-For %q", forwarded, xff)
		}
		if h.Get("Accept-Encoding") != "" {
			t.Errorf("asked the upstream for %q: its answer could not be checked", h.Get("Accept-Encoding"))
		}
	}

	set("slow")
	px := newProxy(t, fake.URL, proxy.Config{UpstreamTimeout: 50 * time.Millisecond})
	if a := do(t, px, tc.valid, nil); a.Status != http.StatusGatewayTimeout {
		t.Errorf("slow upstream: %d %s, want 504", a.Status, a.Raw)
	} else {
		vendorShaped(t, "codearts", a)
	}
	set("large")
	px = newProxy(t, fake.URL, proxy.Config{Server: server.Config{MaxBodyBytes: 1024}})
	if a := do(t, px, tc.valid, nil); a.Status != http.StatusBadGateway || !strings.Contains(string(a.Raw), "max-body") {
		t.Errorf("answer over --max-body: %d %s, want 502", a.Status, a.Raw)
	}
}

// A path of a proxied vendor that the spec leaves out is forwarded
// unchecked and reported; --strict answers the vendor's 404 as the mock
// does. A wrong method on a spec'd path is never forwarded.
func TestProxyUnroutedPaths(t *testing.T) {
	projects := proxyCall{"GET", "/v1/namespaces/acme.prod/projects", map[string]string{"Authorization": "Bearer t"}, ""}
	for _, strict := range []bool{false, true} {
		up := newUpstream(t, server.Config{})
		px := newProxy(t, up.url, proxy.Config{Strict: strict})
		got := do(t, px, projects, nil)
		forwarded := len(journalOf(t, up.url))
		if strict {
			if got.Status != http.StatusNotFound || forwarded != 0 {
				t.Errorf("strict: %d %s, %d forwarded; want the vendor's 404, none forwarded", got.Status, got.Raw, forwarded)
			}
			continue
		}
		sent := up.lastAnswer()
		if forwarded != 1 || got.Status != sent.Code || got.Raw != sent.Body.String() {
			t.Errorf("reported: %d %s, %d forwarded; want the upstream's answer", got.Status, got.Raw, forwarded)
		}
		if v := got.Header.Get(pipeline.ViolationHeader); !strings.Contains(v, "no operation of Endor Labs's spec") {
			t.Errorf("%s = %q", pipeline.ViolationHeader, v)
		}
		if e := journalOf(t, px); len(e) != 1 || e[0].Verdict != journal.VerdictUnrouted || e[0].Vendor != "endor" {
			t.Errorf("proxy journal: %+v", e)
		}
		// The journal keeps the body the proxy read and forwarded, redacted.
		do(t, px, proxyCall{"POST", "/v1/namespaces/acme.prod/projects", map[string]string{"Authorization": "Bearer t", "Content-Type": "application/json"},
			`{"meta":{"name":"p"},"password":"pw"}`}, nil)
		if e := journalOf(t, px)[0]; string(e.Request.Body) != `{"meta":{"name":"p"},"password":"[redacted]"}` || e.Request.BodyBytes != 37 {
			t.Errorf("proxy journal: the forwarded request's body %s (%d bytes)", e.Request.Body, e.Request.BodyBytes)
		}
		// A /v2/ path no vendor owns stays at the proxy: the server's
		// fallback owner (Endor) is not where its credentials belong.
		if other := do(t, px, proxyCall{"GET", "/v2/" + proxyStageProject + "/cas/applications", map[string]string{"X-Auth-Token": "t"}, ""}, nil); other.Status != http.StatusNotFound || len(journalOf(t, up.url)) != 2 {
			t.Errorf("a path no vendor owns: %d %s, forwarded %d", other.Status, other.Raw, len(journalOf(t, up.url))-2)
		}
		wrong := do(t, px, proxyCall{"PUT", "/v1/repositories", map[string]string{"X-Auth-Token": "t"}, ""}, nil)
		if wrong.Status/100 != 4 || len(journalOf(t, up.url)) != 2 {
			t.Errorf("a wrong method: %d %s, forwarded %d", wrong.Status, wrong.Raw, len(journalOf(t, up.url))-2)
		}
	}
}

const token = servertest.Token

// sdkConfig is a server that verifies the Huawei SDK's signatures against
// its credential, on the wall clock the SDK signs with.
func sdkConfig() server.Config {
	return server.Config{Clock: time.Now, Vendors: huaweitest.Settings().Vendors()}
}

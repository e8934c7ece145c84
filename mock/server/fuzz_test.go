package server_test

// Fuzz targets for every create body and the path parameters of each
// vendor. Each target runs one in-process server (server.New + Handler, served
// into an httptest.ResponseRecorder: no network) and checks, for every
// input:
//
//   - no panic and no 5xx;
//   - every response conforms to its spec, checked with kin-openapi's own
//     router and ValidateResponse, independently of the middleware that
//     served it (the replay of harness_test.go, with the routers built once);
//   - what a 200 wrote reads back, and a refused request leaves no state.
//
// Seed corpora live in testdata/fuzz/<FuzzName>/. CI runs each target
// briefly: go test ./mock/ -run '^$' -fuzz '^FuzzEndorCreate$' -fuzztime 5s
//
// REPOMOCK_FUZZ_STRICT=1 also requires that a path parameter reaches the fake
// exactly as the client encoded it (no second percent-decoding, no invalid
// UTF-8 accepted); see TestReliabilityPathParamsDecodeOnce for the gap.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/specs"
)

var fuzzStrict = os.Getenv("REPOMOCK_FUZZ_STRICT") == "1"

// ---- spec check: the replay of harness_test.go, routers built once ----

type specRouter struct {
	name string
	doc  *openapi3.T
	r    routers.Router
}

var (
	specRoutersOnce sync.Once
	specRoutersVal  []specRouter
	specRoutersErr  error
)

// loadSpecRouters builds one kin-openapi router per embedded spec, routing
// on a relative server as replay does.
func loadSpecRouters(tb testing.TB) []specRouter {
	tb.Helper()
	specRoutersOnce.Do(func() {
		for _, name := range specs.All() {
			doc, err := specs.Load(context.Background(), specs.FS(), name)
			if err != nil {
				specRoutersErr = err
				return
			}
			doc.Servers = openapi3.Servers{{URL: "/"}}
			r, err := gorillamux.NewRouter(doc)
			if err != nil {
				specRoutersErr = err
				return
			}
			specRoutersVal = append(specRoutersVal, specRouter{name, doc, r})
		}
	})
	if specRoutersErr != nil {
		tb.Fatal(specRoutersErr)
	}
	return specRoutersVal
}

// conforms checks one exchange against the spec whose route it matches.
// A request that matches no operation has no response schema; it must then
// be a 4xx in one of the vendors' error envelopes.
func conforms(rs []specRouter, x exchange) error {
	req, err := http.NewRequest(x.method, "http://127.0.0.1"+x.target, bytes.NewReader(x.reqBody))
	if err != nil {
		return fmt.Errorf("rebuilding the request: %v", err)
	}
	req.Header = x.reqHeader
	for _, r := range rs {
		route, params, err := r.r.FindRoute(req)
		if err != nil {
			if route, params = stageTreesShadow(r, req); route == nil {
				continue
			}
		}
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 x.status,
			Header:                 x.header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		input.SetBodyBytes(x.body)
		if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
			return fmt.Errorf("%s %.200s → %d does not conform to %s: %v\nbody: %.500s", x.method, x.target, x.status, r.name, err, x.body)
		}
		return nil
	}
	if x.status < 400 || x.status > 499 && x.status != http.StatusNotImplemented {
		return fmt.Errorf("%s %.200s matches no operation but got %d", x.method, x.target, x.status)
	}
	if envelopeKind(x.body) == "" {
		return fmt.Errorf("%s %.200s → %d: body is no vendor's error envelope: %.300s", x.method, x.target, x.status, x.body)
	}
	return nil
}

// stageTreesShadow routes a write to a ServiceStage file named "trees" at
// the repository root. By OpenAPI's rule (concrete paths first),
// …/{project}/trees is ListTrees and has no POST, PUT or DELETE, so
// kin-openapi finds no operation; repomock serves these as the file
// operations, a documented assumption (README, "Paths"). They are checked
// against those operations.
func stageTreesShadow(r specRouter, req *http.Request) (*routers.Route, map[string]string) {
	const tmpl = "/v1/{project_id}/git/files/{namespace}/{project}/{path}"
	if r.name != specs.ServiceStage || req.Method == http.MethodGet {
		return nil, nil
	}
	segs := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
	if len(segs) != 7 || segs[0] != "v1" || segs[2] != "git" || segs[3] != "files" || segs[6] != "trees" {
		return nil, nil
	}
	item := r.doc.Paths.Value(tmpl)
	if item == nil || item.GetOperation(req.Method) == nil {
		return nil, nil
	}
	params := map[string]string{"project_id": segs[1], "namespace": segs[4], "project": segs[5], "path": segs[6]}
	return &routers.Route{Spec: r.doc, Path: tmpl, PathItem: item, Method: req.Method, Operation: item.GetOperation(req.Method)}, params
}

// envelopeKind names the error envelope a body is in, or "" for none.
func envelopeKind(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	onlyKeys := func(keys ...string) bool {
		for k := range m {
			found := false
			for _, want := range keys {
				found = found || k == want
			}
			if !found {
				return false
			}
		}
		return true
	}
	switch {
	case m["code"] != nil && onlyKeys("code", "message", "details"):
		if _, ok := m["code"].(float64); ok {
			if _, ok := m["message"].(string); ok {
				return "endor"
			}
		}
	case m["error"] != nil && onlyKeys("error", "status"):
		e, _ := m["error"].(map[string]any)
		if _, ok := e["code"].(string); ok && m["status"] == "failed" {
			return "codearts"
		}
	case m["error_code"] != nil && onlyKeys("error_code", "error_msg", "request_id"):
		if _, ok := m["error_msg"].(string); ok {
			return "huawei"
		}
	}
	return ""
}

// ---- the in-process server of a fuzz target ----

type fuzzServer struct {
	srv     *server.Server
	handler http.Handler
	routers []specRouter
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	srv, err := server.New(server.Config{Seed: 1, Clock: newClock().Now})
	if err != nil {
		tb.Fatal(err)
	}
	return &fuzzServer{srv: srv, handler: srv.Handler(), routers: loadSpecRouters(tb)}
}

// do serves one request and checks the properties every response has:
// no 5xx, and conformance to the spec. Headers are name, value pairs.
func (s *fuzzServer) do(t *testing.T, method, target string, body []byte, headers ...string) response {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://127.0.0.1"+target, rd)
	if err != nil {
		t.Fatalf("building %s %q: %v", method, target, err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %.300q → %d (a 5xx)\nrequest body: %.300q\nresponse: %.500s", method, target, rec.Code, body, rec.Body.String())
	}
	x := exchange{method, target, req.Header.Clone(), body, rec.Code, rec.Header().Clone(), rec.Body.Bytes()}
	if err := conforms(s.routers, x); err != nil {
		t.Fatalf("%v\nrequest body: %.300q", err, body)
	}
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.json)
	return r
}

// want fails unless r has the status.
func want(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d, want %d: %.500s", what, r.status, status, r.raw)
	}
}

// want4xx fails unless r is a client error in the vendor's envelope.
func want4xx(t *testing.T, what string, r response, kinds ...string) {
	t.Helper()
	if r.status < 400 || r.status > 499 && r.status != http.StatusNotImplemented {
		t.Fatalf("%s: %d, want a 4xx: %.500s", what, r.status, r.raw)
	}
	got := envelopeKind([]byte(r.raw))
	for _, k := range kinds {
		if got == k {
			return
		}
	}
	t.Fatalf("%s: %d body is not in the %v envelope: %.500s", what, r.status, kinds, r.raw)
}

func hasInvalidEscapeRisk(s string) bool { return strings.Contains(s, "%") || !utf8.ValidString(s) }

// ---- Endor ----

var (
	endorAuth     = []string{"Authorization", token, "Content-Type", ctJSON}
	endorNSRule   = regexp.MustCompile(`^[a-z0-9_-]{1,32}(\.[a-z0-9_-]{1,32})*$`)
	endorUUIDRule = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

const endorValidBody = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`

func (s *fuzzServer) endorCount(t *testing.T, nsEsc string) int {
	t.Helper()
	r := s.do(t, http.MethodGet, "/v1/namespaces/"+nsEsc+"/repository-versions?list_parameters.count=true", nil, endorAuth...)
	want(t, "count", r, http.StatusOK)
	n, ok := get(r.json, "count_response.count").(float64)
	if !ok {
		t.Fatalf("count: no count_response.count in %s", r.raw)
	}
	return int(n)
}

func FuzzEndorCreate(f *testing.F) {
	f.Add([]byte(endorValidBody))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s.srv.Reset()
		r := s.do(t, http.MethodPost, rvPath, body, endorAuth...)
		if r.status != http.StatusOK {
			want4xx(t, "create", r, "endor")
			if n := s.endorCount(t, "acme.prod"); n != 0 {
				t.Fatalf("refused create (%d) stored %d objects: %s", r.status, n, r.raw)
			}
			return
		}
		id, _ := r.json["uuid"].(string)
		if !endorUUIDRule.MatchString(id) {
			t.Fatalf("uuid %q is not 24 lowercase hex: %s", id, r.raw)
		}
		if ns := get(r.json, "tenant_meta.namespace"); ns != "acme.prod" {
			t.Fatalf("tenant_meta.namespace = %v, want the path's acme.prod", ns)
		}
		g := s.do(t, http.MethodGet, rvPath+"/"+id, nil, endorAuth...)
		want(t, "get after create", g, http.StatusOK)
		if g.raw != r.raw {
			t.Fatalf("read back differs from the create's answer:\ncreate: %s\nget:    %s", r.raw, g.raw)
		}
		if n := s.endorCount(t, "acme.prod"); n != 1 {
			t.Fatalf("count after one create = %d", n)
		}
		// The same body again is an update of the same object.
		again := s.do(t, http.MethodPost, rvPath, body, endorAuth...)
		want(t, "the same create again", again, http.StatusOK)
		if again.json["uuid"] != id || get(again.json, "meta.create_time") != get(r.json, "meta.create_time") {
			t.Fatalf("upsert of the same body changed uuid or create_time:\n%s\n%s", r.raw, again.raw)
		}
		if n := s.endorCount(t, "acme.prod"); n != 1 {
			t.Fatalf("count after an upsert = %d", n)
		}
		d := s.do(t, http.MethodDelete, rvPath+"/"+id, nil, endorAuth...)
		want(t, "delete", d, http.StatusOK)
		if n := s.endorCount(t, "acme.prod"); n != 0 {
			t.Fatalf("count after delete = %d", n)
		}
	})
}

func FuzzEndorPath(f *testing.F) {
	f.Add("acme.prod", "0123456789abcdef01234567")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, ns, id string) {
		s.srv.Reset()
		nsEsc, idEsc := url.PathEscape(ns), url.PathEscape(id)
		base := "/v1/namespaces/" + nsEsc + "/repository-versions"
		validNS := endorNSRule.MatchString(ns)

		c := s.do(t, http.MethodPost, base, []byte(endorValidBody), endorAuth...)
		if validNS != (c.status == http.StatusOK) {
			t.Fatalf("create in namespace %q (valid: %v): %d %s", ns, validNS, c.status, c.raw)
		}
		created := ""
		if c.status == http.StatusOK {
			created, _ = c.json["uuid"].(string)
			if got := get(c.json, "tenant_meta.namespace"); got != ns {
				t.Fatalf("tenant_meta.namespace = %v, want %q", got, ns)
			}
			if n := s.endorCount(t, nsEsc); n != 1 {
				t.Fatalf("count in %q after a create = %d", ns, n)
			}
		} else {
			want4xx(t, "create", c, "endor")
		}

		l := s.do(t, http.MethodGet, base, nil, endorAuth...)
		if validNS {
			want(t, "list", l, http.StatusOK)
		} else {
			want4xx(t, "list", l, "endor")
		}

		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			r := s.do(t, method, base+"/"+idEsc, nil, endorAuth...)
			switch {
			case !validNS:
				want4xx(t, method, r, "endor")
			case created != "" && id == created:
				want(t, method+" of the created object", r, http.StatusOK)
			case endorUUIDRule.MatchString(id):
				want(t, method+" of an absent uuid", r, http.StatusNotFound)
				want4xx(t, method, r, "endor")
			default:
				want4xx(t, method+" of a malformed uuid", r, "endor")
			}
		}
		if created != "" && id == created {
			if n := s.endorCount(t, nsEsc); n != 0 {
				t.Fatalf("count after delete = %d", n)
			}
		}

		// The same strings unescaped, where they still make a URL: whatever
		// the router makes of them, no 5xx and a conforming answer.
		if !strings.ContainsAny(ns+id, "/?#") {
			raw := "/v1/namespaces/" + ns + "/repository-versions/" + id
			if _, err := url.Parse("http://127.0.0.1" + raw); err == nil {
				s.do(t, http.MethodGet, raw, nil, endorAuth...)
			}
		}
	})
}

// ---- CodeArts ----

var (
	huaweiAuth      = []string{"X-Auth-Token", "fuzz-token", "Content-Type", ctJSON}
	codeartsProject = regexp.MustCompile(`^[0-9A-Za-z]{32}$`)
	codeartsName    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// codeartsNameOK is the documented name rule, written again from the README.
func codeartsNameOK(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > 256 || !codeartsName.MatchString(name) {
		return false
	}
	return !strings.HasSuffix(name, ".git") && !strings.HasSuffix(name, ".atom") && !strings.HasSuffix(name, ".")
}

func (s *fuzzServer) codeartsList(t *testing.T, projectEsc string) response {
	t.Helper()
	r := s.do(t, http.MethodGet, "/v1/projects/"+projectEsc+"/repositories?page_size=100", nil, huaweiAuth...)
	return r
}

func codeartsTotal(t *testing.T, r response) int {
	t.Helper()
	n, ok := get(r.json, "result.total").(float64)
	if !ok {
		t.Fatalf("list: no result.total in %s", r.raw)
	}
	return int(n)
}

// codeartsCheckCreated reads a created repository back every way the API allows.
func (s *fuzzServer) codeartsCheckCreated(t *testing.T, id string, createID float64) (project, name string) {
	t.Helper()
	if !repoUUIDRE.MatchString(id) {
		t.Fatalf("repository_uuid %q is not 32 lowercase hex", id)
	}
	sh := s.do(t, http.MethodGet, "/v2/repositories/"+id, nil, huaweiAuth...)
	want(t, "show after create", sh, http.StatusOK)
	if got := get(sh.json, "result.repository_id"); got != createID {
		t.Fatalf("repository_id = %v, want %v (a refused create must not use up an id)", got, createID)
	}
	project, _ = get(sh.json, "result.project_uuid").(string)
	name, _ = get(sh.json, "result.repository_name").(string)
	l := s.codeartsList(t, project)
	want(t, "list after create", l, http.StatusOK)
	if n := codeartsTotal(t, l); n != 1 {
		t.Fatalf("list total after one create = %d: %s", n, l.raw)
	}
	v := s.do(t, http.MethodGet, "/v1/projects/"+project+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
	want(t, "name check after create", v, http.StatusOK)
	if get(v.json, "result") != false {
		t.Fatalf("name check of the created %q says it is free: %s", name, v.raw)
	}
	return project, name
}

func FuzzCodeArtsCreate(f *testing.F) {
	f.Add([]byte(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demotest1","import_members":0,"visibility_level":20}`))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s.srv.Reset()
		r := s.do(t, http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		if r.status != http.StatusOK {
			want4xx(t, "create", r, "codearts")
			// Nothing was stored anywhere: the next repository is the session's first.
			probe := s.do(t, http.MethodPost, "/v1/repositories", []byte(`{"project_uuid":"`+repoProject+`","name":"fuzz-probe"}`), huaweiAuth...)
			want(t, "probe create after a refused one", probe, http.StatusOK)
			id, _ := get(probe.json, "result.repository_uuid").(string)
			s.codeartsCheckCreated(t, id, 1)
			return
		}
		if r.json["status"] != "success" {
			t.Fatalf("200 without status success: %s", r.raw)
		}
		id, _ := get(r.json, "result.repository_uuid").(string)
		project, name := s.codeartsCheckCreated(t, id, 1)
		// The same body again is a duplicate name.
		dup := s.do(t, http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		want(t, "the same create again", dup, http.StatusBadRequest)
		if get(dup.json, "error.code") != "CH.010001" {
			t.Fatalf("duplicate: %s, want CH.010001", dup.raw)
		}
		d := s.do(t, http.MethodDelete, "/v1/repositories/"+id, nil, huaweiAuth...)
		want(t, "delete", d, http.StatusOK)
		if n := codeartsTotal(t, s.codeartsList(t, project)); n != 0 {
			t.Fatalf("list total after delete = %d", n)
		}
		v := s.do(t, http.MethodGet, "/v1/projects/"+project+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
		want(t, "name check after delete", v, http.StatusOK)
		if get(v.json, "result") != true {
			t.Fatalf("name %q still taken after delete: %s", name, v.raw)
		}
	})
}

func FuzzCodeArtsPath(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "4838955a48e2492bbe44b31bc4c272f6", "demotest1")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, repoUUID, projectUUID, name string) {
		s.srv.Reset()
		projectOK := codeartsProject.MatchString(projectUUID)
		nameOK := codeartsNameOK(name)
		body, _ := json.Marshal(map[string]string{"name": name, "project_uuid": projectUUID})
		c := s.do(t, http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		if (projectOK && nameOK) != (c.status == http.StatusOK) {
			t.Fatalf("create name %q in project %q (valid: %v, %v): %d %s", name, projectUUID, nameOK, projectOK, c.status, c.raw)
		}
		created := ""
		if c.status == http.StatusOK {
			created, _ = get(c.json, "result.repository_uuid").(string)
			p, n := s.codeartsCheckCreated(t, created, 1)
			if p != projectUUID || n != name {
				t.Fatalf("read back project %q name %q, want %q %q", p, n, projectUUID, name)
			}
		} else {
			want4xx(t, "create", c, "codearts")
		}

		pEsc := url.PathEscape(projectUUID)
		l := s.codeartsList(t, pEsc)
		if projectOK {
			want(t, "list", l, http.StatusOK)
			if n := codeartsTotal(t, l); n != btoi(created != "") {
				t.Fatalf("list total %d, created %q", n, created)
			}
		} else {
			want4xx(t, "list", l, "codearts", "huawei")
		}

		v := s.do(t, http.MethodGet, "/v1/projects/"+pEsc+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
		switch {
		case !fuzzStrict && hasInvalidEscapeRisk(name):
			// Decoded twice today ("%41" is checked as "A"): strict mode only.
		case projectOK && nameOK:
			want(t, "name check", v, http.StatusOK)
			if get(v.json, "result") != (created == "") {
				t.Fatalf("name check of %q: %s, created %q", name, v.raw, created)
			}
		default:
			want4xx(t, "name check", v, "codearts", "huawei")
		}

		idEsc := url.PathEscape(repoUUID)
		for _, op := range []struct{ method, path string }{
			{http.MethodGet, "/v2/repositories/" + idEsc},
			{http.MethodDelete, "/v1/repositories/" + idEsc},
		} {
			r := s.do(t, op.method, op.path, nil, huaweiAuth...)
			exact := fuzzStrict || !hasInvalidEscapeRisk(repoUUID)
			switch {
			case created != "" && repoUUID == created:
				want(t, op.method+" of the created repository", r, http.StatusOK)
			case exact && utf8.RuneCountInString(repoUUID) == 32 && !strings.Contains(repoUUID, "/"):
				want(t, op.method+" of an absent uuid", r, http.StatusNotFound)
				want4xx(t, op.method, r, "codearts")
			default:
				want4xx(t, op.method, r, "codearts", "huawei")
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- ServiceStage ----

var stageAuth = []string{"X-Auth-Token", "fuzz-token", "Content-Type", ctJSON, "X-Repo-Auth", repoAuthName}

func stageBase(project string) string {
	return "/v1/" + sdkProjectID + "/git/files/repomock/" + url.PathEscape(project) + "/"
}

func stagePaths(t *testing.T, r response) []string {
	t.Helper()
	var body struct {
		Paths []string `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.raw), &body); err != nil || body.Paths == nil {
		t.Fatalf("trees: no paths in %s", r.raw)
	}
	return body.Paths
}

func FuzzServiceStageCreate(f *testing.F) {
	f.Add([]byte(`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`), "group:app", "app:project.rb")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, project, path string) {
		s.srv.Reset()
		base := stageBase(project)
		file := base + url.PathEscape(path) + "?ref=master"
		trees := base + "trees?ref=master"

		r := s.do(t, http.MethodPost, file, body, stageAuth...)
		if r.status != http.StatusOK {
			want4xx(t, "create", r, "huawei")
			if tr := s.do(t, http.MethodGet, trees, nil, stageAuth...); tr.status == http.StatusOK {
				if ps := stagePaths(t, tr); len(ps) != 0 {
					t.Fatalf("refused create (%d %s) left files %q", r.status, r.raw, ps)
				}
			} else {
				want4xx(t, "trees", tr, "huawei")
			}
			return
		}
		got, _ := r.json["path"].(string)
		if (fuzzStrict || !hasInvalidEscapeRisk(path)) && got != strings.ReplaceAll(path, ":", "/") {
			t.Fatalf("created path %q, want %q (the colon form with slashes)", got, strings.ReplaceAll(path, ":", "/"))
		}
		tr := s.do(t, http.MethodGet, trees, nil, stageAuth...)
		want(t, "trees after create", tr, http.StatusOK)
		if ps := stagePaths(t, tr); len(ps) != 1 || ps[0] != got {
			t.Fatalf("trees after creating %q: %q", got, ps)
		}
		again := s.do(t, http.MethodPost, file, body, stageAuth...)
		want(t, "the same create again", again, http.StatusBadRequest)
		if again.json["error_code"] != "SVCSTG.REPO.0403" {
			t.Fatalf("create twice: %s, want SVCSTG.REPO.0403", again.raw)
		}
		if path == "trees" {
			return // GET …/{project}/trees is ListTrees: this file cannot be read (a documented assumption)
		}
		sh := s.do(t, http.MethodGet, file, nil, stageAuth...)
		want(t, "show after create", sh, http.StatusOK)
		content, err := base64.StdEncoding.DecodeString(fmt.Sprint(sh.json["content"]))
		if err != nil {
			t.Fatalf("show: content is not base64: %s", sh.raw)
		}
		sha, _ := sh.json["sha"].(string)
		if sh.json["path"] != got || sha != fileSHA(content) {
			t.Fatalf("show: %s, want path %q and the sha %s", sh.raw, got, fileSHA(content))
		}
		d := s.do(t, http.MethodDelete, file+"&message=fuzz&sha="+sha, nil, stageAuth...)
		want(t, "delete", d, http.StatusNoContent)
		if ps := stagePaths(t, s.do(t, http.MethodGet, trees, nil, stageAuth...)); len(ps) != 0 {
			t.Fatalf("trees after delete: %q", ps)
		}
	})
}

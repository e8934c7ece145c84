package codearts_test

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
// briefly: go test ./mock/vendors/codearts/ -run '^$' -fuzz '^FuzzEndorCreate$' -fuzztime 5s
//
// REPOMOCK_FUZZ_STRICT=1 also requires that a path parameter reaches the fake
// exactly as the client encoded it (no second percent-decoding, no invalid
// UTF-8 accepted); see TestReliabilityPathParamsDecodeOnce for the gap.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

var repoUUIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// newFuzzServer serves a fuzz target's requests in-process, each answer
// checked as it comes: no 5xx, and conformance to the spec.
func newFuzzServer(tb testing.TB) *servertest.Server {
	return servertest.New(tb, server.Config{}, vendorstest.InProcess(), vendorstest.Checked(), vendorstest.Auth())
}

// ---- CodeArts ----

var (
	huaweiAuth      = []string{"X-Auth-Token", "fuzz-token", "Content-Type", "application/json"}
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

func codeartsList(s *servertest.Server, t *testing.T, projectEsc string) vendorstest.Response {
	t.Helper()
	r := s.With(t).Do(http.MethodGet, "/v1/projects/"+projectEsc+"/repositories?page_size=100", nil, huaweiAuth...)
	return r
}

func codeartsTotal(t *testing.T, r vendorstest.Response) int {
	t.Helper()
	n, ok := vendorstest.Get(r.JSON, "result.total").(float64)
	if !ok {
		t.Fatalf("list: no result.total in %s", r.Raw)
	}
	return int(n)
}

// codeartsCheckCreated reads a created repository back every way the API allows.
func codeartsCheckCreated(s *servertest.Server, t *testing.T, id string, createID float64) (project, name string) {
	t.Helper()
	if !repoUUIDRE.MatchString(id) {
		t.Fatalf("repository_uuid %q is not 32 lowercase hex", id)
	}
	sh := s.With(t).Do(http.MethodGet, "/v2/repositories/"+id, nil, huaweiAuth...)
	vendorstest.Want(t, "show after create", sh, http.StatusOK)
	if got := vendorstest.Get(sh.JSON, "result.repository_id"); got != createID {
		t.Fatalf("repository_id = %v, want %v (a refused create must not use up an id)", got, createID)
	}
	project, _ = vendorstest.Get(sh.JSON, "result.project_uuid").(string)
	name, _ = vendorstest.Get(sh.JSON, "result.repository_name").(string)
	l := codeartsList(s, t, project)
	vendorstest.Want(t, "list after create", l, http.StatusOK)
	if n := codeartsTotal(t, l); n != 1 {
		t.Fatalf("list total after one create = %d: %s", n, l.Raw)
	}
	v := s.With(t).Do(http.MethodGet, "/v1/projects/"+project+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
	vendorstest.Want(t, "name check after create", v, http.StatusOK)
	if vendorstest.Get(v.JSON, "result") != false {
		t.Fatalf("name check of the created %q says it is free: %s", name, v.Raw)
	}
	return project, name
}

func FuzzCodeArtsCreate(f *testing.F) {
	f.Add([]byte(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demotest1","import_members":0,"visibility_level":20}`))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s.Srv.Reset()
		r := s.With(t).Do(http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		if r.Status != http.StatusOK {
			vendorstest.Want4xx(t, "create", r, "codearts")
			// Nothing was stored anywhere: the next repository is the session's first.
			probe := s.With(t).Do(http.MethodPost, "/v1/repositories", []byte(`{"project_uuid":"`+huaweitest.RepoProject+`","name":"fuzz-probe"}`), huaweiAuth...)
			vendorstest.Want(t, "probe create after a refused one", probe, http.StatusOK)
			id, _ := vendorstest.Get(probe.JSON, "result.repository_uuid").(string)
			codeartsCheckCreated(s, t, id, 1)
			return
		}
		if r.JSON["status"] != "success" {
			t.Fatalf("200 without status success: %s", r.Raw)
		}
		id, _ := vendorstest.Get(r.JSON, "result.repository_uuid").(string)
		project, name := codeartsCheckCreated(s, t, id, 1)
		// The same body again is a duplicate name.
		dup := s.With(t).Do(http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		vendorstest.Want(t, "the same create again", dup, http.StatusBadRequest)
		if vendorstest.Get(dup.JSON, "error.code") != "CH.010001" {
			t.Fatalf("duplicate: %s, want CH.010001", dup.Raw)
		}
		d := s.With(t).Do(http.MethodDelete, "/v1/repositories/"+id, nil, huaweiAuth...)
		vendorstest.Want(t, "delete", d, http.StatusOK)
		if n := codeartsTotal(t, codeartsList(s, t, project)); n != 0 {
			t.Fatalf("list total after delete = %d", n)
		}
		v := s.With(t).Do(http.MethodGet, "/v1/projects/"+project+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
		vendorstest.Want(t, "name check after delete", v, http.StatusOK)
		if vendorstest.Get(v.JSON, "result") != true {
			t.Fatalf("name %q still taken after delete: %s", name, v.Raw)
		}
	})
}

func FuzzCodeArtsPath(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "4838955a48e2492bbe44b31bc4c272f6", "demotest1")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, repoUUID, projectUUID, name string) {
		s.Srv.Reset()
		projectOK := codeartsProject.MatchString(projectUUID)
		nameOK := codeartsNameOK(name)
		body, _ := json.Marshal(map[string]string{"name": name, "project_uuid": projectUUID})
		c := s.With(t).Do(http.MethodPost, "/v1/repositories", body, huaweiAuth...)
		if (projectOK && nameOK) != (c.Status == http.StatusOK) {
			t.Fatalf("create name %q in project %q (valid: %v, %v): %d %s", name, projectUUID, nameOK, projectOK, c.Status, c.Raw)
		}
		created := ""
		if c.Status == http.StatusOK {
			created, _ = vendorstest.Get(c.JSON, "result.repository_uuid").(string)
			p, n := codeartsCheckCreated(s, t, created, 1)
			if p != projectUUID || n != name {
				t.Fatalf("read back project %q name %q, want %q %q", p, n, projectUUID, name)
			}
		} else {
			vendorstest.Want4xx(t, "create", c, "codearts")
		}

		pEsc := url.PathEscape(projectUUID)
		l := codeartsList(s, t, pEsc)
		if projectOK {
			vendorstest.Want(t, "list", l, http.StatusOK)
			if n := codeartsTotal(t, l); n != btoi(created != "") {
				t.Fatalf("list total %d, created %q", n, created)
			}
		} else {
			vendorstest.Want4xx(t, "list", l, "codearts", "huawei")
		}

		v := s.With(t).Do(http.MethodGet, "/v1/projects/"+pEsc+"/repositories/validation/"+url.PathEscape(name), nil, huaweiAuth...)
		switch {
		case !vendorstest.FuzzStrict() && vendorstest.EscapeRisk(name):
			// Decoded twice today ("%41" is checked as "A"): strict mode only.
		case projectOK && nameOK:
			vendorstest.Want(t, "name check", v, http.StatusOK)
			if vendorstest.Get(v.JSON, "result") != (created == "") {
				t.Fatalf("name check of %q: %s, created %q", name, v.Raw, created)
			}
		default:
			vendorstest.Want4xx(t, "name check", v, "codearts", "huawei")
		}

		idEsc := url.PathEscape(repoUUID)
		for _, op := range []struct{ method, path string }{
			{http.MethodGet, "/v2/repositories/" + idEsc},
			{http.MethodDelete, "/v1/repositories/" + idEsc},
		} {
			r := s.With(t).Do(op.method, op.path, nil, huaweiAuth...)
			exact := vendorstest.FuzzStrict() || !vendorstest.EscapeRisk(repoUUID)
			switch {
			case created != "" && repoUUID == created:
				vendorstest.Want(t, op.method+" of the created repository", r, http.StatusOK)
			case exact && utf8.RuneCountInString(repoUUID) == 32 && !strings.Contains(repoUUID, "/"):
				vendorstest.Want(t, op.method+" of an absent uuid", r, http.StatusNotFound)
				vendorstest.Want4xx(t, op.method, r, "codearts")
			default:
				vendorstest.Want4xx(t, op.method, r, "codearts", "huawei")
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

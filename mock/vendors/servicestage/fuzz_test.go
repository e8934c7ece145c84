package servicestage_test

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
// briefly: go test ./mock/vendors/servicestage/ -run '^$' -fuzz '^FuzzEndorCreate$' -fuzztime 5s
//
// REPOMOCK_FUZZ_STRICT=1 also requires that a path parameter reaches the fake
// exactly as the client encoded it (no second percent-decoding, no invalid
// UTF-8 accepted); see TestReliabilityPathParamsDecodeOnce for the gap.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// newFuzzServer serves a fuzz target's requests in-process, each answer
// checked as it comes: no 5xx, and conformance to the spec.
func newFuzzServer(tb testing.TB) *servertest.Server {
	return servertest.New(tb, server.Config{}, vendorstest.InProcess(), vendorstest.Checked(), vendorstest.Auth())
}

// ---- ServiceStage ----

var stageAuth = []string{"X-Auth-Token", "fuzz-token", "Content-Type", "application/json", "X-Repo-Auth", huaweitest.RepoAuth}

func stageBase(project string) string {
	return "/v1/" + huaweitest.ProjectID + "/git/files/repomock/" + url.PathEscape(project) + "/"
}

func stagePaths(t *testing.T, r vendorstest.Response) []string {
	t.Helper()
	var body struct {
		Paths []string `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &body); err != nil || body.Paths == nil {
		t.Fatalf("trees: no paths in %s", r.Raw)
	}
	return body.Paths
}

func FuzzServiceStageCreate(f *testing.F) {
	f.Add([]byte(`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`), "group:app", "app:project.rb")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte, project, path string) {
		s.Srv.Reset()
		base := stageBase(project)
		file := base + url.PathEscape(path) + "?ref=master"
		trees := base + "trees?ref=master"

		r := s.With(t).Do(http.MethodPost, file, body, stageAuth...)
		if r.Status != http.StatusOK {
			vendorstest.Want4xx(t, "create", r, "huawei")
			if tr := s.With(t).Do(http.MethodGet, trees, nil, stageAuth...); tr.Status == http.StatusOK {
				if ps := stagePaths(t, tr); len(ps) != 0 {
					t.Fatalf("refused create (%d %s) left files %q", r.Status, r.Raw, ps)
				}
			} else {
				vendorstest.Want4xx(t, "trees", tr, "huawei")
			}
			return
		}
		got, _ := r.JSON["path"].(string)
		if (vendorstest.FuzzStrict() || !vendorstest.EscapeRisk(path)) && got != strings.ReplaceAll(path, ":", "/") {
			t.Fatalf("created path %q, want %q (the colon form with slashes)", got, strings.ReplaceAll(path, ":", "/"))
		}
		tr := s.With(t).Do(http.MethodGet, trees, nil, stageAuth...)
		vendorstest.Want(t, "trees after create", tr, http.StatusOK)
		if ps := stagePaths(t, tr); len(ps) != 1 || ps[0] != got {
			t.Fatalf("trees after creating %q: %q", got, ps)
		}
		again := s.With(t).Do(http.MethodPost, file, body, stageAuth...)
		vendorstest.Want(t, "the same create again", again, http.StatusBadRequest)
		if again.JSON["error_code"] != "SVCSTG.REPO.0403" {
			t.Fatalf("create twice: %s, want SVCSTG.REPO.0403", again.Raw)
		}
		if path == "trees" {
			return // GET …/{project}/trees is ListTrees: this file cannot be read (a documented assumption)
		}
		sh := s.With(t).Do(http.MethodGet, file, nil, stageAuth...)
		vendorstest.Want(t, "show after create", sh, http.StatusOK)
		content, err := base64.StdEncoding.DecodeString(fmt.Sprint(sh.JSON["content"]))
		if err != nil {
			t.Fatalf("show: content is not base64: %s", sh.Raw)
		}
		sha, _ := sh.JSON["sha"].(string)
		if sh.JSON["path"] != got || sha != huaweitest.FileSHA(content) {
			t.Fatalf("show: %s, want path %q and the sha %s", sh.Raw, got, huaweitest.FileSHA(content))
		}
		d := s.With(t).Do(http.MethodDelete, file+"&message=fuzz&sha="+sha, nil, stageAuth...)
		vendorstest.Want(t, "delete", d, http.StatusNoContent)
		if ps := stagePaths(t, s.With(t).Do(http.MethodGet, trees, nil, stageAuth...)); len(ps) != 0 {
			t.Fatalf("trees after delete: %q", ps)
		}
	})
}

package contractstest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/contracts/vendors/codearts"
	"github.com/repomock/repomock/contracts/vendors/endor"
	"github.com/repomock/repomock/contracts/vendors/huawei"
	"github.com/repomock/repomock/contracts/vendors/servicestage"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// childEnv makes TestChild run, with a mode: "ok" against repomock as it is,
// "fault" against a repomock that accepts every invalid CreateRepository.
const childEnv = "CONTRACTSTEST_CHILD"

// TestChild runs the suite against an in-process repomock and prints every
// request it served as "request: METHOD PATH → STATUS". The tests below run
// it in a child process with -run of their choosing, to see what work -run
// selects. On its own it is skipped.
func TestChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("run by the tests below, in a child process")
	}
	srv, err := server.New(server.Config{Seed: 1, Vendors: vendorstest.Settings{RepoAuths: []string{"repomock-contract"}}.Vendors()})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var served []string
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status := rec.Code
		// The fault: an invalid (or duplicate) CreateRepository is taken.
		if mode == "fault" && r.Method == http.MethodPost && r.URL.Path == "/v1/repositories" && status == http.StatusBadRequest {
			status = http.StatusOK
		}
		mu.Lock()
		served = append(served, fmt.Sprintf("%s %s → %d", r.Method, r.URL.Path, status))
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer ts.Close()
	iam := huawei.Auth{Token: "an-iam-token"}
	contractstest.Run(t, contracts.Target{Vendors: []*contracts.Vendor{
		endor.New(endor.Config{URL: ts.URL, Token: "a-token"}),
		codearts.New(codearts.Config{URL: ts.URL, Auth: iam}),
		servicestage.New(servicestage.Config{URL: ts.URL, Auth: iam}),
	}})
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("requests: %d\n", len(served))
	for _, s := range served {
		fmt.Printf("request: %s\n", s)
	}
}

// child runs TestChild in a child process with -run ^TestChild$/run, and
// returns its verbose output and whether it passed.
func child(t *testing.T, mode, run string) (out string, passed bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChild$/"+run, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	b, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(b), err == nil
}

// requests are the request lines TestChild printed.
func requests(out string) []string {
	var rs []string
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(line, "request: "); ok {
			rs = append(rs, r)
		}
	}
	return rs
}

var creates = regexp.MustCompile(`^POST (/v1/namespaces/[^/]+/repository-versions|/v1/repositories|/v1/[^/]+/git/files/.*) → `)

// -run with one check runs that check's sub-tests and sends its requests:
// read_after_write creates one object per vendor, reads it back and deletes
// it. No write refused and no 401 show that the negative and missing-auth
// checks sent nothing.
func TestRunSelectsOneCheck(t *testing.T) {
	out, passed := child(t, "ok", "^read_after_write$")
	if !passed {
		t.Fatalf("the child failed:\n%s", out)
	}
	for _, want := range []string{
		"--- PASS: TestChild/read_after_write/RepositoryVersionService_GetRepositoryVersion",
		"--- PASS: TestChild/read_after_write/ShowRepositoryByUuid",
		"--- PASS: TestChild/read_after_write/DeleteFile",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	for _, other := range []string{contracts.CheckPositiveData, contracts.CheckNegativeData, contracts.CheckStatusCode} {
		if strings.Contains(out, "TestChild/"+other) {
			t.Errorf("%s ran, though -run left it out", other)
		}
	}
	rs := requests(out)
	made := slices.DeleteFunc(slices.Clone(rs), func(r string) bool { return !creates.MatchString(r) })
	if len(made) != 3 {
		t.Errorf("%d creates, want one per vendor: %q", len(made), made)
	}
	refused := regexp.MustCompile(`^(POST|PATCH|PUT) .* → 4\d\d$|→ 401$`)
	for _, r := range rs {
		if refused.MatchString(r) {
			t.Errorf("a request another check sends: %s", r)
		}
	}
	if len(rs) == 0 || len(rs) > 40 {
		t.Errorf("%d requests, want the few read_after_write sends", len(rs))
	}
}

// A conformance check run alone has no responses to read: it sends nothing
// but the preflight, and skips, saying why, rather than pass.
func TestRunConformanceAloneSkips(t *testing.T) {
	out, passed := child(t, "ok", "^status_code_conformance$")
	if !passed {
		t.Fatalf("the child failed:\n%s", out)
	}
	if !strings.Contains(out, "--- SKIP: TestChild/status_code_conformance/CreateRepository") ||
		!strings.Contains(out, "go test -run left some of them out") {
		t.Errorf("the conformance check did not skip saying why:\n%s", out)
	}
	if strings.Contains(out, "--- PASS: TestChild/status_code_conformance/") {
		t.Errorf("a conformance check passed without a response:\n%s", out)
	}
	// Only the preflight's calls: one harmless authenticated read per vendor.
	preflight := regexp.MustCompile(`^GET (/v1/auth|/v1/projects/[^/]+/repositories|/v1/[^/]+/git/files/[^/]+/[^/]+/trees) → 200$`)
	if rs := requests(out); len(rs) != 3 || !preflight.MatchString(rs[0]) || !preflight.MatchString(rs[1]) || !preflight.MatchString(rs[2]) {
		t.Errorf("%d requests, want the preflight's 3: %q", len(rs), rs)
	}
}

// A failure is reported in the failing sub-test, at the line of the
// vendor's check that saw it (in the codearts package's checks.go), not in
// the machinery around it.
func TestRunReportsAtTheCheck(t *testing.T) {
	src, err := os.ReadFile("../vendors/codearts/checks.go")
	if err != nil {
		t.Fatal(err)
	}
	// lineOf is the line of checks.go that holds code.
	lineOf := func(code string) int {
		i := strings.Index(string(src), code)
		if i < 0 {
			t.Fatalf("checks.go has no %q", code)
		}
		return 1 + strings.Count(string(src[:i]), "\n")
	}
	out, passed := child(t, "fault", "^(negative_data_rejection|duplicate_name_rejection)$")
	if passed {
		t.Fatalf("the child passed against a target that takes invalid creates:\n%s", out)
	}
	for name, code := range map[string]string{
		"negative_data_rejection/CreateRepository":  "s.Negative(r, c.create,",
		"duplicate_name_rejection/CreateRepository": "s.RejectsWith(r, c.create,",
	} {
		if !strings.Contains(out, "--- FAIL: TestChild/"+name+" ") {
			t.Errorf("%s did not fail:\n%s", name, out)
			continue
		}
		block := out[strings.Index(out, "=== RUN   TestChild/"+name+"\n"):]
		if i := strings.Index(block[1:], "=== RUN"); i >= 0 {
			block = block[:i+1]
		}
		if want := fmt.Sprintf("checks.go:%d: ", lineOf(code)); !strings.Contains(block, want) {
			t.Errorf("%s: the failure is not reported at %q (the check's call):\n%s", name, want, block)
		}
	}
	if m := regexp.MustCompile(`(?m)^\s+(contractstest|suite|record|scenarios|client|generic)\.go:\d+: .*`).FindString(out); m != "" {
		t.Errorf("a failure names the machinery, not the check: %s", strings.TrimSpace(m))
	}
}

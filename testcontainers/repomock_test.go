package repomock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/repomock/repomock/contracts"
	repomock "github.com/repomock/repomock/testcontainers"
)

// image is the image under test: REPOMOCK_IMAGE, or repomock:latest.
func image() string {
	if img := os.Getenv("REPOMOCK_IMAGE"); img != "" {
		return img
	}
	return "repomock:latest"
}

// run starts a container that is terminated when the test ends.
func run(t *testing.T, opts ...testcontainers.ContainerCustomizer) *repomock.Container {
	t.Helper()
	ctr, err := repomock.Run(t.Context(), image(), opts...)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	return ctr
}

// baseURL is the container's URL, failing the test on error.
func baseURL(t *testing.T, ctr *repomock.Container) string {
	t.Helper()
	u, err := ctr.URL(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// call sends a request (a JSON body when body is not empty) and returns the
// status and the body.
func call(t *testing.T, method, url string, headers map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// Request bodies and paths shared by the tests.
const (
	endorVersions = "/v1/namespaces/acme.prod/repository-versions"
	endorBody     = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
	stageFile     = "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/README.md?ref=master"
	stageBody     = `{"message":"add a file","content":"aGk="}`
	// exampleUUID is a repository version in the image's example fixtures.
	exampleUUID = "6560a0000000000000000001"
)

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// field decodes a JSON object and returns one top-level string field.
func field(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, body)
	}
	s, _ := m[name].(string)
	return s
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctr := run(t)
	ctx := t.Context()

	base := baseURL(t, ctr)
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.Path != "" {
		t.Fatalf("URL = %q, want http://host:port", base)
	}
	for name, f := range map[string]func(context.Context) (string, error){
		"EndorURL": ctr.EndorURL, "CodeArtsURL": ctr.CodeArtsURL, "ServiceStageURL": ctr.ServiceStageURL,
	} {
		if got, err := f(ctx); err != nil || got != base {
			t.Errorf("%s = %q, %v; want %q", name, got, err, base)
		}
	}

	if status, body := call(t, http.MethodGet, base+"/__admin/health", nil, ""); status != http.StatusOK {
		t.Errorf("health: %d %s", status, body)
	}
	// Defaults: no fixtures, any Endor token, any well-formed (even unsigned) AK/SK signature.
	if status, _ := call(t, http.MethodGet, base+endorVersions+"/"+exampleUUID, bearer("anything"), ""); status != http.StatusNotFound {
		t.Errorf("example fixture without WithExampleFixtures: %d, want 404", status)
	}
	if status, body := call(t, http.MethodPost, base+endorVersions, bearer("anything"), endorBody); status != http.StatusOK {
		t.Errorf("Endor create with any token: %d %s", status, body)
	}
	if status, body := call(t, http.MethodGet, base+"/v1/projects/4838955a48e2492bbe44b31bc4c272f6/repositories",
		forgedSignature("ANYAK"), ""); status != http.StatusOK {
		t.Errorf("CodeArts list with an unverified signature: %d %s", status, body)
	}

	inspect, err := ctr.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Only the image's own settings: listen on every interface of the
	// container, whose network is private, with /__admin open there.
	imageEnv := map[string]bool{"REPOMOCK_ADDR=0.0.0.0:8080": true, "REPOMOCK_ADMIN_OPEN=true": true}
	for _, env := range inspect.Config.Env {
		if strings.HasPrefix(env, "REPOMOCK_") && !imageEnv[env] {
			t.Errorf("unexpected variable by default: %s", env)
		}
	}
}

// forgedSignature is a well-formed SDK-HMAC-SHA256 authorization whose
// signature is not computed: accepted unless WithHuaweiCredentials is set.
func forgedSignature(ak string) map[string]string {
	return map[string]string{
		"X-Sdk-Date":    time.Now().UTC().Format("20060102T150405Z"),
		"Authorization": "SDK-HMAC-SHA256 Access=" + ak + ", SignedHeaders=host;x-sdk-date, Signature=" + strings.Repeat("ab", 32),
	}
}

func TestRunReturnsContainerOnError(t *testing.T) {
	t.Parallel()
	// A specs directory that does not exist stops the server at start, so
	// the container never becomes healthy.
	ctr, err := repomock.Run(t.Context(), image(),
		testcontainers.WithEnv(map[string]string{"REPOMOCK_SPECS": "/nonexistent"}))
	testcontainers.CleanupContainer(t, ctr)
	if err == nil {
		t.Fatal("Run succeeded with a broken specs directory")
	}
	if ctr == nil {
		t.Fatalf("Run returned no container with %v; the caller could not clean it up", err)
	}
	if !strings.Contains(err.Error(), "run repomock") {
		t.Errorf("error %q does not name the module", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	notDir := filepath.Join(t.TempDir(), "endor.yaml")
	if err := os.WriteFile(notDir, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []testcontainers.ContainerCustomizer
		want string
	}{
		{"fixtures dir missing", opts(repomock.WithFixtures(filepath.Join(t.TempDir(), "nope"))), "no such file"},
		{"fixtures not a dir", opts(repomock.WithFixtures(notDir)), "not a directory"},
		{"fixtures dir empty", opts(repomock.WithFixtures(t.TempDir())), "holds none of"},
		{"both fixture options", opts(repomock.WithExampleFixtures(), repomock.WithFixtures(filepath.Dir(notDir))), "choose one"},
		{"seed 0", opts(repomock.WithSeed(0)), "random"},
		{"no endor token", opts(repomock.WithEndorTokens()), "no token"},
		{"endor token with a comma", opts(repomock.WithEndorTokens("a,b")), "comma"},
		{"endor token bad namespace", opts(repomock.WithEndorTokens("tok=Acme Prod")), "namespace"},
		{"huawei credential without SK", opts(repomock.WithHuaweiCredentials("AKONLY")), "AK:SK"},
		{"repo auth too short", opts(repomock.WithRepoAuths("abc")), "4 to 63"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctr, err := repomock.Run(t.Context(), image(), tc.opts...)
			testcontainers.CleanupContainer(t, ctr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if ctr != nil {
				t.Error("a container was created despite the invalid option")
			}
		})
	}
}

func opts(o ...testcontainers.ContainerCustomizer) []testcontainers.ContainerCustomizer { return o }

func TestWithEndorTokens(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithEndorTokens("good-token", "prod-only=acme.prod"))
	base := baseURL(t, ctr)

	for _, tc := range []struct {
		token, namespace string
		want             int
	}{
		{"good-token", "acme.dev", http.StatusOK},
		{"unknown-token", "acme.dev", http.StatusUnauthorized},
		{"prod-only", "acme.prod", http.StatusOK},
		{"prod-only", "acme.dev", http.StatusForbidden},
	} {
		status, body := call(t, http.MethodPost, base+"/v1/namespaces/"+tc.namespace+"/repository-versions", bearer(tc.token), endorBody)
		if status != tc.want {
			t.Errorf("%s in %s: %d %s, want %d", tc.token, tc.namespace, status, body, tc.want)
		}
	}
}

func TestWithHuaweiCredentials(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithHuaweiCredentials("KNOWNAK:KNOWNSK"))
	list := baseURL(t, ctr) + "/v1/projects/4838955a48e2492bbe44b31bc4c272f6/repositories"

	for _, tc := range []struct {
		ak, want string
	}{
		{"OTHERAK", "unknown access key"},
		{"KNOWNAK", "signature"}, // a known key, but the signature was not computed with its SK
	} {
		status, body := call(t, http.MethodGet, list, forgedSignature(tc.ak), "")
		if status != http.StatusUnauthorized || !strings.Contains(body, "APIGW.0301") || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 401 APIGW.0301 saying %q", tc.ak, status, body, tc.want)
		}
	}
	// Tokens are not affected. (A correct signature is accepted: see TestContractSuite.)
	if status, body := call(t, http.MethodGet, list, map[string]string{"X-Auth-Token": "any-token"}, ""); status != http.StatusOK {
		t.Errorf("X-Auth-Token: %d %s", status, body)
	}
}

func TestWithRepoAuths(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithRepoAuths("allowed-auth"))
	file := baseURL(t, ctr) + stageFile

	status, body := call(t, http.MethodPost, file, map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "other-auth"}, stageBody)
	if status != http.StatusBadRequest || !strings.Contains(body, "SVCSTG.REPO.0451") {
		t.Errorf("unlisted name: %d %s, want 400 SVCSTG.REPO.0451", status, body)
	}
	if status, body := call(t, http.MethodPost, file, map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "allowed-auth"}, stageBody); status != http.StatusOK {
		t.Errorf("listed name: %d %s", status, body)
	}
}

func TestWithSeed(t *testing.T) {
	t.Parallel()
	// uuid creates the same repository version on a new container.
	uuid := func(opts ...testcontainers.ContainerCustomizer) string {
		ctr := run(t, opts...)
		status, body := call(t, http.MethodPost, baseURL(t, ctr)+endorVersions, bearer("t"), endorBody)
		if status != http.StatusOK {
			t.Fatalf("create: %d %s", status, body)
		}
		return field(t, body, "uuid")
	}
	a, b, other := uuid(repomock.WithSeed(42)), uuid(repomock.WithSeed(42)), uuid(repomock.WithSeed(43))
	if a == "" || a != b {
		t.Errorf("same seed, uuids %q and %q; want equal", a, b)
	}
	if a == other {
		t.Errorf("seeds 42 and 43 both gave uuid %q", a)
	}
}

func TestWithExampleFixtures(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithExampleFixtures())
	base := baseURL(t, ctr)

	for _, tc := range []struct {
		name, path string
		headers    map[string]string
		want       string
	}{
		{"endor", endorVersions + "/" + exampleUUID, bearer("t"), `"Default branch of the payments service"`},
		{"codearts", "/v2/repositories/d161fd00d9194816a455cb3c1d6a783e", map[string]string{"X-Auth-Token": "t"}, `"payments-service"`},
		{"servicestage", stageFile, map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "any-auth"}, `"README.md"`},
	} {
		status, body := call(t, http.MethodGet, base+tc.path, tc.headers, "")
		if status != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("%s fixture: %d %s, want 200 with %s", tc.name, status, body, tc.want)
		}
	}
}

// customEndor is an Endor fixture file with one repository version.
const customEndor = `repository_versions:
  - namespace: custom.ns
    uuid: 6560c0000000000000000abc
    meta:
      name: from-host
      parent_uuid: 6560c00000000000000000aa
    context:
      id: from-host
      type: CONTEXT_TYPE_REF
`

func TestWithFixturesAndReset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Mode 0600: readable on the host by this process only. The server runs
	// as uid 65532, so the copy must not keep the host's mode.
	if err := os.WriteFile(filepath.Join(dir, "endor.yaml"), []byte(customEndor), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a fixture"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctr := run(t, repomock.WithFixtures(dir))
	ctx := t.Context()
	object := baseURL(t, ctr) + "/v1/namespaces/custom.ns/repository-versions/6560c0000000000000000abc"

	status, body := call(t, http.MethodGet, object, bearer("t"), "")
	if status != http.StatusOK || field(t, body, "uuid") != "6560c0000000000000000abc" {
		t.Fatalf("fixture object: %d %s", status, body)
	}
	rc, err := ctr.CopyFileFromContainer(ctx, repomock.FixturesPath+"/endor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	copied, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(copied) != customEndor {
		t.Errorf("%s/endor.yaml in the container = %q, %v", repomock.FixturesPath, copied, err)
	}
	if _, err := ctr.CopyFileFromContainer(ctx, repomock.FixturesPath+"/notes.txt"); err == nil {
		t.Error("notes.txt was copied; only fixture files should be")
	}

	// Reset brings a deleted fixture object back, and empties the journal.
	if status, body := call(t, http.MethodDelete, object, bearer("t"), ""); status != http.StatusOK {
		t.Fatalf("delete: %d %s", status, body)
	}
	if status, _ := call(t, http.MethodGet, object, bearer("t"), ""); status != http.StatusNotFound {
		t.Fatalf("after delete: %d, want 404", status)
	}
	if err := ctr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, err := ctr.Requests(ctx); err != nil || len(reqs) != 0 {
		t.Errorf("journal after Reset: %v, %v; want empty", reqs, err)
	}
	if status, body := call(t, http.MethodGet, object, bearer("t"), ""); status != http.StatusOK {
		t.Errorf("after Reset: %d %s, want the fixture back", status, body)
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	ctr := run(t)
	base := baseURL(t, ctr)
	start := time.Now().Add(-time.Minute)

	call(t, http.MethodPost, base+endorVersions, bearer("t"), endorBody)
	call(t, http.MethodGet, base+endorVersions+"?list_parameters.count=true", bearer("t"), "")
	call(t, http.MethodPost, base+endorVersions, nil, "{}")  // no token: 401
	call(t, http.MethodGet, base+"/__admin/health", nil, "") // admin: not journaled

	reqs, err := ctr.Requests(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Method, Path, Query string
		Status              int
		OperationID         string
	}
	want := []row{ // newest first
		{"POST", endorVersions, "", 401, "RepositoryVersionService_CreateRepositoryVersion"},
		{"GET", endorVersions, "list_parameters.count=true", 200, "RepositoryVersionService_ListRepositoryVersions"},
		{"POST", endorVersions, "", 200, "RepositoryVersionService_CreateRepositoryVersion"},
	}
	if len(reqs) != len(want) {
		t.Fatalf("got %d requests, want %d: %+v", len(reqs), len(want), reqs)
	}
	for i, r := range reqs {
		if got := (row{r.Method, r.Path, r.Query, r.Status, r.OperationID}); got != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got, want[i])
		}
		if r.Time.Before(start) || r.DurationMS < 0 {
			t.Errorf("request %d: time %v, duration %v ms", i, r.Time, r.DurationMS)
		}
	}
}

// TestContractSuite certifies the container with the contract suite. The
// container has every credential option set, and the suite runs twice so
// that its clients prove each way in: bearer and IAM tokens from the
// configured lists, then an Endor API key exchanged for a token (accepted
// even with WithEndorTokens) and Huawei AK/SK signatures, verified.
func TestContractSuite(t *testing.T) {
	t.Parallel()
	ctr := run(t,
		repomock.WithSeed(1),
		repomock.WithEndorTokens("contract-token"),
		repomock.WithHuaweiCredentials("CONTRACTAK:CONTRACTSK"),
		repomock.WithRepoAuths("repomock-contract"),
	)
	ctx := t.Context()
	endor, err := ctr.EndorURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codearts, err := ctr.CodeArtsURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stage, err := ctr.ServiceStageURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := func(e contracts.Endor, h contracts.Huawei) contracts.Target {
		e.URL = endor
		return contracts.Target{
			Name:         "repomock-container",
			Endor:        e,
			CodeArts:     contracts.CodeArts{URL: codearts, Auth: h},
			ServiceStage: contracts.ServiceStage{URL: stage, Auth: h, RepoAuth: "repomock-contract"},
		}
	}
	for _, tc := range []struct {
		name   string
		target contracts.Target
	}{
		{"tokens", target(contracts.Endor{Token: "contract-token"}, contracts.Huawei{Token: "contract-iam-token"})},
		{"keys", target(contracts.Endor{APIKey: "endr+contract-key", APISecret: "endr+contract-secret"},
			contracts.Huawei{AK: "CONTRACTAK", SK: "CONTRACTSK"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := ctr.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			contracts.Run(t, tc.target)
			// The suite's requests went through the container.
			if reqs, err := ctr.Requests(ctx); err != nil || len(reqs) == 0 {
				t.Errorf("journal after the suite: %d requests, %v", len(reqs), err)
			}
		})
	}
}

package repomock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	repomock "github.com/repomock/repomock/testcontainers"
)

// image is the image under test: REPOMOCK_IMAGE, or DefaultImage (CI tags its
// release build so).
func image() string {
	if img := os.Getenv("REPOMOCK_IMAGE"); img != "" {
		return img
	}
	return repomock.DefaultImage
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

func TestRunMissingImage(t *testing.T) {
	t.Parallel()
	// Neither on the Docker host nor pullable: no registry answers on port 1.
	const img = "127.0.0.1:1/repomock:missing"
	ctr, err := repomock.Run(t.Context(), img)
	testcontainers.CleanupContainer(t, ctr)
	if err == nil {
		t.Fatalf("Run(%s) succeeded", img)
	}
	// The tag to pull, and the exact command that builds the image under that name.
	for _, want := range []string{
		"run repomock: image " + img + " is not on this Docker host",
		"docker pull " + img,
		"CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o build/repomock ./cmd/repomock && docker build -t " + img + " .",
		"127.0.0.1:1", // and the pull's own error after it
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestVersion(t *testing.T) {
	// The release tags the module testcontainers/vX.Y.Z and publishes the
	// image vX.Y.Z; cmd/release refuses a tag that Version does not name.
	if !regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(repomock.Version) {
		t.Errorf("Version = %q, want vX.Y.Z", repomock.Version)
	}
	if want := "ghcr.io/repomock/repomock:" + repomock.Version; repomock.DefaultImage != want {
		t.Errorf("DefaultImage = %q, want %q", repomock.DefaultImage, want)
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
		{"fixture options the other way round", opts(repomock.WithFixtures(filepath.Dir(notDir)), repomock.WithExampleFixtures()), "choose one"},
		{"repo auth too short", opts(repomock.WithRepoAuths("abc")), "4 to 63"},
		{"admin token empty", opts(repomock.WithAdminToken("")), "empty"},
		{"admin token with a space around", opts(repomock.WithAdminToken(" adm")), "spaces"},
		{"no allowed host", opts(repomock.WithAllowedHosts()), "no host"},
		{"allowed host with a port", opts(repomock.WithAllowedHosts("docker:2375")), "not a host name"},
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

// TestWithAdminToken starts the image with an admin token: the image's
// HEALTHCHECK still turns healthy (health needs no token), Run returns, and
// Reset and Requests send the token, which every other admin call lacks.
func TestWithAdminToken(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithAdminToken("adm-s3cret"))
	ctx := t.Context()
	base := baseURL(t, ctr)

	// Docker runs the HEALTHCHECK every second; Run waited on HTTP only.
	deadline := time.Now().Add(30 * time.Second)
	for {
		state, err := ctr.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if state.Health == nil {
			t.Fatal("the image has no HEALTHCHECK")
		}
		if state.Health.Status == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HEALTHCHECK status %q after 30 s: %+v", state.Health.Status, state.Health.Log)
		}
		time.Sleep(200 * time.Millisecond)
	}

	call(t, http.MethodPost, base+endorVersions, bearer("t"), endorBody)
	if reqs, err := ctr.Requests(ctx); err != nil || len(reqs) != 1 {
		t.Fatalf("Requests with the token: %v, %v; want the one create", reqs, err)
	}
	if err := ctr.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, err := ctr.Requests(ctx); err != nil || len(reqs) != 0 {
		t.Errorf("journal after Reset: %v, %v; want empty", reqs, err)
	}

	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/__admin/health", http.StatusOK},
		{http.MethodGet, "/__admin/requests", http.StatusUnauthorized},
		{http.MethodPost, "/__admin/reset", http.StatusUnauthorized},
	} {
		if status, body := call(t, tc.method, base+tc.path, nil, ""); status != tc.want {
			t.Errorf("%s %s without the token: %d %s, want %d", tc.method, tc.path, status, body, tc.want)
		}
	}
	// The same container without the token: the admin calls are refused,
	// so it was the token that made them work above.
	bare := &repomock.Container{Container: ctr.Container}
	if err := bare.Reset(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Reset without the token: %v, want HTTP 401", err)
	}
}

// TestOptionsWithPlainRun passes the module's options to
// testcontainers.Run, not this package's Run: each must still take effect.
// The admin API answers to the container's address and to the names
// given, and refuses any other Host (DNS rebinding); the vendor routes
// answer to any Host.
func TestWithAllowedHosts(t *testing.T) {
	t.Parallel()
	ctr := run(t, repomock.WithAllowedHosts("repomock.test"))
	base := baseURL(t, ctr)
	for host, want := range map[string]int{"": http.StatusOK, "repomock.test:8080": http.StatusOK, "rebind.evil.example": http.StatusForbidden} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/__admin/requests", nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d %s, want %d", host, resp.StatusCode, body, want)
		}
	}
	if status, body := call(t, http.MethodGet, base+endorVersions, bearer("t"), ""); status != http.StatusOK {
		t.Errorf("a vendor route: %d %s", status, body)
	}
}

func TestOptionsWithPlainRun(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ctr, err := testcontainers.Run(ctx, image(),
		testcontainers.WithExposedPorts(repomock.Port),
		testcontainers.WithWaitStrategy(wait.ForHealthCheck().WithStartupTimeout(repomock.StartupTimeout)),
		repomock.WithExampleFixtures(),
		repomock.WithSeed(7),
		repomock.WithEndorTokens("plain-token"),
		repomock.WithEndorTokens("second-call"), // adds to the list
		repomock.WithHuaweiCredentials("PLAINAK:PLAINSK"),
		repomock.WithRepoAuths("plain-auth"),
		repomock.WithAdminToken("plain-admin"),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	base, err := ctr.PortEndpoint(ctx, repomock.Port, "http")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		want    int
	}{
		{"example fixture", http.MethodGet, endorVersions + "/" + exampleUUID, bearer("plain-token"), http.StatusOK},
		{"second token list", http.MethodGet, endorVersions + "/" + exampleUUID, bearer("second-call"), http.StatusOK},
		{"unknown Endor token", http.MethodGet, endorVersions + "/" + exampleUUID, bearer("other"), http.StatusUnauthorized},
		{"unknown AK", http.MethodGet, "/v1/projects/4838955a48e2492bbe44b31bc4c272f6/repositories", forgedSignature("OTHERAK"), http.StatusUnauthorized},
		{"listed repo auth", http.MethodGet, stageFile, map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "plain-auth"}, http.StatusOK},
		{"unknown repo auth", http.MethodGet, stageFile, map[string]string{"X-Auth-Token": "t", "X-Repo-Auth": "other-auth"}, http.StatusBadRequest},
		{"admin without its token", http.MethodGet, "/__admin/requests", nil, http.StatusUnauthorized},
		{"admin with its token", http.MethodGet, "/__admin/requests", map[string]string{"X-Repomock-Admin-Token": "plain-admin"}, http.StatusOK},
	} {
		if status, body := call(t, tc.method, base+tc.path, tc.headers, ""); status != tc.want {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, status, body, tc.want)
		}
	}
	inspect, err := ctr.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(inspect.Config.Env, "REPOMOCK_SEED=7") {
		t.Errorf("REPOMOCK_SEED=7 not in %v", inspect.Config.Env)
	}
}

// contractArgs are the flags of `repomock contract` that point it at the
// server container, by its alias on the test's network.
func contractArgs(extra ...string) []string {
	base := "http://" + serverAlias + ":8080"
	return append([]string{"contract", "--endor-url=" + base, "--codearts-url=" + base, "--servicestage-url=" + base}, extra...)
}

// serverAlias is the server container's name on the test's network.
const serverAlias = "repomock"

// contract runs the image's own `repomock contract` in a second container
// from the same image, on the network nw, and returns its exit code and
// its output (the table and the summary).
func contract(t *testing.T, nw *testcontainers.DockerNetwork, args []string) (int, string) {
	t.Helper()
	ctx := t.Context()
	ctr, err := testcontainers.Run(ctx, image(),
		testcontainers.WithCmd(args...),
		network.WithNetwork(nil, nw),
		testcontainers.WithWaitStrategy(wait.ForExit().WithExitTimeout(5*time.Minute)),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	state, err := ctr.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ctr.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return state.ExitCode, string(out)
}

// summaryRe is the last line of `repomock contract`'s table.
var summaryRe = regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed, (\d+) skipped$`)

// TestContractSuite certifies the container with the contract suite, run
// by the image's own CLI from a second container over a Docker network (so
// this module needs nothing from the server's Go module). The server has
// every credential option set, and the suite runs twice so that its
// clients prove each way in: bearer and IAM tokens from the configured
// lists, then an Endor API key exchanged for a token (accepted even with
// WithEndorTokens) and Huawei AK/SK signatures, verified. A third run with
// a token the server refuses stops at the preflight, with exit 2.
func TestContractSuite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	nw, err := network.New(ctx)
	testcontainers.CleanupNetwork(t, nw)
	if err != nil {
		t.Fatal(err)
	}
	ctr := run(t,
		repomock.WithSeed(1),
		repomock.WithEndorTokens("contract-token"),
		repomock.WithHuaweiCredentials("CONTRACTAK:CONTRACTSK"),
		repomock.WithRepoAuths("repomock-contract"),
		network.WithNetwork([]string{serverAlias}, nw),
	)

	for _, tc := range []struct {
		name     string
		args     []string
		wantExit int
	}{
		{"tokens", contractArgs("--endor-token=contract-token", "--huawei-token=contract-iam-token",
			"--servicestage-repo-auth=repomock-contract"), 0},
		{"keys", contractArgs("--endor-api-key=endr+contract-key", "--endor-api-secret=endr+contract-secret",
			"--huawei-ak=CONTRACTAK", "--huawei-sk=CONTRACTSK", "--servicestage-repo-auth=repomock-contract"), 0},
		{"refused token", []string{"contract", "--endor-url=http://" + serverAlias + ":8080", "--endor-token=not-accepted"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := ctr.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			code, out := contract(t, nw, tc.args)
			// A token the server refuses stops the run before any check.
			if tc.wantExit == 2 {
				if code != 2 || !strings.Contains(out, "credentials rejected by Endor Labs: 401") {
					t.Fatalf("repomock contract: exit %d, want 2 and the refusal:\n%s", code, out)
				}
				return
			}
			m := summaryRe.FindStringSubmatch(out)
			if code != tc.wantExit || m == nil {
				t.Fatalf("repomock contract: exit %d, want %d:\n%s", code, tc.wantExit, out)
			}
			passed, _ := strconv.Atoi(m[1])
			failed, _ := strconv.Atoi(m[2])
			if tc.wantExit == 0 && (passed == 0 || failed != 0) || tc.wantExit != 0 && failed == 0 {
				t.Errorf("summary %q with exit %d:\n%s", m[0], code, out)
			}
			t.Logf("%s (exit %d)", m[0], code)
			// The suite's requests went through the server container.
			if reqs, err := ctr.Requests(ctx); err != nil || len(reqs) == 0 {
				t.Errorf("journal after the suite: %d requests, %v", len(reqs), err)
			}
		})
	}
}

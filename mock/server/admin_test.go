package server_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
	"github.com/repomock/repomock/specs"
)

func TestAdminHealth(t *testing.T) {
	h := servertest.New(t, server.Config{})
	r := h.Do(http.MethodGet, "/__admin/health", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("health: %d", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"status":"ok"}`)
}

// With an admin token set, health still answers without it (so Docker's
// HEALTHCHECK and wait strategies need no secret), and only health does.
func TestAdminHealthNeedsNoToken(t *testing.T) {
	h := servertest.New(t, server.Config{AdminToken: "s3cret"})
	for _, tc := range []struct {
		method, path string
		headers      []string
		want         int
	}{
		{http.MethodGet, "/__admin/health", nil, http.StatusOK},
		{http.MethodGet, "/__admin/health", []string{admin.TokenHeader, "wrong"}, http.StatusOK},
		{http.MethodGet, "/__admin/health", []string{admin.TokenHeader, "s3cret"}, http.StatusOK},
		{http.MethodGet, "/__admin/requests", nil, http.StatusUnauthorized},
		{http.MethodGet, "/__admin/requests", []string{admin.TokenHeader, "wrong"}, http.StatusUnauthorized},
		{http.MethodGet, "/__admin/requests", []string{admin.TokenHeader, "s3cret"}, http.StatusOK},
		{http.MethodPost, "/__admin/reset", nil, http.StatusUnauthorized},
		{http.MethodPost, "/__admin/reset", []string{admin.TokenHeader, "s3cret"}, http.StatusOK},
		// A route next to health is not opened with it.
		{http.MethodGet, "/__admin/health2", nil, http.StatusUnauthorized},
		{http.MethodGet, "/__admin/nothing", nil, http.StatusUnauthorized},
	} {
		r := h.Do(tc.method, tc.path, nil, tc.headers...)
		if r.Status != tc.want {
			t.Errorf("%s %s %v: %d %s, want %d", tc.method, tc.path, tc.headers, r.Status, r.Raw, tc.want)
		}
	}
}

func TestAdminResetReloadsFixtures(t *testing.T) {
	h := servertest.New(t, server.Config{FixturesDir: "../../fixtures"})
	fixture := "6560a0000000000000000001"
	before := h.Do(http.MethodGet, endortest.Path+"/"+fixture, nil)
	if before.Status != http.StatusOK {
		t.Fatalf("fixture object missing: %d %s", before.Status, before.Raw)
	}
	if n := endortest.Count(h, "acme.prod"); n != 2 {
		t.Fatalf("acme.prod has %d objects, want the 2 fixtures", n)
	}
	if n := endortest.Count(h, "acme.dev"); n != 1 {
		t.Fatalf("acme.dev has %d objects, want 1 fixture", n)
	}
	endortest.Create(h, "acme.prod", endortest.Version("new"))
	h.Do(http.MethodDelete, endortest.Path+"/"+fixture, nil)

	if r := h.Do(http.MethodPost, "/__admin/reset", nil); r.Status != http.StatusOK {
		t.Fatalf("reset: %d", r.Status)
	}
	if n := endortest.Count(h, "acme.prod"); n != 2 {
		t.Errorf("after reset acme.prod has %d objects, want the 2 fixtures only", n)
	}
	after := h.Do(http.MethodGet, endortest.Path+"/"+fixture, nil)
	if after.Status != http.StatusOK {
		t.Fatalf("deleted fixture not back after reset: %d", after.Status)
	}
	vendorstest.JSONEqual(t, after.Raw, before.Raw)
}

func TestAdminResetClearsStateWithoutFixtures(t *testing.T) {
	h := servertest.New(t, server.Config{})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	h.Do(http.MethodPost, "/__admin/reset", nil)
	if n := endortest.Count(h, "acme.prod"); n != 0 {
		t.Errorf("%d objects after reset", n)
	}
}

type journalEntry struct {
	Method, Path, Query string
	Status              int
	OperationID         string   `json:"operation_id"`
	Violations          []string `json:"violations"`
	IgnoredQuery        []string `json:"ignored_query"`
	Time                string
	DurationMS          *float64 `json:"duration_ms"`
}

func journalOfH(h *servertest.Server, query string) []journalEntry {
	h.T.Helper()
	var body struct{ Requests []journalEntry }
	r := h.Do(http.MethodGet, "/__admin/requests"+query, nil)
	if r.Status != http.StatusOK {
		h.T.Fatalf("journal: %d %s", r.Status, r.Raw)
	}
	if err := jsonUnmarshal(r.Raw, &body); err != nil {
		h.T.Fatal(err)
	}
	return body.Requests
}

func TestAdminRequestsJournal(t *testing.T) {
	h := servertest.New(t, server.Config{JournalSize: 3})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	h.Do(http.MethodPost, endortest.Path, `{"meta":{}}`)
	h.Do(http.MethodGet, "/v1/nope?x=1", nil)

	got := journalOfH(h, "")
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3", len(got))
	}
	// Newest first; admin calls are not journalled.
	if got[0].Path != "/v1/nope" || got[0].Status != 404 || got[0].Query != "x=1" || got[0].OperationID != "" {
		t.Errorf("newest entry: %+v", got[0])
	}
	bad := got[1]
	if bad.Method != "POST" || bad.Status != 400 || bad.OperationID != "RepositoryVersionService_CreateRepositoryVersion" ||
		len(bad.Violations) != 2 || !slices.Contains(bad.Violations, "context: value is required") || !slices.Contains(bad.Violations, "meta.name: value is required") {
		t.Errorf("invalid create entry: %+v", bad)
	}
	ok := got[2]
	if ok.Status != 200 || ok.Path != endortest.Path || len(ok.Violations) != 0 || ok.DurationMS == nil || ok.Time != h.Clock.Now().Format("2006-01-02T15:04:05.999999999Z07:00") {
		t.Errorf("create entry: %+v", ok)
	}

	// Bounded: a fourth request pushes the oldest out.
	h.Do(http.MethodGet, endortest.Path, nil)
	got = journalOfH(h, "")
	if len(got) != 3 || got[0].OperationID != "RepositoryVersionService_ListRepositoryVersions" || got[2].Path != endortest.Path || got[2].Method != "POST" || got[2].Status != 400 {
		t.Errorf("after a 4th request: %+v", got)
	}
	if got := journalOfH(h, "?limit=1"); len(got) != 1 {
		t.Errorf("limit=1 gave %d entries", len(got))
	}
	if r := h.Do(http.MethodGet, "/__admin/requests?limit=x", nil); r.Status != http.StatusBadRequest {
		t.Errorf("limit=x: %d, want 400", r.Status)
	}
	h.Do(http.MethodPost, "/__admin/reset", nil)
	if got := journalOfH(h, ""); len(got) != 0 {
		t.Errorf("reset left %d journal entries", len(got))
	}
}

func TestJournalNeverHoldsCredentials(t *testing.T) {
	h := servertest.New(t, server.Config{})
	h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"endr+k","secret":"endr+very-secret"}`, "Content-Type", ctJSON)
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	r := h.Do(http.MethodGet, "/__admin/requests", nil)
	for _, secret := range []string{"test-token", "endr+very-secret", "Bearer"} {
		if strings.Contains(r.Raw, secret) {
			t.Errorf("journal contains %q: %s", secret, r.Raw)
		}
	}
}

func TestSeedMakesIDsRepeatable(t *testing.T) {
	ids := func(seed uint64) []string {
		h := servertest.New(t, server.Config{Seed: seed})
		var out []string
		for _, n := range []string{"a", "b", "c"} {
			out = append(out, endortest.Create(h, "acme.prod", endortest.Version(n)).JSON["uuid"].(string))
		}
		tok := h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"k","secret":"s"}`, "Content-Type", ctJSON)
		return append(out, tok.JSON["token"].(string))
	}
	a, b, c := ids(42), ids(42), ids(43)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("seed 42 twice: %v vs %v", a, b)
	}
	if a[0] == c[0] {
		t.Errorf("seeds 42 and 43 gave the same first uuid %s", a[0])
	}
}

func TestBadFixturesStopTheServer(t *testing.T) {
	cases := map[string]string{
		"not YAML":          "repository_versions: [",
		"unknown key":       "repository_vershions: []",
		"server-set":        "repository_versions:\n  - namespace: acme\n    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600, kind: X}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n",
		"rule broken":       "repository_versions:\n  - namespace: acme\n    meta: {name: main}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n",
		"bad namespace":     "repository_versions:\n  - namespace: Acme\n    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n",
		"duplicate key":     "repository_versions:\n  - namespace: acme\n    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n  - namespace: acme\n    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n",
		"api key no secret": "api_keys:\n  - key: k\n",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			vendorstest.WriteFile(t, dir, "endor.yaml", content)
			_, err := server.New(server.Config{FixturesDir: dir})
			if err == nil || !strings.Contains(err.Error(), "endor.yaml") {
				t.Fatalf("err = %v, want an error naming endor.yaml", err)
			}
		})
	}
	if _, err := server.New(server.Config{FixturesDir: filepath.Join(t.TempDir(), "absent")}); err == nil {
		t.Error("a fixtures directory that does not exist was accepted")
	}
}

// specsWith copies the embedded specs to a directory, with one change to
// endor.yaml.
func specsWith(t *testing.T, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := fs.ReadDir(specs.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := fs.ReadFile(specs.FS(), e.Name())
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if e.Name() == specs.Endor {
			if !strings.Contains(text, old) {
				t.Fatalf("specs/endor.yaml no longer contains %q", old)
			}
			text = strings.Replace(text, old, new, 1)
		}
		vendorstest.WriteFile(t, dir, e.Name(), text)
	}
	return dir
}

// respRequired ends the required list of v1RepositoryVersion, the response object.
const respRequired = "        - context\n      type: object\n    googlerpcStatus:"

func TestResponseViolationIsAVendorShaped500(t *testing.T) {
	// Make the response require a field the fake never writes.
	dir := specsWith(t, respRequired, "        - context\n        - bogus\n      type: object\n    googlerpcStatus:")
	srv, err := server.New(server.Config{SpecsDir: dir, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := vendorstest.Serve(t, srv.Handler(), vendorstest.InProcess(), vendorstest.Auth("Authorization", token)).Do(http.MethodPost, endortest.Path, endortest.Version("main"))
	if r.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 for a response that breaks the spec", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"code":13,"message":"repomock: response of RepositoryVersionService_CreateRepositoryVersion (HTTP 200) violates the spec: bogus: value is required","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":500}]}`)

	lenient, err := server.New(server.Config{SpecsDir: dir, Seed: 1, LenientResponses: true})
	if err != nil {
		t.Fatal(err)
	}
	r = vendorstest.Serve(t, lenient.Handler(), vendorstest.InProcess(), vendorstest.Auth("Authorization", token)).Do(http.MethodPost, endortest.Path, endortest.Version("main"))
	if r.Status != http.StatusOK || r.Header.Get("X-Repomock-Violation") != "bogus: value is required" {
		t.Fatalf("lenient: %d, violation header %q", r.Status, r.Header.Get("X-Repomock-Violation"))
	}
}

func TestBadSpecStopsTheServer(t *testing.T) {
	dir := specsWith(t, "$ref: '#/components/schemas/v1RepositoryVersion'", "$ref: '#/components/schemas/v1Missing'")
	_, err := server.New(server.Config{SpecsDir: dir})
	if err == nil || !strings.Contains(err.Error(), "endor.yaml") {
		t.Fatalf("err = %v, want an error naming endor.yaml", err)
	}
	// A spec without an operation the fake serves is refused too.
	dir = specsWith(t, "operationId: RepositoryVersionService_DeleteRepositoryVersion", "operationId: SomethingElse")
	_, err = server.New(server.Config{SpecsDir: dir})
	if err == nil || !strings.Contains(err.Error(), "RepositoryVersionService_DeleteRepositoryVersion") {
		t.Fatalf("err = %v, want an error naming the operation without a handler", err)
	}
	if _, err := server.New(server.Config{SpecsDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "endor.yaml") {
		t.Fatalf("empty specs dir: err = %v", err)
	}
}

func TestUnroutedRequestsGetTheirVendorsShape(t *testing.T) {
	h := servertest.New(t, server.Config{})
	cases := []struct {
		method, path string
		status       int
		code         string // the vendor's code field, by shape
	}{
		{http.MethodGet, "/v1/nope", 404, `"code":5`},
		{http.MethodPut, endortest.Path, 501, `"code":12`},
		{http.MethodGet, "/v1/repositories", 404, `"error_code":"APIGW.0101"`},
		{http.MethodPatch, "/v2/repositories/" + strings.Repeat("a", 32), 404, `"error_code":"APIGW.0101"`},
		{http.MethodPatch, "/v1/" + strings.Repeat("0", 32) + "/git/files/ns/proj/a.txt", 404, `"error_code":"APIGW.0101"`},
		{http.MethodGet, "/__admin/nope", 404, `{"message":"GET /__admin/nope: no such admin route; GET /__admin lists them, and GET /__admin/openapi.yaml describes them"}`},
	}
	for _, tc := range cases {
		r := h.Do(tc.method, tc.path, nil)
		if r.Status != tc.status || !strings.Contains(r.Raw, tc.code) {
			t.Errorf("%s %s: %d %s, want %d with %s", tc.method, tc.path, r.Status, r.Raw, tc.status, tc.code)
		}
	}
}

// The largest seed still repeats every vendor's ids: seed+index must not
// wrap to 0, which means random.
func TestLargestSeedIsRepeatable(t *testing.T) {
	repo := func() string {
		h := servertest.New(t, server.Config{Seed: ^uint64(0)})
		r := h.Do(http.MethodPost, "/v1/repositories", `{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demo"}`,
			"X-Auth-Token", "t", "Content-Type", ctJSON)
		id, _ := vendorstest.Get(r.JSON, "result.repository_uuid").(string)
		if r.Status != http.StatusOK || id == "" {
			t.Fatalf("create: %d %s", r.Status, r.Raw)
		}
		return id
	}
	if a, b := repo(), repo(); a != b {
		t.Errorf("seed %d gave CodeArts uuids %s, then %s", ^uint64(0), a, b)
	}
}

// TestAdminRefusesCrossOriginWrites: a page on another site can make the
// browser send a POST to 127.0.0.1 (it only cannot read the answer); such a
// write must change nothing, while curl, SDKs and the console's own
// same-origin calls go through.
func TestAdminRefusesCrossOriginWrites(t *testing.T) {
	l := newLive(t, server.Config{})
	create := func() {
		t.Helper()
		if status, raw := l.Do(http.MethodPost, "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endortest.CreateBody, "main", "main"), "Content-Type", "application/json", "Authorization", "Bearer tok").Result(); status != http.StatusOK {
			t.Fatalf("create: %d %s", status, raw)
		}
	}
	count := func() string {
		t.Helper()
		_, raw := l.Do(http.MethodGet, "/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true", "", "Authorization", "Bearer tok").Result()
		return raw
	}
	create()
	before := count()
	for _, headers := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "http://evil.example"},
		{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"},
	} {
		status, raw := l.Do(http.MethodPost, "/__admin/reset", "", headers...).Result()
		if status != http.StatusForbidden || !strings.Contains(raw, "cross-origin request refused") {
			t.Errorf("reset with %v: %d %s, want 403 naming the cross-origin refusal", headers, status, raw)
		}
		status, raw = l.Do(http.MethodPost, "/__admin/faults", `{"kind":"error","status":503}`, append([]string{"Content-Type", "application/json"}, headers...)...).Result()
		if status != http.StatusForbidden {
			t.Errorf("fault with %v: %d %s, want 403", headers, status, raw)
		}
	}
	if got := count(); got != before {
		t.Fatalf("a refused cross-origin reset changed the state: %s, was %s", got, before)
	}
	var faults struct{ Faults []json.RawMessage }
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &faults)
	if len(faults.Faults) != 0 {
		t.Fatalf("a refused cross-origin POST added faults: %s", faults.Faults)
	}
	// Reading is not refused (the browser keeps a cross-origin answer from
	// the page), and same-origin and header-less writes pass.
	if status, raw := l.Do(http.MethodGet, "/__admin/sessions", "", "Sec-Fetch-Site", "cross-site").Result(); status != http.StatusOK {
		t.Errorf("cross-site GET: %d %s, want 200", status, raw)
	}
	for _, headers := range [][]string{nil, {"Origin", l.URL, "Sec-Fetch-Site", "same-origin"}} {
		create()
		if status, raw := l.Do(http.MethodPost, "/__admin/reset", "", headers...).Result(); status != http.StatusOK {
			t.Errorf("reset with %v: %d %s, want 200", headers, status, raw)
		}
		if got := count(); got == before {
			t.Errorf("reset with %v left the state as it was: %s", headers, got)
		}
	}
}

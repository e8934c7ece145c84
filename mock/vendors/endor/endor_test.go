package endor_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// The vendor's verbatim error bodies, kept in testdata/endor (see its README).
var (
	vendor401 = endortest.Golden("unauthenticated.json")
	vendor403 = endortest.Golden("permission-denied.json")
	vendor404 = endortest.Golden("unknown-route.json")
	vendor501 = endortest.Golden("method-not-allowed.json")
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestEndorAuthMissingOrNotBearer(t *testing.T) {
	h := servertest.New(t, server.Config{})
	for _, auth := range []string{"", "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "bearer-abc"} {
		t.Run(auth, func(t *testing.T) {
			headers := []string{"Content-Type", ctJSON}
			if auth != "" {
				headers = append(headers, "Authorization", auth)
			}
			r := h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), headers...)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", r.Status)
			}
			vendorstest.JSONEqual(t, r.Raw, vendor401)
		})
	}
	// 401 comes before any look at the body, and nothing was stored.
	r := h.Do(http.MethodPost, endortest.Path, `{"meta":`, "Content-Type", ctJSON)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("malformed body without a token: %d, want 401", r.Status)
	}
	if n := endortest.Count(h, "acme.prod"); n != 0 {
		t.Errorf("%d objects stored by unauthenticated requests", n)
	}
}

func TestEndorTokenList(t *testing.T) {
	tokens, err := endor.ParseTokens("good,prod-only=acme.prod")
	if err != nil {
		t.Fatal(err)
	}
	h := servertest.New(t, server.Config{Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})
	cases := []struct {
		token, ns string
		status    int
		body      string
	}{
		{"good", "acme.prod", 200, ""},
		{"good", "other", 200, ""},
		{"unknown", "acme.prod", 401, vendor401},
		{"prod-only", "acme.prod", 200, ""},
		{"prod-only", "acme.prod.app", 200, ""},
		{"prod-only", "acme.dev", 403, vendor403},
		{"prod-only", "acme.production", 403, vendor403}, // a prefix ends at a dot
		{"prod-only", "acme", 403, vendor403},
	}
	for _, tc := range cases {
		t.Run(tc.token+"@"+tc.ns, func(t *testing.T) {
			r := h.Do(http.MethodPost, "/v1/namespaces/"+tc.ns+"/repository-versions", endortest.Version("main"),
				"Authorization", "Bearer "+tc.token, "Content-Type", ctJSON)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.body != "" {
				vendorstest.JSONEqual(t, r.Raw, tc.body)
			}
		})
	}
	// A forbidden namespace is forbidden for reads too.
	r := h.Do(http.MethodGet, "/v1/namespaces/acme.dev/repository-versions", nil, "Authorization", "Bearer prod-only")
	if r.Status != http.StatusForbidden {
		t.Errorf("list with a token limited elsewhere: %d, want 403", r.Status)
	}
}

func TestEndorAPIKeyTokens(t *testing.T) {
	tokens, _ := endor.ParseTokens("configured")
	h := servertest.New(t, server.Config{FixturesDir: "../../../fixtures", Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})
	exchange := func(key, secret string) response {
		return h.Do(http.MethodPost, "/v1/auth/api-key", map[string]string{"key": key, "secret": secret}, "Content-Type", ctJSON)
	}
	r := exchange("endr+repomock-example-key", "endr+repomock-example-secret")
	if r.Status != http.StatusOK {
		t.Fatalf("good pair: %d %s", r.Status, r.Raw)
	}
	tok, _ := r.JSON["token"].(string)
	if tok == "" {
		t.Fatalf("no token in %s", r.Raw)
	}
	if want := h.Clock.Now().Add(endor.DefaultTokenTTL).Format(time.RFC3339Nano); r.JSON["expiration_time"] != want {
		t.Errorf("expiration_time = %v, want %s", r.JSON["expiration_time"], want)
	}
	// An issued token works although --endor-tokens lists only "configured".
	auth := []string{"Authorization", "Bearer " + tok, "Content-Type", ctJSON}
	if r := h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), auth...); r.Status != http.StatusOK {
		t.Fatalf("issued token refused: %d %s", r.Status, r.Raw)
	} else if by := vendorstest.Get(r.JSON, "meta.created_by"); by != "repomock-example-key@repomock@api-key" {
		t.Errorf("created_by = %v, want the key's principal", by)
	}

	// A pair limited to acme.prod gets tokens limited to it.
	r = exchange("endr+repomock-prod-only", "endr+repomock-prod-secret")
	prodTok, _ := r.JSON["token"].(string)
	r = h.Do(http.MethodPost, "/v1/namespaces/acme.dev/repository-versions", endortest.Version("main"), "Authorization", "Bearer "+prodTok, "Content-Type", ctJSON)
	if r.Status != http.StatusForbidden {
		t.Errorf("limited token elsewhere: %d, want 403", r.Status)
	}

	// protobuf JSON reads "" as unset: an empty pair is a missing one (400).
	if r := exchange("", ""); r.Status != http.StatusBadRequest {
		t.Errorf("empty pair: %d, want 400", r.Status)
	} else {
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3("key: value is required; secret: value is required"))
	}
	for _, bad := range [][2]string{{"endr+repomock-example-key", "wrong"}, {"endr+unknown", "endr+repomock-example-secret"}} {
		r := exchange(bad[0], bad[1])
		if r.Status != http.StatusUnauthorized {
			t.Errorf("pair %q: %d, want 401", bad, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, `{"code":16,"message":"invalid API key or secret","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":401}]}`)
	}

	// An expired token is refused with the vendor's 401.
	h.Clock.Advance(endor.DefaultTokenTTL + time.Second)
	r = h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), auth...)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor401)
}

func TestEndorAPIKeyWithoutConfiguredPairs(t *testing.T) {
	h := servertest.New(t, server.Config{})
	r := h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"endr+k","secret":"endr+s"}`, "Content-Type", ctJSON)
	if r.Status != http.StatusOK {
		t.Fatalf("any pair is accepted when none is configured: %d %s", r.Status, r.Raw)
	}
	r = h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"endr+k"}`, "Content-Type", ctJSON)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("missing secret: %d, want 400", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, endortest.Code3("secret: value is required"))
}

func TestEndorCreateFillsServerSetFields(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := endortest.Version("main")
	body["meta"].(map[string]any)["annotations"] = map[string]any{"team": "core"}
	body["meta"].(map[string]any)["tags"] = []string{"a", "b"}
	body["scan_object"] = map[string]any{"status": "STATUS_SCANNED"}
	r := endortest.Create(h, "acme.prod", body)

	if id, _ := r.JSON["uuid"].(string); !uuidRE.MatchString(id) {
		t.Errorf("uuid %q is not 24 lowercase hex", id)
	}
	now := h.Clock.Now().Format(time.RFC3339Nano)
	for path, want := range map[string]any{
		"meta.kind":             "RepositoryVersion",
		"meta.version":          "v1",
		"meta.create_time":      now,
		"meta.update_time":      now,
		"meta.upsert_time":      now,
		"meta.parent_kind":      "Project",
		"meta.parent_uuid":      endortest.Project,
		"meta.name":             "main",
		"tenant_meta.namespace": "acme.prod",
		// What the client wrote comes back as written.
		"meta.annotations.team": "core",
		"context.type":          "CONTEXT_TYPE_REF",
		"context.id":            "main",
		"spec.version.ref":      "main",
		"scan_object.status":    "STATUS_SCANNED",
	} {
		if got := vendorstest.Get(r.JSON, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	// user@idp@source, as the vendor's created_by: the token's made-up
	// Google user; the token itself never appears.
	by, _ := vendorstest.Get(r.JSON, "meta.created_by").(string)
	if !regexp.MustCompile(`^token-[0-9a-f]{8}@example\.com@google$`).MatchString(by) || vendorstest.Get(r.JSON, "meta.updated_by") != by {
		t.Errorf("created_by %q, updated_by %v", by, vendorstest.Get(r.JSON, "meta.updated_by"))
	}
	if !strings.HasSuffix(now, "Z") {
		t.Fatalf("times must be RFC 3339 UTC with Z: %s", now)
	}
	if tags := vendorstest.Get(r.JSON, "meta.tags"); fmt.Sprint(tags) != "[a b]" {
		t.Errorf("meta.tags = %v", tags)
	}
}

func TestEndorUpsert(t *testing.T) {
	h := servertest.New(t, server.Config{})
	first := endortest.Create(h, "acme.prod", endortest.Version("main"))
	created := vendorstest.Get(first.JSON, "meta.create_time")

	h.Clock.Advance(time.Minute)
	again := endortest.Version("main")
	again["meta"].(map[string]any)["description"] = "updated"
	again["context"] = map[string]any{"id": "main", "type": "CONTEXT_TYPE_REF", "tags": []string{"rescan"}}
	second := endortest.Create(h, "acme.prod", again)

	if second.JSON["uuid"] != first.JSON["uuid"] {
		t.Errorf("same (namespace, parent, name, context) gave uuid %v then %v", first.JSON["uuid"], second.JSON["uuid"])
	}
	if got := vendorstest.Get(second.JSON, "meta.create_time"); got != created {
		t.Errorf("create_time changed on update: %v → %v", created, got)
	}
	later := h.Clock.Now().Format(time.RFC3339Nano)
	for _, f := range []string{"meta.update_time", "meta.upsert_time"} {
		if got := vendorstest.Get(second.JSON, f); got != later {
			t.Errorf("%s = %v, want the update's time %s", f, got, later)
		}
	}
	// The client-writable fields are replaced.
	if vendorstest.Get(second.JSON, "meta.description") != "updated" || fmt.Sprint(vendorstest.Get(second.JSON, "context.tags")) != "[rescan]" {
		t.Errorf("update did not replace the writable fields: %s", second.Raw)
	}
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Errorf("%d objects after an upsert of one key, want 1", n)
	}
	// The stored object is the updated one.
	got := h.Do(http.MethodGet, endortest.Path+"/"+first.JSON["uuid"].(string), nil)
	vendorstest.JSONEqual(t, got.Raw, second.Raw)

	// Another name, parent, context or namespace is another object.
	other := map[string]any{
		"name":    endortest.Create(h, "acme.prod", endortest.Version("dev")).JSON["uuid"],
		"parent":  endortest.Create(h, "acme.prod", map[string]any{"meta": map[string]any{"name": "main", "parent_uuid": endortest.Project2}, "context": map[string]any{"id": "main", "type": "CONTEXT_TYPE_REF"}}).JSON["uuid"],
		"context": endortest.Create(h, "acme.prod", map[string]any{"meta": map[string]any{"name": "main", "parent_uuid": endortest.Project}, "context": map[string]any{"id": "default", "type": "CONTEXT_TYPE_MAIN"}}).JSON["uuid"],
		"ns":      endortest.Create(h, "acme.dev", endortest.Version("main")).JSON["uuid"],
	}
	for what, id := range other {
		if id == first.JSON["uuid"] {
			t.Errorf("a different %s reused uuid %v", what, id)
		}
	}
	if n := endortest.Count(h, "acme.prod"); n != 4 {
		t.Errorf("acme.prod has %d objects, want 4", n)
	}
}

func TestEndorIgnoresServerSetFieldsFromClients(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := endortest.Version("main")
	body["uuid"] = "ffffffffffffffffffffffff"
	body["tenant_meta"] = map[string]any{"namespace": "someone.else"}
	m := body["meta"].(map[string]any)
	m["kind"], m["version"], m["create_time"], m["created_by"] = "Bogus", "v9", "2000-01-01T00:00:00Z", "mallory@evil@x"
	r := endortest.Create(h, "acme.prod", body)
	now := h.Clock.Now().Format(time.RFC3339Nano)
	if r.JSON["uuid"] == "ffffffffffffffffffffffff" || vendorstest.Get(r.JSON, "meta.kind") != "RepositoryVersion" ||
		vendorstest.Get(r.JSON, "meta.version") != "v1" || vendorstest.Get(r.JSON, "meta.create_time") != now ||
		vendorstest.Get(r.JSON, "meta.created_by") == "mallory@evil@x" || vendorstest.Get(r.JSON, "tenant_meta.namespace") != "acme.prod" {
		t.Errorf("server-set fields taken from the client: %s", r.Raw)
	}
	if n := endortest.Count(h, "someone.else"); n != 0 {
		t.Errorf("tenant_meta in the body moved the object: %d objects in someone.else", n)
	}
}

func TestEndorCreateRejects(t *testing.T) {
	long := strings.Repeat("x", 64)
	cases := []struct {
		name    string
		ns      string
		mutate  func(b map[string]any)
		message string
	}{
		{"unknown top-level field", "acme.prod", func(b map[string]any) { b["bogus"] = 1 }, "bogus: unknown field"},
		{"unknown nested field", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["colour"] = "red" }, "meta.colour: unknown field"},
		{"missing meta", "acme.prod", func(b map[string]any) { delete(b, "meta") }, "meta: value is required"},
		{"missing context", "acme.prod", func(b map[string]any) { delete(b, "context") }, "context: value is required"},
		{"missing meta.name", "acme.prod", func(b map[string]any) { delete(b["meta"].(map[string]any), "name") }, "meta.name: value is required"},
		{"empty meta.name", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["name"] = "" }, "meta.name: value is required"},
		{"meta.name over 63", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["name"] = long }, "meta.name: must be 63 characters or less"},
		{"description of 1024 bytes", "acme.prod", func(b map[string]any) {
			b["meta"].(map[string]any)["description"] = strings.Repeat("d", 1024)
		}, "meta.description: must be less than 1024 bytes"},
		{"tag over 255", "acme.prod", func(b map[string]any) {
			b["meta"].(map[string]any)["tags"] = []string{"ok", strings.Repeat("t", 256)}
		}, "meta.tags.1: must be 255 characters or less"},
		{"annotation over 16384 bytes", "acme.prod", func(b map[string]any) {
			b["meta"].(map[string]any)["annotations"] = map[string]string{"big": strings.Repeat("a", 16385)}
		}, "meta.annotations.big: must be 16384 bytes or smaller"},
		{"annotation key", "acme.prod", func(b map[string]any) {
			b["meta"].(map[string]any)["annotations"] = map[string]string{"no spaces": "v"}
		}, `meta.annotations: key "no spaces" may contain only letters, digits, '_', '.' and '-'`},
		{"missing parent_uuid", "acme.prod", func(b map[string]any) { delete(b["meta"].(map[string]any), "parent_uuid") }, "meta.parent_uuid: value is required"},
		{"malformed parent_uuid", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["parent_uuid"] = "p1" }, "meta.parent_uuid: must be 24 lowercase hexadecimal characters"},
		{"other parent_kind", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["parent_kind"] = "Namespace" }, `meta.parent_kind: must be "Project"`},
		{"context.type not in enum", "acme.prod", func(b map[string]any) { b["context"].(map[string]any)["type"] = "CONTEXT_TYPE_PR" }, "context.type: must be one of CONTEXT_TYPE_UNSPECIFIED, CONTEXT_TYPE_MAIN, CONTEXT_TYPE_EXTERNAL, CONTEXT_TYPE_CI_RUN, CONTEXT_TYPE_SBOM, CONTEXT_TYPE_REF"},
		{"main context not default", "acme.prod", func(b map[string]any) { b["context"].(map[string]any)["type"] = "CONTEXT_TYPE_MAIN" }, `context.id: must be "default" for CONTEXT_TYPE_MAIN`},
		{"wrong type", "acme.prod", func(b map[string]any) { b["meta"].(map[string]any)["tags"] = "a,b" }, "meta.tags: value must be an array"},
		{"spec.version.ref missing", "acme.prod", func(b map[string]any) { b["spec"] = map[string]any{"version": map[string]any{}} }, "spec.version.ref: value is required"},
		{"namespace upper case", "Acme.prod", nil, `tenant_meta.namespace: "Acme.prod" may contain only a-z, 0-9, '_', '-' and '.'`},
		{"namespace empty segment", "acme..prod", nil, `tenant_meta.namespace: "acme..prod" must be dot-separated segments of 1 to 32 characters`},
		{"namespace segment over 32", "acme." + strings.Repeat("s", 33), nil, `tenant_meta.namespace: "acme.` + strings.Repeat("s", 33) + `" must be dot-separated segments of 1 to 32 characters`},
		{"namespace with a space", "acme%20prod", nil, `tenant_meta.namespace: "acme prod" may contain only a-z, 0-9, '_', '-' and '.'`},
	}
	h := servertest.New(t, server.Config{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := endortest.Version("main")
			if tc.mutate != nil {
				tc.mutate(body)
			}
			r := h.Do(http.MethodPost, "/v1/namespaces/"+tc.ns+"/repository-versions", body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.message))
		})
	}
	if n := endortest.Count(h, "acme.prod"); n != 0 {
		t.Errorf("rejected creates stored %d objects", n)
	}
}

func TestEndorGetAndDelete(t *testing.T) {
	h := servertest.New(t, server.Config{})
	created := endortest.Create(h, "acme.prod", endortest.Version("main"))
	id := created.JSON["uuid"].(string)

	got := h.Do(http.MethodGet, endortest.Path+"/"+id, nil)
	if got.Status != http.StatusOK {
		t.Fatalf("get: %d %s", got.Status, got.Raw)
	}
	vendorstest.JSONEqual(t, got.Raw, created.Raw)

	absent := "0123456789abcdef01234567"
	r := h.Do(http.MethodGet, endortest.Path+"/"+absent, nil)
	if r.Status != http.StatusNotFound {
		t.Fatalf("get absent: %d", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"code":5,"message":"repository version \"0123456789abcdef01234567\" not found in namespace \"acme.prod\"","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":404}]}`)

	for _, bad := range []string{"not-a-uuid", "0123456789ABCDEF01234567", "0123456789abcdef0123456"} {
		r := h.Do(http.MethodGet, endortest.Path+"/"+bad, nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("get %q: %d, want 400", bad, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(fmt.Sprintf("uuid: %q is not a valid uuid: must be 24 lowercase hexadecimal characters", bad)))
	}

	r = h.Do(http.MethodDelete, endortest.Path+"/"+id, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, `{}`)
	if r := h.Do(http.MethodGet, endortest.Path+"/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", r.Status)
	}
	if r := h.Do(http.MethodDelete, endortest.Path+"/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", r.Status)
	}
	// After a delete the key is free: a create makes a new object.
	if again := endortest.Create(h, "acme.prod", endortest.Version("main")); again.JSON["uuid"] == id {
		t.Errorf("re-create after delete reused the deleted uuid")
	}
}

func TestEndorNamespacesAreIsolated(t *testing.T) {
	h := servertest.New(t, server.Config{})
	id := endortest.Create(h, "acme.a", endortest.Version("main")).JSON["uuid"].(string)
	if r := h.Do(http.MethodGet, "/v1/namespaces/acme.b/repository-versions/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("get from another namespace: %d, want 404", r.Status)
	}
	if r := h.Do(http.MethodDelete, "/v1/namespaces/acme.b/repository-versions/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("delete from another namespace: %d, want 404", r.Status)
	}
	if n := endortest.Count(h, "acme.b"); n != 0 {
		t.Errorf("acme.b lists %d objects of acme.a", n)
	}
	// Parent namespaces do not see children either.
	if n := endortest.Count(h, "acme"); n != 0 {
		t.Errorf("acme lists %d objects of acme.a", n)
	}
	if r := h.Do(http.MethodGet, "/v1/namespaces/acme.a/repository-versions/"+id, nil); r.Status != http.StatusOK {
		t.Errorf("the object is gone from its own namespace: %d", r.Status)
	}
}

func listUUIDs(t *testing.T, r response) []string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	objs, _ := vendorstest.Get(r.JSON, "list.objects").([]any)
	var out []string
	for _, o := range objs {
		out = append(out, o.(map[string]any)["uuid"].(string))
	}
	return out
}

func TestEndorListFilter(t *testing.T) {
	h := servertest.New(t, server.Config{})
	ids := map[string]string{}
	for _, v := range []struct {
		name, desc string
		tags       []string
	}{{"main", "default branch", []string{"prod"}}, {"dev", "", []string{"wip", "prod"}}, {"v1.0.0", "release", nil}} {
		b := endortest.Version(v.name)
		m := b["meta"].(map[string]any)
		if v.desc != "" {
			m["description"] = v.desc
		}
		if v.tags != nil {
			m["tags"] = v.tags
		}
		ids[v.name] = endortest.Create(h, "acme.prod", b).JSON["uuid"].(string)
	}
	cases := []struct {
		filter string
		want   []string
	}{
		{"", []string{"main", "dev", "v1.0.0"}},
		{`meta.name==main`, []string{"main"}},
		{`meta.name=="dev"`, []string{"dev"}},
		{`meta.name!=main`, []string{"dev", "v1.0.0"}},
		{`meta.name in [main,"v1.0.0"]`, []string{"main", "v1.0.0"}},
		{`meta.tags contains wip`, []string{"dev"}},
		{`meta.tags contains [prod]`, []string{"main", "dev"}},
		{`meta.description exists`, []string{"main", "v1.0.0"}},
		{`spec.version.ref==dev or meta.name==main`, []string{"main", "dev"}},
		{`(meta.name==main or meta.name==dev) and meta.tags contains wip`, []string{"dev"}},
		{`meta.name==main or meta.name==dev and meta.tags contains wip`, []string{"main", "dev"}},
		{`meta.parent_uuid==` + endortest.Project + ` and context.type==CONTEXT_TYPE_REF`, []string{"main", "dev", "v1.0.0"}},
		{`meta.name matches "^v[0-9]"`, []string{"v1.0.0"}},
		{`meta.name==nothing`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			q := "?list_parameters.filter=" + urlQuery(tc.filter)
			got := listUUIDs(t, h.Do(http.MethodGet, endortest.Path+q, nil))
			var want []string
			for _, n := range tc.want {
				want = append(want, ids[n])
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (%v)", got, want, tc.want)
			}
		})
	}
	for _, bad := range []string{`meta.name==`, `(meta.name==main`, `meta.name ~= x`, `meta.name matches "("`, `meta.name==main and`} {
		r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.filter="+urlQuery(bad), nil)
		if r.Status != http.StatusBadRequest || !strings.HasPrefix(fmt.Sprint(r.JSON["message"]), "list_parameters.filter: ") || r.JSON["code"] != float64(3) {
			t.Errorf("filter %q: %d %s, want 400 code 3 naming list_parameters.filter", bad, r.Status, r.Raw)
		}
	}
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "&", "%26", "+", "%2B", "#", "%23", `"`, "%22", "[", "%5B", "]", "%5D", "^", "%5E")
	return r.Replace(s)
}

func TestEndorListPaging(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var all []string
	for i := range 120 {
		all = append(all, endortest.Create(h, "acme.prod", endortest.Version(fmt.Sprintf("b%03d", i))).JSON["uuid"].(string))
	}
	first := h.Do(http.MethodGet, endortest.Path, nil)
	if got := listUUIDs(t, first); !slices.Equal(got, all[:100]) {
		t.Fatalf("default page: %d objects, want the first 100 in creation order", len(got))
	}
	if next := vendorstest.Get(first.JSON, "list.response.next_page_token"); next != float64(100) {
		t.Fatalf("next_page_token = %v, want 100", next)
	}
	last := h.Do(http.MethodGet, endortest.Path+"?list_parameters.page_token=100", nil)
	if got := listUUIDs(t, last); !slices.Equal(got, all[100:]) {
		t.Fatalf("second page: %v", got)
	}
	// On the last page, response is {}.
	if resp, ok := vendorstest.Get(last.JSON, "list.response").(map[string]any); !ok || len(resp) != 0 {
		t.Errorf("last page response = %v, want {}", vendorstest.Get(last.JSON, "list.response"))
	}

	// Walking pages of 7 gives every object once, in order.
	var walked []string
	for token := 0; ; {
		r := h.Do(http.MethodGet, fmt.Sprintf("%s?list_parameters.page_size=7&list_parameters.page_token=%d", endortest.Path, token), nil)
		page := listUUIDs(t, r)
		if len(page) > 7 {
			t.Fatalf("page of %d with page_size 7", len(page))
		}
		walked = append(walked, page...)
		next, ok := vendorstest.Get(r.JSON, "list.response.next_page_token").(float64)
		if !ok {
			break
		}
		token = int(next)
	}
	if !slices.Equal(walked, all) {
		t.Errorf("paging by 7 walked %d objects, want all %d in order", len(walked), len(all))
	}
	if got := listUUIDs(t, h.Do(http.MethodGet, endortest.Path+"?list_parameters.page_size=500", nil)); len(got) != 120 {
		t.Errorf("page_size 500: %d objects", len(got))
	}
	if got := listUUIDs(t, h.Do(http.MethodGet, endortest.Path+"?list_parameters.page_token=1000", nil)); len(got) != 0 {
		t.Errorf("page past the end: %d objects", len(got))
	}
	if n := endortest.Count(h, "acme.prod"); n != 120 {
		t.Errorf("count = %d, want 120", n)
	}
	r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.count=true&list_parameters.filter=meta.name+in+%5Bb001,b002%5D", nil)
	vendorstest.JSONEqual(t, r.Raw, `{"count_response":{"count":2}}`)

	for q, msg := range map[string]string{
		"list_parameters.page_size=501": "list_parameters.page_size: must be between 0 and 500 (0 means 100)",
		"list_parameters.page_size=-1":  "list_parameters.page_size: must be between 0 and 500 (0 means 100)",
		"list_parameters.page_token=-5": "list_parameters.page_token: must be a start index of 0 or more",
	} {
		r := h.Do(http.MethodGet, endortest.Path+"?"+q, nil)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(msg))
	}
	r = h.Do(http.MethodGet, endortest.Path+"?list_parameters.page_size=ten", nil)
	if r.Status != http.StatusBadRequest || !strings.HasPrefix(fmt.Sprint(r.JSON["message"]), "list_parameters.page_size: ") {
		t.Errorf("page_size=ten: %d %s", r.Status, r.Raw)
	}
}

func TestEndorListSort(t *testing.T) {
	h := servertest.New(t, server.Config{})
	for _, n := range []string{"b", "c", "a"} {
		endortest.Create(h, "acme.prod", endortest.Version(n))
	}
	names := func(r response) string {
		var out []string
		for _, o := range vendorstest.Get(r.JSON, "list.objects").([]any) {
			out = append(out, vendorstest.Get(o.(map[string]any), "meta.name").(string))
		}
		return strings.Join(out, ",")
	}
	if got := names(h.Do(http.MethodGet, endortest.Path+"?list_parameters.sort.path=meta.name", nil)); got != "a,b,c" {
		t.Errorf("ascending: %s", got)
	}
	if got := names(h.Do(http.MethodGet, endortest.Path+"?list_parameters.sort.path=meta.name&list_parameters.sort.order=SORT_ENTRY_ORDER_DESC", nil)); got != "c,b,a" {
		t.Errorf("descending: %s", got)
	}
	if r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.sort.order=UP", nil); r.Status != http.StatusBadRequest {
		t.Errorf("bad sort order: %d, want 400", r.Status)
	}
}

func TestEndorUnknownRouteAndMethod(t *testing.T) {
	h := servertest.New(t, server.Config{})
	for _, path := range []string{"/v1/nope", "/v1/namespaces/acme.prod/projects", "/v1/namespaces/acme.prod/repository-versions/0123456789abcdef01234567/extra"} {
		r := h.Do(http.MethodGet, path, nil)
		if r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, vendor404)
	}
	for _, m := range []struct{ method, path string }{
		{http.MethodPut, endortest.Path},
		{http.MethodDelete, endortest.Path},
		{http.MethodPatch, endortest.Path + "/0123456789abcdef01234567"},
		{http.MethodGet, "/v1/auth/api-key"},
	} {
		r := h.Do(m.method, m.path, nil)
		if r.Status != http.StatusNotImplemented {
			t.Errorf("%s %s: %d, want 501", m.method, m.path, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, vendor501)
	}
}

func TestEndorBadInputChangesNoState(t *testing.T) {
	h := servertest.New(t, server.Config{})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	big := `{"meta":{"name":"new","parent_uuid":"` + endortest.Project + `","description":"` + strings.Repeat("x", 10<<20) + `"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`
	cases := []struct {
		name, ct string
		body     string
		status   int
		want     string
	}{
		{"malformed JSON", ctJSON, `{"meta":{"name":"new"`, 400, endortest.Code3("body: invalid JSON: unexpected end of input")},
		{"not an object", ctJSON, `[1,2]`, 400, endortest.Code3("body: value must be an object")},
		// Any Content-Type is read as JSON (vendors.md §6): a body that is not JSON is what fails.
		{"form body", "application/x-www-form-urlencoded", "meta.name=new&context.id=x", 400, endortest.Code3("body: invalid JSON at offset 1: invalid character 'm' looking for beginning of value")},
		{"text body, no content type", "", "new", 400, endortest.Code3("body: invalid JSON at offset 2: invalid character 'e' in literal null (expecting 'u')")},
		{"empty body", ctJSON, ``, 400, endortest.Code3("body: request body is required")},
		{"invalid UTF-8", ctJSON, "{\"meta\":{\"name\":\"n\xffw\",\"parent_uuid\":\"" + endortest.Project + "\"},\"context\":{\"id\":\"x\",\"type\":\"CONTEXT_TYPE_REF\"}}", 400, endortest.Code3("body: is not valid UTF-8")},
		{"over 10 MiB", ctJSON, big, 413, `{"code":8,"message":"body: request body exceeds the limit of 10485760 bytes","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":413}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			headers := []string{"Authorization", token}
			if tc.ct != "" {
				headers = append(headers, "Content-Type", tc.ct)
			}
			r := h.Do(http.MethodPost, endortest.Path, tc.body, headers...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, tc.want)
		})
	}
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Errorf("bad input changed the state: %d objects, want 1", n)
	}
}

func TestEndorMaxBodyIsConfigurable(t *testing.T) {
	h := servertest.New(t, server.Config{MaxBodyBytes: 100})
	b := endortest.Version("main")
	b["meta"].(map[string]any)["description"] = strings.Repeat("x", 100)
	if r := h.Do(http.MethodPost, endortest.Path, b); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413 over a 100-byte limit", r.Status)
	}
}

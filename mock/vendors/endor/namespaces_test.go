package endor_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// fullNames lists the spec.full_name of a namespace list's objects.
func fullNames(t *testing.T, r response) []string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("namespaces: %d %s", r.Status, r.Raw)
	}
	objs, _ := vendorstest.Get(r.JSON, "list.objects").([]any)
	var out []string
	for _, o := range objs {
		name, _ := vendorstest.Get(o.(map[string]any), "spec.full_name").(string)
		out = append(out, name)
	}
	return out
}

func namespacesOf(ns string) string { return "/v1/namespaces/" + ns + "/namespaces" }

// listed is the i-th object of a list's answer (nil when there is none).
func listed(r response, i int) map[string]any {
	objs, _ := vendorstest.Get(r.JSON, "list.objects").([]any)
	if i >= len(objs) {
		return nil
	}
	o, _ := objs[i].(map[string]any)
	return o
}

// vendors.md §7: "RepositoryVersion.list(traverse=True) ... first calls
// GET /v1/namespaces/{ns}/namespaces?list_parameters.traverse=true and
// then lists each namespace. ... Mock's assumption: a namespace exists
// once something was written in it or a fixture names it; the answer has
// the Namespace resource's shape from the SDK's generated models, and the
// list supports the same list parameters." The shape: {"uuid": …, "meta":
// {"name": "dev", "kind": "Namespace", …the usual Meta fields}, "spec":
// {"full_name": "acme.dev", "managed": false}, "tenant_meta": {"namespace":
// "acme"}}: "a child namespace is listed in its parent, spec.full_name is
// the dotted path. traverse=true lists the whole subtree."
func TestEndorListNamespaces(t *testing.T) {
	tokens, err := endor.ParseTokens("test-token,prod-only=acme.prod")
	if err != nil {
		t.Fatal(err)
	}
	h := servertest.New(t, server.Config{Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})
	made := h.Clock.Now()
	endortest.Create(h, "acme.prod.app.x", endortest.Version("main")) // makes acme.prod.app and acme.prod too
	h.Clock.Advance(time.Hour)
	endortest.Create(h, "acme.dev", endortest.Version("main"))
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	endortest.Create(h, "acmex", endortest.Version("main")) // a sibling of acme, not its child

	// The vendor's shape, whole, in application/json.
	r := h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.page_size=1&list_parameters.page_token=1", nil)
	at := made.Format(time.RFC3339Nano)
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"list":{"objects":[{"uuid":%q,
		"meta":{"name":"prod","kind":"Namespace","version":"v1","create_time":%q,"update_time":%q,"upsert_time":%q,
			"created_by":"token-9d17676d@example.com@google","updated_by":"token-9d17676d@example.com@google",
			"annotations":{},"description":"","parent_kind":"","parent_uuid":"","references":{},"tags":[]},
		"spec":{"full_name":"acme.prod","managed":false},"tenant_meta":{"namespace":"acme"}}],"response":{}}}`,
		listed(r, 0)["uuid"], at, at, at))

	for _, tc := range []struct {
		name, target string
		want         []string
	}{
		{"children, in byte order", namespacesOf("acme"), []string{"acme.dev", "acme.prod"}},
		{"the whole subtree", namespacesOf("acme") + "?list_parameters.traverse=true", []string{"acme.dev", "acme.prod", "acme.prod.app", "acme.prod.app.x"}},
		{"a child's children", namespacesOf("acme.prod"), []string{"acme.prod.app"}},
		{"a leaf has none", namespacesOf("acme.prod.app.x"), nil},
		{"a namespace never used has none", namespacesOf("globex"), nil},
		{"a filter", namespacesOf("acme") + "?list_parameters.traverse=true&list_parameters.filter=" + url.QueryEscape(`spec.full_name matches "^acme[.]prod[.]"`), []string{"acme.prod.app", "acme.prod.app.x"}},
		{"by time", namespacesOf("acme") + "?list_parameters.filter=" + url.QueryEscape("meta.create_time > date("+at+")"), []string{"acme.dev"}},
		{"sorted", namespacesOf("acme") + "?list_parameters.traverse=true&list_parameters.sort.path=meta.name&list_parameters.sort.order=SORT_ENTRY_ORDER_DESC", []string{"acme.prod.app.x", "acme.prod", "acme.dev", "acme.prod.app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fullNames(t, h.Do(http.MethodGet, tc.target, nil)); !slices.Equal(got, tc.want) {
				t.Errorf("%s lists %v, want %v", tc.target, got, tc.want)
			}
		})
	}
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.traverse=true&list_parameters.count=true", nil).Raw, `{"count_response":{"count":4}}`)
	// Pages by next_page_id, as the SDK walks them.
	first := h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.traverse=true&list_parameters.page_size=3", nil)
	next, _ := vendorstest.Get(first.JSON, "list.response.next_page_id").(string)
	if got := fullNames(t, first); !slices.Equal(got, []string{"acme.dev", "acme.prod", "acme.prod.app"}) || next != listed(first, 2)["uuid"] {
		t.Fatalf("first page: %s", first.Raw)
	}
	rest := h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.traverse=true&list_parameters.page_size=3&list_parameters.page_id="+next, nil)
	if got := fullNames(t, rest); !slices.Equal(got, []string{"acme.prod.app.x"}) {
		t.Errorf("second page: %v", got)
	}
	// A uuid is the namespace's, on every list.
	if a, b := listed(first, 1)["uuid"], listed(r, 0)["uuid"]; a != b || !uuidRE.MatchString(fmt.Sprint(a)) {
		t.Errorf("acme.prod's uuid %v, then %v", b, a)
	}
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.mask=spec.full_name", nil, compact...).Raw,
		`{"list":{"objects":[{"spec":{"full_name":"acme.dev"}},{"spec":{"full_name":"acme.prod"}}],"response":{}}}`)

	// A namespace stays when its objects go.
	id := endortest.Create(h, "acme.tmp", endortest.Version("main")).JSON["uuid"].(string)
	h.Do(http.MethodDelete, "/v1/namespaces/acme.tmp/repository-versions/"+id, nil)
	if got := fullNames(t, h.Do(http.MethodGet, namespacesOf("acme"), nil)); !slices.Contains(got, "acme.tmp") {
		t.Errorf("acme.tmp is gone with its object: %v", got)
	}
	// A token limited to acme.prod lists below it, and not its parent.
	if got := fullNames(t, h.Do(http.MethodGet, namespacesOf("acme.prod"), nil, "Authorization", "Bearer prod-only")); !slices.Equal(got, []string{"acme.prod.app"}) {
		t.Errorf("prod-only lists %v", got)
	}
	r = h.Do(http.MethodGet, namespacesOf("acme"), nil, "Authorization", "Bearer prod-only")
	if r.Status != http.StatusForbidden {
		t.Errorf("prod-only on acme: %d", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor403)
	// Sessions keep them apart.
	if got := fullNames(t, h.Do(http.MethodGet, namespacesOf("acme"), nil, "Authorization", token, sessions.Header, "other")); got != nil {
		t.Errorf("another session lists %v", got)
	}
}

// "a fixture names it" (vendors.md §7): the namespaces of the fixtures'
// objects and API keys, and those they list, exist in every new session,
// and again after a reset.
func TestEndorNamespacesFromFixtures(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "endor.yaml", `api_keys:
  - {key: endr+k, secret: endr+s, namespace: acme.ci}
namespaces: [acme.staging.eu]
repository_versions:
  - namespace: acme.prod
    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}
    context: {id: main, type: CONTEXT_TYPE_REF}
`)
	h := servertest.New(t, server.Config{FixturesDir: dir})
	want := []string{"acme.ci", "acme.prod", "acme.staging", "acme.staging.eu"}
	for _, session := range []string{"", "other"} {
		r := h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.traverse=true", nil, "Authorization", token, sessions.Header, session)
		if got := fullNames(t, r); !slices.Equal(got, want) {
			t.Errorf("session %q lists %v, want %v", session, got, want)
		}
		if by := vendorstest.Get(listed(r, 0), "meta.created_by"); by != "fixtures@repomock@fixture" {
			t.Errorf("created_by %v", by)
		}
	}
	endortest.Create(h, "acme.new", endortest.Version("main"))
	h.Do(http.MethodPost, "/__admin/reset", nil)
	if got := fullNames(t, h.Do(http.MethodGet, namespacesOf("acme")+"?list_parameters.traverse=true", nil)); !slices.Equal(got, want) {
		t.Errorf("after a reset: %v, want %v", got, want)
	}

	bad := t.TempDir()
	vendorstest.WriteFile(t, bad, "endor.yaml", "namespaces: [Acme]\n")
	if _, err := server.New(server.Config{FixturesDir: bad}); err == nil {
		t.Error("a fixture namespace outside the syntax was taken")
	}
}

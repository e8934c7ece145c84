package endor_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// sdk is what Endor's official Python SDK (endorlabs v0.7) sends on every
// request (vendors.md §5): application/jsoncompact as the Content-Type of
// every request, bodies or not, and gzip, br, zstd as encodings.
func sdk(token string, more ...string) []string {
	h := []string{"Content-Type", endor.MediaTypeJSONCompact, "Accept-Encoding", "gzip, br, zstd"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return append(h, more...)
}

// compact asks for Endor's compact form, which carries only the fields
// that are set: tests about what is stored read it.
var compact = []string{"Authorization", token, "Accept", endor.MediaTypeJSONCompact}

// wantType checks a response's Content-Type.
func wantType(t *testing.T, r response, want string) {
	t.Helper()
	if got := r.Header.Get("Content-Type"); got != want {
		t.Errorf("Content-Type %q, want %q", got, want)
	}
}

// compactForm reports whether an answer holding an object is in the
// jsoncompact marshaler's form: the unpopulated meta.description is left
// out, where the JSON marshaler writes "".
func compactForm(r response) bool {
	_, written := vendorstest.Get(r.JSON, "meta").(map[string]any)["description"]
	return !written
}

// The SDK's default content type is read exactly as JSON: the same
// validation and the same errors. The answer is in the compact form, and
// labelled application/json: grpc-gateway's JSON marshalers give that as
// their ContentType whatever type they are registered under (JSONPb.
// ContentType; vendors.md §7, which corrects §5's jsoncompact label).
func TestEndorSDKContentType(t *testing.T) {
	h := servertest.New(t, server.Config{})
	r := h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), sdk("sdk-token")...)
	if r.Status != http.StatusOK {
		t.Fatalf("create with the SDK's headers: %d %s", r.Status, r.Raw)
	}
	wantType(t, r, ctJSON)
	id, _ := r.JSON["uuid"].(string)
	now := h.Clock.Now().Format(time.RFC3339Nano)
	by, _ := vendorstest.Get(r.JSON, "meta.created_by").(string)
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","parent_kind":"Project","parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",
		"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, id, endortest.Project, now, now, now, by, by))

	// The same invalid body gets the same error in both types.
	bad := `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600","colour":"red"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
	compact := h.Do(http.MethodPost, endortest.Path, bad, sdk("sdk-token")...)
	plain := h.Do(http.MethodPost, endortest.Path, bad, "Authorization", token, "Content-Type", ctJSON)
	if compact.Status != http.StatusBadRequest || plain.Status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d (jsoncompact) and %d (json), want 400", compact.Status, plain.Status)
	}
	vendorstest.JSONEqual(t, compact.Raw, endortest.Code3("meta.colour: unknown field"))
	vendorstest.JSONEqual(t, compact.Raw, plain.Raw)
	wantType(t, compact, ctJSON)
	wantType(t, plain, ctJSON)

	// Reads without a body carry the SDK's Content-Type too.
	r = h.Do(http.MethodGet, endortest.Path+"/"+id, nil, sdk("sdk-token")...)
	if r.Status != http.StatusOK || r.JSON["uuid"] != id {
		t.Fatalf("get: %d %s", r.Status, r.Raw)
	}
	wantType(t, r, ctJSON)
	if !compactForm(r) {
		t.Errorf("get with the SDK's Content-Type: %s, want the compact form", r.Raw)
	}

	// grpc-gateway's rule for the marshaler: Accept, when it names a
	// registered type, wins. Every answer is labelled application/json.
	for _, tc := range []struct {
		name    string
		headers []string
		compact bool
	}{
		{"Accept json over Content-Type jsoncompact", sdk("sdk-token", "Accept", ctJSON), false},
		{"Accept jsoncompact", []string{"Authorization", token, "Accept", endor.MediaTypeJSONCompact}, true},
		{"Accept */*", []string{"Authorization", token, "Accept", "*/*"}, false},
		{"Accept jsoncompact among others", []string{"Authorization", token, "Accept", endor.MediaTypeJSONCompact + ", */*"}, false},
	} {
		r := h.Do(http.MethodGet, endortest.Path+"/"+id, nil, tc.headers...)
		wantType(t, r, ctJSON)
		if compactForm(r) != tc.compact {
			t.Errorf("%s: compact form %v, want %v: %s", tc.name, compactForm(r), tc.compact, r.Raw)
		}
	}

	// Errors rendered outside the fake follow the same rule, verbatim.
	for _, tc := range []struct {
		name, method, target, body string
		headers                    []string
		status                     int
		want                       string
	}{
		{"no token", http.MethodPost, endortest.Path, `{}`, sdk(""), http.StatusUnauthorized, vendor401},
		{"unknown route", http.MethodGet, "/v1/namespaces/acme.prod/nothing-here", "", sdk("sdk-token"), http.StatusNotFound, vendor404},
		{"wrong method", http.MethodPut, endortest.Path, `{}`, sdk("sdk-token"), http.StatusNotImplemented, vendor501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := h.Do(tc.method, tc.target, body, tc.headers...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, tc.want)
			wantType(t, r, ctJSON)
		})
	}
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Errorf("%d objects stored, want 1", n)
	}
}

// The vendor's current schema has spec.allow_ref_as_pr_scan_base.
func TestEndorAllowRefAsPRScanBase(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := endortest.Version("main")
	body["spec"].(map[string]any)["allow_ref_as_pr_scan_base"] = true
	r := h.Do(http.MethodPost, endortest.Path, body, sdk("sdk-token")...)
	if r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	if got := vendorstest.Get(r.JSON, "spec.allow_ref_as_pr_scan_base"); got != true {
		t.Errorf("spec.allow_ref_as_pr_scan_base = %v, want true", got)
	}
	body["spec"].(map[string]any)["allow_ref_as_pr_scan_base"] = "yes"
	r = h.Do(http.MethodPost, endortest.Path, body, sdk("sdk-token")...)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("a string for a boolean: %d, want 400", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, endortest.Code3("spec.allow_ref_as_pr_scan_base: value must be a boolean"))
}

// GET /v1/auth is the SDK's token check: 200 describes the token, and the
// vendor's verbatim 401 makes the SDK drop it.
func TestEndorAuthInfo(t *testing.T) {
	tokens, _ := endor.ParseTokens("configured")
	h := servertest.New(t, server.Config{FixturesDir: "../../../fixtures", Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})

	r := h.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"endr+repomock-example-key","secret":"endr+repomock-example-secret"}`, sdk("")...)
	issued, _ := r.JSON["token"].(string)
	if r.Status != http.StatusOK || issued == "" {
		t.Fatalf("api-key: %d %s", r.Status, r.Raw)
	}
	wantType(t, r, ctJSON)
	expires := h.Clock.Now().Add(endor.DefaultTokenTTL)

	h.Clock.Advance(time.Minute) // the issued token's expiry is its own, not now + TTL
	r = h.Do(http.MethodGet, "/v1/auth", nil, sdk(issued)...)
	if r.Status != http.StatusOK {
		t.Fatalf("issued token: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"expiration_time":%q,"authentication_source":"api-key","user":{"meta":{"name":"repomock-example-key"}}}`,
		expires.Format(time.RFC3339Nano)))
	wantType(t, r, ctJSON)

	// A configured token is a person's login: Google's by default, and a
	// made-up user that does not reveal the token (vendors.md §7).
	r = h.Do(http.MethodGet, "/v1/auth", nil, sdk("configured")...)
	if r.Status != http.StatusOK {
		t.Fatalf("configured token: %d %s", r.Status, r.Raw)
	}
	user := "token-" + tokenHash("configured") + "@example.com"
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"expiration_time":%q,"authentication_source":"google","user":{"meta":{"name":%q},"spec":{"email":%q}}}`,
		h.Clock.Now().Add(endor.DefaultTokenTTL).Format(time.RFC3339Nano), user+"@google", user))

	for _, tc := range []struct{ name, token string }{{"no token", ""}, {"unknown token", "not-configured"}} {
		r := h.Do(http.MethodGet, "/v1/auth", nil, sdk(tc.token)...)
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", tc.name, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, vendor401)
	}
	h.Clock.Advance(endor.DefaultTokenTTL)
	r = h.Do(http.MethodGet, "/v1/auth", nil, sdk(issued)...)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("expired token: %d, want 401", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor401)

	// With no tokens configured, any token is valid for one token lifetime.
	open := servertest.New(t, server.Config{})
	r = open.Do(http.MethodGet, "/v1/auth", nil, sdk("anything")...)
	if r.Status != http.StatusOK || r.JSON["expiration_time"] != open.Clock.Now().Add(endor.DefaultTokenTTL).Format(time.RFC3339Nano) {
		t.Errorf("any token: %d %s", r.Status, r.Raw)
	}
}

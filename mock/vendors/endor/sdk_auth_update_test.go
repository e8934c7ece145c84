package endor_test

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// What endorlabs.Client sends, request by request, as Endor's official
// Python SDK builds it (src/endorlabs/api_client.py): an httpx client
// whose session headers are the Client's content type (jsoncompact), its
// timeout and its encodings (vendors.md §5), with httpx's own User-Agent,
// and per request the headers the SDK adds.
func sdkSession(token string, perRequest ...string) []string {
	h := []string{
		"User-Agent", "python-httpx/0.28.1",
		"Content-Type", endor.MediaTypeJSONCompact,
		"Request-timeout", "60",
		"Accept-Encoding", "gzip, br, zstd",
		"Accept", "*/*", // httpx's default, unless the request names one
	}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return append(h, perRequest...)
}

// sdkRefreshHint is env_resolution.browser_method_from_auth_payload of
// Endor's SDK (src/endorlabs/workflows/auth/env_resolution.py), in Go: how
// Client(token=…) learns to refresh a bearer token from GET /v1/auth.
// "" is the SDK's "Cannot determine bearer refresh hint from /v1/auth",
// on which Client(token=…) refuses to start (vendors.md §7).
func sdkRefreshHint(payload map[string]any) string {
	idpObjectID := regexp.MustCompile(`^[0-9a-f]{24}$`)
	fromSource := func(source string) string {
		cleaned := strings.ToLower(strings.TrimSpace(source))
		if cleaned == "" {
			return ""
		}
		aliases := map[string]string{"browser": "browser-auth", "admin": "browser-auth"}
		if a, ok := aliases[cleaned]; ok {
			cleaned = a
		}
		switch cleaned {
		case "browser-auth", "sso", "google", "github", "gitlab", "email", "azureadv2":
			return cleaned
		}
		for _, p := range []string{"google", "github", "gitlab"} {
			if strings.Contains(cleaned, p) {
				return p
			}
		}
		switch {
		case cleaned == "endor" || strings.Contains(cleaned, "email"):
			return "email"
		case strings.Contains(cleaned, "sso") || strings.Contains(cleaned, "saml") || strings.Contains(cleaned, "oidc"):
			return "sso"
		case idpObjectID.MatchString(cleaned):
			return "sso"
		}
		return ""
	}
	fromIdentity := func(identity string) string {
		cleaned := strings.ToLower(strings.TrimSpace(identity))
		if cleaned == "" {
			return ""
		}
		for _, p := range []string{"google", "github", "gitlab"} {
			if strings.Contains(cleaned, "@"+p) {
				return p
			}
		}
		if strings.HasSuffix(cleaned, "@endor") || strings.Contains(cleaned, "@endor@") {
			return "email"
		}
		if i := strings.LastIndex(cleaned, "@"); i >= 0 && idpObjectID.MatchString(cleaned[i+1:]) {
			return "sso"
		}
		return ""
	}
	source, _ := payload["authentication_source"].(string)
	if hint := fromSource(source); hint != "" {
		return hint
	}
	name, _ := vendorstest.Get(payload, "user.meta.name").(string)
	if hint := fromIdentity(name); hint != "" {
		return hint
	}
	email, _ := vendorstest.Get(payload, "user.spec.email").(string)
	return fromIdentity(email)
}

// tokenHash is the 8 hex digits the mock names a token's made-up user by.
func tokenHash(token string) string {
	h := fnv.New32a()
	h.Write([]byte(token))
	return fmt.Sprintf("%08x", h.Sum32())
}

// Client(token=…) first checks the token with GET /v1/auth, sent with
// Accept: application/json (api_client._verify_bearer_with_v1_auth), and
// learns from the answer how to refresh it. The mock's answer names a
// login provider and a user, as a real token's does (vendors.md §7), so
// the SDK starts: with the provider configured per token, or Google.
func TestEndorSDKClientTokenCheck(t *testing.T) {
	tokens, err := endor.ParseTokens("plain,bob=acme:github:bob@example.com,carol=:sso:carol@corp.example," +
		"dave=:656e69058032bf0abaaeb6aa:dave@corp.example,erin=:endor:erin@example.com,frank=::frank@example.com")
	if err != nil {
		t.Fatal(err)
	}
	h := servertest.New(t, server.Config{Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})
	expires := h.Clock.Now().Add(endor.DefaultTokenTTL).Format(time.RFC3339Nano)
	plain := "token-" + tokenHash("plain") + "@example.com"
	for _, tc := range []struct {
		token, source, name, email string
		// hint is what the SDK learns; sso needs ENDOR_NAMESPACE or
		// auth_tenant= on the Client as well.
		hint string
	}{
		{"plain", "google", plain + "@google", plain, "google"}, // the default: a Google login
		{"bob", "github", "bob@example.com@github", "bob@example.com", "github"},
		{"carol", "sso", "carol@corp.example@sso", "carol@corp.example", "sso"},
		{"dave", "656e69058032bf0abaaeb6aa", "dave@corp.example@656e69058032bf0abaaeb6aa", "dave@corp.example", "sso"},
		{"erin", "endor", "erin@example.com@endor", "erin@example.com", "email"},
		{"frank", "google", "frank@example.com@google", "frank@example.com", "google"},
	} {
		t.Run(tc.token, func(t *testing.T) {
			r := h.Do(http.MethodGet, "/v1/auth", nil, sdkSession(tc.token, "Accept", "application/json")...)
			if r.Status != http.StatusOK {
				t.Fatalf("GET /v1/auth: %d %s", r.Status, r.Raw)
			}
			wantType(t, r, "application/json")
			if enc := r.Header.Get("Content-Encoding"); enc != "gzip" {
				t.Errorf("Content-Encoding %q, want gzip (the SDK accepts gzip, br, zstd)", enc)
			}
			vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"expiration_time":%q,"authentication_source":%q,"user":{"meta":{"name":%q},"spec":{"email":%q}}}`,
				expires, tc.source, tc.name, tc.email))
			if got := sdkRefreshHint(r.JSON); got != tc.hint {
				t.Errorf("the SDK's refresh hint %q, want %q", got, tc.hint)
			}
			// utils.bearer_token.expiration_from_auth_payload reads expiration_time.
			if exp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r.JSON["expiration_time"])); err != nil || !exp.After(h.Clock.Now()) {
				t.Errorf("expiration_time %v: want a future RFC 3339 time (%v)", r.JSON["expiration_time"], err)
			}
		})
	}
	// A token the mock does not know: the vendor's 401, on which the SDK
	// drops the token rather than failing to start.
	r := h.Do(http.MethodGet, "/v1/auth", nil, sdkSession("unknown", "Accept", "application/json")...)
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor401)

	// The user is the token's in what it writes too: created_by and
	// updated_by are user@domain@provider.
	created := h.Do(http.MethodPost, "/v1/namespaces/acme/repository-versions", `{"meta":{"name":"main","parent_uuid":"`+endortest.Project+`"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, sdkSession("bob")...)
	if created.Status != http.StatusOK {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}
	for _, path := range []string{"meta.created_by", "meta.updated_by"} {
		if got := vendorstest.Get(created.JSON, path); got != "bob@example.com@github" {
			t.Errorf("%s = %v, want bob@example.com@github", path, got)
		}
	}
}

// The SDK's inference, on the answers that no real token gives: the
// mock's former bearer answer, and an API key's (a Client given a key and
// secret never asks).
func TestSDKRefreshHintRefuses(t *testing.T) {
	for _, payload := range []map[string]any{
		{"authentication_source": "bearer", "user": map[string]any{"meta": map[string]any{"name": "token-1a2b3c4d"}}},
		{"authentication_source": "api-key", "user": map[string]any{"meta": map[string]any{"name": "repomock-example-key"}}},
		{"authentication_source": "unknown-provider", "user": map[string]any{"spec": map[string]any{"email": "user@example.com"}}},
	} {
		if got := sdkRefreshHint(payload); got != "" {
			t.Errorf("%v: hint %q, want none", payload, got)
		}
	}
	// The SDK's own test case: the identity alone is enough.
	if got := sdkRefreshHint(map[string]any{"authentication_source": "test-source", "user": map[string]any{"spec": map[string]any{"email": "user@corp@google"}}}); got != "google" {
		t.Errorf("user@corp@google: hint %q, want google", got)
	}
}

// updated is the object TestEndorSDKUpdate* creates, as a compact answer
// gives it after an update: its uuid, times and principals filled in.
func updated(id, meta, ctx, spec, createdAt, updatedAt, creator, updater string) string {
	return fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{%s,"parent_kind":"Project","parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",
		"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":%s,"spec":%s}`, id, meta, endortest.Project, createdAt, updatedAt, createdAt, creator, updater, ctx, spec)
}

// sdkVersion creates the object the update tests change: a description,
// tags and an annotation besides the vendor's script body.
func sdkVersion(t *testing.T, h *servertest.Server) (id, createdAt, creator string) {
	t.Helper()
	r := h.Do(http.MethodPost, endortest.Path, `{"meta":{"name":"main","parent_uuid":"`+endortest.Project+`","description":"default branch","tags":["old"],"annotations":{"team":"core"}},`+
		`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, sdkSession("creator")...)
	if r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id, _ = r.JSON["uuid"].(string)
	creator, _ = vendorstest.Get(r.JSON, "meta.created_by").(string)
	return id, h.Clock.Now().Format(time.RFC3339Nano), creator
}

// update(…, update_mask=["meta.tags"]) as the SDK sends it: PATCH on the
// collection, the object with its uuid and the request with its mask, in
// httpx's compact JSON (vendors.md §5). The SDK reads the answer as the
// whole object (self.model_class(**data)).
func TestEndorSDKUpdateWithMask(t *testing.T) {
	h := servertest.New(t, server.Config{})
	id, createdAt, creator := sdkVersion(t, h)
	h.Clock.Advance(time.Hour)
	body := `{"object":{"uuid":"` + id + `","meta":{"tags":["release","v1"]}},"request":{"update_mask":"meta.tags","force":false}}`
	r := h.Do(http.MethodPatch, endortest.Path, body, sdkSession("updater")...)
	if r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	// The SDK's Content-Type picks the compact marshaler, which answers as
	// application/json (vendors.md §7).
	wantType(t, r, ctJSON)
	updatedBy := "token-" + tokenHash("updater") + "@example.com@google"
	want := updated(id, `"name":"main","description":"default branch","annotations":{"team":"core"},"tags":["release","v1"]`,
		`{"id":"main","type":"CONTEXT_TYPE_REF"}`, `{"version":{"ref":"main"}}`,
		createdAt, h.Clock.Now().Format(time.RFC3339Nano), creator, updatedBy)
	vendorstest.JSONEqual(t, r.Raw, want)
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+id, nil, compact...).Raw, want)
}

// update(…) without a mask. The model of the request says of update_mask
// "Fields to update. Defaults to all fields", and requires neither object
// nor request (vendors.md §7): every mutable field (meta.description,
// meta.name, meta.tags, spec) is set from the object, an absent one
// cleared; the immutable fields, and those no mask may name, keep their
// stored values. Sent as the SDK sends an empty mask, and as a client that
// sends no request at all, both after reading the object.
func TestEndorSDKUpdateWithoutMask(t *testing.T) {
	for _, tc := range []struct{ name, request string }{
		{"empty mask", `,"request":{"update_mask":"","force":false}`},
		{"no mask", `,"request":{"force":false}`},
		{"no request", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := servertest.New(t, server.Config{})
			id, createdAt, creator := sdkVersion(t, h)
			h.Clock.Advance(time.Hour)
			// The object as read, changed: a new description and spec, the
			// tags left out; the stale times, another annotation and
			// another context, which no update changes, sent back.
			object := `{"uuid":"` + id + `","meta":{"name":"main","description":"renamed","annotations":{"team":"other"},` +
				`"create_time":"2000-01-01T00:00:00Z","updated_by":"someone@example.com@github"},` +
				`"context":{"id":"other","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main","sha":"abc123"}}}`
			r := h.Do(http.MethodPatch, endortest.Path, `{"object":`+object+tc.request+`}`, sdkSession("updater")...)
			if r.Status != http.StatusOK {
				t.Fatalf("update: %d %s", r.Status, r.Raw)
			}
			wantType(t, r, ctJSON)
			updatedBy := "token-" + tokenHash("updater") + "@example.com@google"
			want := updated(id, `"name":"main","description":"renamed","annotations":{"team":"core"}`,
				`{"id":"main","type":"CONTEXT_TYPE_REF"}`, `{"version":{"ref":"main","sha":"abc123"}}`,
				createdAt, h.Clock.Now().Format(time.RFC3339Nano), creator, updatedBy)
			vendorstest.JSONEqual(t, r.Raw, want)
			vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+id, nil, compact...).Raw, want)

			// Every mutable field is set: one the object leaves out is
			// cleared, and a required one left out is refused, changing
			// nothing.
			r = h.Do(http.MethodPatch, endortest.Path, `{"object":{"uuid":"`+id+`","meta":{"description":"no name"}}`+tc.request+`}`, sdkSession("updater")...)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("a full update without meta.name: %d %s", r.Status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, endortest.Code3("meta.name: value is required"))
			vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+id, nil, compact...).Raw, want)
		})
	}
}

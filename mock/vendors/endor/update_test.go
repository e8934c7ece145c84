package endor_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// patch is the body of the SDK's update: the object with its uuid, and the
// update request with its mask.
func patch(object map[string]any, mask string) map[string]any {
	return map[string]any{"object": object, "request": map[string]any{"update_mask": mask, "force": false}}
}

// TestEndorUpdate drives PATCH …/repository-versions as the SDK's update,
// tag and untag send it (vendors.md §5).
func TestEndorUpdate(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := endortest.Version("main")
	body["meta"].(map[string]any)["description"] = "default branch"
	body["meta"].(map[string]any)["tags"] = []string{"old"}
	created := h.Do(http.MethodPost, endortest.Path, body, sdk("creator")...)
	if created.Status != http.StatusOK {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}
	id, _ := created.JSON["uuid"].(string)
	createdAt := h.Clock.Now().Format(time.RFC3339Nano)
	creator, _ := vendorstest.Get(created.JSON, "meta.created_by").(string)

	// Tag: only meta.tags changes, whatever else the object carries.
	h.Clock.Advance(time.Hour)
	r := h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{
		"uuid": id,
		"meta": map[string]any{"tags": []string{"release", "v1"}, "description": "not in the mask", "name": "other"},
		"spec": map[string]any{"version": map[string]any{"ref": "not-in-the-mask"}},
	}, "meta.tags"), sdk("updater")...)
	if r.Status != http.StatusOK {
		t.Fatalf("update: %d %s", r.Status, r.Raw)
	}
	wantType(t, r, ctJSON) // the compact form, labelled as grpc-gateway labels it (vendors.md §7)
	updater, _ := vendorstest.Get(r.JSON, "meta.updated_by").(string)
	if updater == creator || updater == "" {
		t.Errorf("updated_by %q: want the updating token's principal, not the creator's %q", updater, creator)
	}
	updatedAt := h.Clock.Now().Format(time.RFC3339Nano)
	want := fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","description":"default branch","tags":["release","v1"],"parent_kind":"Project","parent_uuid":%q,
		"kind":"RepositoryVersion","version":"v1","create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`,
		id, endortest.Project, createdAt, updatedAt, createdAt, creator, updater)
	vendorstest.JSONEqual(t, r.Raw, want)                                                            // the answer is the whole object
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+id, nil, compact...).Raw, want) // and what is stored

	// Untag: a masked field the object leaves out is cleared. A
	// lowerCamelCase mask (protojson's FieldMask form) names the same paths.
	r = h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{"uuid": id}, "meta.tags"), sdk("updater")...)
	if r.Status != http.StatusOK || vendorstest.Get(r.JSON, "meta.tags") != nil {
		t.Fatalf("untag: %d %s", r.Status, r.Raw)
	}
	r = h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{"uuid": id, "spec": map[string]any{"allowRefAsPrScanBase": true, "allow_ref_as_pr_scan_base": true}}, "spec.allowRefAsPrScanBase"), sdk("updater")...)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("allowRefAsPrScanBase is not a field of the published schema: %d %s", r.Status, r.Raw)
	}
	r = h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{"uuid": id, "spec": map[string]any{"allow_ref_as_pr_scan_base": true}}, "spec.allowRefAsPrScanBase"), sdk("updater")...)
	if r.Status != http.StatusOK || vendorstest.Get(r.JSON, "spec.allow_ref_as_pr_scan_base") != true || vendorstest.Get(r.JSON, "spec.version.ref") != "main" {
		t.Fatalf("spec.allowRefAsPrScanBase: %d %s", r.Status, r.Raw)
	}
	// Several paths at once, the whole spec among them.
	r = h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{
		"uuid": id, "meta": map[string]any{"name": "trunk", "description": "renamed"},
		"spec": map[string]any{"version": map[string]any{"ref": "trunk", "sha": "abc123"}},
	}, "meta.name, meta.description,spec"), sdk("updater")...)
	if r.Status != http.StatusOK {
		t.Fatalf("rename: %d %s", r.Status, r.Raw)
	}
	for path, want := range map[string]any{"meta.name": "trunk", "meta.description": "renamed", "spec.version.sha": "abc123", "spec.allow_ref_as_pr_scan_base": nil, "uuid": id} {
		if got := vendorstest.Get(r.JSON, path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	// The new name is the upsert key now: a create of "trunk" in the
	// object's context (REF "main") updates it.
	trunk := endortest.Version("trunk")
	trunk["context"] = map[string]any{"id": "main", "type": "CONTEXT_TYPE_REF"}
	again := h.Do(http.MethodPost, endortest.Path, trunk)
	if again.JSON["uuid"] != id {
		t.Errorf("create of the new name made %v, want an update of %s", again.JSON["uuid"], id)
	}
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Errorf("%d objects, want 1", n)
	}
}

func TestEndorUpdateRejects(t *testing.T) {
	h := servertest.New(t, server.Config{})
	id, _ := endortest.Create(h, "acme.prod", endortest.Version("main")).JSON["uuid"].(string)
	// "other" in the context of "main" (REF "main"): renaming "main" to
	// "other" gives it the upsert key of this one.
	other := endortest.Version("other")
	other["context"] = map[string]any{"id": "main", "type": "CONTEXT_TYPE_REF"}
	otherID, _ := endortest.Create(h, "acme.prod", other).JSON["uuid"].(string)
	before := h.Do(http.MethodGet, endortest.Path+"/"+id, nil).Raw
	tags := map[string]any{"uuid": id, "meta": map[string]any{"tags": []string{"x"}}}
	updatable := "meta.description, meta.name, meta.tags, spec, spec.allow_ref_as_pr_scan_base, spec.last_commit_date, spec.version"
	notFound := func(id, ns string) string {
		return fmt.Sprintf(`{"code":5,"message":"repository version \"%s\" not found in namespace \"%s\"","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":404}]}`, id, ns)
	}
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		status int
		want   string
	}{
		// An empty mask, or none, is every mutable field (vendors.md §7):
		// TestEndorSDKUpdateWithoutMask.
		{"no object", endortest.Path, map[string]any{"request": map[string]any{"update_mask": "meta.tags"}}, 400, endortest.Code3("object.uuid: value is required")},
		{"no mask, name left out", endortest.Path, map[string]any{"object": tags}, 400, endortest.Code3("meta.name: value is required")},
		{"empty path", endortest.Path, patch(tags, "meta.tags,"), 400, endortest.Code3(`request.update_mask: "meta.tags," has an empty field path`)},
		{"immutable create_time", endortest.Path, patch(tags, "meta.tags,meta.create_time"), 400, endortest.Code3("request.update_mask: meta.create_time is immutable")},
		{"immutable uuid", endortest.Path, patch(tags, "uuid"), 400, endortest.Code3("request.update_mask: uuid is immutable")},
		{"immutable namespace", endortest.Path, patch(tags, "tenant_meta.namespace"), 400, endortest.Code3("request.update_mask: tenant_meta.namespace is immutable")},
		{"immutable, camelCase", endortest.Path, patch(tags, "meta.updateTime"), 400, endortest.Code3("request.update_mask: meta.update_time is immutable")},
		{"not updatable", endortest.Path, patch(tags, "context.id"), 400, endortest.Code3("request.update_mask: context.id cannot be updated: the paths that can are " + updatable)},
		{"unknown path", endortest.Path, patch(tags, "meta.colour"), 400, endortest.Code3("request.update_mask: meta.colour cannot be updated: the paths that can are " + updatable)},
		{"no uuid", endortest.Path, patch(map[string]any{"meta": map[string]any{"tags": []string{"x"}}}, "meta.tags"), 400, endortest.Code3("object.uuid: value is required")},
		{"malformed uuid", endortest.Path, patch(map[string]any{"uuid": "nope"}, "meta.tags"), 400, endortest.Code3(`object.uuid: "nope" is not a valid uuid: must be 24 lowercase hexadecimal characters`)},
		{"unknown uuid", endortest.Path, patch(map[string]any{"uuid": "656e69058032bf0abaaeb6ff"}, "meta.tags"), 404, notFound("656e69058032bf0abaaeb6ff", "acme.prod")},
		{"another namespace", "/v1/namespaces/acme.dev/repository-versions", patch(tags, "meta.tags"), 404, notFound(id, "acme.dev")},
		{"unknown field", endortest.Path, patch(map[string]any{"uuid": id, "meta": map[string]any{"colour": "red"}}, "meta.tags"), 400, endortest.Code3("object.meta.colour: unknown field")},
		{"wrong type", endortest.Path, patch(map[string]any{"uuid": id, "meta": map[string]any{"tags": "x"}}, "meta.tags"), 400, endortest.Code3("object.meta.tags: value must be an array")},
		{"name cleared", endortest.Path, patch(map[string]any{"uuid": id}, "meta.name"), 400, endortest.Code3("meta.name: value is required")},
		{"name too long", endortest.Path, patch(map[string]any{"uuid": id, "meta": map[string]any{"name": strings.Repeat("a", 64)}}, "meta.name"), 400, endortest.Code3("meta.name: must be 63 characters or less")},
		{"tag too long", endortest.Path, patch(map[string]any{"uuid": id, "meta": map[string]any{"tags": []string{fmt.Sprintf("%0256d", 0)}}}, "meta.tags"), 400, endortest.Code3("meta.tags.0: must be 255 characters or less")},
		{"rename onto another object", endortest.Path, patch(map[string]any{"uuid": id, "meta": map[string]any{"name": "other"}}, "meta.name"), 409,
			fmt.Sprintf(`{"code":6,"message":"repository version \"%s\" already has meta.parent_uuid \"%s\", meta.name \"other\", context.type \"CONTEXT_TYPE_REF\" and context.id \"main\"","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":409}]}`, otherID, endortest.Project)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.Do(http.MethodPatch, tc.path, tc.body, sdk("sdk-token")...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, tc.want)
		})
	}
	// Nothing changed: not the object, not the count.
	if after := h.Do(http.MethodGet, endortest.Path+"/"+id, nil).Raw; after != before {
		t.Errorf("a refused update changed the object:\nbefore %s\nafter  %s", before, after)
	}
	if n := endortest.Count(h, "acme.prod"); n != 2 {
		t.Errorf("%d objects, want 2", n)
	}
	r := h.Do(http.MethodPatch, endortest.Path, patch(tags, "meta.tags"), sdk("")...)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("update without a token: %d, want 401", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor401)
}

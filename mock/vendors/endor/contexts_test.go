package endor_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// prUUID is a PR scan's context id, the example of the vendor's docs
// (rest-api/using-the-rest-api/getting-started, list_parameters.ci_run_uuid).
const prUUID = "ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a"

// inContext is version(name) written in another context.
func inContext(name, contextType, contextID string) map[string]any {
	b := endortest.Version(name)
	b["context"] = map[string]any{"id": contextID, "type": contextType}
	return b
}

// Seed 000: "Contexts keep objects from different scans separated", and
// vendors.md §6: a repository version written in a CI_RUN context never
// replaces the MAIN or REF object of the same name. The PR-scan scenario:
// the monitored branch "main" (REF), then a PR scan of "main" (CI_RUN).
func TestEndorContextsSeparateObjects(t *testing.T) {
	h := servertest.New(t, server.Config{})
	ref := endortest.Create(h, "acme.prod", endortest.Version("main"))
	refID, _ := ref.JSON["uuid"].(string)

	h.Clock.Advance(time.Minute)
	scan := endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", prUUID))
	scanID, _ := scan.JSON["uuid"].(string)
	if scanID == refID {
		t.Fatalf("the CI_RUN create replaced the REF object %s", refID)
	}
	if n := endortest.Count(h, "acme.prod"); n != 2 {
		t.Errorf("count %d, want 2: one object per context", n)
	}
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+refID, nil).Raw, ref.Raw) // the REF object is unchanged

	// The CI_RUN object, whole: will_be_deleted_at is its create time plus
	// 30 days (seed 000: CI_RUN objects are deleted after 30 days), in
	// meta.index_data and in context, where seed 000 deprecates it "Please
	// use the meta.will_be_deleted_at field instead" (vendors.md §7).
	created := h.Clock.Now()
	by, _ := vendorstest.Get(scan.JSON, "meta.created_by").(string)
	want := func(updated time.Time) string {
		// application/json: the unpopulated fields come too.
		return fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
			"meta":{"name":"main","parent_kind":"Project","parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",
			"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q,
			"description":"","annotations":{},"tags":[],"references":{},
			"index_data":{"will_be_deleted_at":"2026-12-25T10:01:00.123456789Z","data":[],"search_score":0,"tenant":""}},
			"context":{"id":%q,"type":"CONTEXT_TYPE_CI_RUN","will_be_deleted_at":"2026-12-25T10:01:00.123456789Z","tags":[]},
			"spec":{"version":{"ref":"main","sha":"","metadata":{}},"allow_ref_as_pr_scan_base":false}}`,
			scanID, endortest.Project, created.Format(time.RFC3339Nano), updated.Format(time.RFC3339Nano), updated.Format(time.RFC3339Nano), by, by, prUUID)
	}
	vendorstest.JSONEqual(t, scan.Raw, want(created))

	// The same scan again is an upsert of the CI_RUN object: same uuid, and
	// will_be_deleted_at is kept, whatever the client sends for it.
	h.Clock.Advance(time.Hour)
	again := inContext("main", "CONTEXT_TYPE_CI_RUN", prUUID)
	again["context"].(map[string]any)["will_be_deleted_at"] = "2030-01-01T00:00:00Z"
	second := endortest.Create(h, "acme.prod", again)
	vendorstest.JSONEqual(t, second.Raw, want(h.Clock.Now()))
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/"+refID, nil).Raw, ref.Raw)

	// Another PR's scan of "main" is a third object; the MAIN context a fourth.
	other := endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", "0f0e0d0c-8d6d-4b65-8b0e-9755e8a6cb3a"))
	mainCtx := endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_MAIN", "default"))
	ids := map[any]bool{refID: true, scanID: true, other.JSON["uuid"]: true, mainCtx.JSON["uuid"]: true}
	if len(ids) != 4 {
		t.Errorf("uuids %v: want four objects", ids)
	}
	if n := endortest.Count(h, "acme.prod"); n != 4 {
		t.Errorf("count %d, want 4", n)
	}
	// Only CI_RUN objects carry will_be_deleted_at.
	for _, path := range []string{"context.will_be_deleted_at", "meta.index_data"} {
		if v := vendorstest.Get(mainCtx.JSON, path); v != nil {
			t.Errorf("a MAIN object has %s %v", path, v)
		}
	}
	// An update keeps it, in both places, whatever the object carries.
	upd := h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{
		"uuid": scanID, "meta": map[string]any{"tags": []string{"pr"}, "index_data": map[string]any{"will_be_deleted_at": "2030-01-01T00:00:00Z"}},
	}, "meta.tags"), compact...)
	if upd.Status != http.StatusOK {
		t.Fatalf("update: %d %s", upd.Status, upd.Raw)
	}
	for _, path := range []string{"context.will_be_deleted_at", "meta.index_data.will_be_deleted_at"} {
		if got := vendorstest.Get(upd.JSON, path); got != "2026-12-25T10:01:00.123456789Z" {
			t.Errorf("after an update, %s = %v", path, got)
		}
	}
}

// An update cannot move an object onto the key of another one, and the
// 409 names every field of the key; the same name in another context is
// free.
func TestEndorRenameAcrossContexts(t *testing.T) {
	h := servertest.New(t, server.Config{})
	scanID, _ := endortest.Create(h, "acme.prod", inContext("feature", "CONTEXT_TYPE_CI_RUN", prUUID)).JSON["uuid"].(string)
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	takenID, _ := endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", prUUID)).JSON["uuid"].(string)

	r := h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{"uuid": scanID, "meta": map[string]any{"name": "main"}}, "meta.name"))
	if r.Status != http.StatusConflict {
		t.Fatalf("rename onto a taken key: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"code":6,"message":"repository version \"%s\" already has meta.parent_uuid \"%s\", meta.name \"main\", context.type \"CONTEXT_TYPE_CI_RUN\" and context.id \"%s\"","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":409}]}`,
		takenID, endortest.Project, prUUID))

	// "main" is taken in the REF context and in this PR's context, not in
	// another PR's: there the rename succeeds.
	otherID, _ := endortest.Create(h, "acme.prod", inContext("feature", "CONTEXT_TYPE_CI_RUN", "0f0e0d0c-8d6d-4b65-8b0e-9755e8a6cb3a")).JSON["uuid"].(string)
	r = h.Do(http.MethodPatch, endortest.Path, patch(map[string]any{"uuid": otherID, "meta": map[string]any{"name": "main"}}, "meta.name"))
	if r.Status != http.StatusOK || vendorstest.Get(r.JSON, "meta.name") != "main" {
		t.Fatalf("rename in a context where the name is free: %d %s", r.Status, r.Raw)
	}
}

// list_parameters.ci_run_uuid: "Only list objects from a specific PR scan"
// (docs: rest-api/using-the-rest-api/getting-started).
func TestEndorListCIRunUUID(t *testing.T) {
	h := servertest.New(t, server.Config{})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_REF", prUUID)) // a REF whose id looks like the PR's
	a, _ := endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", prUUID)).JSON["uuid"].(string)
	b, _ := endortest.Create(h, "acme.prod", inContext("feature", "CONTEXT_TYPE_CI_RUN", prUUID)).JSON["uuid"].(string)
	endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", "another-pr"))

	got := listUUIDs(t, h.Do(http.MethodGet, endortest.Path+"?list_parameters.ci_run_uuid="+prUUID, nil))
	if !slices.Equal(got, []string{a, b}) {
		t.Errorf("ci_run_uuid lists %v, want the two objects of the PR scan %v", got, []string{a, b})
	}
	r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.ci_run_uuid="+prUUID+"&list_parameters.count=true", nil)
	vendorstest.JSONEqual(t, r.Raw, `{"count_response":{"count":2}}`)
	r = h.Do(http.MethodGet, endortest.Path+"?list_parameters.ci_run_uuid=no-such-pr", nil)
	vendorstest.JSONEqual(t, r.Raw, `{"list":{"objects":[],"response":{}}}`)
}

// A CI_RUN fixture gets will_be_deleted_at like a create; fixtures may hold
// the same name in several contexts, and may not set the server's field.
func TestEndorFixturesWithContexts(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "endor.yaml", `repository_versions:
  - namespace: acme.prod
    uuid: 6560a0000000000000000001
    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}
    context: {id: main, type: CONTEXT_TYPE_REF}
  - namespace: acme.prod
    uuid: 6560a0000000000000000002
    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}
    context: {id: `+prUUID+`, type: CONTEXT_TYPE_CI_RUN}
`)
	h := servertest.New(t, server.Config{FixturesDir: dir})
	ref := h.Do(http.MethodGet, endortest.Path+"/6560a0000000000000000001", nil)
	scan := h.Do(http.MethodGet, endortest.Path+"/6560a0000000000000000002", nil)
	if ref.Status != http.StatusOK || scan.Status != http.StatusOK {
		t.Fatalf("fixtures: %d %s / %d %s", ref.Status, ref.Raw, scan.Status, scan.Raw)
	}
	created, _ := time.Parse(time.RFC3339Nano, vendorstest.Get(scan.JSON, "meta.create_time").(string))
	if got, want := vendorstest.Get(scan.JSON, "context.will_be_deleted_at"), created.Add(30*24*time.Hour).Format(time.RFC3339Nano); got != want {
		t.Errorf("CI_RUN fixture will_be_deleted_at %v, want %s", got, want)
	}
	if v := vendorstest.Get(ref.JSON, "context.will_be_deleted_at"); v != nil {
		t.Errorf("REF fixture will_be_deleted_at %v", v)
	}

	bad := t.TempDir()
	vendorstest.WriteFile(t, bad, "endor.yaml", `repository_versions:
  - namespace: acme.prod
    meta: {name: main, parent_uuid: 656e69058032bf0abaaeb600}
    context: {id: `+prUUID+`, type: CONTEXT_TYPE_CI_RUN, will_be_deleted_at: "2030-01-01T00:00:00Z"}
`)
	if _, err := server.New(server.Config{FixturesDir: bad}); err == nil || !strings.Contains(err.Error(), "context.will_be_deleted_at: is set by the server") {
		t.Errorf("a fixture setting will_be_deleted_at: err = %v", err)
	}
}

// stateV1BeforeContexts is a state file's Endor part as repomock wrote it
// before contexts were part of the upsert key (commit 7cd726b, seed 3): a
// CI_RUN object without will_be_deleted_at.
const stateV1BeforeContexts = `{"version":1,"issued_tokens":[],"sessions":[{"name":"","repository_versions":[{"uuid":"482a02e011be36b94bd5bfe8","tenant_meta":{"namespace":"acme.prod"},"meta":{"name":"main","parent_kind":"Project","parent_uuid":"6560a00000000000000000aa","kind":"RepositoryVersion","version":"v1","create_time":"2026-11-20T09:30:00Z","update_time":"2026-11-20T09:30:00Z","upsert_time":"2026-11-20T09:30:00Z","created_by":"ci@repomock@api-key","updated_by":"ci@repomock@api-key"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}},{"uuid":"02ddb2c3cb7b7496209693f1","tenant_meta":{"namespace":"acme.prod"},"meta":{"name":"feature","parent_kind":"Project","parent_uuid":"6560a00000000000000000aa","kind":"RepositoryVersion","version":"v1","create_time":"2026-11-20T10:30:00Z","update_time":"2026-11-20T10:30:00Z","upsert_time":"2026-11-20T10:30:00Z","created_by":"ci@repomock@api-key","updated_by":"ci@repomock@api-key"},"context":{"id":"ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a","type":"CONTEXT_TYPE_CI_RUN"},"spec":{"version":{"ref":"feature"}}}]}]}`

// A --state-file written with the old key (namespace, parent, name) loads:
// its uniqueness implies the new key's. A CI_RUN object gets the
// will_be_deleted_at a create would have given it; the rest is unchanged.
func TestEndorStateFileFromBeforeContexts(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "state.json", `{"format":"repomock-state/1","saved_at":"2026-11-20T11:00:00Z","endor":`+stateV1BeforeContexts+`}`)
	h := servertest.New(t, server.Config{StateFile: filepath.Join(dir, "state.json")})
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/482a02e011be36b94bd5bfe8", nil, compact...).Raw,
		`{"uuid":"482a02e011be36b94bd5bfe8","tenant_meta":{"namespace":"acme.prod"},"meta":{"name":"main","parent_kind":"Project","parent_uuid":"6560a00000000000000000aa","kind":"RepositoryVersion","version":"v1","create_time":"2026-11-20T09:30:00Z","update_time":"2026-11-20T09:30:00Z","upsert_time":"2026-11-20T09:30:00Z","created_by":"ci@repomock@api-key","updated_by":"ci@repomock@api-key"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, endortest.Path+"/02ddb2c3cb7b7496209693f1", nil, compact...).Raw,
		`{"uuid":"02ddb2c3cb7b7496209693f1","tenant_meta":{"namespace":"acme.prod"},"meta":{"name":"feature","parent_kind":"Project","parent_uuid":"6560a00000000000000000aa","kind":"RepositoryVersion","version":"v1","create_time":"2026-11-20T10:30:00Z","update_time":"2026-11-20T10:30:00Z","upsert_time":"2026-11-20T10:30:00Z","created_by":"ci@repomock@api-key","updated_by":"ci@repomock@api-key","index_data":{"will_be_deleted_at":"2026-12-20T10:30:00Z"}},"context":{"id":"ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a","type":"CONTEXT_TYPE_CI_RUN","will_be_deleted_at":"2026-12-20T10:30:00Z"},"spec":{"version":{"ref":"feature"}}}`)

	// The restored objects take part in upserts under the new key: the PR
	// scan of "main" is a new object beside the REF one.
	scan := endortest.Create(h, "acme.prod", map[string]any{
		"meta":    map[string]any{"name": "main", "parent_uuid": "6560a00000000000000000aa"},
		"context": map[string]any{"id": prUUID, "type": "CONTEXT_TYPE_CI_RUN"},
	})
	if scan.JSON["uuid"] == "482a02e011be36b94bd5bfe8" {
		t.Error("a CI_RUN create replaced the restored REF object")
	}

	// What a state file cannot hold is refused, saying why.
	for _, tc := range []struct{ name, from, to, want string }{
		{"two objects with one key", `"context":{"id":"ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a","type":"CONTEXT_TYPE_CI_RUN"},"spec":{"version":{"ref":"feature"}}`,
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"feature"}}`,
			""},
		{"will_be_deleted_at outside CI_RUN", `"context":{"id":"main","type":"CONTEXT_TYPE_REF"}`,
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF","will_be_deleted_at":"2026-12-20T09:30:00Z"}`,
			"repository_versions[0]: context.will_be_deleted_at: only a CONTEXT_TYPE_CI_RUN object has one"},
		{"index_data unlike the context", `"updated_by":"ci@repomock@api-key"},"context":{"id":"ee4a914c`,
			`"updated_by":"ci@repomock@api-key","index_data":{"will_be_deleted_at":"2030-01-01T00:00:00Z"}},"context":{"id":"ee4a914c`,
			"repository_versions[1]: meta.index_data: must hold will_be_deleted_at, the same as context.will_be_deleted_at, and only in a CONTEXT_TYPE_CI_RUN object"},
		{"index_data outside CI_RUN", `"updated_by":"ci@repomock@api-key"},"context":{"id":"main"`,
			`"updated_by":"ci@repomock@api-key","index_data":{}},"context":{"id":"main"`,
			"repository_versions[0]: meta.index_data: must hold will_be_deleted_at, the same as context.will_be_deleted_at, and only in a CONTEXT_TYPE_CI_RUN object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := strings.Replace(stateV1BeforeContexts, tc.from, tc.to, 1)
			want := tc.want
			if want == "" {
				// The second object, renamed to the first one's key.
				state = strings.Replace(state, `"name":"feature"`, `"name":"main"`, 1)
				want = "repository_versions[1]: another object has the same namespace, meta.parent_uuid, meta.name, context.type and context.id"
			}
			if state == stateV1BeforeContexts {
				t.Fatal("the test did not change the state file")
			}
			dir := t.TempDir()
			vendorstest.WriteFile(t, dir, "state.json", `{"format":"repomock-state/1","endor":`+state+`}`)
			if _, err := server.New(server.Config{StateFile: filepath.Join(dir, "state.json")}); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to say %q", err, want)
			}
		})
	}
}

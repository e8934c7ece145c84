package huawei_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// namedAnswer checks that an error answer carries X-Request-Id and, in a
// gateway body, the same id as request_id ({id} in want).
func namedAnswer(t *testing.T, r response, status int, want string) {
	t.Helper()
	id := r.Header.Get("X-Request-Id")
	if !requestIDRE.MatchString(id) {
		t.Errorf("X-Request-Id %q, want 32 hex digits", id)
	}
	if r.Status != status {
		t.Errorf("HTTP %d %s, want %d", r.Status, r.Raw, status)
	}
	vendorstest.JSONEqual(t, r.Raw, strings.ReplaceAll(want, "{id}", id))
}

// CodeArts refuses a wrong type in an integer field saying so, whatever the
// field's enum, and checks import_url as the base64 of an https address.
func TestCodeArtsCreateBodyChecks(t *testing.T) {
	h := servertest.New(t, server.Config{})
	auth := []string{"X-Auth-Token", "any-token", "Content-Type", ctJSON}
	body := func(extra string) string {
		return `{"project_uuid":"` + huaweitest.RepoProject + `","name":"checked"` + extra + `}`
	}
	for _, tc := range []struct{ name, extra, msg string }{
		{"visibility_level a word", `,"visibility_level":"public"`, "visibility_level: must be an integer"},
		{"visibility_level null", `,"visibility_level":null`, "visibility_level: must be an integer"},
		{"visibility_level true", `,"visibility_level":true`, "visibility_level: must be an integer"},
		{"import_members a fraction", `,"import_members":0.5`, "import_members: must be an integer"},
		{"enable_readme an array", `,"enable_readme":[1]`, "enable_readme: must be an integer"},
		{"import_url not base64", `,"import_url":"https://example.com/a.git"`, "import_url: is not base64 (it must be the base64 of an https address)"},
		{"import_url of an http address", `,"import_url":"aHR0cDovL2V4YW1wbGUuY29tL2EuZ2l0"`, `import_url: is the base64 of "http://example.com/a.git", not of an https address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			namedAnswer(t, h.Do(http.MethodPost, "/v1/repositories", body(tc.extra), auth...), http.StatusBadRequest, huaweitest.CodeArtsBody("CH.010001", tc.msg))
		})
	}
	// A whole number written as 20.0 is 20, stored as the number.
	r := h.Do(http.MethodPost, "/v1/repositories", body(`,"visibility_level":20.0,"import_url":"aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmdpdA=="`), auth...)
	id, _ := vendorstest.Get(r.JSON, "result.repository_uuid").(string)
	if r.Status != http.StatusOK || id == "" {
		t.Fatalf("create with 20.0: HTTP %d %s", r.Status, r.Raw)
	}
	if shown := h.Do(http.MethodGet, "/v2/repositories/"+id, nil, auth...); vendorstest.Get(shown.JSON, "result.visibility_level") != float64(20) {
		t.Errorf("read back %s, want visibility_level 20", shown.Raw)
	}
}

// A path that names no project gets the gateway's 400 in the gateway's
// shape before ServiceStage sees it: the SDK's literal {project_id} (sent
// when its credentials have none), and any id that is not 32 lowercase hex
// digits. Nothing is stored.
func TestServiceStageProjectID(t *testing.T) {
	h := servertest.New(t, server.Config{})
	headers := []string{"X-Auth-Token", "any-token", "Content-Type", ctJSON, "X-Repo-Auth", huaweitest.RepoAuth}
	file := map[string]string{"message": "m", "content": "aGk="}
	notAnID := func(id string) string {
		return huaweitest.GatewayBody("APIGW.0201", `Bad request: project_id "`+id+`" is not a project id (32 lowercase hexadecimal digits)`)
	}
	for _, tc := range []struct {
		name, method, target string
		want                 string
	}{
		{"the SDK's {project_id}", http.MethodPost, "/v1/%7Bproject_id%7D/git/files/repomock/group:app/a.txt?ref=master",
			huaweitest.GatewayBody("APIGW.0201", `Bad request: project_id "{project_id}" is not a project id (32 lowercase hexadecimal digits); the SDK sends it when its credentials have no project id`)},
		{"31 hex digits", http.MethodGet, "/v1/" + huaweitest.ProjectID[:31] + "/git/files/repomock/group:app/trees?ref=master", notAnID(huaweitest.ProjectID[:31])},
		{"upper case", http.MethodGet, "/v1/" + strings.ToUpper(huaweitest.ProjectID) + "/git/files/repomock/group:app/a.txt?ref=master", notAnID(strings.ToUpper(huaweitest.ProjectID))},
		{"a project name", http.MethodDelete, "/v1/my-project/git/files/repomock/group:app/a.txt?ref=master&message=m&sha=x", notAnID("my-project")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.method == http.MethodPost {
				body = file
			}
			namedAnswer(t, h.Do(tc.method, tc.target, body, headers...), http.StatusBadRequest, tc.want)
		})
	}
	// Credentials come first: without them, the gateway's 401.
	r := h.Do(http.MethodPost, "/v1/%7Bproject_id%7D/git/files/repomock/group:app/a.txt?ref=master", file, "Content-Type", ctJSON, "X-Repo-Auth", huaweitest.RepoAuth)
	if r.Status != http.StatusUnauthorized || vendorstest.Get(r.JSON, "error_code") != "APIGW.0301" {
		t.Errorf("no credentials and no project id: HTTP %d %s, want 401 APIGW.0301", r.Status, r.Raw)
	}
	// The gateway refused before the service: nothing was written.
	if tr := h.Do(http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/group:app/trees?ref=master", nil, headers...); strings.TrimSpace(tr.Raw) != `{"paths":[]}` {
		t.Errorf("trees after the refusals: %s", tr.Raw)
	}
}

// A state file written before sha became the SHA-256 (its ServiceStage
// part at version 1, shas the git blob SHA-1) still loads; the shas are
// recomputed, and the next save writes version 2.
func TestStateFileWithBlobSHA1Loads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	old := `{"format":"repomock-state/1","saved_at":"2026-01-01T00:00:00Z","servicestage":{"version":1,"sessions":[{"name":"",` +
		`"repositories":[{"project_id":"` + huaweitest.ProjectID + `","namespace":"repomock","project":"group/app","refs":[{"ref":"master",` +
		`"files":[{"path":"a.txt","sha":"ce013625030ba8dba906f756967f9e9ca394464a","content_base64":"aGVsbG8K"}]}]}]}]}}`
	vendorstest.WriteFile(t, filepath.Dir(path), filepath.Base(path), old)
	cfg := sdkConfig(nil)
	cfg.StateFile = path
	h := servertest.New(t, cfg)
	r := h.Do(http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/group:app/a.txt?ref=master", nil,
		"X-Auth-Token", "any-token", "X-Repo-Auth", huaweitest.RepoAuth)
	vendorstest.JSONEqual(t, r.Raw, `{"path":"a.txt","sha":"`+huaweitest.FileSHA([]byte("hello\n"))+`","encoding":"base64","content":"aGVsbG8K"}`)
	if err := h.Srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(saved), `"servicestage":{"version":2,`) || !strings.Contains(string(saved), huaweitest.FileSHA([]byte("hello\n"))) {
		t.Errorf("saved state %s, want the ServiceStage part at version 2 with the SHA-256", saved)
	}
}

// Seed 002's own example body (its trailing comma removed) is accepted:
// the digit strings of its integer fields are read and stored as numbers
// (vendors.md §6).
func TestCodeArtsAcceptsTheDocExampleBody(t *testing.T) {
	h := servertest.New(t, server.Config{})
	example := `{
"project_uuid": "4838955a48e2492bbe44b31bc4c272f6",
"name": "demotest1",
"import_members": "0",
"visibility_level": "20"
}`
	r := h.Do(http.MethodPost, "/v1/repositories", example, "X-Auth-Token", "any-token", "Content-Type", ctJSON)
	id, _ := vendorstest.Get(r.JSON, "result.repository_uuid").(string)
	if r.Status != http.StatusOK || id == "" {
		t.Fatalf("the doc's example: HTTP %d %s", r.Status, r.Raw)
	}
	shown := h.Do(http.MethodGet, "/v2/repositories/"+id, nil, "X-Auth-Token", "any-token")
	if got := vendorstest.Get(shown.JSON, "result.visibility_level"); got != float64(20) {
		t.Errorf("visibility_level read back as %#v, want the number 20: %s", got, shown.Raw)
	}
}

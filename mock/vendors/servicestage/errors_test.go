package servicestage_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// strictFixtures declares one repository with one ref, so that strict mode
// can refuse the others.
const strictFixtures = `{"strict":true,"repositories":[{"project_id":"` + projectID + `",
	"namespace":"repomock","project":"group/app","refs":["master"],
	"files":[{"ref":"master","path":"README.md","content":"hello\n"}]}]}`

// Every error the fake answers with, each through the real validator, each
// body compared whole. "hello\n" is aGVsbG8K; its sha is 5891b5…, its git
// blob SHA-1 (what the fake once answered) ce0136….
func TestErrorBodies(t *testing.T) {
	strict, err := servicestage.ParseFixtures([]byte(strictFixtures))
	if err != nil {
		t.Fatal(err)
	}
	const (
		helloSHA  = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
		helloSHA1 = "ce013625030ba8dba906f756967f9e9ca394464a"
	)
	const dir = "/v1/" + projectID + "/git/files/repomock/"
	createBody := map[string]string{"message": "m", "content": "aGVsbG8K"}
	tests := []struct {
		name   string
		cfg    servicestage.Config
		setup  []request // each must succeed
		req    request
		status int
		body   string
	}{
		// SVCSTG.REPO.0400: parameter invalid, one row per cause.
		{
			name: "missing ref", req: request{method: http.MethodPost, url: filesURL + "a.txt", body: createBody},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: ref: value is required"),
		},
		{
			name: "empty ref", req: request{method: http.MethodGet, url: filesURL + "a.txt?ref="},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: ref: minimum string length is 1"),
		},
		{
			name: "missing message", req: request{method: http.MethodPost, url: fileURL("a.txt", "master"), body: map[string]string{"content": "aGVsbG8K"}},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: message: value is required"),
		},
		{
			// The SDK's FileCreate.Message is not omitempty: an unset message arrives as "".
			name: "empty message", req: request{method: http.MethodPost, url: fileURL("a.txt", "master"), body: map[string]string{"message": "", "content": "aGVsbG8K"}},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: message: minimum string length is 1"),
		},
		{
			name: "missing content", req: request{method: http.MethodPost, url: fileURL("a.txt", "master"), body: map[string]string{"message": "m"}},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: value is required"),
		},
		{
			name: "content not base64", req: create("a.txt", "master", "hello!"),
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: is not valid base64 (standard alphabet, padded): bad input at offset 5"),
		},
		{
			name: "content in the URL-safe alphabet", req: create("a.txt", "master", "_-8="),
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: is not valid base64 (standard alphabet, padded): bad input at offset 0"),
		},
		{
			name: "content without padding", req: create("a.txt", "master", "aGVsbG8"),
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: is not valid base64 (standard alphabet, padded): bad input at offset 4"),
		},
		{
			// "QR==" decodes to "A" with the stray bits 0001: not what any encoder writes.
			name: "content with non-zero padding bits", req: create("a.txt", "master", "QR=="),
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: is not valid base64 (standard alphabet, padded): bad input at offset 2"),
		},
		{
			name: "update content not base64", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    update("a.txt", "master", "a b=", helloSHA),
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: content: is not valid base64 (standard alphabet, padded): bad input at offset 1"),
		},
		{
			name: "body not JSON", req: request{method: http.MethodPost, url: fileURL("a.txt", "master"), body: "{"},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: body: invalid JSON: unexpected end of input"),
		},
		{
			name: "content type not JSON", req: request{method: http.MethodPost, url: fileURL("a.txt", "master"), body: `{"message":"m","content":""}`, header: map[string]string{"Content-Type": "text/plain"}},
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: Content-Type: must be application/json, not "text/plain"`),
		},
		{
			name: "path with an empty segment", req: create("app::x.rb", "master", "aGVsbG8K"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: path: "app::x.rb" has an empty segment (a leading, trailing or doubled ':')`),
		},
		{
			name: "path with a leading colon", req: show(":x.rb", "master"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: path: ":x.rb" has an empty segment (a leading, trailing or doubled ':')`),
		},
		{
			name: "project with an empty segment", req: request{method: http.MethodGet, url: dir + "group:/trees?ref=master"},
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: project: "group:" has an empty segment (a leading, trailing or doubled ':')`),
		},
		{
			name: "unknown file", req: show("nope.txt", "master"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: file "nope.txt" not found in ref "master"`),
		},
		{
			name: "update of an unknown file", req: update("nope.txt", "master", "aGVsbG8K", helloSHA),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: file "nope.txt" not found in ref "master"`),
		},
		{
			name: "delete of an unknown file", req: remove("nope.txt", "master", helloSHA),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: file "nope.txt" not found in ref "master"`),
		},
		{
			name: "update with a stale sha", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    update("a.txt", "master", "", strings.Repeat("0", 64)),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: sha "`+strings.Repeat("0", 64)+`" is not the current sha of file "a.txt" (the SHA-256 of its content, as ShowContent gives it)`),
		},
		{
			name: "update with the content's git blob SHA-1", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    update("a.txt", "master", "", helloSHA1),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: sha "`+helloSHA1+`" is not the current sha of file "a.txt" (the SHA-256 of its content, as ShowContent gives it)`),
		},
		{
			name: "update without sha", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    request{method: http.MethodPut, url: fileURL("a.txt", "master"), body: createBody},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: sha: value is required"),
		},
		{
			name: "delete with a stale sha", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    remove("a.txt", "master", "5891"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: sha "5891" is not the current sha of file "a.txt" (the SHA-256 of its content, as ShowContent gives it)`),
		},
		{
			name: "delete with the content's git blob SHA-1", setup: []request{create("a.txt", "master", "aGVsbG8K")},
			req:    remove("a.txt", "master", helloSHA1),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: sha "`+helloSHA1+`" is not the current sha of file "a.txt" (the SHA-256 of its content, as ShowContent gives it)`),
		},
		{
			name: "delete without sha", req: request{method: http.MethodDelete, url: fileURL("a.txt", "master") + "&message=m"},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: sha: value is required"),
		},
		{
			name: "delete without message", req: request{method: http.MethodDelete, url: fileURL("a.txt", "master") + "&sha=" + helloSHA},
			status: 400, body: errBody("SVCSTG.REPO.0400", "parameter invalid: message: value is required"),
		},
		// Strict mode: only the declared repositories and refs exist.
		{
			name: "strict: undeclared repository", cfg: servicestage.Config{Fixtures: strict},
			req:    request{method: http.MethodPost, url: dir + "group:other/a.txt?ref=master", body: createBody},
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: repository "group/other" not found in namespace "repomock" of project "`+projectID+`"`),
		},
		{
			name: "strict: undeclared project id", cfg: servicestage.Config{Fixtures: strict},
			req:    request{method: http.MethodGet, url: "/v1/ffffffffffffffffffffffffffffffff/git/files/repomock/group:app/trees?ref=master"},
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: repository "group/app" not found in namespace "repomock" of project "ffffffffffffffffffffffffffffffff"`),
		},
		{
			name: "strict: undeclared ref", cfg: servicestage.Config{Fixtures: strict},
			req:    create("a.txt", "develop", "aGVsbG8K"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: ref "develop" not found in repository "group/app"`),
		},
		{
			name: "strict: undeclared ref in ListTrees", cfg: servicestage.Config{Fixtures: strict},
			req:    trees("develop"),
			status: 400, body: errBody("SVCSTG.REPO.0400", `parameter invalid: ref "develop" not found in repository "group/app"`),
		},
		// SVCSTG.REPO.0403: resource already exist.
		{
			name: "create of an existing file", setup: []request{create("app:project.rb", "master", "aGVsbG8K")},
			req:    create("app:project.rb", "master", "aGk="),
			status: 400, body: errBody("SVCSTG.REPO.0403", `resource already exist: file "app/project.rb" already exists in ref "master"`),
		},
		{
			name: "create of a fixture file", cfg: servicestage.Config{Fixtures: strict},
			req:    create("README.md", "master", "aGk="),
			status: 400, body: errBody("SVCSTG.REPO.0403", `resource already exist: file "README.md" already exists in ref "master"`),
		},
		// SVCSTG.REPO.0450 and 0451: the X-Repo-Auth check, before the request is validated.
		{
			name: "no X-Repo-Auth", req: request{method: http.MethodPost, url: filesURL + "a.txt", header: map[string]string{"X-Repo-Auth": ""}},
			status: 400, body: errBody("SVCSTG.REPO.0450", "no repository authorization: the X-Repo-Auth header is required"),
		},
		{
			name: "blank X-Repo-Auth", req: request{method: http.MethodGet, url: treesURL + "?ref=master", header: map[string]string{"X-Repo-Auth": "   "}},
			status: 400, body: errBody("SVCSTG.REPO.0450", "no repository authorization: the X-Repo-Auth header is required"),
		},
		{
			name: "malformed X-Repo-Auth", req: request{method: http.MethodGet, url: treesURL + "?ref=master", header: map[string]string{"X-Repo-Auth": "ab"}},
			status: 400, body: errBody("SVCSTG.REPO.0451", `repository authorization invalid: X-Repo-Auth "ab" must be 4 to 63 letters, digits, '.', '_' or '-'`),
		},
		{
			name: "X-Repo-Auth with a bad character", req: request{method: http.MethodGet, url: treesURL + "?ref=master", header: map[string]string{"X-Repo-Auth": "my git auth"}},
			status: 400, body: errBody("SVCSTG.REPO.0451", `repository authorization invalid: X-Repo-Auth "my git auth" must be 4 to 63 letters, digits, '.', '_' or '-'`),
		},
		{
			name: "X-Repo-Auth too long", req: request{method: http.MethodGet, url: treesURL + "?ref=master", header: map[string]string{"X-Repo-Auth": strings.Repeat("a", 64)}},
			status: 400, body: errBody("SVCSTG.REPO.0451", `repository authorization invalid: X-Repo-Auth "`+strings.Repeat("a", 64)+`" must be 4 to 63 letters, digits, '.', '_' or '-'`),
		},
		{
			name: "unconfigured X-Repo-Auth", cfg: servicestage.Config{RepoAuths: []string{"github-ci", "gitee.bot"}},
			req:    trees("master"),
			status: 400, body: errBody("SVCSTG.REPO.0451", `repository authorization invalid: no authorization named "my-git-auth"`),
		},
		// API Gateway errors.
		{
			// What the SDK sends when its credentials have no project id.
			name: "the SDK's {project_id}", req: request{method: http.MethodPost, url: "/v1/%7Bproject_id%7D/git/files/repomock/group:app/a.txt?ref=master", body: createBody},
			status: 400, body: gatewayBody("APIGW.0201", `Bad request: project_id "{project_id}" is not a project id (32 lowercase hexadecimal digits); the SDK sends it when its credentials have no project id`),
		},
		{
			name: "project_id of 31 hex digits", req: request{method: http.MethodGet, url: "/v1/" + projectID[:31] + "/git/files/repomock/group:app/trees?ref=master"},
			status: 400, body: gatewayBody("APIGW.0201", `Bad request: project_id "`+projectID[:31]+`" is not a project id (32 lowercase hexadecimal digits)`),
		},
		{
			name: "project_id in upper case", req: request{method: http.MethodGet, url: "/v1/" + strings.ToUpper(projectID) + "/git/files/repomock/group:app/a.txt?ref=master"},
			status: 400, body: gatewayBody("APIGW.0201", `Bad request: project_id "`+strings.ToUpper(projectID)+`" is not a project id (32 lowercase hexadecimal digits)`),
		},
		{
			name: "project_id not hex", req: request{method: http.MethodDelete, url: "/v1/" + strings.Repeat("g", 32) + "/git/files/repomock/group%2Fapp/a.txt?ref=master&message=m&sha=" + helloSHA},
			status: 400, body: gatewayBody("APIGW.0201", `Bad request: project_id "`+strings.Repeat("g", 32)+`" is not a project id (32 lowercase hexadecimal digits)`),
		},
		{
			name: "slash in the path", req: create("app/project.rb", "master", "aGVsbG8K"),
			status: 404, body: gatewayBody("APIGW.0101", "The API does not exist or has not been published in the environment"),
		},
		{
			name: "method the API does not have", req: request{method: http.MethodPatch, url: fileURL("a.txt", "master")},
			status: 404, body: gatewayBody("APIGW.0101", "The API does not exist"),
		},
		{
			name: "body over the limit", req: create("a.txt", "master", strings.Repeat("QUFB", 2000)),
			status: 413, body: gatewayBody("APIGW.0201", "Request entity too large"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.cfg, serverOptions{maxBodyBytes: 4096})
			for _, r := range tt.setup {
				s.must(t, r, http.StatusOK)
			}
			got := s.do(t, tt.req)
			if got.status != tt.status || got.body != tt.body {
				t.Errorf("%s %s\n got HTTP %d %s\nwant HTTP %d %s", tt.req.method, tt.req.url, got.status, got.body, tt.status, tt.body)
			}
		})
	}
}

// The X-Repo-Auth check comes before request validation: a request with
// no authorization and no body gets 0450, not a complaint about its body.
func TestRepoAuthIsCheckedFirst(t *testing.T) {
	s := newServer(t, servicestage.Config{RepoAuths: []string{"github-ci"}})
	got := s.do(t, request{method: http.MethodPost, url: filesURL + "a::b", header: map[string]string{"X-Repo-Auth": ""}})
	if want := errBody("SVCSTG.REPO.0450", "no repository authorization: the X-Repo-Auth header is required"); got.body != want {
		t.Errorf("got %s, want %s", got.body, want)
	}
	// A configured name passes.
	s.must(t, request{method: http.MethodGet, url: treesURL + "?ref=master", header: map[string]string{"X-Repo-Auth": "github-ci"}}, http.StatusOK)
}

func TestErrorFor(t *testing.T) {
	tests := []struct {
		status     int
		message    string
		wantStatus int
		wantBody   string
	}{
		{400, "ref: value is required", 400, errBody("SVCSTG.REPO.0400", "parameter invalid: ref: value is required")},
		{415, "Content-Type: must be application/json", 400, errBody("SVCSTG.REPO.0400", "parameter invalid: Content-Type: must be application/json")},
		{422, "odd", 400, errBody("SVCSTG.REPO.0400", "parameter invalid: odd")},
		{500, "internal error", 500, errBody("SVCSTG.REPO.0500", "internal error")},
		{503, "repomock: busy", 503, errBody("SVCSTG.REPO.0500", "repomock: busy")},
	}
	for _, tt := range tests {
		e := servicestage.ErrorFor(tt.status, tt.message)
		body := marshal(t, e)
		if e.StatusCode() != tt.wantStatus || body != tt.wantBody {
			t.Errorf("ErrorFor(%d, %q) = HTTP %d %s, want HTTP %d %s", tt.status, tt.message, e.StatusCode(), body, tt.wantStatus, tt.wantBody)
		}
	}
}

package servicestage_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// The shipped fixtures file parses (as the server reads it: YAML turned
// into JSON) and serves its files.
func TestShippedFixtures(t *testing.T) {
	raw, err := os.ReadFile("../../../fixtures/servicestage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fx, err := servicestage.ParseFixtures(data)
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, servicestage.Config{Fixtures: fx})
	if got := s.must(t, trees("master"), http.StatusOK).body; got != `{"paths":["README.md","app/project.rb","assets/pixel.gif"]}` {
		t.Errorf("trees = %s", got)
	}
	if got := s.show(t, "app:project.rb", "master"); got.Content != "IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K" ||
		got.Sha != "cb9e6d82ae789a0c53da83ddf986365c7269599e80b6d850ab91a0db8f0d578c" {
		t.Errorf("app/project.rb = %+v", got)
	}
	if got := s.show(t, "README.md", "master"); got.Content != b64("# app\nA repository served by repomock.\n") {
		t.Errorf("README.md content = %q", got.Content)
	}
}

func TestParseFixturesRefusesWhatACreateWould(t *testing.T) {
	repo := func(extra string) string {
		return `{"repositories":[{"project_id":"` + projectID + `","namespace":"n","project":"g/a"` + extra + `}]}`
	}
	one := func(project string) string {
		return `{"project_id":"` + projectID + `","namespace":"n","project":"` + project + `"}`
	}
	repoOf := func(project string) string { return `{"repositories":[` + one(project) + `]}` }
	tests := []struct{ name, json, want string }{
		{"unknown field", `{"strict":true,"repos":[]}`, `unknown field "repos"`},
		{"no project id", `{"repositories":[{"namespace":"n","project":"a"}]}`, "repositories[0]: project_id and namespace are required"},
		{"project id not a project id", `{"repositories":[{"project_id":"p","namespace":"n","project":"a"}]}`, `repositories[0]: project_id "p": must be 32 lowercase hexadecimal digits`},
		{"the SDK's {project_id}", `{"repositories":[{"project_id":"{project_id}","namespace":"n","project":"a"}]}`, `repositories[0]: project_id "{project_id}": must be 32 lowercase hexadecimal digits`},
		{"bad project", repoOf("g::a"), `repositories[0]: project: "g::a" has an empty segment`},
		{"repository twice", `{"repositories":[` + one("g/a") + `,` + one("g:a") + `]}`, "repositories[1]: repository \"g/a\" of namespace \"n\" and project \"" + projectID + "\" is listed twice"},
		{"strict without refs", `{"strict":true,"repositories":[` + one("a") + `]}`, "refs: a strict repository needs at least one ref"},
		{"ref twice", repo(`,"refs":["m","m"]`), `refs[1]: "m" is empty or listed twice`},
		{"file without ref", repo(`,"files":[{"path":"x","content":""}]`), "files[0]: ref: value is required"},
		{"file of an unlisted ref", repo(`,"refs":["m"],"files":[{"ref":"d","path":"x","content":""}]`), `files[0]: ref "d" is not one of the repository's refs`},
		{"bad path", repo(`,"files":[{"ref":"m","path":"a//b","content":""}]`), `files[0]: path: "a//b" has an empty segment`},
		{"no content", repo(`,"files":[{"ref":"m","path":"x"}]`), "files[0]: content or content_base64 is required"},
		{"both contents", repo(`,"files":[{"ref":"m","path":"x","content":"a","content_base64":"YQ=="}]`), "files[0]: give content or content_base64, not both"},
		{"bad base64", repo(`,"files":[{"ref":"m","path":"x","content_base64":"YQ"}]`), "files[0]: content_base64: is not valid base64"},
		{"file twice", repo(`,"files":[{"ref":"m","path":"a/b","content":""},{"ref":"m","path":"a:b","content":"x"}]`), `files[1]: file "a/b" of ref "m" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := servicestage.ParseFixtures([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "servicestage fixtures: ") {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// Reset brings back the fixtures as they were, and only them.
func TestResetRestoresFixtures(t *testing.T) {
	fx, err := servicestage.ParseFixtures([]byte(strictFixtures))
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, servicestage.Config{Fixtures: fx})
	readme := s.show(t, "README.md", "master")
	if readme.Content != "aGVsbG8K" {
		t.Fatalf("fixture README.md = %+v", readme)
	}
	s.must(t, update("README.md", "master", b64("changed"), readme.Sha), http.StatusOK)
	s.must(t, create("new.txt", "master", b64("new")), http.StatusOK)

	s.fake.Reset()
	if got := s.show(t, "README.md", "master"); got != readme {
		t.Errorf("after reset README.md = %+v, want %+v", got, readme)
	}
	if got := s.must(t, trees("master"), http.StatusOK).body; got != `{"paths":["README.md"]}` {
		t.Errorf("after reset trees = %s", got)
	}
}

// Permissive mode (the default, and strict: false) takes any repository
// and ref; strict mode only the declared ones, where it behaves the same.
func TestStrictAndPermissive(t *testing.T) {
	const declared = `{"project_id":"` + projectID + `","namespace":"repomock","project":"group:app","refs":["master","v1.0"]}`
	permissive, err := servicestage.ParseFixtures([]byte(`{"repositories":[` + declared + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	strict, err := servicestage.ParseFixtures([]byte(`{"strict":true,"repositories":[` + declared + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	other := request{method: http.MethodPost, url: "/v1/" + projectID + "/git/files/repomock/group:other/a.txt?ref=master",
		body: map[string]string{"message": "m", "content": b64("a")}}
	tests := []struct {
		name string
		cfg  servicestage.Config
		req  request
		want int
	}{
		{"no fixtures: any repository", servicestage.Config{}, other, 200},
		{"permissive: undeclared repository", servicestage.Config{Fixtures: permissive}, other, 200},
		{"permissive: undeclared ref", servicestage.Config{Fixtures: permissive}, create("a.txt", "feature", b64("a")), 200},
		{"strict: undeclared repository", servicestage.Config{Fixtures: strict}, other, 400},
		{"strict: undeclared ref", servicestage.Config{Fixtures: strict}, create("a.txt", "feature", b64("a")), 400},
		{"strict: undeclared ref read", servicestage.Config{Fixtures: strict}, show("a.txt", "feature"), 400},
		{"strict: declared ref", servicestage.Config{Fixtures: strict}, create("a.txt", "v1.0", b64("a")), 200},
		{"strict: declared empty ref lists nothing", servicestage.Config{Fixtures: strict}, trees("master"), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.cfg)
			got := s.do(t, tt.req)
			if got.status != tt.want {
				t.Errorf("HTTP %d %s, want HTTP %d", got.status, got.body, tt.want)
			}
			if tt.want == 400 && !strings.Contains(got.body, `"error_code":"SVCSTG.REPO.0400"`) {
				t.Errorf("body = %s, want SVCSTG.REPO.0400", got.body)
			}
		})
	}
}

// Binary fixture content is stored as its bytes.
func TestBinaryFixture(t *testing.T) {
	data := []byte{0, 1, 2, 0xfe, 0xff, '\n'}
	enc := base64.StdEncoding.EncodeToString(data)
	fx, err := servicestage.ParseFixtures([]byte(`{"repositories":[{"project_id":"` + projectID +
		`","namespace":"repomock","project":"group/app","files":[{"ref":"master","path":"bin/x","content_base64":"` + enc + `"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := newServer(t, servicestage.Config{Fixtures: fx}).show(t, "bin:x", "master")
	if got.Content != enc || got.Sha != sha256Hex(data) {
		t.Errorf("got %+v, want content %s sha %s", got, enc, sha256Hex(data))
	}
}

func TestParseRepoAuths(t *testing.T) {
	got, err := servicestage.ParseRepoAuths(" github-ci, ,gitee.bot_1 ")
	if err != nil || strings.Join(got, "|") != "github-ci|gitee.bot_1" {
		t.Errorf("ParseRepoAuths = %q, %v", got, err)
	}
	if _, err := servicestage.ParseRepoAuths("ok-name,no"); err == nil || !strings.Contains(err.Error(), `"no"`) {
		t.Errorf("a 2-character name: err = %v, want one naming it", err)
	}
}

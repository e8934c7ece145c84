package codearts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/brianvoe/gofakeit/v7"
	"gopkg.in/yaml.v3"

	"github.com/repomock/repomock/mock/vendors/codearts"
)

const fixtureJSON = `{"repositories":[
	{"project_uuid":"` + projectA + `","name":"fixed","repository_uuid":"d161fd00d9194816a455cb3c1d6a783e","visibility_level":20,"description":"from fixtures"},
	{"project_uuid":"` + projectA + `","name":"generated"}
]}`

func mustFixtures(t *testing.T, data string) *codearts.Fixtures {
	t.Helper()
	fx, err := codearts.ParseFixtures([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func TestFixturesLoadedAndRestoredOnReset(t *testing.T) {
	fake := newFake(mustFixtures(t, fixtureJSON))
	h := serve(t, fake)

	expect(t, do(t, h, http.MethodGet, "/v2/repositories/d161fd00d9194816a455cb3c1d6a783e", ""), http.StatusOK,
		fmt.Sprintf(`{"result":{
		"repository_uuid":"d161fd00d9194816a455cb3c1d6a783e","repository_id":1,"repository_name":"fixed",
		"project_uuid":%[1]q,"group_name":%[1]q,"visibility_level":20,
		"https_url":"https://codehub.devcloud.repomock.example/%[1]s/fixed.git",
		"ssh_url":"git@codehub.devcloud.repomock.example:%[1]s/fixed.git",
		"web_url":"https://devcloud.repomock.example/codehub/1/home",
		"status":0,"created_at":"2026-11-22 07:24:42","updated_at":"2026-11-22 07:24:42",
		"project_is_deleted":"false","creator_name":"repomock","domain_name":"repomock",
		"iam_user_uuid":"7265706f6d6f636b7573657230303031","is_owner":1,"userRole":40,"star":false,
		"lfs_size":"0.00M","repository_size":"0.00M"},"status":"success"}`, projectA))
	if got := fake.Store("").List(projectA); len(got) != 2 || got[0].Description != "from fixtures" || got[1].Name != "generated" {
		t.Fatalf("fixtures in the store: %+v", got)
	}

	// Change the state: delete a fixture, add a repository, take a name.
	do(t, h, http.MethodDelete, "/v1/repositories/d161fd00d9194816a455cb3c1d6a783e", "")
	create(t, h, projectA, "added", "")
	if names, _ := listNames(t, h, "/v1/projects/"+projectA+"/repositories"); strings.Join(names, ",") != "generated,added" {
		t.Fatalf("before reset: %v", names)
	}

	fake.Reset()
	if names, total := listNames(t, h, "/v1/projects/"+projectA+"/repositories"); strings.Join(names, ",") != "fixed,generated" || total != 2 {
		t.Errorf("after reset: %v total %d", names, total)
	}
	// A fixture name is taken like any other.
	r := do(t, h, http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"FIXED"}`)
	expect(t, r, http.StatusBadRequest, chError(codearts.CodeParamInvalid, `name: a repository named "fixed" already exists in project `+projectA))
}

func TestFixturesPerSession(t *testing.T) {
	fake := newFake(mustFixtures(t, fixtureJSON))
	a, b := fake.Store("a"), fake.Store("b")
	if len(a.List(projectA)) != 2 || len(b.List(projectA)) != 2 {
		t.Fatal("every new session starts with the fixtures")
	}
	if _, ok := b.Get("d161fd00d9194816a455cb3c1d6a783e"); !ok {
		t.Error("the fixed uuid is in session b too")
	}
}

func TestParseFixturesRejectsBrokenRules(t *testing.T) {
	repo := func(fields string) string { return `{"repositories":[` + fields + `]}` }
	p := fmt.Sprintf(`"project_uuid":%q`, projectA)
	tests := []struct{ name, data, want string }{
		{"name missing", repo(`{` + p + `}`), "codearts fixtures: repositories[0]: name: value is required"},
		{"name too long", repo(`{` + p + `,"name":"` + strings.Repeat("n", 257) + `"}`), "codearts fixtures: repositories[0]: name: must be 1 to 256 characters"},
		{"name first character", repo(`{` + p + `,"name":"-x"}`), "codearts fixtures: repositories[0]: name: must start with a letter, a digit or '_'"},
		{"name character set", repo(`{` + p + `,"name":"a b"}`), "codearts fixtures: repositories[0]: name: may contain only letters, digits, '-', '_' and '.'"},
		{"name ending .atom", repo(`{` + p + `,"name":"x.atom"}`), `codearts fixtures: repositories[0]: name: must not end with ".git", ".atom" or "."`},
		{"name ending .", repo(`{` + p + `,"name":"x."}`), `codearts fixtures: repositories[0]: name: must not end with ".git", ".atom" or "."`},
		{"project_uuid missing", repo(`{"name":"x"}`), "codearts fixtures: repositories[0]: project_uuid: must be 32 letters and digits"},
		{"project_uuid 33", repo(`{"name":"x","project_uuid":"` + projectA + `1"}`), "codearts fixtures: repositories[0]: project_uuid: must be 32 letters and digits"},
		{"visibility_level", repo(`{` + p + `,"name":"x","visibility_level":10}`), "codearts fixtures: repositories[0]: visibility_level: must be one of 0, 20"},
		{"description", repo(`{` + p + `,"name":"x","description":"` + strings.Repeat("d", 2001) + `"}`), "codearts fixtures: repositories[0]: description: must be at most 2000 characters"},
		{"uuid format", repo(`{` + p + `,"name":"x","repository_uuid":"D161FD00D9194816A455CB3C1D6A783E"}`), "codearts fixtures: repositories[0]: repository_uuid: must be 32 lowercase hexadecimal digits"},
		{"uuid twice", repo(`{` + p + `,"name":"x","repository_uuid":"d161fd00d9194816a455cb3c1d6a783e"},{` + p + `,"name":"y","repository_uuid":"d161fd00d9194816a455cb3c1d6a783e"}`), "codearts fixtures: repositories[1]: repository_uuid d161fd00d9194816a455cb3c1d6a783e is used twice"},
		{"duplicate name", repo(`{` + p + `,"name":"x"},{` + p + `,"name":"X"}`), `codearts fixtures: repositories[1]: name: a repository named "X" already exists in project ` + projectA},
		{"server-set field", repo(`{` + p + `,"name":"x","created_at":"2020-01-01 00:00:00"}`), `codearts fixtures: json: unknown field "created_at"`},
		{"unknown top-level key", `{"repos":[]}`, `codearts fixtures: json: unknown field "repos"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx, err := codearts.ParseFixtures([]byte(tt.data))
			if err == nil {
				t.Fatalf("accepted: %+v", fx)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
	if _, err := codearts.ParseFixtures([]byte(repo(`{` + p + `,"name":"x"},{"project_uuid":"` + projectB + `","name":"x"}`))); err != nil {
		t.Errorf("the same name in two projects: %v", err)
	}
}

// TestShippedFixtures loads fixtures/codearts.yaml as the server does
// (YAML converted to JSON) and checks what a session gets from it.
func TestShippedFixtures(t *testing.T) {
	raw, err := os.ReadFile("../../../fixtures/codearts.yaml")
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
	fx := mustFixtures(t, string(data))
	s := newFake(fx).Store("")
	if got := len(s.List(projectA)) + len(s.List("0123456789abcdef0123456789abcdef")); got != len(fx.Repositories) || got < 2 {
		t.Errorf("%d of %d fixture repositories stored", got, len(fx.Repositories))
	}
}

// TestDeterminism: the same seed and clock give the same uuids, times and
// URLs, in fixtures and creates alike; another seed gives other uuids.
func TestDeterminism(t *testing.T) {
	run := func(seed uint64) string {
		fake := codearts.New(codearts.Config{Fixtures: mustFixtures(t, fixtureJSON), Clock: fixedClock, Faker: gofakeit.New(seed)})
		h := serve(t, fake)
		create(t, h, projectA, "one", "")
		create(t, h, projectB, "two", "")
		a := do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories", "").body
		b := do(t, h, http.MethodGet, "/v1/projects/"+projectB+"/repositories", "").body
		return a + b
	}
	first, second := run(seed), run(seed)
	if first != second {
		t.Errorf("same seed, different state:\n%s\n%s", first, second)
	}
	if other := run(seed + 1); other == first {
		t.Error("another seed gave the same uuids")
	}
}

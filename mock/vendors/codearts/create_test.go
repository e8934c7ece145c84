package codearts_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/repomock/repomock/mock/vendors/codearts"
)

// importURL512 is the base64 of an https address, 512 characters long (the
// documented maximum).
var importURL512 = base64.StdEncoding.EncodeToString([]byte("https://example.com/" + strings.Repeat("a", 364)))

// The pattern of the name rule, as the validator quotes it.
const namePattern = `name: string doesn't match the regular expression "^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$"`

// TestCreateFieldRules has one row per rule of the field table of seed 002
// (and vendors.md §2), each pushed through the real validator and the
// handler: a broken rule is 400 with the whole CH.010001 envelope, a kept
// one is 200.
func TestCreateFieldRules(t *testing.T) {
	valid := fmt.Sprintf(`"project_uuid":%q`, projectA)
	body := func(fields string) string { return "{" + fields + "}" }
	named := func(name string) string { return body(fmt.Sprintf(`%s,"name":%q`, valid, name)) }
	with := func(extra string) string { return body(valid + `,"name":"repo",` + extra) }
	bad := func(msg string) string { return chError(codearts.CodeParamInvalid, msg) }
	const endings = `name: must not end with ".git", ".atom" or "."`

	tests := []struct {
		name string
		body string
		want string // "" for 200
	}{
		// name: required, 1–256, first character, character set, endings.
		{"name missing", body(valid), bad("name: value is required")},
		{"name empty", named(""), bad("name: minimum string length is 1; " + namePattern)},
		{"name 257 chars", named(strings.Repeat("a", 257)), bad("name: maximum string length is 256")},
		{"name 256 chars", named(strings.Repeat("a", 256)), ""},
		{"name starts with -", named("-repo"), bad(namePattern)},
		{"name starts with .", named(".repo"), bad(namePattern)},
		{"name with a space", named("my repo"), bad(namePattern)},
		{"name with a slash", named("group/repo"), bad(namePattern)},
		{"name with a non-ASCII letter", named("répo"), bad(namePattern)},
		{"name ends with .git", named("repo.git"), bad(endings)},
		{"name ends with .atom", named("repo.atom"), bad(endings)},
		{"name ends with .", named("repo."), bad(namePattern)},
		{"name is .git", named(".git"), bad(namePattern)},
		{"name _a", named("_a"), ""},
		{"name a.b-c", named("a.b-c"), ""},
		{"name one digit", named("7"), ""},
		{"name ends with -", named("repo-"), ""},
		{"name ends with .gitx", named("repo.gitx"), ""},
		{"name containing .git.", named("a.git.b"), ""},
		// project_uuid: required, exactly 32 letters and digits.
		{"project_uuid missing", body(`"name":"repo"`), bad("project_uuid: value is required")},
		{"project_uuid 31 chars", body(`"name":"repo","project_uuid":"` + projectA[:31] + `"`), bad(`project_uuid: string doesn't match the regular expression "^[0-9A-Za-z]{32}$"`)},
		{"project_uuid 33 chars", body(`"name":"repo","project_uuid":"` + projectA + `0"`), bad(`project_uuid: string doesn't match the regular expression "^[0-9A-Za-z]{32}$"`)},
		{"project_uuid with a dash", body(`"name":"repo","project_uuid":"4838955a-48e2-492b-be44-b31bc4c272"`), bad(`project_uuid: string doesn't match the regular expression "^[0-9A-Za-z]{32}$"`)},
		{"project_uuid upper case", body(`"name":"repo","project_uuid":"4838955A48E2492BBE44B31BC4C272F6"`), ""},
		// import_members: 0 or 1.
		{"import_members 2", with(`"import_members":2`), bad("import_members: must be one of 0, 1")},
		{"import_members 1", with(`"import_members":1`), ""},
		// visibility_level: 0 or 20.
		{"visibility_level 10", with(`"visibility_level":10`), bad("visibility_level: must be one of 0, 20")},
		{"visibility_level 20", with(`"visibility_level":20`), ""},
		// enable_readme: 0 or 1.
		{"enable_readme 2", with(`"enable_readme":2`), bad("enable_readme: must be one of 0, 1")},
		// import_url: 10–512 characters of base64 of an https address.
		{"import_url 9 chars", with(`"import_url":"aHR0cHM6L"`), bad("import_url: minimum string length is 10")},
		{"import_url 10 chars, not an address", with(`"import_url":"aHR0cHM6Ly"`), bad(`import_url: is the base64 of "https:/", not of an https address`)},
		{"import_url 513 chars", with(`"import_url":"` + strings.Repeat("A", 513) + `"`), bad("import_url: maximum string length is 512")},
		{"import_url 512 chars", with(`"import_url":"` + importURL512 + `"`), ""},
		{"import_url padded", with(`"import_url":"aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmdpdA=="`), ""},
		{"import_url unpadded", with(`"import_url":"aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmdpdA"`), ""},
		{"import_url not base64", with(`"import_url":"https://example.com/a.git"`), bad("import_url: is not base64 (it must be the base64 of an https address)")},
		{"import_url in the URL-safe alphabet", with(`"import_url":"aHR0cHM6Ly9leGFtcGxlLmNvbS8_eD0-Pj4="`), bad("import_url: is not base64 (it must be the base64 of an https address)")},
		{"import_url of an http address", with(`"import_url":"aHR0cDovL2V4YW1wbGUuY29tL2EuZ2l0"`), bad(`import_url: is the base64 of "http://example.com/a.git", not of an https address`)},
		{"import_url of bytes", with(`"import_url":"` + strings.Repeat("A", 12) + `"`), bad(`import_url: is the base64 of "\x00\x00\x00\x00\x00\x00\x00\x00\x00", not of an https address`)},
		// description: 0–2000.
		{"description 2001 chars", with(`"description":"` + strings.Repeat("d", 2001) + `"`), bad("description: maximum string length is 2000")},
		{"description 2000 chars", with(`"description":"` + strings.Repeat("d", 2000) + `"`), ""},
		{"description empty", with(`"description":""`), ""},
		// integers are integers: any value that is neither a number nor a
		// digit string says so, never "must be one of" (digit strings:
		// TestDocExampleBody).
		{"visibility_level a word", with(`"visibility_level":"public"`), bad("visibility_level: must be an integer")},
		{"visibility_level true", with(`"visibility_level":true`), bad("visibility_level: must be an integer")},
		{"visibility_level null", with(`"visibility_level":null`), bad("visibility_level: must be an integer")},
		{"visibility_level a fraction", with(`"visibility_level":20.5`), bad("visibility_level: must be an integer")},
		{"visibility_level an array", with(`"visibility_level":[20]`), bad("visibility_level: must be an integer")},
		{"import_members an object", with(`"import_members":{"value":0}`), bad("import_members: must be an integer")},
		{"import_members an empty string", with(`"import_members":""`), bad("import_members: must be an integer")},
		{"enable_readme a decimal string", with(`"enable_readme":"1.0"`), bad("enable_readme: must be an integer")},
		{"license_id a padded string", with(`"license_id":" 5"`), bad("license_id: must be an integer")},
		{"group_id with a plus", with(`"group_id":"+7"`), bad("group_id: must be an integer")},
		{"two wrong types", with(`"visibility_level":"x","import_members":false`), bad("import_members: must be an integer; visibility_level: must be an integer")},
		{"visibility_level 20.0", with(`"visibility_level":20.0`), ""},
		{"visibility_level 2e1", with(`"visibility_level":2e1`), ""},
		{"license_id beyond int32", with(`"license_id":2147483648`), bad(`license_id: integer doesn't match the format "int32" (value should be between -2147483648 and 2147483647)`)},
		{"name as a number", body(valid + `,"name":7`), bad("name: value must be a string")},
		// every optional field at once.
		{"all fields", with(`"import_members":0,"visibility_level":0,"template_id":"t1","import_url":"aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmdpdA==","description":"d","gitignore_id":"Go","license_id":3,"enable_readme":1,"caller":"alice","group_id":12`), ""},
		// the body itself.
		{"not JSON", `{"name":`, bad("body: invalid JSON: unexpected end of input")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serve(t, newFake(nil))
			r := do(t, h, http.MethodPost, "/v1/repositories", tt.body)
			if tt.want == "" {
				if r.status != http.StatusOK {
					t.Fatalf("HTTP %d %s, want 200", r.status, r.body)
				}
				return
			}
			expect(t, r, http.StatusBadRequest, tt.want)
			// A refused create stores nothing.
			list := do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories", "")
			expect(t, list, http.StatusOK, `{"result":{"repositorys":[],"total":0},"status":"success"}`)
		})
	}
}

func TestCreateAnswersUUID(t *testing.T) {
	h := serve(t, newFake(nil))
	r := do(t, h, http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"demotest1","import_members":0,"visibility_level":20}`)
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	result, _ := got["result"].(map[string]any)
	id, _ := result["repository_uuid"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("repository_uuid %q is not 32 lowercase hex digits", id)
	}
	// The whole envelope, as seed 002's example has it.
	sameJSON(t, r.body, fmt.Sprintf(`{"result":{"repository_uuid":%q},"status":"success"}`, id))
}

func TestCreateDuplicateName(t *testing.T) {
	h := serve(t, newFake(nil))
	first := create(t, h, projectA, "demo", `,"description":"first"`)
	for _, name := range []string{"demo", "DEMO"} {
		r := do(t, h, http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"`+name+`"}`)
		expect(t, r, http.StatusBadRequest, chError(codearts.CodeParamInvalid,
			`name: a repository named "demo" already exists in project `+projectA))
	}
	// No state change: still one repository, the first.
	list := do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories", "")
	var out struct {
		Result struct {
			Repositorys []struct{ ID string } `json:"repositorys"`
			Total       int                   `json:"total"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(list.body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Result.Total != 1 || len(out.Result.Repositorys) != 1 || out.Result.Repositorys[0].ID != first {
		t.Errorf("after the duplicates: %s", list.body)
	}
}

func TestCreateSameNameOtherProject(t *testing.T) {
	h := serve(t, newFake(nil))
	a := create(t, h, projectA, "demo", "")
	b := create(t, h, projectB, "demo", "")
	if a == b {
		t.Fatalf("both repositories got uuid %s", a)
	}
	for _, id := range []string{a, b} {
		if r := do(t, h, http.MethodGet, "/v2/repositories/"+id, ""); r.status != http.StatusOK {
			t.Errorf("GET %s: HTTP %d %s", id, r.status, r.body)
		}
	}
}

// TestCreateConcurrentSameName: of many simultaneous creates of one name,
// exactly one wins; the check and the insert are one step.
func TestCreateConcurrentSameName(t *testing.T) {
	h := serve(t, newFake(nil))
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			statuses <- do(t, h, http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"race"}`).status
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == http.StatusOK {
			ok++
		} else if s != http.StatusBadRequest {
			t.Errorf("HTTP %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d creates succeeded, want 1", ok)
	}
}

package codearts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/vendors/codearts"
)

const unknownUUID = "00000000000000000000000000000000"

// ShowRepositoryByUuid answers every field of the SDK's RepoInfoV2
// (vendors.md §7: creator_name, domain_name, iam_user_uuid, is_owner,
// lfs_size, repository_size, star, userRole and project_is_deleted too).
func TestShowRepositoryByUuid(t *testing.T) {
	h := serve(t, newFake(nil))
	id := create(t, h, projectA, "demo.api", `,"visibility_level":20,"description":"not served"`)
	r := do(t, h, http.MethodGet, "/v2/repositories/"+id, "")
	expect(t, r, http.StatusOK, fmt.Sprintf(`{"result":{
		"repository_uuid":%[1]q,"repository_id":1,"repository_name":"demo.api","project_uuid":%[2]q,
		"project_is_deleted":"false","group_name":%[2]q,"visibility_level":20,
		"https_url":"https://codehub.devcloud.repomock.example/%[2]s/demo.api.git",
		"ssh_url":"git@codehub.devcloud.repomock.example:%[2]s/demo.api.git",
		"web_url":"https://devcloud.repomock.example/codehub/1/home",
		"status":0,"created_at":"2026-11-22 07:24:42","updated_at":"2026-11-22 07:24:42",
		"creator_name":"repomock","domain_name":"repomock","iam_user_uuid":"7265706f6d6f636b7573657230303031",
		"is_owner":1,"userRole":40,"star":false,"lfs_size":"0.00M","repository_size":"0.00M"},
		"status":"success"}`, id, projectA))
	notFound(t, h, "/v2/repositories/", id)
}

// GetRepositoryByProjectId, GET /v1/repositories/{uuid}: the read the SDKs
// deprecate and the vendor still serves (vendors.md §7), answering RepoInfo,
// the shape of a list's items.
func TestGetRepositoryByProjectId(t *testing.T) {
	h := serve(t, newFake(nil))
	id := create(t, h, projectA, "demo.api", `,"visibility_level":20`)
	expect(t, do(t, h, http.MethodGet, "/v1/repositories/"+id, ""), http.StatusOK, fmt.Sprintf(`{"result":{
		"id":%[1]q,"repoId":"1","name":"demo.api","projectId":%[2]q,"projectIsDelete":"false","groupName":%[2]q,
		"visibilityLevel":20,"httpUrl":"https://codehub.devcloud.repomock.example/%[2]s/demo.api.git",
		"sshUrl":"git@codehub.devcloud.repomock.example:%[2]s/demo.api.git",
		"webUrl":"https://devcloud.repomock.example/codehub/1/home","createAt":"2026-11-22 07:24:42"},
		"status":"success"}`, id, projectA))
	notFound(t, h, "/v1/repositories/", id)
	// Gone after a delete, like every read.
	expect(t, do(t, h, http.MethodDelete, "/v1/repositories/"+id, ""), http.StatusOK, `{"result":true,"status":"success"}`)
	expect(t, do(t, h, http.MethodGet, "/v1/repositories/"+id, ""), http.StatusNotFound,
		chError(codearts.CodeNotFound, "repository "+id+" does not exist"))
}

// notFound checks the refusals of a read by uuid at prefix+uuid; id is a
// repository the fake holds.
func notFound(t *testing.T, h http.Handler, prefix, id string) {
	t.Helper()
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"unknown uuid", prefix + unknownUUID, 404,
			chError(codearts.CodeNotFound, "repository "+unknownUUID+" does not exist")},
		{"32 characters, not hex", prefix + strings.Repeat("Z", 32), 404,
			chError(codearts.CodeNotFound, "repository "+strings.Repeat("Z", 32)+" does not exist")},
		{"too short", prefix + id[:31], 400,
			chError(codearts.CodeParamInvalid, "repository_uuid: minimum string length is 32")},
		{"too long", prefix + id + "0", 400,
			chError(codearts.CodeParamInvalid, "repository_uuid: maximum string length is 32")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, do(t, h, http.MethodGet, tt.path, ""), tt.status, tt.want)
		})
	}
}

// ListRepositoryStatus answers the creation status of a repository the fake
// holds: 0, created (the mock's reading of the undocumented result).
func TestListRepositoryStatus(t *testing.T) {
	h := serve(t, newFake(nil))
	id := create(t, h, projectA, "status-check", "")
	status := func(id string) string { return "/v1/repositories/" + id + "/status" }
	expect(t, do(t, h, http.MethodGet, status(id), ""), http.StatusOK, `{"result":0,"status":"success"}`)

	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"unknown uuid", http.MethodGet, status(unknownUUID), 404,
			chError(codearts.CodeNotFound, "repository "+unknownUUID+" does not exist")},
		{"too short", http.MethodGet, status(id[:31]), 400,
			chError(codearts.CodeParamInvalid, "repository_uuid: minimum string length is 32")},
		{"too long", http.MethodGet, status(id + "0"), 400,
			chError(codearts.CodeParamInvalid, "repository_uuid: maximum string length is 32")},
		{"a method the operation lacks", http.MethodPost, status(id), 404,
			gatewayBody("APIGW.0101", "The API does not exist")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, do(t, h, tt.method, tt.path, ""), tt.status, tt.want)
		})
	}

	// After a delete the repository has no status.
	expect(t, do(t, h, http.MethodDelete, "/v1/repositories/"+id, ""), http.StatusOK, `{"result":true,"status":"success"}`)
	expect(t, do(t, h, http.MethodGet, status(id), ""), http.StatusNotFound,
		chError(codearts.CodeNotFound, "repository "+id+" does not exist"))
}

// listNames returns the names on a page and the total.
func listNames(t *testing.T, h http.Handler, path string) ([]string, int) {
	t.Helper()
	r := do(t, h, http.MethodGet, path, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", path, r.status, r.body)
	}
	var out struct {
		Result struct {
			Repositorys []struct{ Name string } `json:"repositorys"`
			Total       int                     `json:"total"`
		} `json:"result"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, repo := range out.Result.Repositorys {
		names = append(names, repo.Name)
	}
	return names, out.Result.Total
}

func TestGetAllRepositoryByProjectId(t *testing.T) {
	h := serve(t, newFake(nil))
	id := create(t, h, projectA, "zeta", `,"visibility_level":20`)
	var names []string
	for i := range 24 {
		names = append(names, fmt.Sprintf("repo-%02d", i))
		create(t, h, projectA, names[i], "")
	}
	create(t, h, projectB, "elsewhere", "")

	// One entry whole, with the vendor's camelCase names: every field of the
	// SDK's RepoInfo, projectIsDelete included (vendors.md §7).
	r := do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories?search=zeta", "")
	expect(t, r, http.StatusOK, fmt.Sprintf(`{"result":{"repositorys":[{
		"id":%[1]q,"repoId":"1","name":"zeta","projectId":%[2]q,"projectIsDelete":"false","groupName":%[2]q,"visibilityLevel":20,
		"httpUrl":"https://codehub.devcloud.repomock.example/%[2]s/zeta.git",
		"sshUrl":"git@codehub.devcloud.repomock.example:%[2]s/zeta.git",
		"webUrl":"https://devcloud.repomock.example/codehub/1/home","createAt":"2026-11-22 07:24:42"}],
		"total":1},"status":"success"}`, id, projectA))

	all := append([]string{"zeta"}, names...)
	tests := []struct {
		name      string
		query     string
		wantNames []string
		wantTotal int
	}{
		{"default page is 20 in creation order", "", all[:20], 25},
		{"second page", "?page_index=2", all[20:], 25},
		{"page past the end", "?page_index=3", []string{}, 25},
		{"page size", "?page_size=3&page_index=2", all[3:6], 25},
		{"page size 100", "?page_size=100", all, 25},
		{"search is a case-insensitive substring", "?search=REPO-1", names[10:20], 10},
		{"search and paging", "?search=repo-1&page_size=4&page_index=3", names[18:20], 10},
		{"search matching nothing", "?search=nope", []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := listNames(t, h, "/v1/projects/"+projectA+"/repositories"+tt.query)
			if strings.Join(got, ",") != strings.Join(tt.wantNames, ",") || total != tt.wantTotal {
				t.Errorf("got %v total %d, want %v total %d", got, total, tt.wantNames, tt.wantTotal)
			}
		})
	}

	other, total := listNames(t, h, "/v1/projects/"+projectB+"/repositories")
	if strings.Join(other, ",") != "elsewhere" || total != 1 {
		t.Errorf("project B: %v total %d", other, total)
	}
	expect(t, do(t, h, http.MethodGet, "/v1/projects/"+unknownUUID+"/repositories", ""), http.StatusOK,
		`{"result":{"repositorys":[],"total":0},"status":"success"}`)

	bad := []struct{ name, path, msg string }{
		{"page_size 0", "?page_size=0", "page_size: number must be at least 1"},
		{"page_size 101", "?page_size=101", "page_size: number must be at most 100"},
		{"page_index 0", "?page_index=0", "page_index: number must be at least 1"},
		{"page_index not a number", "?page_index=x", `page_index: "x" is an invalid integer: invalid syntax`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories"+tt.path, ""),
				http.StatusBadRequest, chError(codearts.CodeParamInvalid, tt.msg))
		})
	}
	t.Run("malformed project_uuid", func(t *testing.T) {
		expect(t, do(t, h, http.MethodGet, "/v1/projects/abc/repositories", ""), http.StatusBadRequest,
			chError(codearts.CodeParamInvalid, `project_uuid: string doesn't match the regular expression "^[0-9A-Za-z]{32}$"`))
	})
}

func TestShowRepositoryNameExist(t *testing.T) {
	h := serve(t, newFake(nil))
	create(t, h, projectA, "Taken", "")
	path := func(project, name string) string {
		return "/v1/projects/" + project + "/repositories/validation/" + name
	}
	free := `{"result":true,"status":"success"}`
	taken := `{"result":false,"status":"success"}`
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"taken", path(projectA, "Taken"), 200, taken},
		{"taken, other case", path(projectA, "taken"), 200, taken},
		{"free", path(projectA, "free-name"), 200, free},
		{"taken only in another project", path(projectB, "Taken"), 200, free},
		{"name breaking the pattern", path(projectA, "-x"), 400,
			chError(codearts.CodeParamInvalid, `repository_name: string doesn't match the regular expression "^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$"`)},
		{"name ending in .git", path(projectA, "x.git"), 400,
			chError(codearts.CodeParamInvalid, `repository_name: must not end with ".git", ".atom" or "."`)},
		{"malformed project", path("p", "x"), 400,
			chError(codearts.CodeParamInvalid, `project_uuid: string doesn't match the regular expression "^[0-9A-Za-z]{32}$"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, do(t, h, http.MethodGet, tt.path, ""), tt.status, tt.want)
		})
	}
}

func TestDeleteRepository(t *testing.T) {
	h := serve(t, newFake(nil))
	id := create(t, h, projectA, "short-lived", "")
	keep := create(t, h, projectA, "kept", "")

	expect(t, do(t, h, http.MethodDelete, "/v1/repositories/"+id, ""), http.StatusOK, `{"result":true,"status":"success"}`)
	gone := chError(codearts.CodeNotFound, "repository "+id+" does not exist")
	expect(t, do(t, h, http.MethodGet, "/v2/repositories/"+id, ""), http.StatusNotFound, gone)
	expect(t, do(t, h, http.MethodDelete, "/v1/repositories/"+id, ""), http.StatusNotFound, gone)
	expect(t, do(t, h, http.MethodDelete, "/v1/repositories/abc", ""), http.StatusBadRequest,
		chError(codearts.CodeParamInvalid, "repository_uuid: minimum string length is 32"))

	if names, total := listNames(t, h, "/v1/projects/"+projectA+"/repositories"); strings.Join(names, ",") != "kept" || total != 1 {
		t.Errorf("after delete: %v total %d", names, total)
	}
	// The name is free again, and a new create gets a new uuid.
	expect(t, do(t, h, http.MethodGet, "/v1/projects/"+projectA+"/repositories/validation/short-lived", ""),
		http.StatusOK, `{"result":true,"status":"success"}`)
	again := create(t, h, projectA, "short-lived", "")
	if again == id || again == keep {
		t.Errorf("re-created repository got a used uuid %s", again)
	}
}

// The API gateway answers a path or a method no API has, in its own shape
// (the same for ServiceStage), before CodeArts could: 404 APIGW.0101.
func TestUnknownRouteAndMethod(t *testing.T) {
	h := serve(t, newFake(nil))
	// A path of CodeArts' that no operation has (the fake is served alone:
	// an unknown path outside its own is no vendor's).
	expect(t, do(t, h, http.MethodGet, "/v1/projects/nothing", ""), http.StatusNotFound,
		gatewayBody("APIGW.0101", "The API does not exist or has not been published in the environment"))
	expect(t, do(t, h, http.MethodPut, "/v1/repositories", `{}`), http.StatusNotFound,
		gatewayBody("APIGW.0101", "The API does not exist"))
}

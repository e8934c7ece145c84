package huawei_test

// These tests drive the server with the official Huawei Cloud Go SDK, the
// client repomock's users run, over plain http on 127.0.0.1. The SDK is a
// test-only import: the server binary does not link it.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
	"github.com/repomock/repomock/specs"
)

// newSDKHarness starts a server that verifies the SDK's signatures against
// one credential and accepts one X-Repo-Auth name. The SDK signs with the
// wall clock, so this server's clock is the wall clock too.
func newSDKHarness(t *testing.T, clock func() time.Time) *servertest.Server {
	t.Helper()
	return servertest.New(t, sdkConfig(clock))
}

// sdkConfig is newSDKHarness's configuration; nil clock means the wall clock.
func sdkConfig(clock func() time.Time) server.Config {
	if clock == nil {
		clock = time.Now
	}
	return server.Config{
		Clock:   clock,
		Vendors: huaweitest.Settings().Vendors(),
	}
}

var repoUUIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestSDKCodeArtsCreateAndReadBack(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := huaweitest.RepoClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	vis, members := int32(20), int32(1)
	desc := "created through the official SDK"
	req := huaweitest.CreateRepo("demotest1")
	req.Body.VisibilityLevel, req.Body.ImportMembers, req.Body.Description = &vis, &members, &desc
	resp, err := c.CreateRepository(req)
	if err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	if resp.HttpStatusCode != http.StatusOK || resp.Status == nil || *resp.Status != "success" || resp.Result == nil || resp.Result.RepositoryUuid == nil {
		t.Fatalf("response %+v, want the success envelope", resp)
	}
	id := *resp.Result.RepositoryUuid
	if !repoUUIDRE.MatchString(id) {
		t.Errorf("repository_uuid %q is not 32 lowercase hex", id)
	}

	shown, err := c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
	if err != nil {
		t.Fatalf("ShowRepositoryByUuid: %v", err)
	}
	if r := shown.Result; r == nil || *r.RepositoryName != "demotest1" || *r.ProjectUuid != huaweitest.RepoProject || *r.VisibilityLevel != 20 {
		t.Errorf("read back %+v", shown.Result)
	}

	// The creation status, the read the SDK recommends: 0, created (the
	// mock's reading of the undocumented result).
	st, err := c.ListRepositoryStatus(&repomodel.ListRepositoryStatusRequest{RepositoryUuid: id})
	if err != nil {
		t.Fatalf("ListRepositoryStatus: %v", err)
	}
	created, success := int32(0), "success"
	if want := (&repomodel.ListRepositoryStatusResponse{Result: &created, Status: &success, HttpStatusCode: http.StatusOK}); !reflect.DeepEqual(st, want) {
		t.Errorf("ListRepositoryStatus = %v, want %v", st, want)
	}

	taken, err := c.ShowRepositoryNameExist(&repomodel.ShowRepositoryNameExistRequest{ProjectUuid: huaweitest.RepoProject, RepositoryName: "demotest1"})
	if err != nil || taken.Result == nil || *taken.Result {
		t.Errorf("name validation of an existing name: %+v, %v (want result false: not available)", taken, err)
	}

	deleted, err := c.DeleteRepository(&repomodel.DeleteRepositoryRequest{RepositoryUuid: id})
	if err != nil || deleted.Result == nil || !*deleted.Result {
		t.Fatalf("DeleteRepository: %+v, %v", deleted, err)
	}
	_, err = c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
	huaweitest.ServiceError(t, err, http.StatusNotFound, "CH.000404")
	_, err = c.ListRepositoryStatus(&repomodel.ListRepositoryStatusRequest{RepositoryUuid: id})
	huaweitest.ServiceError(t, err, http.StatusNotFound, "CH.000404")
}

func TestSDKCodeArtsErrors(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := huaweitest.RepoClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	if _, err := c.CreateRepository(huaweitest.CreateRepo("taken")); err != nil {
		t.Fatal(err)
	}
	short := huaweitest.RepoProject[:31]
	two := int32(2)
	cases := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"name ends in .git", func() error { _, err := c.CreateRepository(huaweitest.CreateRepo("demo.git")); return err }, 400, "CH.010001"},
		{"name starts with a hyphen", func() error { _, err := c.CreateRepository(huaweitest.CreateRepo("-demo")); return err }, 400, "CH.010001"},
		{"duplicate name in the project", func() error { _, err := c.CreateRepository(huaweitest.CreateRepo("taken")); return err }, 400, "CH.010001"},
		{"project_uuid of 31 characters", func() error {
			r := huaweitest.CreateRepo("ok")
			r.Body.ProjectUuid = short
			_, err := c.CreateRepository(r)
			return err
		}, 400, "CH.010001"},
		{"import_members out of range", func() error {
			r := huaweitest.CreateRepo("ok2")
			r.Body.ImportMembers = &two
			_, err := c.CreateRepository(r)
			return err
		}, 400, "CH.010001"},
		{"unknown repository", func() error {
			_, err := c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: strings.Repeat("a", 32)})
			return err
		}, 404, "CH.000404"},
		{"status of an unknown repository", func() error {
			_, err := c.ListRepositoryStatus(&repomodel.ListRepositoryStatusRequest{RepositoryUuid: strings.Repeat("c", 32)})
			return err
		}, 404, "CH.000404"},
		{"status of a malformed uuid", func() error {
			_, err := c.ListRepositoryStatus(&repomodel.ListRepositoryStatusRequest{RepositoryUuid: "abc"})
			return err
		}, 400, "CH.010001"},
		{"delete unknown repository", func() error {
			_, err := c.DeleteRepository(&repomodel.DeleteRepositoryRequest{RepositoryUuid: strings.Repeat("b", 32)})
			return err
		}, 404, "CH.000404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { huaweitest.ServiceError(t, tc.call(), tc.status, tc.code) })
	}
	// None of the failures stored anything: the project still has one repository.
	//lint:ignore SA1019 the vendor notes name this endpoint as the list read-back; the SDK deprecates its method only.
	list, err := c.GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: huaweitest.RepoProject})
	if err != nil || list.Result == nil || list.Result.Total == nil || *list.Result.Total != 1 {
		t.Fatalf("list after the failures: %+v, %v", list, err)
	}
}

func TestSDKSignatureVerification(t *testing.T) {
	h := newSDKHarness(t, nil)
	for _, tc := range []struct {
		name, ak, sk string
		why          string
	}{
		{"tampered (wrong secret)", huaweitest.AK, "not-the-secret", "signature does not match"},
		{"unknown access key", "HPUAUNKNOWN000000000", huaweitest.SK, "unknown access key HPUAUNKN…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := huaweitest.RepoClient(t, h.URL, huaweitest.Credential(t, tc.ak, tc.sk)).CreateRepository(huaweitest.CreateRepo("never"))
			se := huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
			if want := "Incorrect IAM authentication information: " + tc.why; se.ErrorMessage != want {
				t.Errorf("message %q, want %q", se.ErrorMessage, want)
			}
			_, err = huaweitest.StageClient(t, h.URL, huaweitest.Credential(t, tc.ak, tc.sk)).CreateFile(huaweitest.CreateFile("app:x.txt", "aGk="))
			huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
		})
	}
	// A server whose clock is 16 minutes ahead refuses the SDK's signing
	// date, whether or not it verifies signatures (vendors.md §7): the
	// gateway checks the time whatever the key.
	unverified := sdkConfig(func() time.Time { return time.Now().Add(16 * time.Minute) })
	unverified.Vendors = vendorstest.Settings{RepoAuths: huaweitest.Settings().RepoAuths}.Vendors()
	for name, cfg := range map[string]server.Config{
		"--huawei-credentials":    sdkConfig(func() time.Time { return time.Now().Add(16 * time.Minute) }),
		"no --huawei-credentials": unverified,
	} {
		t.Run("signed 16 minutes late, "+name, func(t *testing.T) {
			late := servertest.New(t, cfg)
			_, err := huaweitest.RepoClient(t, late.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)).CreateRepository(huaweitest.CreateRepo("late"))
			se := huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
			if want := "Incorrect IAM authentication information: X-Sdk-Date is more than 15 minutes off the server's time"; se.ErrorMessage != want {
				t.Errorf("message %q, want %q", se.ErrorMessage, want)
			}
			_, err = huaweitest.StageClient(t, late.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)).CreateFile(huaweitest.CreateFile("app:late.txt", "aGk="))
			huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
		})
	}
}

func TestSDKTokenCredential(t *testing.T) {
	h := newSDKHarness(t, nil)
	cred := huaweitest.TokenCredential{Token: "an-iam-token", ProjectID: huaweitest.ProjectID}
	if _, err := huaweitest.RepoClient(t, h.URL, cred).CreateRepository(huaweitest.CreateRepo("via-token")); err != nil {
		t.Fatalf("CreateRepository with X-Auth-Token: %v", err)
	}
	if _, err := huaweitest.StageClient(t, h.URL, cred).CreateFile(huaweitest.CreateFile("app:token.txt", "aGk=")); err != nil {
		t.Fatalf("CreateFile with X-Auth-Token: %v", err)
	}
	// An empty token is refused by the gateway.
	_, err := huaweitest.RepoClient(t, h.URL, huaweitest.TokenCredential{Token: "", ProjectID: huaweitest.ProjectID}).CreateRepository(huaweitest.CreateRepo("no-token"))
	huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
}

func TestSDKServiceStageBinaryRoundTrip(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := huaweitest.StageClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	content := make([]byte, 0, 512)
	for i := range 512 {
		content = append(content, byte(i*7)) // every byte value, NUL and 0xff included
	}
	resp, err := c.CreateFile(huaweitest.CreateFile("app:project.rb", base64.StdEncoding.EncodeToString(content)))
	if err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	if resp.Path == nil || *resp.Path != "app/project.rb" {
		t.Fatalf("path %v, want app/project.rb (slashes, not colons)", resp.Path)
	}
	shown, err := c.ShowContent(&stagemodel.ShowContentRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Path: "app:project.rb", Ref: "master"})
	if err != nil {
		t.Fatalf("ShowContent: %v", err)
	}
	got, err := base64.StdEncoding.DecodeString(*shown.Content)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(content) {
		t.Fatalf("read back %d bytes that differ from the %d written", len(got), len(content))
	}
	if *shown.Sha != huaweitest.FileSHA(content) {
		t.Errorf("sha %s, want the SHA-256 %s", *shown.Sha, huaweitest.FileSHA(content))
	}
	if shown.Encoding == nil || shown.Encoding.Value() != "base64" {
		t.Errorf("encoding %v, want base64", shown.Encoding)
	}
}

// ShowContent's sha is the SHA-256 of the content (64 hex digits, the
// vendor's documented form); update and delete take it back, and the git
// blob SHA-1 of the same content is refused as not the current sha.
func TestSDKServiceStageShaRoundTrip(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := huaweitest.StageClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	if _, err := c.CreateFile(huaweitest.CreateFile("app:sha.txt", base64.StdEncoding.EncodeToString([]byte("hello\n")))); err != nil {
		t.Fatal(err)
	}
	at := func() *stagemodel.ShowContentRequest {
		return &stagemodel.ShowContentRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Path: "app:sha.txt", Ref: "master"}
	}
	shown, err := c.ShowContent(at())
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum prints this for "hello\n"; git hash-object prints ce013625….
	const sha256Hello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	if *shown.Sha != sha256Hello {
		t.Fatalf("sha %s, want %s", *shown.Sha, sha256Hello)
	}
	update := func(sha string) error {
		_, err := c.UpdateFile(&stagemodel.UpdateFileRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Path: "app:sha.txt", Ref: "master",
			Body: &stagemodel.FileUpdate{Message: "change", Content: base64.StdEncoding.EncodeToString([]byte("v2")), Sha: sha}})
		return err
	}
	se := huaweitest.ServiceError(t, update("ce013625030ba8dba906f756967f9e9ca394464a"), http.StatusBadRequest, "SVCSTG.REPO.0400")
	if want := `parameter invalid: sha "ce013625030ba8dba906f756967f9e9ca394464a" is not the current sha of file "app/sha.txt" (the SHA-256 of its content, as ShowContent gives it)`; se.ErrorMessage != want {
		t.Errorf("message %q, want %q", se.ErrorMessage, want)
	}
	if err := update(sha256Hello); err != nil {
		t.Fatalf("UpdateFile with the shown sha: %v", err)
	}
	if shown, err = c.ShowContent(at()); err != nil || *shown.Sha != huaweitest.FileSHA([]byte("v2")) {
		t.Fatalf("after the update: %v, %v", shown, err)
	}
	if _, err := c.DeleteFile(&stagemodel.DeleteFileRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app",
		Path: "app:sha.txt", Ref: "master", Message: "remove", Sha: *shown.Sha}); err != nil {
		t.Fatalf("DeleteFile with the shown sha: %v", err)
	}
}

func TestSDKServiceStageErrors(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := huaweitest.StageClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	if _, err := c.CreateFile(huaweitest.CreateFile("README.md", "aGk=")); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(r *stagemodel.CreateFileRequest)) func() error {
		return func() error {
			r := huaweitest.CreateFile("new.txt", "aGk=")
			f(r)
			_, err := c.CreateFile(r)
			return err
		}
	}
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"missing X-Repo-Auth", mutate(func(r *stagemodel.CreateFileRequest) { r.XRepoAuth = "" }), "SVCSTG.REPO.0450"},
		{"X-Repo-Auth not configured", mutate(func(r *stagemodel.CreateFileRequest) { r.XRepoAuth = "someone-elses" }), "SVCSTG.REPO.0451"},
		{"missing ref", mutate(func(r *stagemodel.CreateFileRequest) { r.Ref = "" }), "SVCSTG.REPO.0400"},
		{"missing message", mutate(func(r *stagemodel.CreateFileRequest) { r.Body.Message = "" }), "SVCSTG.REPO.0400"},
		{"content not base64", mutate(func(r *stagemodel.CreateFileRequest) { r.Body.Content = "not base64!" }), "SVCSTG.REPO.0400"},
		{"file exists", func() error { _, err := c.CreateFile(huaweitest.CreateFile("README.md", "aGk=")); return err }, "SVCSTG.REPO.0403"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { huaweitest.ServiceError(t, tc.call(), http.StatusBadRequest, tc.code) })
	}
	// The failures wrote nothing: the tree still holds README.md only.
	trees, err := c.ListTrees(&stagemodel.ListTreesRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Ref: "master"})
	if err != nil {
		t.Fatalf("ListTrees: %v", err)
	}
	if fmt.Sprint(trees) == "" || trees.HttpStatusCode != http.StatusOK {
		t.Fatalf("ListTrees: %+v", trees)
	}
	if got := fmt.Sprint(*trees.Paths); got != "[README.md]" {
		t.Errorf("tree after failed creates: %s, want [README.md]", got)
	}
}

// sdkCall sends a request through the SDK's own machinery (signature,
// headers and error parsing as for its generated methods) to a route or
// with a method that none of those asks for.
func sdkCall(hc *core.HcHttpClient, method, path string) error {
	reqDef := def.NewHttpRequestDefBuilder().WithMethod(method).WithPath(path).
		WithResponse(new(repomodel.ShowRepositoryByUuidResponse)).WithContentType("application/json").Build()
	_, err := hc.Sync(&repomodel.ShowRepositoryByUuidRequest{}, reqDef)
	return err
}

var requestIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// idCase is one call and the answer it must get. body is compared whole,
// with {id} standing for the answer's X-Request-Id; a success has no body
// to compare ("").
type idCase struct {
	name   string
	call   func() error
	status int
	body   string
}

// checkRequestIDs makes each call and checks, through what the SDK itself
// saw, that its answer carries X-Request-Id; that an error reaches the
// caller with RequestId equal to it, and with it as the body's request_id
// where the body has one; and that no two answers share an id.
func checkRequestIDs(t *testing.T, seen *huaweitest.Answers, cases []idCase) {
	t.Helper()
	used := map[string]string{}
	for _, tc := range cases {
		err := tc.call()
		id, body, _ := seen.Last(t)
		if !requestIDRE.MatchString(id) {
			t.Errorf("%s: X-Request-Id %q, want 32 hex digits", tc.name, id)
		}
		if other, ok := used[id]; ok {
			t.Errorf("%s: X-Request-Id %s was already the id of %q", tc.name, id, other)
		}
		used[id] = tc.name
		if tc.status < 300 {
			if err != nil {
				t.Errorf("%s: %v, want HTTP %d", tc.name, err, tc.status)
			}
			continue
		}
		var se *sdkerr.ServiceResponseError
		if !errors.As(err, &se) {
			t.Errorf("%s: err = %v, want *sdkerr.ServiceResponseError", tc.name, err)
			continue
		}
		if se.StatusCode != tc.status {
			t.Errorf("%s: HTTP %d, want %d (%s)", tc.name, se.StatusCode, tc.status, body)
		}
		if se.RequestId != id {
			t.Errorf("%s: ServiceResponseError.RequestId %q, want the X-Request-Id %q", tc.name, se.RequestId, id)
		}
		t.Run(tc.name, func(t *testing.T) { vendorstest.JSONEqual(t, body, strings.ReplaceAll(tc.body, "{id}", id)) })
	}
}

// Every answer of the two Huawei APIs carries X-Request-Id, whoever writes
// it: a handler, the gateway's 401, the router's 404 and 405, the body
// limit's 413, the URI limit's 400. The SDK hands it to the caller of a
// failed call as ServiceResponseError.RequestId, and a gateway body
// (APIGW.*) repeats it as request_id.
func TestSDKRequestIDs(t *testing.T) {
	cfg := sdkConfig(nil)
	cfg.MaxBodyBytes = 1024
	h := servertest.New(t, cfg)
	seen := &huaweitest.Answers{}
	cred := huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)
	repoHC := huaweitest.Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), h.URL, cred, "", seen)
	repo := codeartsrepo.NewCodeArtsRepoClient(repoHC)
	badRepo := codeartsrepo.NewCodeArtsRepoClient(huaweitest.Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), h.URL, huaweitest.Credential(t, huaweitest.AK, "not-the-secret"), "", seen))
	stageHC := huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), h.URL, cred, "", seen)
	stage := servicestage.NewServiceStageClient(stageHC)
	badStage := servicestage.NewServiceStageClient(huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), h.URL, huaweitest.Credential(t, huaweitest.AK, "not-the-secret"), "", seen))
	// Credentials without a project id: the SDK sends the literal {project_id}.
	noProjectCred, err := basic.NewCredentialsBuilder().WithAk(huaweitest.AK).WithSk(huaweitest.SK).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	noProject := servicestage.NewServiceStageClient(huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), h.URL, noProjectCred, "", seen))

	var id string
	long := huaweitest.CreateRepo("long")
	description := strings.Repeat("d", 1500)
	long.Body.Description = &description
	unknown := strings.Repeat("a", 32)
	file := huaweitest.CreateFile("app:id.txt", "aGk=")
	noAuth := huaweitest.CreateFile("app:no-auth.txt", "aGk=")
	noAuth.XRepoAuth = ""
	stagePath := "/v1/" + huaweitest.ProjectID + "/git/files/repomock/group:app/app:id.txt"
	checkRequestIDs(t, seen, []idCase{
		{"CodeArts create", func() error {
			resp, err := repo.CreateRepository(huaweitest.CreateRepo("named"))
			if err == nil {
				id = *resp.Result.RepositoryUuid
			}
			return err
		}, 200, ""},
		{"CodeArts read back", func() error {
			_, err := repo.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
			return err
		}, 200, ""},
		{"CodeArts creation status", func() error {
			_, err := repo.ListRepositoryStatus(&repomodel.ListRepositoryStatusRequest{RepositoryUuid: id})
			return err
		}, 200, ""},
		{"CodeArts bad name", func() error { _, err := repo.CreateRepository(huaweitest.CreateRepo("-named")); return err }, 400,
			huaweitest.CodeArtsBody("CH.010001", `name: string doesn't match the regular expression "^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$"`)},
		{"CodeArts unknown repository", func() error {
			_, err := repo.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: unknown})
			return err
		}, 404, huaweitest.CodeArtsBody("CH.000404", "repository "+unknown+" does not exist")},
		{"CodeArts gateway 401", func() error { _, err := badRepo.CreateRepository(huaweitest.CreateRepo("never")); return err }, 401,
			huaweitest.GatewayBody("APIGW.0301", "Incorrect IAM authentication information: signature does not match")},
		{"CodeArts unknown route", func() error { return sdkCall(repoHC, http.MethodGet, "/v2/repositories/"+unknown+"/nothing") }, 404,
			huaweitest.GatewayBody("APIGW.0101", "The API does not exist or has not been published in the environment")},
		{"CodeArts wrong method", func() error { return sdkCall(repoHC, http.MethodPut, "/v1/repositories") }, 404,
			huaweitest.GatewayBody("APIGW.0101", "The API does not exist")},
		{"CodeArts body over the limit", func() error { _, err := repo.CreateRepository(long); return err }, 413,
			huaweitest.GatewayBody("APIGW.0201", "Request entity too large")},
		{"CodeArts URI over the limit", func() error {
			_, err := repo.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: strings.Repeat("b", server.MaxURIBytes)})
			return err
		}, 400, huaweitest.CodeArtsBody("CH.010001", "request URI: longer than 16384 bytes")},
		{"ServiceStage create", func() error { _, err := stage.CreateFile(file); return err }, 200, ""},
		{"ServiceStage delete (204, no body)", func() error {
			_, err := stage.DeleteFile(&stagemodel.DeleteFileRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app",
				Path: "app:id.txt", Ref: "master", Message: "remove", Sha: huaweitest.FileSHA([]byte("hi"))})
			return err
		}, 204, ""},
		{"ServiceStage no X-Repo-Auth", func() error { _, err := stage.CreateFile(noAuth); return err }, 400,
			huaweitest.StageBody("SVCSTG.REPO.0450", "no repository authorization: the X-Repo-Auth header is required")},
		{"ServiceStage gateway 401", func() error { _, err := badStage.CreateFile(file); return err }, 401,
			huaweitest.GatewayBody("APIGW.0301", "Incorrect IAM authentication information: signature does not match")},
		{"ServiceStage without a project id", func() error { _, err := noProject.CreateFile(file); return err }, 400,
			huaweitest.GatewayBody("APIGW.0201", `Bad request: project_id "{project_id}" is not a project id (32 lowercase hexadecimal digits); the SDK sends it when its credentials have no project id`)},
		{"ServiceStage unknown route", func() error { return sdkCall(stageHC, http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/nothing") }, 404,
			huaweitest.GatewayBody("APIGW.0101", "The API does not exist or has not been published in the environment")},
		{"ServiceStage wrong method", func() error { return sdkCall(stageHC, http.MethodPatch, stagePath) }, 404,
			huaweitest.GatewayBody("APIGW.0101", "The API does not exist")},
		{"ServiceStage body over the limit", func() error {
			_, err := stage.CreateFile(huaweitest.CreateFile("app:big.txt", strings.Repeat("QUFB", 300)))
			return err
		}, 413, huaweitest.GatewayBody("APIGW.0201", "Request entity too large")},
	})
}

// huaweiSpecs copies the specs to a directory, with each edit (file → old,
// new) made, for a server that loads them with SpecsDir.
func huaweiSpecs(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := fs.ReadDir(specs.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := fs.ReadFile(specs.FS(), e.Name())
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if edit, ok := edits[e.Name()]; ok {
			if !strings.Contains(text, edit[0]) {
				t.Fatalf("specs/%s no longer contains %q", e.Name(), edit[0])
			}
			text = strings.Replace(text, edit[0], edit[1], 1)
		}
		vendorstest.WriteFile(t, dir, e.Name(), text)
	}
	return dir
}

// The server's own faults carry X-Request-Id too: a response that breaks
// the spec (replaced by a 500) and a handler that panics.
func TestSDKRequestIDsOnServerFaults(t *testing.T) {
	// Each create's response requires what the fake never writes: a body
	// field (CodeArts), a header (ServiceStage).
	cfg := sdkConfig(nil)
	cfg.SpecsDir = huaweiSpecs(t, map[string][2]string{
		specs.CodeArts: {
			"SDK model_create_repository_response.go.\n      type: object\n",
			"SDK model_create_repository_response.go.\n      type: object\n      required: [bogus]\n",
		},
		specs.ServiceStage: {
			"description: OK — the file was committed.\n          headers:\n",
			"description: OK — the file was committed.\n          headers:\n            X-Bogus:\n              required: true\n              schema: {type: string}\n",
		},
	})
	h := servertest.New(t, cfg)
	e, ok := h.Srv.Handler().(*echo.Echo)
	if !ok {
		t.Fatalf("Handler() is %T, want *echo.Echo", h.Srv.Handler())
	}
	// Routes that panic, under each API's paths, behind the server's middleware.
	boom := func(echo.Context) error { panic("boom") }
	e.GET("/v1/repositories/:repository_uuid/explode", boom)
	e.GET("/v1/:project_id/git/explode", boom)

	seen := &huaweitest.Answers{}
	cred := huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)
	repoHC := huaweitest.Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), h.URL, cred, "", seen)
	stageHC := huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), h.URL, cred, "", seen)
	checkRequestIDs(t, seen, []idCase{
		{"CodeArts response breaks the spec", func() error {
			_, err := codeartsrepo.NewCodeArtsRepoClient(repoHC).CreateRepository(huaweitest.CreateRepo("fault"))
			return err
		}, 500, huaweitest.CodeArtsBody("CH.000001", "repomock: response of CreateRepository (HTTP 200) violates the spec: bogus: value is required")},
		{"CodeArts handler panics", func() error {
			return sdkCall(repoHC, http.MethodGet, "/v1/repositories/"+strings.Repeat("a", 32)+"/explode")
		}, 500, huaweitest.CodeArtsBody("CH.000001", "internal error")},
		{"ServiceStage response breaks the spec", func() error {
			_, err := servicestage.NewServiceStageClient(stageHC).CreateFile(huaweitest.CreateFile("app:fault.txt", "aGk="))
			return err
		}, 500, huaweitest.StageBody("SVCSTG.REPO.0500", `repomock: response of CreateFile (HTTP 200) violates the spec: header X-Bogus: is required`)},
		{"ServiceStage handler panics", func() error {
			return sdkCall(stageHC, http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/explode")
		}, 500, huaweitest.StageBody("SVCSTG.REPO.0500", "internal error")},
	})
}

// With --seed, the n-th Huawei request gets the same id on every run, and
// other vendors' requests draw none of them.
func TestRequestIDsRepeatWithSeed(t *testing.T) {
	ids := func(seed uint64, endorFirst bool) []string {
		cfg := sdkConfig(nil)
		cfg.Seed = seed
		h := servertest.New(t, cfg)
		if endorFirst {
			if r := h.Do(http.MethodGet, "/v1/namespaces/acme/repository-versions", nil); r.Header.Get("X-Request-Id") != "" {
				t.Errorf("an Endor answer carries X-Request-Id %q", r.Header.Get("X-Request-Id"))
			}
		}
		seen := &huaweitest.Answers{}
		cred := huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)
		repo := codeartsrepo.NewCodeArtsRepoClient(huaweitest.Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), h.URL, cred, "", seen))
		stage := servicestage.NewServiceStageClient(huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), h.URL, cred, "", seen))
		var out []string
		for _, call := range []func() error{
			func() error { _, err := repo.CreateRepository(huaweitest.CreateRepo("seeded")); return err },
			func() error { _, err := repo.CreateRepository(huaweitest.CreateRepo("seeded")); return err }, // a duplicate: 400
			func() error { _, err := stage.CreateFile(huaweitest.CreateFile("app:seeded.txt", "aGk=")); return err },
		} {
			_ = call()
			id, _, _ := seen.Last(t)
			out = append(out, id)
		}
		return out
	}
	first, again, afterEndor := ids(7, false), ids(7, false), ids(7, true)
	if !slices.Equal(first, again) || !slices.Equal(first, afterEndor) {
		t.Errorf("seed 7 gave the ids\n%v\n%v\n%v (after an Endor call)\nwant the same three times", first, again, afterEndor)
	}
	if other := ids(8, false); slices.Equal(first, other) {
		t.Errorf("seeds 7 and 8 gave the same ids %v", first)
	}
}

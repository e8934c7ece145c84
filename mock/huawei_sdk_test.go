package mock_test

// These tests drive the server with the official Huawei Cloud Go SDK, the
// client repomock's users run, over plain http on 127.0.0.1. The SDK is a
// test-only import: the server binary does not link it.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/mock"
	"github.com/repomock/repomock/mock/huaweiauth"
)

const (
	sdkAK        = "HPUAREPOMOCKEXAMPLE1"
	sdkSK        = "repomock-example-secret-key-0123456789"
	sdkProjectID = "0123456789abcdef0123456789abcdef"
	repoProject  = "4838955a48e2492bbe44b31bc4c272f6"
	repoAuthName = "my-git-auth"
)

// newSDKHarness starts a server that verifies the SDK's signatures against
// one credential and accepts one X-Repo-Auth name. The SDK signs with the
// wall clock, so this server's clock is the wall clock too.
func newSDKHarness(t *testing.T, clock func() time.Time) *harness {
	t.Helper()
	if clock == nil {
		clock = time.Now
	}
	return newHarness(t, mock.Config{
		Clock:             clock,
		HuaweiCredentials: []huaweiauth.Credential{{AK: sdkAK, SK: sdkSK}},
		RepoAuths:         []string{repoAuthName},
	})
}

func akskCredential(t *testing.T, ak, sk string) auth.ICredential {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(sdkProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// tokenCredential sends an IAM token instead of a signature: the custom
// credential a user of the SDK writes to call with X-Auth-Token.
type tokenCredential struct{ token, projectID string }

func (c tokenCredential) ProcessAuthParams(*impl.DefaultHttpClient, string) (auth.ICredential, error) {
	return c, nil
}

func (c tokenCredential) ProcessAuthRequest(_ *impl.DefaultHttpClient, req *request.DefaultHttpRequest) (*request.DefaultHttpRequest, error) {
	return req.Builder().
		AddAutoFilledPathParam("project_id", c.projectID).
		AddHeaderParam("X-Project-Id", c.projectID).
		AddHeaderParam(huaweiauth.HeaderToken, c.token).
		Build(), nil
}

const tokenCredentialType = "mock_test.tokenCredential"

func repoClient(t *testing.T, h *harness, cred auth.ICredential) *codeartsrepo.CodeArtsRepoClient {
	t.Helper()
	b := codeartsrepo.CodeArtsRepoClientBuilder().WithEndpoints([]string{h.url}).WithCredential(cred)
	if _, ok := cred.(tokenCredential); ok {
		b = b.WithCredentialsType(tokenCredentialType)
	}
	hc, err := b.SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return codeartsrepo.NewCodeArtsRepoClient(hc)
}

func stageClient(t *testing.T, h *harness, cred auth.ICredential) *servicestage.ServiceStageClient {
	t.Helper()
	b := servicestage.ServiceStageClientBuilder().WithEndpoints([]string{h.url}).WithCredential(cred)
	if _, ok := cred.(tokenCredential); ok {
		b = b.WithCredentialsType(tokenCredentialType)
	}
	hc, err := b.SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return servicestage.NewServiceStageClient(hc)
}

// serviceError asserts err is the SDK's *sdkerr.ServiceResponseError with the
// vendor's status and ErrorCode.
func serviceError(t *testing.T, err error, status int, code string) *sdkerr.ServiceResponseError {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *sdkerr.ServiceResponseError", err, err)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Fatalf("HTTP %d %s (%s), want HTTP %d %s", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	if se.ErrorMessage == "" {
		t.Errorf("%s reached the SDK without a message", code)
	}
	return se
}

func createRepo(name string) *repomodel.CreateRepositoryRequest {
	return &repomodel.CreateRepositoryRequest{Body: &repomodel.CreateRepoRequest{Name: name, ProjectUuid: repoProject}}
}

var repoUUIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestSDKCodeArtsCreateAndReadBack(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := repoClient(t, h, akskCredential(t, sdkAK, sdkSK))
	vis, members := int32(20), int32(1)
	desc := "created through the official SDK"
	req := createRepo("demotest1")
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
	if r := shown.Result; r == nil || *r.RepositoryName != "demotest1" || *r.ProjectUuid != repoProject || *r.VisibilityLevel != 20 {
		t.Errorf("read back %+v", shown.Result)
	}

	taken, err := c.ShowRepositoryNameExist(&repomodel.ShowRepositoryNameExistRequest{ProjectUuid: repoProject, RepositoryName: "demotest1"})
	if err != nil || taken.Result == nil || *taken.Result {
		t.Errorf("name validation of an existing name: %+v, %v (want result false: not available)", taken, err)
	}

	deleted, err := c.DeleteRepository(&repomodel.DeleteRepositoryRequest{RepositoryUuid: id})
	if err != nil || deleted.Result == nil || !*deleted.Result {
		t.Fatalf("DeleteRepository: %+v, %v", deleted, err)
	}
	_, err = c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
	serviceError(t, err, http.StatusNotFound, "CH.000404")
}

func TestSDKCodeArtsErrors(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := repoClient(t, h, akskCredential(t, sdkAK, sdkSK))
	if _, err := c.CreateRepository(createRepo("taken")); err != nil {
		t.Fatal(err)
	}
	short := repoProject[:31]
	two := int32(2)
	cases := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"name ends in .git", func() error { _, err := c.CreateRepository(createRepo("demo.git")); return err }, 400, "CH.010001"},
		{"name starts with a hyphen", func() error { _, err := c.CreateRepository(createRepo("-demo")); return err }, 400, "CH.010001"},
		{"duplicate name in the project", func() error { _, err := c.CreateRepository(createRepo("taken")); return err }, 400, "CH.010001"},
		{"project_uuid of 31 characters", func() error {
			r := createRepo("ok")
			r.Body.ProjectUuid = short
			_, err := c.CreateRepository(r)
			return err
		}, 400, "CH.010001"},
		{"import_members out of range", func() error {
			r := createRepo("ok2")
			r.Body.ImportMembers = &two
			_, err := c.CreateRepository(r)
			return err
		}, 400, "CH.010001"},
		{"unknown repository", func() error {
			_, err := c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: strings.Repeat("a", 32)})
			return err
		}, 404, "CH.000404"},
		{"delete unknown repository", func() error {
			_, err := c.DeleteRepository(&repomodel.DeleteRepositoryRequest{RepositoryUuid: strings.Repeat("b", 32)})
			return err
		}, 404, "CH.000404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { serviceError(t, tc.call(), tc.status, tc.code) })
	}
	// None of the failures stored anything: the project still has one repository.
	//lint:ignore SA1019 the vendor notes name this endpoint as the list read-back; the SDK deprecates its method only.
	list, err := c.GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: repoProject})
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
		{"tampered (wrong secret)", sdkAK, "not-the-secret", "signature does not match"},
		{"unknown access key", "HPUAUNKNOWN000000000", sdkSK, "unknown access key HPUAUNKN…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := repoClient(t, h, akskCredential(t, tc.ak, tc.sk)).CreateRepository(createRepo("never"))
			se := serviceError(t, err, http.StatusUnauthorized, "APIGW.0301")
			if want := "Incorrect IAM authentication information: " + tc.why; se.ErrorMessage != want {
				t.Errorf("message %q, want %q", se.ErrorMessage, want)
			}
			_, err = stageClient(t, h, akskCredential(t, tc.ak, tc.sk)).CreateFile(createFile("app:x.txt", "aGk="))
			serviceError(t, err, http.StatusUnauthorized, "APIGW.0301")
		})
	}
	// A server whose clock is 16 minutes ahead refuses the SDK's signing date.
	late := newSDKHarness(t, func() time.Time { return time.Now().Add(16 * time.Minute) })
	_, err := repoClient(t, late, akskCredential(t, sdkAK, sdkSK)).CreateRepository(createRepo("late"))
	se := serviceError(t, err, http.StatusUnauthorized, "APIGW.0301")
	if !strings.Contains(se.ErrorMessage, "more than 15 minutes") {
		t.Errorf("message %q", se.ErrorMessage)
	}
}

func TestSDKTokenCredential(t *testing.T) {
	h := newSDKHarness(t, nil)
	cred := tokenCredential{token: "an-iam-token", projectID: sdkProjectID}
	if _, err := repoClient(t, h, cred).CreateRepository(createRepo("via-token")); err != nil {
		t.Fatalf("CreateRepository with X-Auth-Token: %v", err)
	}
	if _, err := stageClient(t, h, cred).CreateFile(createFile("app:token.txt", "aGk=")); err != nil {
		t.Fatalf("CreateFile with X-Auth-Token: %v", err)
	}
	// An empty token is refused by the gateway.
	_, err := repoClient(t, h, tokenCredential{token: "", projectID: sdkProjectID}).CreateRepository(createRepo("no-token"))
	serviceError(t, err, http.StatusUnauthorized, "APIGW.0301")
}

func createFile(path, content string) *stagemodel.CreateFileRequest {
	return &stagemodel.CreateFileRequest{
		XRepoAuth: repoAuthName,
		Namespace: "repomock",
		Project:   "group:app",
		Path:      path,
		Ref:       "master",
		Body:      &stagemodel.FileCreate{Message: "create a new file", Content: content},
	}
}

// gitBlobSHA is what `git hash-object` prints for content.
func gitBlobSHA(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

func TestSDKServiceStageBinaryRoundTrip(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := stageClient(t, h, akskCredential(t, sdkAK, sdkSK))
	content := make([]byte, 0, 512)
	for i := range 512 {
		content = append(content, byte(i*7)) // every byte value, NUL and 0xff included
	}
	resp, err := c.CreateFile(createFile("app:project.rb", base64.StdEncoding.EncodeToString(content)))
	if err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	if resp.Path == nil || *resp.Path != "app/project.rb" {
		t.Fatalf("path %v, want app/project.rb (slashes, not colons)", resp.Path)
	}
	shown, err := c.ShowContent(&stagemodel.ShowContentRequest{XRepoAuth: repoAuthName, Namespace: "repomock", Project: "group:app", Path: "app:project.rb", Ref: "master"})
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
	if *shown.Sha != gitBlobSHA(content) {
		t.Errorf("sha %s, want the git blob SHA-1 %s", *shown.Sha, gitBlobSHA(content))
	}
	if shown.Encoding == nil || shown.Encoding.Value() != "base64" {
		t.Errorf("encoding %v, want base64", shown.Encoding)
	}
}

func TestSDKServiceStageErrors(t *testing.T) {
	h := newSDKHarness(t, nil)
	c := stageClient(t, h, akskCredential(t, sdkAK, sdkSK))
	if _, err := c.CreateFile(createFile("README.md", "aGk=")); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(r *stagemodel.CreateFileRequest)) func() error {
		return func() error {
			r := createFile("new.txt", "aGk=")
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
		{"file exists", func() error { _, err := c.CreateFile(createFile("README.md", "aGk=")); return err }, "SVCSTG.REPO.0403"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { serviceError(t, tc.call(), http.StatusBadRequest, tc.code) })
	}
	// The failures wrote nothing: the tree still holds README.md only.
	trees, err := c.ListTrees(&stagemodel.ListTreesRequest{XRepoAuth: repoAuthName, Namespace: "repomock", Project: "group:app", Ref: "master"})
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

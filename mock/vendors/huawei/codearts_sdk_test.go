package huawei_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"

	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
)

// The official Go SDK's reads of one repository, decoded by its own
// models: ShowRepositoryByUuid (v2) gives every field of RepoInfoV2, the
// deprecated GetRepositoryByProjectId (GET /v1/repositories/{uuid}, which
// vendors.md §7 calls ShowRepository) and the list give every field of
// RepoInfo, projectIsDelete included (vendors.md §7). Each is compared
// whole: a field the mock left out would be a nil pointer.
func TestSDKCodeArtsRepositoryReads(t *testing.T) {
	// The SDK signs with the wall clock; the server's stands still on a
	// whole second of it, so that the times it writes are known.
	at := time.Now().UTC().Truncate(time.Second)
	h := newSDKHarness(t, func() time.Time { return at })
	c := huaweitest.RepoClient(t, h.URL, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK))
	req := huaweitest.CreateRepo("demo.api")
	public := int32(20)
	req.Body.VisibilityLevel = &public
	created, err := c.CreateRepository(req)
	if err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	id := *created.Result.RepositoryUuid

	str := func(s string) *string { return &s }
	i32 := func(n int32) *int32 { return &n }
	no := false
	when := at.Format("2006-01-02 15:04:05")
	httpsURL := "https://codehub.devcloud.repomock.example/" + huaweitest.RepoProject + "/demo.api.git"
	sshURL := "git@codehub.devcloud.repomock.example:" + huaweitest.RepoProject + "/demo.api.git"
	webURL := "https://devcloud.repomock.example/codehub/1/home"
	success := str("success")

	shown, err := c.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
	if err != nil {
		t.Fatalf("ShowRepositoryByUuid: %v", err)
	}
	wantV2 := &repomodel.ShowRepositoryByUuidResponse{Status: success, HttpStatusCode: http.StatusOK, Result: &repomodel.RepoInfoV2{
		CreatedAt: str(when), CreatorName: str("repomock"), DomainName: str("repomock"), GroupName: str(huaweitest.RepoProject),
		HttpsUrl: str(httpsURL), IamUserUuid: str("7265706f6d6f636b7573657230303031"), IsOwner: i32(1), LfsSize: str("0.00M"),
		ProjectIsDeleted: str("false"), ProjectUuid: str(huaweitest.RepoProject), RepositoryId: i32(1), RepositoryName: str("demo.api"),
		RepositorySize: str("0.00M"), RepositoryUuid: str(id), SshUrl: str(sshURL), Star: &no, Status: i32(0),
		UpdatedAt: str(when), UserRole: i32(40), VisibilityLevel: i32(20), WebUrl: str(webURL),
	}}
	if !reflect.DeepEqual(shown, wantV2) {
		t.Errorf("ShowRepositoryByUuid:\n got %v\nwant %v", shown, wantV2)
	}

	info := &repomodel.RepoInfo{
		CreateAt: str(when), GroupName: str(huaweitest.RepoProject), HttpUrl: str(httpsURL), Id: str(id), Name: str("demo.api"),
		ProjectId: str(huaweitest.RepoProject), ProjectIsDelete: str("false"), RepoId: str("1"), SshUrl: str(sshURL),
		VisibilityLevel: i32(20), WebUrl: str(webURL),
	}
	//lint:ignore SA1019 the deprecated read the vendor still serves, which this test is about
	v1, err := c.GetRepositoryByProjectId(&repomodel.GetRepositoryByProjectIdRequest{RepositoryUuid: id})
	if err != nil {
		t.Fatalf("GetRepositoryByProjectId: %v", err)
	}
	if want := (&repomodel.GetRepositoryByProjectIdResponse{Status: success, HttpStatusCode: http.StatusOK, Result: info}); !reflect.DeepEqual(v1, want) {
		t.Errorf("GetRepositoryByProjectId:\n got %v\nwant %v", v1, want)
	}

	//lint:ignore SA1019 the list read-back of the vendor's notes
	list, err := c.GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: huaweitest.RepoProject})
	if err != nil {
		t.Fatalf("GetAllRepositoryByProjectId: %v", err)
	}
	wantList := &repomodel.GetAllRepositoryByProjectIdResponse{Status: success, HttpStatusCode: http.StatusOK,
		Result: &repomodel.RepoListInfo{Repositorys: &[]repomodel.RepoInfo{*info}, Total: i32(1)}}
	if !reflect.DeepEqual(list, wantList) {
		t.Errorf("GetAllRepositoryByProjectId:\n got %v\nwant %v", list, wantList)
	}

	// The deprecated read refuses as the others do.
	//lint:ignore SA1019 as above
	_, err = c.GetRepositoryByProjectId(&repomodel.GetRepositoryByProjectIdRequest{RepositoryUuid: "00000000000000000000000000000000"})
	huaweitest.ServiceError(t, err, http.StatusNotFound, "CH.000404")
}

package server_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/mock/server"
)

// The official Huawei Go SDK pointed at repomock: give the endpoint with its
// http:// scheme and a project id, and do not call WithRegion (it would ask
// IAM for the project id).
func Example_huaweiSDK() {
	srv, err := server.New(server.Config{})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	cred, err := basic.NewCredentialsBuilder().WithAk("AK").WithSk("SK").
		WithProjectId("0123456789abcdef0123456789abcdef").SafeBuild()
	if err != nil {
		panic(err)
	}

	repoHC, err := codeartsrepo.CodeArtsRepoClientBuilder().
		WithEndpoints([]string{ts.URL}).WithCredential(cred).SafeBuild()
	if err != nil {
		panic(err)
	}
	repos := codeartsrepo.NewCodeArtsRepoClient(repoHC)
	created, err := repos.CreateRepository(&repomodel.CreateRepositoryRequest{Body: &repomodel.CreateRepoRequest{
		Name: "demotest1", ProjectUuid: "4838955a48e2492bbe44b31bc4c272f6",
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println("CreateRepository:", *created.Status)

	stageHC, err := servicestage.ServiceStageClientBuilder().
		WithEndpoints([]string{ts.URL}).WithCredential(cred).SafeBuild()
	if err != nil {
		panic(err)
	}
	files := servicestage.NewServiceStageClient(stageHC)
	file, err := files.CreateFile(&stagemodel.CreateFileRequest{
		XRepoAuth: "my-git-auth", Namespace: "repomock", Project: "group:app", Path: "app:project.rb", Ref: "master",
		Body: &stagemodel.FileCreate{Message: "create a new file", Content: "IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("CreateFile:", *file.Path)
	// Output:
	// CreateRepository: success
	// CreateFile: app/project.rb
}

package proxy_test

import (
	"net/http"
	"testing"

	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// The official Huawei Go SDK, signing with AK/SK, works through the proxy:
// the proxy verifies its signature and signs each request again for an
// upstream that knows the same credentials.
func TestProxyHuaweiSDK(t *testing.T) {
	cfg := sdkConfig()
	up := newUpstream(t, cfg)
	px := servertest.At(t, nil, newProxy(t, up.url, proxy.Config{Server: server.Config{Vendors: vendorstest.Settings{HuaweiCredentials: huaweitest.Settings().HuaweiCredentials}.Vendors()}}), vendorstest.Auth("Authorization", token))
	cred := huaweitest.Credential(t, huaweitest.AK, huaweitest.SK)

	repos := huaweitest.RepoClient(t, px.URL, cred)
	created, err := repos.CreateRepository(huaweitest.CreateRepo("through-the-proxy"))
	if err != nil {
		t.Fatalf("CreateRepository through the proxy: %v", err)
	}
	id := *created.Result.RepositoryUuid
	shown, err := repos.ShowRepositoryByUuid(&repomodel.ShowRepositoryByUuidRequest{RepositoryUuid: id})
	if err != nil || *shown.Result.RepositoryName != "through-the-proxy" {
		t.Fatalf("ShowRepositoryByUuid through the proxy: %+v, %v", shown, err)
	}
	// The upstream's errors reach the SDK as the upstream wrote them.
	_, err = repos.CreateRepository(huaweitest.CreateRepo("through-the-proxy"))
	huaweitest.ServiceError(t, err, http.StatusBadRequest, "CH.010001")

	files := huaweitest.StageClient(t, px.URL, cred)
	if _, err := files.CreateFile(huaweitest.CreateFile("app:README.md", "IyBhcHAK")); err != nil {
		t.Fatalf("CreateFile through the proxy: %v", err)
	}
	got, err := files.ShowContent(&stagemodel.ShowContentRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Path: "app:README.md", Ref: "master"})
	if err != nil || got.Content == nil || *got.Content != "IyBhcHAK" {
		t.Fatalf("ShowContent through the proxy: %+v, %v", got, err)
	}

	// A wrong secret stops at the proxy, in the gateway's words.
	_, err = huaweitest.RepoClient(t, px.URL, huaweitest.Credential(t, huaweitest.AK, "not-the-secret")).CreateRepository(huaweitest.CreateRepo("refused"))
	huaweitest.ServiceError(t, err, http.StatusUnauthorized, "APIGW.0301")
	if e := journalOf(t, up.url); len(e) != 5 {
		t.Errorf("upstream journal holds %d requests, want the 5 the proxy forwarded", len(e))
	}
}

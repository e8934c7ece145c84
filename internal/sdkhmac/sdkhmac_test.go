package sdkhmac_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/repomock/repomock/internal/sdkhmac"
)

// Sign must produce, header for header, what the official SDK's signer
// produces for the same request.
func TestSignMatchesTheSDK(t *testing.T) {
	at := time.Date(2026, 11, 22, 7, 24, 42, 0, time.UTC)
	const ak, sk = "HPUAEXAMPLE", "example-secret"
	body := `{"message":"create a new file","content":"aGVsbG8K"}`
	path := "/v1/0123456789abcdef0123456789abcdef/git/files/team/group:app/app:project.rb"

	b := request.NewHttpRequestBuilder().WithEndpoint("http://127.0.0.1:8080").WithPath(path).WithMethod(http.MethodPost).
		AddQueryParam("ref", reflect.ValueOf("master")).
		AddHeaderParam("Content-Type", "application/json").
		AddHeaderParam("X-Repo-Auth", "my-auth").
		AddHeaderParam("X-Project-Id", "0123456789abcdef0123456789abcdef").
		AddHeaderParam(sdkhmac.HeaderDate, at.Format(sdkhmac.DateFormat)).
		WithBody("json", body)
	sdkReq := b.Build()
	want, err := signer.Sign(sdkReq, ak, sk)
	if err != nil {
		t.Fatal(err)
	}

	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080"+path+"?ref=master", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Repo-Auth", "my-auth")
	req.Header.Set("X-Project-Id", "0123456789abcdef0123456789abcdef")
	sdkhmac.Sign(req, []byte(body), ak, sk, at)

	if got := req.Header.Get("Authorization"); got != want["Authorization"] {
		t.Errorf("Authorization\n got: %s\nwant: %s", got, want["Authorization"])
	}
	if got := req.Header.Get(sdkhmac.HeaderDate); got != want[sdkhmac.HeaderDate] {
		t.Errorf("X-Sdk-Date %s, want %s", got, want[sdkhmac.HeaderDate])
	}
}

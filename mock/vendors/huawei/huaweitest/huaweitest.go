// Package huaweitest drives the Huawei fakes with the official Huawei
// Cloud Go SDK, the client repomock's users run: its credentials, its
// clients of CodeArts Repo and ServiceStage, its requests and the errors it
// reports. It is a test-only import: the server binary does not link the
// SDK.
package huaweitest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/impl"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// The SDK's credential and the objects the tests name.
const (
	AK          = "HPUAREPOMOCKEXAMPLE1"
	SK          = "repomock-example-secret-key-0123456789"
	ProjectID   = "0123456789abcdef0123456789abcdef"
	RepoProject = "4838955a48e2492bbe44b31bc4c272f6"
	RepoAuth    = "my-git-auth"
)

// Settings are the vendors' settings of the SDK tests: the SDK's AK/SK
// verified, and its repository authorization.
func Settings() vendorstest.Settings {
	return vendorstest.Settings{
		HuaweiCredentials: []huawei.Credential{{AK: AK, SK: SK}},
		RepoAuths:         []string{RepoAuth},
	}
}

// Credential is the SDK's AK/SK credential of the test project.
func Credential(t testing.TB, ak, sk string) auth.ICredential {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(ProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// TokenCredential sends an IAM token instead of a signature: the custom
// credential a user of the SDK writes to call with X-Auth-Token.
type TokenCredential struct{ Token, ProjectID string }

func (c TokenCredential) ProcessAuthParams(*impl.DefaultHttpClient, string) (auth.ICredential, error) {
	return c, nil
}

func (c TokenCredential) ProcessAuthRequest(_ *impl.DefaultHttpClient, req *request.DefaultHttpRequest) (*request.DefaultHttpRequest, error) {
	return req.Builder().
		AddAutoFilledPathParam("project_id", c.ProjectID).
		AddHeaderParam("X-Project-Id", c.ProjectID).
		AddHeaderParam(huawei.HeaderToken, c.Token).
		Build(), nil
}

// RepoClient is the SDK's CodeArts Repo client of the server at base.
func RepoClient(t testing.TB, base string, cred auth.ICredential) *codeartsrepo.CodeArtsRepoClient {
	t.Helper()
	return codeartsrepo.NewCodeArtsRepoClient(Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), base, cred, "", nil))
}

// StageClient is the SDK's ServiceStage client of the server at base.
func StageClient(t testing.TB, base string, cred auth.ICredential) *servicestage.ServiceStageClient {
	t.Helper()
	return servicestage.NewServiceStageClient(Client(t, servicestage.ServiceStageClientBuilder(), base, cred, "", nil))
}

// Client builds the SDK's HTTP client of b for the server at base, with
// cred. Every request is in session, when not "" (the session header); with
// seen, the SDK's own response hooks report every answer to it.
func Client(t testing.TB, b *core.HcHttpClientBuilder, base string, cred auth.ICredential, session string, seen *Answers) *core.HcHttpClient {
	t.Helper()
	b = b.WithEndpoints([]string{base}).WithCredential(cred)
	if _, ok := cred.(TokenCredential); ok {
		// The SDK checks the credential's type by its Go name.
		b = b.WithCredentialsType(fmt.Sprintf("%T", cred))
	}
	cfg := config.DefaultHttpConfig()
	if seen != nil {
		cfg = seen.config()
	}
	if session != "" {
		cfg = cfg.WithHttpRoundTripper(inSession{name: session, next: http.DefaultTransport})
	}
	hc, err := b.WithHttpConfig(cfg).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// inSession adds the session header to every request of an SDK.
type inSession struct {
	name string
	next http.RoundTripper
}

func (s inSession) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(sessions.Header, s.name)
	return s.next.RoundTrip(r)
}

// ServiceError asserts err is the SDK's *sdkerr.ServiceResponseError with
// the vendor's status and ErrorCode.
func ServiceError(t testing.TB, err error, status int, code string) *sdkerr.ServiceResponseError {
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

// CreateRepo is the SDK's request to create a repository in RepoProject.
func CreateRepo(name string) *repomodel.CreateRepositoryRequest {
	return &repomodel.CreateRepositoryRequest{Body: &repomodel.CreateRepoRequest{Name: name, ProjectUuid: RepoProject}}
}

// CreateFile is the SDK's request to create a file in repomock/group:app.
func CreateFile(path, content string) *stagemodel.CreateFileRequest {
	return &stagemodel.CreateFileRequest{
		XRepoAuth: RepoAuth,
		Namespace: "repomock",
		Project:   "group:app",
		Path:      path,
		Ref:       "master",
		Body:      &stagemodel.FileCreate{Message: "create a new file", Content: content},
	}
}

// FileSHA is a ServiceStage file's sha as the mock answers it: the SHA-256
// of the content, 64 hex digits (vendors.md §6).
func FileSHA(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Answers is what the SDK's own hooks report of each answer: the request
// id its monitor reads from X-Request-Id, and the body its response
// listener gets.
type Answers struct {
	mu     sync.Mutex
	ids    []string
	bodies []string
}

func (a *Answers) config() *config.HttpConfig {
	return config.DefaultHttpConfig().WithHttpHandler(httphandler.NewHttpHandler().
		AddResponseHandler(func(r http.Response) {
			body, _ := io.ReadAll(r.Body)
			a.mu.Lock()
			defer a.mu.Unlock()
			a.bodies = append(a.bodies, string(body))
		}).
		AddMonitorHandler(func(m *httphandler.MonitorMetric) {
			a.mu.Lock()
			defer a.mu.Unlock()
			a.ids = append(a.ids, m.RequestId)
		}))
}

// Last returns the request id and the body of the latest answer, and how
// many answers there were.
func (a *Answers) Last(t testing.TB) (id, body string, n int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.ids) == 0 || len(a.ids) != len(a.bodies) {
		t.Fatalf("the SDK reported %d request ids and %d bodies", len(a.ids), len(a.bodies))
	}
	return a.ids[len(a.ids)-1], a.bodies[len(a.bodies)-1], len(a.ids)
}

// GatewayBody is the API gateway's error body, naming the request ({id}).
func GatewayBody(code, msg string) string {
	return fmt.Sprintf(`{"error_code":%q,"error_msg":%q,"request_id":"{id}"}`, code, msg)
}

// CodeArtsBody is CodeArts Repo's error body.
func CodeArtsBody(code, msg string) string {
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q},"status":"failed"}`, code, msg)
}

// StageBody is ServiceStage's error body.
func StageBody(code, msg string) string {
	return fmt.Sprintf(`{"error_code":%q,"error_msg":%q}`, code, msg)
}

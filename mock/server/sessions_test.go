package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// live is a server on a real listener (no recorder in between: a reset
// fault needs the connection), with the SDK's credentials configured.
type live struct {
	t   *testing.T
	srv *server.Server
	url string
}

func newLive(t *testing.T, cfg server.Config) *live {
	t.Helper()
	if cfg.Vendors == nil {
		cfg.Vendors = sdkSettings.Vendors()
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &live{t: t, srv: srv, url: ts.URL}
}

// call sends a request and returns the status and the body; headers are
// name, value pairs.
func (l *live) call(method, target, body string, headers ...string) (int, string) {
	l.t.Helper()
	req, err := http.NewRequest(method, l.url+target, strings.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// admin calls the admin API and decodes a JSON answer into out.
func (l *live) admin(method, path, body string, wantStatus int, out any) {
	l.t.Helper()
	status, raw := l.call(method, path, body)
	if status != wantStatus {
		l.t.Fatalf("%s %s: %d %s, want %d", method, path, status, raw, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			l.t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
}

// signed sends a request signed with the SDK's AK/SK over its path as sent.
func (l *live) signed(method, target, body string, headers ...string) (int, string) {
	l.t.Helper()
	req, err := http.NewRequest(method, l.url+target, strings.NewReader(body))
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	sdkhmac.Sign(req, []byte(body), sdkAK, sdkSK, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
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

// sdkAt builds a Huawei SDK client of base in session (none when "").
// With seen, the SDK's response hooks report every answer to it.
func sdkAt(t *testing.T, b *core.HcHttpClientBuilder, base, session string, seen *answers) *core.HcHttpClient {
	t.Helper()
	cfg := config.DefaultHttpConfig().WithRetries(0)
	if seen != nil {
		cfg = seen.config()
	}
	if session != "" {
		cfg = cfg.WithHttpRoundTripper(inSession{name: session, next: http.DefaultTransport})
	}
	hc, err := b.WithEndpoints([]string{base}).WithCredential(akskCredential(t, sdkAK, sdkSK)).WithHttpConfig(cfg).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func repoAt(t *testing.T, base, session string) *codeartsrepo.CodeArtsRepoClient {
	return codeartsrepo.NewCodeArtsRepoClient(sdkAt(t, codeartsrepo.CodeArtsRepoClientBuilder(), base, session, nil))
}

func stageAt(t *testing.T, base, session string) *servicestage.ServiceStageClient {
	return servicestage.NewServiceStageClient(sdkAt(t, servicestage.ServiceStageClientBuilder(), base, session, nil))
}

const endorCreate = `{"meta":{"name":"%s","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"%s","type":"CONTEXT_TYPE_REF"}}`

// TestSessionsIsolateParallelTests runs 32 tests at once against one
// server, each in its own session (the even ones by path prefix, the odd
// ones by header for Endor), each writing to every vendor: each sees its
// own objects and nothing else. The Huawei SDK signs the prefixed path,
// and the server verifies it.
func TestSessionsIsolateParallelTests(t *testing.T) {
	l := newLive(t, server.Config{Clock: time.Now})
	for i := range 32 {
		name := fmt.Sprintf("test-%02d", i)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			endor := func(method, path, body string) (int, string) {
				if i%2 == 0 {
					return l.call(method, sessions.Prefix+name+path, body, "Authorization", "Bearer tok")
				}
				return l.call(method, path, body, "Authorization", "Bearer tok", sessions.Header, name)
			}
			ns := "/v1/namespaces/acme.prod/repository-versions"
			for _, v := range []string{"main", name} {
				if status, raw := endor(http.MethodPost, ns, fmt.Sprintf(endorCreate, v, v)); status != http.StatusOK {
					t.Fatalf("endor create: %d %s", status, raw)
				}
			}
			status, raw := endor(http.MethodGet, ns, "")
			var list struct {
				List struct {
					Objects []struct {
						Meta struct{ Name string } `json:"meta"`
					} `json:"objects"`
				} `json:"list"`
			}
			if err := json.Unmarshal([]byte(raw), &list); status != http.StatusOK || err != nil {
				t.Fatalf("endor list: %d %s", status, raw)
			}
			var names []string
			for _, o := range list.List.Objects {
				names = append(names, o.Meta.Name)
			}
			if want := []string{"main", name}; fmt.Sprint(names) != fmt.Sprint(want) {
				t.Errorf("endor sees %v, want %v", names, want)
			}

			if i%2 == 0 {
				// By prefix, signed over the prefixed path as a client
				// whose endpoint keeps its path would sign it.
				huawei := func(path, body string, headers ...string) {
					t.Helper()
					if status, raw := l.signed(http.MethodPost, sessions.Prefix+name+path, body, headers...); status != http.StatusOK {
						t.Fatalf("POST %s: %d %s", path, status, raw)
					}
				}
				huawei("/v1/repositories", `{"project_uuid":"`+repoProject+`","name":"shared-name"}`)
				for _, p := range []string{"app:" + name + ".txt", "app:same.txt"} {
					huawei("/v1/"+sdkProjectID+"/git/files/repomock/group:app/"+p+"?ref=master", `{"message":"m","content":"aGk="}`, "X-Repo-Auth", repoAuthName)
				}
			} else {
				// The official SDK sets the path itself (it keeps only the
				// endpoint's scheme and host): it names its session with
				// the header, which a round tripper adds.
				repos := repoAt(t, l.url, name)
				if _, err := repos.CreateRepository(createRepo("shared-name")); err != nil {
					t.Fatalf("codearts create (same name in every session): %v", err)
				}
				stage := stageAt(t, l.url, name)
				for _, p := range []string{"app:" + name + ".txt", "app:same.txt"} {
					if _, err := stage.CreateFile(createFile(p, "aGk=")); err != nil {
						t.Fatalf("servicestage create %s (same.txt in every session): %v", p, err)
					}
				}
			}
			// Read back through the SDK in the session.
			repos := repoAt(t, l.url, name)
			//lint:ignore SA1019 the list read-back of the vendor's notes
			all, err := repos.GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: repoProject})
			if err != nil || all.Result == nil || *all.Result.Total != 1 {
				t.Errorf("codearts sees %+v, %v; want its one repository", all, err)
			}
			file, err := stageAt(t, l.url, name).ShowContent(&stagemodel.ShowContentRequest{XRepoAuth: repoAuthName, Namespace: "repomock", Project: "group:app", Path: "app:" + name + ".txt", Ref: "master"})
			if err != nil || file.Content == nil {
				t.Errorf("servicestage read back: %+v, %v", file, err)
			}
		})
	}
	t.Cleanup(func() {
		var got struct{ Sessions []sessions.Info }
		l.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
		if len(got.Sessions) != 32 {
			t.Fatalf("%d sessions listed, want 32: %+v", len(got.Sessions), got.Sessions)
		}
		for _, s := range got.Sessions {
			if want := map[string]int{"endor": 2, "codearts": 1, "servicestage": 2}; fmt.Sprint(s.Objects) != fmt.Sprint(want) {
				t.Errorf("session %s: objects %v, want %v", s.Name, s.Objects, want)
			}
		}
	})
}

func TestSessionNames(t *testing.T) {
	l := newLive(t, server.Config{})
	ns := "/v1/namespaces/acme.prod/repository-versions"
	cases := []struct {
		name, target string
		headers      []string
		status       int
		body         string
	}{
		{"too long, by prefix", sessions.Prefix + strings.Repeat("a", 65) + ns, nil, 400,
			`{"code":3,"message":"session name \"` + strings.Repeat("a", 65) + `\": must be 1 to 64 characters of A-Z a-z 0-9 . _ -","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`},
		{"a space, by header", ns, []string{sessions.Header, "a b"}, 400,
			`{"code":3,"message":"session name \"a b\": must be 1 to 64 characters of A-Z a-z 0-9 . _ -","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`},
		{"empty, by prefix", sessions.Prefix + ns, nil, 400, ""},
		{"CodeArts shape", sessions.Prefix + "a*b/v1/repositories", []string{"X-Auth-Token", "t"}, 400,
			`{"error":{"code":"CH.010001","message":"session name \"a*b\": must be 1 to 64 characters of A-Z a-z 0-9 . _ -"},"status":"failed"}`},
		{"64 characters", sessions.Prefix + strings.Repeat("A", 60) + "._-9" + ns, nil, 200, ""},
		{"admin is not in a session", sessions.Prefix + "s1/__admin/sessions", nil, 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			headers := append([]string{"Authorization", "Bearer tok"}, tc.headers...)
			status, raw := l.call(http.MethodGet, tc.target, "", headers...)
			if status != tc.status {
				t.Fatalf("status %d %s, want %d", status, raw, tc.status)
			}
			if tc.body != "" {
				jsonEqual(t, raw, tc.body)
			}
		})
	}
}

func TestSessionAdmin(t *testing.T) {
	l := newLive(t, server.Config{})
	ns := "/v1/namespaces/acme.prod/repository-versions"
	create := func(session, name string) {
		t.Helper()
		if status, raw := l.call(http.MethodPost, sessions.Prefix+session+ns, fmt.Sprintf(endorCreate, name, name), "Authorization", "Bearer tok"); status != 200 {
			t.Fatalf("create: %d %s", status, raw)
		}
	}
	create("a", "one")
	create("a", "two")
	create("b", "one")
	l.admin(http.MethodPost, "/__admin/faults", `{"session":"a","kind":"delay","delay_ms":1}`, http.StatusCreated, nil)

	var got struct{ Sessions []sessions.Info }
	l.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
	want := `[{a map[endor:2] 2 1} {b map[endor:1] 1 0}]`
	if fmt.Sprint(got.Sessions) != want {
		t.Fatalf("sessions %v, want %v", got.Sessions, want)
	}

	// Reset of one session: its objects, journal and faults go; b stays.
	l.admin(http.MethodPost, "/__admin/reset?session=a", "", http.StatusOK, nil)
	l.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
	if want := `[{b map[endor:1] 1 0}]`; fmt.Sprint(got.Sessions) != want {
		t.Fatalf("after reset of a: %v, want %v", got.Sessions, want)
	}
	l.admin(http.MethodDelete, "/__admin/sessions/b", "", http.StatusNoContent, nil)
	l.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
	if len(got.Sessions) != 0 {
		t.Fatalf("after delete of b: %v", got.Sessions)
	}
	l.admin(http.MethodDelete, "/__admin/sessions/a%20b", "", http.StatusBadRequest, nil)
	l.admin(http.MethodPost, "/__admin/reset?session=a/b", "", http.StatusBadRequest, nil)

	// Without session, reset resets all.
	create("c", "x")
	l.admin(http.MethodPost, "/__admin/reset", "", http.StatusOK, nil)
	l.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
	if len(got.Sessions) != 0 {
		t.Fatalf("after reset: %v", got.Sessions)
	}
}

// TestSessionFixtures: a new session starts with the fixtures loaded.
func TestSessionFixtures(t *testing.T) {
	l := newLive(t, server.Config{FixturesDir: "../../fixtures"})
	count := func(prefix string) string {
		_, raw := l.call(http.MethodGet, prefix+"/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true", "", "Authorization", "Bearer tok")
		return raw
	}
	fresh := count(sessions.Prefix + "fresh")
	if def := count(""); fresh != def || !bytes.Contains([]byte(fresh), []byte(`"count":`)) {
		t.Fatalf("a fresh session counts %s, the default session %s", fresh, def)
	}
}

// TestSessionSignatureCoversThePrefix: the gateway verifies a signature over
// the path the client sent, prefix included, not over the vendor path.
func TestSessionSignatureCoversThePrefix(t *testing.T) {
	l := newLive(t, server.Config{Clock: time.Now})
	body := `{"project_uuid":"` + repoProject + `","name":"signed"}`
	if status, raw := l.signed(http.MethodPost, sessions.Prefix+"s1/v1/repositories", body); status != http.StatusOK {
		t.Fatalf("signed over the prefixed path: %d %s", status, raw)
	}
	// Signed over the vendor path, sent with the prefix: refused.
	req, err := http.NewRequest(http.MethodPost, l.url+"/v1/repositories", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sdkhmac.Sign(req, []byte(body), sdkAK, sdkSK, time.Now())
	req.URL.Path = sessions.Prefix + "s1/v1/repositories"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(raw), `"error_code":"APIGW.0301"`) || !strings.Contains(string(raw), "signature does not match") {
		t.Fatalf("signed over another path: %d %s, want 401 APIGW.0301", resp.StatusCode, raw)
	}
}

// TestSessionsSurviveTheStateFile: a session's objects are saved with the
// state and loaded by the next server; faults and the journal are not.
func TestSessionsSurviveTheStateFile(t *testing.T) {
	file := t.TempDir() + "/state.json"
	first := newLive(t, server.Config{StateFile: file})
	if o := first.endor(http.MethodPost, "kept", "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endorCreate, "x", "x")); o.status != http.StatusOK {
		t.Fatalf("create: %v", o)
	}
	first.inject(`{"session":"kept","kind":"reset"}`)
	if err := first.srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	second := newLive(t, server.Config{StateFile: file})
	var got struct{ Sessions []sessions.Info }
	second.admin(http.MethodGet, "/__admin/sessions", "", http.StatusOK, &got)
	if want := `[{kept map[endor:1] 0 0}]`; fmt.Sprint(got.Sessions) != want {
		t.Fatalf("sessions after a restart: %v, want %v (objects kept; no journal, no fault)", got.Sessions, want)
	}
}

// TestSessionIssuedTokens: a token from POST /v1/auth/api-key works in the
// session it was issued in and nowhere else (the issue: each session has
// its own issued tokens), goes with its session, and survives the state file.
func TestSessionIssuedTokens(t *testing.T) {
	file := t.TempDir() + "/state.json"
	l := newLive(t, server.Config{StateFile: file, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "configured"}}, HuaweiCredentials: sdkSettings.HuaweiCredentials, RepoAuths: sdkSettings.RepoAuths}.Vendors()})
	issue := func(session string) string {
		t.Helper()
		status, raw := l.call(http.MethodPost, sessions.Prefix+session+"/v1/auth/api-key", `{"key":"endr+k","secret":"endr+s"}`)
		var got struct{ Token string }
		if status != http.StatusOK || json.Unmarshal([]byte(raw), &got) != nil || got.Token == "" {
			t.Fatalf("api-key in %q: %d %s", session, status, raw)
		}
		return got.Token
	}
	check := func(l *live, prefix, token string) int {
		t.Helper()
		status, _ := l.call(http.MethodGet, prefix+"/v1/auth", "", "Authorization", "Bearer "+token)
		return status
	}
	a := issue("a")
	for _, c := range []struct {
		prefix string
		want   int
	}{
		{sessions.Prefix + "a", http.StatusOK},
		{sessions.Prefix + "b", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		if got := check(l, c.prefix, a); got != c.want {
			t.Errorf("a's token at %q: %d, want %d", c.prefix, got, c.want)
		}
	}
	if status, _ := l.call(http.MethodGet, "/v1/auth", "", "Authorization", "Bearer "+a, sessions.Header, "a"); status != http.StatusOK {
		t.Errorf("a's token with the header %s: a: %d, want 200", sessions.Header, status)
	}

	b := issue("b")
	if err := l.srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	restarted := newLive(t, server.Config{StateFile: file, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "configured"}}, HuaweiCredentials: sdkSettings.HuaweiCredentials, RepoAuths: sdkSettings.RepoAuths}.Vendors()})
	if got := check(restarted, sessions.Prefix+"a", a); got != http.StatusOK {
		t.Errorf("a's token in a after a restart: %d, want 200", got)
	}
	if got := check(restarted, sessions.Prefix+"a", b); got != http.StatusUnauthorized {
		t.Errorf("b's token in a after a restart: %d, want 401", got)
	}

	l.admin(http.MethodDelete, "/__admin/sessions/a", "", http.StatusNoContent, nil)
	if got := check(l, sessions.Prefix+"a", a); got != http.StatusUnauthorized {
		t.Errorf("a's token after its session was deleted: %d, want 401", got)
	}
	if got := check(l, sessions.Prefix+"b", b); got != http.StatusOK {
		t.Errorf("b's token after a was deleted: %d, want 200", got)
	}
}

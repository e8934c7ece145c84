package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	codeartsrepo "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	servicestage "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// newLive starts a server on a real listener (no recorder in between: a
// reset fault needs the connection), on the wall clock, with the SDK's
// credentials configured; a request that names no header carries none.
func newLive(t *testing.T, cfg server.Config) *servertest.Server {
	t.Helper()
	if cfg.Vendors == nil {
		cfg.Vendors = huaweitest.Settings().Vendors()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return servertest.New(t, cfg, vendorstest.Live(), vendorstest.Auth())
}

// signed is the headers of a request signed with the SDK's AK/SK over its
// path as sent to l, and headers.
func signed(l *servertest.Server, method, target, body string, headers ...string) []string {
	l.T.Helper()
	req, err := http.NewRequest(method, l.URL+target, strings.NewReader(body))
	if err != nil {
		l.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	sdkhmac.Sign(req, []byte(body), huaweitest.AK, huaweitest.SK, time.Now())
	var out []string
	for name, vs := range req.Header {
		out = append(out, name, vs[0])
	}
	return out
}

func repoAt(t *testing.T, base, session string) *codeartsrepo.CodeArtsRepoClient {
	return codeartsrepo.NewCodeArtsRepoClient(huaweitest.Client(t, codeartsrepo.CodeArtsRepoClientBuilder(), base, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK), session, nil))
}

func stageAt(t *testing.T, base, session string) *servicestage.ServiceStageClient {
	return servicestage.NewServiceStageClient(huaweitest.Client(t, servicestage.ServiceStageClientBuilder(), base, huaweitest.Credential(t, huaweitest.AK, huaweitest.SK), session, nil))
}

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
					return l.Do(method, sessions.Prefix+name+path, body, "Content-Type", "application/json", "Authorization", "Bearer tok").Result()
				}
				return l.Do(method, path, body, "Content-Type", "application/json", "Authorization", "Bearer tok", sessions.Header, name).Result()
			}
			ns := "/v1/namespaces/acme.prod/repository-versions"
			for _, v := range []string{"main", name} {
				if status, raw := endor(http.MethodPost, ns, fmt.Sprintf(endortest.CreateBody, v, v)); status != http.StatusOK {
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
					if status, raw := l.Do(http.MethodPost, sessions.Prefix+name+path, body, signed(l, http.MethodPost, sessions.Prefix+name+path, body, headers...)...).Result(); status != http.StatusOK {
						t.Fatalf("POST %s: %d %s", path, status, raw)
					}
				}
				huawei("/v1/repositories", `{"project_uuid":"`+huaweitest.RepoProject+`","name":"shared-name"}`)
				for _, p := range []string{"app:" + name + ".txt", "app:same.txt"} {
					huawei("/v1/"+huaweitest.ProjectID+"/git/files/repomock/group:app/"+p+"?ref=master", `{"message":"m","content":"aGk="}`, "X-Repo-Auth", huaweitest.RepoAuth)
				}
			} else {
				// The official SDK sets the path itself (it keeps only the
				// endpoint's scheme and host): it names its session with
				// the header, which a round tripper adds.
				repos := repoAt(t, l.URL, name)
				if _, err := repos.CreateRepository(huaweitest.CreateRepo("shared-name")); err != nil {
					t.Fatalf("codearts create (same name in every session): %v", err)
				}
				stage := stageAt(t, l.URL, name)
				for _, p := range []string{"app:" + name + ".txt", "app:same.txt"} {
					if _, err := stage.CreateFile(huaweitest.CreateFile(p, "aGk=")); err != nil {
						t.Fatalf("servicestage create %s (same.txt in every session): %v", p, err)
					}
				}
			}
			// Read back through the SDK in the session.
			repos := repoAt(t, l.URL, name)
			//lint:ignore SA1019 the list read-back of the vendor's notes
			all, err := repos.GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: huaweitest.RepoProject})
			if err != nil || all.Result == nil || *all.Result.Total != 1 {
				t.Errorf("codearts sees %+v, %v; want its one repository", all, err)
			}
			file, err := stageAt(t, l.URL, name).ShowContent(&stagemodel.ShowContentRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Path: "app:" + name + ".txt", Ref: "master"})
			if err != nil || file.Content == nil {
				t.Errorf("servicestage read back: %+v, %v", file, err)
			}
		})
	}
	t.Cleanup(func() {
		var got struct{ Sessions []sessions.Info }
		l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
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
			status, raw := l.Do(http.MethodGet, tc.target, "", headers...).Result()
			if status != tc.status {
				t.Fatalf("status %d %s, want %d", status, raw, tc.status)
			}
			if tc.body != "" {
				vendorstest.JSONEqual(t, raw, tc.body)
			}
		})
	}
}

func TestSessionAdmin(t *testing.T) {
	l := newLive(t, server.Config{})
	ns := "/v1/namespaces/acme.prod/repository-versions"
	create := func(session, name string) {
		t.Helper()
		if status, raw := l.Do(http.MethodPost, sessions.Prefix+session+ns, fmt.Sprintf(endortest.CreateBody, name, name), "Content-Type", "application/json", "Authorization", "Bearer tok").Result(); status != 200 {
			t.Fatalf("create: %d %s", status, raw)
		}
	}
	create("a", "one")
	create("a", "two")
	create("b", "one")
	l.Do(http.MethodPost, "/__admin/faults", `{"session":"a","kind":"delay","delay_ms":1}`).Decode(l.T, http.StatusCreated, nil)
	l.Do(http.MethodPost, "/__admin/stubs", `{"session":"a","request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0403"}}}`).Decode(l.T, http.StatusCreated, nil)
	l.Do(http.MethodPost, "/__admin/stubs", `{"session":"*","request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0403"}}}`).Decode(l.T, http.StatusCreated, nil)

	var got struct{ Sessions []sessions.Info }
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	want := `[{a map[endor:2] 2 1 1} {b map[endor:1] 1 0 0}]`
	if fmt.Sprint(got.Sessions) != want {
		t.Fatalf("sessions %v, want %v", got.Sessions, want)
	}

	// Reset of one session: its objects, journal, faults and stubs go; b stays.
	l.Do(http.MethodPost, "/__admin/reset?session=a", "").Decode(l.T, http.StatusOK, nil)
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	if want := `[{b map[endor:1] 1 0 0}]`; fmt.Sprint(got.Sessions) != want {
		t.Fatalf("after reset of a: %v, want %v", got.Sessions, want)
	}
	l.Do(http.MethodDelete, "/__admin/sessions/b", "").Decode(l.T, http.StatusNoContent, nil)
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Sessions) != 0 {
		t.Fatalf("after delete of b: %v", got.Sessions)
	}
	l.Do(http.MethodDelete, "/__admin/sessions/a%20b", "").Decode(l.T, http.StatusBadRequest, nil)
	l.Do(http.MethodPost, "/__admin/reset?session=a/b", "").Decode(l.T, http.StatusBadRequest, nil)

	// Without session, reset resets all.
	create("c", "x")
	l.Do(http.MethodPost, "/__admin/reset", "").Decode(l.T, http.StatusOK, nil)
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Sessions) != 0 {
		t.Fatalf("after reset: %v", got.Sessions)
	}
}

// TestSessionFixtures: a new session starts with the fixtures loaded.
func TestSessionFixtures(t *testing.T) {
	l := newLive(t, server.Config{FixturesDir: "../../fixtures"})
	count := func(prefix string) string {
		_, raw := l.Do(http.MethodGet, prefix+"/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true", "", "Authorization", "Bearer tok").Result()
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
	body := `{"project_uuid":"` + huaweitest.RepoProject + `","name":"signed"}`
	if status, raw := l.Do(http.MethodPost, sessions.Prefix+"s1/v1/repositories", body, signed(l, http.MethodPost, sessions.Prefix+"s1/v1/repositories", body)...).Result(); status != http.StatusOK {
		t.Fatalf("signed over the prefixed path: %d %s", status, raw)
	}
	// Signed over the vendor path, sent with the prefix: refused.
	req, err := http.NewRequest(http.MethodPost, l.URL+"/v1/repositories", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sdkhmac.Sign(req, []byte(body), huaweitest.AK, huaweitest.SK, time.Now())
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
	if o := endorCall(first, http.MethodPost, "kept", "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endortest.CreateBody, "x", "x")); o.status != http.StatusOK {
		t.Fatalf("create: %v", o)
	}
	inject(first, `{"session":"kept","kind":"reset"}`)
	if err := first.Srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	second := newLive(t, server.Config{StateFile: file})
	var got struct{ Sessions []sessions.Info }
	second.Do(http.MethodGet, "/__admin/sessions", "").Decode(second.T, http.StatusOK, &got)
	if want := `[{kept map[endor:1] 0 0 0}]`; fmt.Sprint(got.Sessions) != want {
		t.Fatalf("sessions after a restart: %v, want %v (objects kept; no journal, no fault, no stub)", got.Sessions, want)
	}
}

// TestSessionIssuedTokens: a token from POST /v1/auth/api-key works in the
// session it was issued in and nowhere else (the issue: each session has
// its own issued tokens), goes with its session, and survives the state file.
func TestSessionIssuedTokens(t *testing.T) {
	file := t.TempDir() + "/state.json"
	l := newLive(t, server.Config{StateFile: file, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "configured"}}, HuaweiCredentials: huaweitest.Settings().HuaweiCredentials, RepoAuths: huaweitest.Settings().RepoAuths}.Vendors()})
	issue := func(session string) string {
		t.Helper()
		status, raw := l.Do(http.MethodPost, sessions.Prefix+session+"/v1/auth/api-key", `{"key":"endr+k","secret":"endr+s"}`).Result()
		var got struct{ Token string }
		if status != http.StatusOK || json.Unmarshal([]byte(raw), &got) != nil || got.Token == "" {
			t.Fatalf("api-key in %q: %d %s", session, status, raw)
		}
		return got.Token
	}
	check := func(l *servertest.Server, prefix, token string) int {
		t.Helper()
		status, _ := l.Do(http.MethodGet, prefix+"/v1/auth", "", "Authorization", "Bearer "+token).Result()
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
	if status, _ := l.Do(http.MethodGet, "/v1/auth", "", "Authorization", "Bearer "+a, sessions.Header, "a").Result(); status != http.StatusOK {
		t.Errorf("a's token with the header %s: a: %d, want 200", sessions.Header, status)
	}

	b := issue("b")
	if err := l.Srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	restarted := newLive(t, server.Config{StateFile: file, Vendors: vendorstest.Settings{EndorTokens: []endor.Token{{Value: "configured"}}, HuaweiCredentials: huaweitest.Settings().HuaweiCredentials, RepoAuths: huaweitest.Settings().RepoAuths}.Vendors()})
	if got := check(restarted, sessions.Prefix+"a", a); got != http.StatusOK {
		t.Errorf("a's token in a after a restart: %d, want 200", got)
	}
	if got := check(restarted, sessions.Prefix+"a", b); got != http.StatusUnauthorized {
		t.Errorf("b's token in a after a restart: %d, want 401", got)
	}

	l.Do(http.MethodDelete, "/__admin/sessions/a", "").Decode(l.T, http.StatusNoContent, nil)
	if got := check(l, sessions.Prefix+"a", a); got != http.StatusUnauthorized {
		t.Errorf("a's token after its session was deleted: %d, want 401", got)
	}
	if got := check(l, sessions.Prefix+"b", b); got != http.StatusOK {
		t.Errorf("b's token after a was deleted: %d, want 200", got)
	}
}

package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/stubs"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
)

const (
	endorGet = "/v1/namespaces/acme.prod/repository-versions/656e69058032bf0abaaeb681"
	// endorObject is a repository version as Endor's get answers it, as
	// far as a stub gives it (the vendor writes the empty fields).
	endorObject = `{"uuid":"656e69058032bf0abaaeb681","meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600","kind":"RepositoryVersion"},` +
		`"tenant_meta":{"namespace":"acme.prod"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
	// endorCompact is endorObject as the vendor's jsoncompact writes it.
	endorCompact = `{"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"meta":{"kind":"RepositoryVersion","name":"main","parent_uuid":"656e69058032bf0abaaeb600"},` +
		`"tenant_meta":{"namespace":"acme.prod"},"uuid":"656e69058032bf0abaaeb681"}`
	stagePath = "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/app:f.txt"
)

// addStub adds a stub and returns its id, failing the test unless it is made.
func addStub(t *testing.T, s *servertest.Server, body string) string {
	t.Helper()
	var st stubs.Stub
	s.Do(http.MethodPost, "/__admin/stubs", body).Decode(t, http.StatusCreated, &st)
	return st.ID
}

// TestStubRefusedWhenItBreaksTheSpec: a stub's answer is checked against
// its operation's spec when it is made, and a 400 names each violation,
// in the words of the pipeline's checks; nothing is held.
func TestStubRefusedWhenItBreaksTheSpec(t *testing.T) {
	s := servertest.New(t, server.Config{})
	for _, tc := range []struct {
		name, stub string
		want       []string // each in the message
	}{
		{"endor field of the wrong type",
			`{"request":{"operation":"RepositoryVersionService_GetRepositoryVersion"},"response":{"body":{"uuid":"656e69058032bf0abaaeb681","meta":{"name":7}}}}`,
			[]string{"meta.name: ", "string"}},
		{"codearts uuid that is not a string",
			`{"request":{"method":"POST","path":"/v1/repositories"},"response":{"body":{"result":{"repository_uuid":42},"status":"success"}}}`,
			[]string{"result.repository_uuid: ", "string"}},
		{"servicestage status the spec does not document",
			`{"request":{"operation":"CreateFile"},"response":{"status":201,"body":{"path":"app/f.txt"}}}`,
			[]string{"response.status: the spec of CreateFile documents no 201; it documents 200, 400, 401, 404, 413"}},
		{"codearts code at a status the operation does not document",
			`{"request":{"operation":"CreateRepository"},"response":{"error":{"code":"CH.080504"}}}`,
			[]string{"response.error: Huawei CodeArts Repo answers the code CH.080504 with 504, which the spec of CreateRepository does not document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(http.MethodPost, "/__admin/stubs", tc.stub)
			msg := r.JSON["message"]
			if r.Status != http.StatusBadRequest {
				t.Fatalf("%d %s, want 400", r.Status, r.Raw)
			}
			for _, w := range tc.want {
				if !strings.Contains(fmt.Sprint(msg), w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
		})
	}
	if list := s.Do(http.MethodGet, "/__admin/stubs", nil).OK(t); list != `{"stubs":[]}` {
		t.Errorf("stubs after the refusals: %s", list)
	}
}

// TestStubAnswers: a stub answers in the vendor's place, written as the
// vendor writes its answers; one that names a vendor's error code is the
// vendor's own body for it, compared whole with the vendor's words; the
// journal says which stub answered.
func TestStubAnswers(t *testing.T) {
	s := servertest.New(t, server.Config{})
	for _, tc := range []struct {
		name, stub         string
		method, target     string
		headers            []string
		status             int
		body               string
		requestIDInTheBody bool // the Huawei gateway names the request in its body
	}{
		{name: "endor object, its empty fields written as the vendor's JSON writes them",
			stub:   `{"request":{"method":"GET","path":"` + endorGet + `"},"response":{"body":` + endorObject + `}}`,
			method: http.MethodGet, target: endorGet, status: http.StatusOK,
			body: `{"context":{"id":"main","tags":[],"type":"CONTEXT_TYPE_REF"},"meta":{"annotations":{},"created_by":"","description":"","kind":"RepositoryVersion","name":"main","parent_kind":"","parent_uuid":"656e69058032bf0abaaeb600","references":{},"tags":[],"updated_by":"","version":""},"tenant_meta":{"namespace":"acme.prod"},"uuid":"656e69058032bf0abaaeb681"}`},
		{name: "endor list of two objects and a next page",
			stub: `{"request":{"operation":"RepositoryVersionService_ListRepositoryVersions","query":{"list_parameters.page_size":"2"}},` +
				`"response":{"body":{"list":{"objects":[` + endorObject + `,` + endorObject + `],"response":{"next_page_token":2}}}}}`,
			method: http.MethodGet, target: endortest.Path + "?list_parameters.page_size=2", headers: []string{"Authorization", servertest.Token, "Content-Type", "application/jsoncompact"},
			status: http.StatusOK,
			body:   `{"list":{"objects":[` + endorCompact + `,` + endorCompact + `],"response":{"next_page_token":2}}}`},
		// vendors.md §1: unknown route, 404 {"code":5,"message":"Not Found"}, testdata/endor/unknown-route.json.
		{name: "endor not found by its code",
			stub:   `{"request":{"operation":"RepositoryVersionService_GetRepositoryVersion","path_params":{"uuid":"656e69058032bf0abaaeb6ff"}},"response":{"error":{"code":5}}}`,
			method: http.MethodGet, target: endortest.Path + "/656e69058032bf0abaaeb6ff", status: http.StatusNotFound,
			body: strings.TrimSpace(endortest.Golden("unknown-route.json"))},
		// vendors.md §1: 400 code 3, the HTTPErrorInfo detail with the status.
		{name: "endor code by its gRPC name, with a message",
			stub:   `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion"},"response":{"error":{"code":"INVALID_ARGUMENT","message":"invalid RepositoryVersion.Meta: value is required"}}}`,
			method: http.MethodPost, target: endortest.Path, status: http.StatusBadRequest,
			body: endortest.Code3("invalid RepositoryVersion.Meta: value is required")},
		// vendors.md §2: 404 CH.000404, {"error":{"code","message"},"status":"failed"}.
		{name: "codearts not found by its code",
			stub:   `{"request":{"operation":"ShowRepositoryByUuid"},"response":{"error":{"code":"CH.000404"}}}`,
			method: http.MethodGet, target: "/v2/repositories/0123456789abcdef0123456789abcdef", headers: []string{"X-Auth-Token", "t"},
			status: http.StatusNotFound, body: huaweitest.CodeArtsBody("CH.000404", "Not Found")},
		// vendors.md §3: the gateway's 401 APIGW.0301, naming the request.
		{name: "codearts behind the gateway's 401",
			stub:   `{"request":{"operation":"CreateRepository"},"response":{"error":{"code":"APIGW.0301","message":"Incorrect IAM authentication information: token expired"}}}`,
			method: http.MethodPost, target: "/v1/repositories", headers: []string{"X-Auth-Token", "t", "Content-Type", "application/json"},
			status: http.StatusUnauthorized, body: huaweitest.GatewayBody("APIGW.0301", "Incorrect IAM authentication information: token expired"), requestIDInTheBody: true},
		// vendors.md §3: every SVCSTG.REPO code is HTTP 400; 0403 resource already exist.
		{name: "servicestage file exists by its code",
			stub:   `{"request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0403"}}}`,
			method: http.MethodPost, target: stagePath + "?ref=master", headers: []string{"X-Auth-Token", "t", "X-Repo-Auth", huaweitest.RepoAuth, "Content-Type", "application/json"},
			status: http.StatusBadRequest, body: huaweitest.StageBody("SVCSTG.REPO.0403", "resource already exist")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := addStub(t, s, tc.stub)
			var body any
			switch tc.method {
			case http.MethodPost:
				body = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
				if strings.HasPrefix(tc.target, "/v1/repositories") {
					body = `{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demo"}`
				} else if strings.HasPrefix(tc.target, "/v1/0123") {
					body = `{"message":"add","content":"aGk="}`
				}
			}
			r := s.Do(tc.method, tc.target, body, tc.headers...)
			want := tc.body
			if tc.requestIDInTheBody {
				want = strings.ReplaceAll(want, "{id}", r.Header.Get("X-Request-Id"))
			}
			if status, got := r.Result(); status != tc.status || got != want {
				t.Errorf("%d %s\nwant %d %s", status, got, tc.status, want)
			}
			e := s.Journal("?limit=1")[0]
			if e.Verdict != journal.VerdictStubbed || e.Stub != id || e.Status != tc.status {
				t.Errorf("journal: verdict %s, stub %q, status %d; want stubbed by %s", e.Verdict, e.Stub, e.Status, id)
			}
			s.Do(http.MethodDelete, "/__admin/stubs/"+id, nil).Decode(t, http.StatusNoContent, nil)
		})
	}
}

// TestStubSessions: a stub answers in its session only; one of every
// session ("*") answers in each; a session's reset drops its stubs.
func TestStubSessions(t *testing.T) {
	s := servertest.New(t, server.Config{})
	get := func(session string) (int, string) {
		return s.Do(http.MethodGet, "/__sessions/"+session+endorGet, nil).Result()
	}
	addStub(t, s, `{"session":"a","request":{"method":"GET","path":"`+endorGet+`"},"response":{"error":{"code":"PERMISSION_DENIED"}}}`)
	if status, _ := get("a"); status != http.StatusForbidden {
		t.Errorf("session a: %d, want its stub's 403", status)
	}
	if status, body := get("b"); status != http.StatusNotFound || !strings.Contains(body, "not found in namespace") {
		t.Errorf("session b: %d %s, want the fake's 404", status, body)
	}
	if e := s.Journal("?session=b")[0]; e.Verdict != journal.VerdictPassed || e.Stub != "" {
		t.Errorf("session b's journal: %s by %q, want passed (a 404 of an operation) by no stub", e.Verdict, e.Stub)
	}
	addStub(t, s, `{"session":"*","request":{"method":"GET","path":"`+endorGet+`"},"response":{"error":{"code":"UNAVAILABLE"}}}`)
	for _, session := range []string{"a", "b", "c"} {
		if status, _ := get(session); status != http.StatusServiceUnavailable {
			t.Errorf("session %s: %d, want the newest stub's 503", session, status)
		}
	}
	var report struct {
		Sessions []struct {
			Name  string
			Stubs int
		}
	}
	s.Do(http.MethodGet, "/__admin/sessions", nil).Decode(t, http.StatusOK, &report)
	if !strings.Contains(fmt.Sprint(report.Sessions), "{a 1}") {
		t.Errorf("sessions %v: want a with 1 stub", report.Sessions)
	}
	s.Do(http.MethodPost, "/__admin/reset?session=a", nil).Decode(t, http.StatusOK, nil)
	var list struct{ Stubs []stubs.Stub }
	s.Do(http.MethodGet, "/__admin/stubs", nil).Decode(t, http.StatusOK, &list)
	if len(list.Stubs) != 1 || list.Stubs[0].Session != stubs.AllSessions {
		t.Errorf("stubs after session a's reset: %+v, want only every session's", list.Stubs)
	}
}

// TestStubMatching: a stub answers the requests whose path parameters,
// query and body (a part of it) hold its own, the newest first; the
// others reach the fake.
func TestStubMatching(t *testing.T) {
	s := servertest.New(t, server.Config{})
	create := func(name string) int {
		status, _ := s.Do(http.MethodPost, endortest.Path, fmt.Sprintf(endortest.CreateBody, name, name)).Result()
		return status
	}
	addStub(t, s, `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion","body":{"meta":{"name":"taken"},"context":{"type":"CONTEXT_TYPE_REF"}}},"response":{"error":{"code":6}}}`)
	addStub(t, s, `{"request":{"operation":"RepositoryVersionService_ListRepositoryVersions","path_params":{"tenant_meta.namespace":"acme.prod"},"query":{"list_parameters.count":"true"}},`+
		`"response":{"body":{"count_response":{"count":42}}}}`)
	if got := create("taken"); got != http.StatusConflict {
		t.Errorf("create of the stub's name: %d, want its 409", got)
	}
	if got := create("free"); got != http.StatusOK {
		t.Errorf("create of another name: %d, want the fake's 200", got)
	}
	if n := endortest.Count(s, "acme.prod"); n != 42 {
		t.Errorf("count in acme.prod: %d, want the stub's 42", n)
	}
	if n := endortest.Count(s, "acme.dev"); n != 0 {
		t.Errorf("count in acme.dev: %d, want the fake's 0", n)
	}
	if status, body := s.Do(http.MethodGet, endortest.Path, nil).Result(); status != http.StatusOK || !strings.Contains(body, `"name":"free"`) {
		t.Errorf("list without count: %d %s, want the fake's list", status, body)
	}
	// The newest stub that matches answers.
	addStub(t, s, `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion"},"response":{"error":{"code":"ABORTED"}}}`)
	if got := create("taken"); got != http.StatusConflict {
		t.Errorf("create under the newest stub: %d", got)
	}
	if e := s.Journal("?limit=1")[0]; e.Stub != "s3" {
		t.Errorf("answered by %q, want the newest, s3", e.Stub)
	}
}

// TestStubTimesAndRemoval: a stub with times goes once it has answered
// them; the admin API lists, gets and removes stubs.
func TestStubTimesAndRemoval(t *testing.T) {
	s := servertest.New(t, server.Config{})
	id := addStub(t, s, `{"request":{"method":"GET","path":"`+endorGet+`"},"response":{"error":{"code":14}},"times":2}`)
	var st stubs.Stub
	s.Do(http.MethodGet, "/__admin/stubs/"+id, nil).Decode(t, http.StatusOK, &st)
	if st.Request.Operation != "RepositoryVersionService_GetRepositoryVersion" || st.Request.PathParams["uuid"] != "656e69058032bf0abaaeb681" || st.Times != 2 {
		t.Errorf("stub as held: %+v", st)
	}
	for i, want := range []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusNotFound} {
		if status, _ := s.Do(http.MethodGet, endorGet, nil).Result(); status != want {
			t.Errorf("get %d: %d, want %d", i+1, status, want)
		}
		if i == 0 {
			s.Do(http.MethodGet, "/__admin/stubs/"+id, nil).Decode(t, http.StatusOK, &st)
			if st.Answered != 1 {
				t.Errorf("answered %d after one answer", st.Answered)
			}
		}
	}
	if r := s.Do(http.MethodGet, "/__admin/stubs/"+id, nil); r.Status != http.StatusNotFound || !strings.Contains(r.Raw, "answered its times") {
		t.Errorf("get of a stub that answered its times: %d %s", r.Status, r.Raw)
	}
	s.Do(http.MethodDelete, "/__admin/stubs/"+id, nil).Decode(t, http.StatusNotFound, nil)
	a, b := addStub(t, s, `{"request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0451"}}}`),
		addStub(t, s, `{"request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0450"}}}`)
	s.Do(http.MethodDelete, "/__admin/stubs/"+b, nil).Decode(t, http.StatusNoContent, nil)
	var list struct{ Stubs []stubs.Stub }
	s.Do(http.MethodGet, "/__admin/stubs", nil).Decode(t, http.StatusOK, &list)
	if len(list.Stubs) != 1 || list.Stubs[0].ID != a {
		t.Errorf("stubs after removing %s: %+v", b, list.Stubs)
	}
	s.Do(http.MethodDelete, "/__admin/stubs", nil).Decode(t, http.StatusNoContent, nil)
	s.Do(http.MethodGet, "/__admin/stubs", nil).Decode(t, http.StatusOK, &list)
	if len(list.Stubs) != 0 {
		t.Errorf("stubs after removing all: %+v", list.Stubs)
	}
}

// TestStubOrder: a stub answers after the request is authenticated and
// validated, and a fault takes precedence over it; neither uses it up.
func TestStubOrder(t *testing.T) {
	s := servertest.New(t, server.Config{})
	id := addStub(t, s, `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion"},"response":{"error":{"code":"ALREADY_EXISTS"}}}`)
	body := fmt.Sprintf(endortest.CreateBody, "main", "main")
	if status, _ := s.Do(http.MethodPost, endortest.Path, body, "Authorization", "", "Content-Type", "application/json").Result(); status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want the vendor's 401", status)
	}
	if status, _ := s.Do(http.MethodPost, endortest.Path, `{"meta":{"name":7}}`).Result(); status != http.StatusBadRequest {
		t.Errorf("a body that breaks the spec: %d, want the vendor's 400", status)
	}
	if e := s.Journal("?limit=1")[0]; e.Verdict != journal.VerdictRejected || e.Stub != "" || !strings.Contains(e.Reason, "meta.name") {
		t.Errorf("journal: %s by %q, reason %q; want rejected, naming meta.name", e.Verdict, e.Stub, e.Reason)
	}
	var fault struct{ ID string }
	s.Do(http.MethodPost, "/__admin/faults", `{"vendor":"endor","operation":"RepositoryVersionService_CreateRepositoryVersion","kind":"error","status":503,"times":1}`).Decode(t, http.StatusCreated, &fault)
	if status, _ := s.Do(http.MethodPost, endortest.Path, body).Result(); status != http.StatusServiceUnavailable {
		t.Errorf("under a fault: %d, want the fault's 503", status)
	}
	if e := s.Journal("?limit=1")[0]; e.Verdict != journal.VerdictFaulted || e.Fault != fault.ID || e.Stub != "" {
		t.Errorf("journal: %s, fault %q, stub %q; want faulted by %s", e.Verdict, e.Fault, e.Stub, fault.ID)
	}
	var st stubs.Stub
	s.Do(http.MethodGet, "/__admin/stubs/"+id, nil).Decode(t, http.StatusOK, &st)
	if st.Answered != 0 {
		t.Errorf("the stub answered %d requests; want none", st.Answered)
	}
	if status, _ := s.Do(http.MethodPost, endortest.Path, body).Result(); status != http.StatusConflict {
		t.Errorf("after the fault: %d, want the stub's 409", status)
	}
}

// TestStubsBounded: at most --max-stubs are held; one more is a 409 that
// says how to make room.
func TestStubsBounded(t *testing.T) {
	s := servertest.New(t, server.Config{MaxStubs: 2})
	const stub = `{"request":{"operation":"CreateRepository"},"response":{"error":{"code":"CH.000001"}}}`
	addStub(t, s, stub)
	addStub(t, s, stub)
	r := s.Do(http.MethodPost, "/__admin/stubs", stub)
	want := `{"message":"stub: 2 stubs are held, the most --max-stubs allows: remove one (DELETE /__admin/stubs/{id}) or all (DELETE /__admin/stubs), or raise the limit"}`
	if status, body := r.Result(); status != http.StatusConflict || body != want {
		t.Errorf("%d %s\nwant 409 %s", status, body, want)
	}
}

// TestStubPatch: a patch stub lets the fake answer and patches its 2xx
// answer; the answer is still checked, and one that breaks the spec is
// the vendor's 500 naming the violation.
func TestStubPatch(t *testing.T) {
	s := servertest.New(t, server.Config{})
	addStub(t, s, `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion","body":{"meta":{"name":"a"}}},"response":{"patch":{"meta":{"description":"patched","tags":null}}}}`)
	addStub(t, s, `{"request":{"operation":"RepositoryVersionService_CreateRepositoryVersion","body":{"meta":{"name":"b"}}},"response":{"patch":{"uuid":5}}}`)
	r := s.Do(http.MethodPost, endortest.Path, fmt.Sprintf(endortest.CreateBody, "a", "a"))
	if r.Status != http.StatusOK || !strings.Contains(r.Raw, `"description":"patched"`) || !strings.Contains(r.Raw, `"uuid":"`) {
		t.Errorf("patched create: %d %s", r.Status, r.Raw)
	}
	if e := s.Journal("?limit=1")[0]; e.Verdict != journal.VerdictStubbed || e.Stub != "s1" {
		t.Errorf("journal: %s by %q, want stubbed by s1", e.Verdict, e.Stub)
	}
	if status, body := s.Do(http.MethodGet, endortest.Path, nil).Result(); status != http.StatusOK || strings.Contains(body, "patched") || !strings.Contains(body, `"name":"a"`) {
		t.Errorf("the fake kept what it made, unpatched: %d %s", status, body)
	}
	r = s.Do(http.MethodPost, endortest.Path, fmt.Sprintf(endortest.CreateBody, "b", "b"))
	if r.Status != http.StatusInternalServerError || !strings.Contains(r.Raw, "uuid: value must be a string") {
		t.Errorf("a patch that breaks the spec: %d %s, want the vendor's 500 naming uuid", r.Status, r.Raw)
	}
	if e := s.Journal("?limit=1")[0]; e.Verdict != journal.VerdictInvalid || e.Stub != "s2" {
		t.Errorf("journal: %s by %q, want invalid, by s2", e.Verdict, e.Stub)
	}
}

// TestStubRefusals: what cannot be a stub gets a 400 that says why.
func TestStubRefusals(t *testing.T) {
	s := servertest.New(t, server.Config{})
	for _, tc := range []struct{ stub, want string }{
		{`{"request":{},"response":{}}`, "request: name an operation (operation, or method and path)"},
		{`{"request":{"method":"GET"}}`, "request: method and path go together"},
		{`{"request":{"method":"GET","path":"/nowhere"}}`, "request: no operation serves GET /nowhere"},
		{`{"request":{"method":"GET","path":"` + endorGet + `?a=b"}}`, "has a query: give its parameters in request.query"},
		{`{"request":{"operation":"CreateFile","vendor":"endor"}}`, `request.operation: "CreateFile" is not an operationId of endor; the operations are Authentication`},
		{`{"request":{"operation":"CreateFile","path_params":{"nope":"x"}}}`, `request.path_params: CreateFile has no path parameter "nope"; its are project_id, namespace, project, path`},
		{`{"request":{"operation":"CreateFile","query":{"sha":"x"}}}`, `request.query: CreateFile has no query parameter "sha"`},
		{`{"request":{"operation":"ShowContent","body":{"a":1}}}`, "request.body: ShowContent takes no request body"},
		{`{"session":"no way","request":{"operation":"CreateFile"}}`, `session: string doesn't match the regular expression`},
		{`{"request":{"operation":"CreateFile"},"response":{"patch":[1]}}`, "response.patch: value must be an object"},
		{`{"request":{"operation":"CreateFile"},"response":{"error":{"code":"SVCSTG.REPO.0403"},"status":409}}`, "response.status: Huawei ServiceStage answers the code SVCSTG.REPO.0403 with 400, not 409: leave status out"},
		{`{"request":{"operation":"CreateFile"},"response":{"error":{"code":true}}}`, "response.error.code: one of the vendor's error codes, a number or a string"},
		{`{"request":{"operation":"CreateFile"},"response":{"body":{"path":"a"},"headers":{"Content-Length":"3"}}}`, "response.headers: Content-Length is the server's to write"},
		{`{"request":{"operation":"CreateFile"},"colour":"red"}`, `colour: unknown field`},
		{`{"id":"s9","request":{"operation":"CreateFile"}}`, "id: unknown field"},
		{`{"request":{"operation":"CreateFile"},"times":-1}`, "times: number must be at least 0"},
	} {
		r := s.Do(http.MethodPost, "/__admin/stubs", tc.stub)
		if msg := fmt.Sprint(r.JSON["message"]); r.Status != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %d %s\nwant 400 saying %q", tc.stub, r.Status, r.Raw, tc.want)
		}
	}
}

// BenchmarkCreateWithStubs measures what held stubs cost a request that
// none of them answers (the endor create, with stubs of the same
// operation for other sessions): the match is looked for under a lock.
//
//	go test ./mock/server -run '^$' -bench CreateWithStubs -benchmem
func BenchmarkCreateWithStubs(b *testing.B) {
	for _, n := range []int{0, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			srv, err := server.New(server.Config{Seed: 1, MaxStubs: 1000})
			if err != nil {
				b.Fatal(err)
			}
			h := srv.Handler()
			for i := range n {
				req := jsonRequest(http.MethodPost, "/__admin/stubs", fmt.Sprintf(`{"session":"other-%d","request":{"operation":"RepositoryVersionService_CreateRepositoryVersion"},"response":{"error":{"code":6}}}`, i))
				req.Host = "localhost"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("stub %d: %d %s", i, rec.Code, rec.Body)
				}
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, createCases[0].req(next.Add(1)))
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}

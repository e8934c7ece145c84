package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	repomodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/codeartsrepo/v3/model"
	stagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/servicestage/v2/model"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/faults"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// newWallClock is a clock near the wall clock (the SDK signs with it)
// that a test moves forward.
func newWallClock() *vendorstest.Clock { return vendorstest.NewClockAt(time.Now()) }

// outcome is what a client made of one call: the HTTP status and the
// vendor's error code, or the transport error when there was no answer.
type outcome struct {
	status int
	code   string
	err    error
}

func (o outcome) String() string {
	if o.err != nil {
		return "no answer: " + o.err.Error()
	}
	return fmt.Sprintf("HTTP %d %s", o.status, o.code)
}

// sdkOutcome reads what the Huawei SDK returned: a *sdkerr.ServiceResponseError
// carries the vendor's status and code.
func sdkOutcome(err error) outcome {
	var se *sdkerr.ServiceResponseError
	switch {
	case err == nil:
		return outcome{status: http.StatusOK}
	case errors.As(err, &se):
		return outcome{status: se.StatusCode, code: se.ErrorCode}
	default:
		return outcome{err: err}
	}
}

// client is one vendor's create and count, in a session, through the
// client its users run: the official Huawei SDK, or plain HTTP for Endor.
type client struct {
	vendor, op string
	create     func(t *testing.T, l *servertest.Server, session string, i int) outcome
	count      func(t *testing.T, l *servertest.Server, session string) int
}

var clients = []client{
	{
		vendor: "endor", op: "RepositoryVersionService_CreateRepositoryVersion",
		create: func(t *testing.T, l *servertest.Server, session string, i int) outcome {
			name := "v" + strconv.Itoa(i)
			return endorCall(l, http.MethodPost, session, "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endortest.CreateBody, name, name))
		},
		count: func(t *testing.T, l *servertest.Server, session string) int {
			status, raw := l.Do(http.MethodGet, sessions.Prefix+session+"/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true", "", "Authorization", "Bearer tok").Result()
			var out struct {
				CountResponse struct{ Count int } `json:"count_response"`
			}
			if err := json.Unmarshal([]byte(raw), &out); status != http.StatusOK || err != nil {
				t.Fatalf("endor count: %d %s", status, raw)
			}
			return out.CountResponse.Count
		},
	},
	{
		vendor: "codearts", op: "CreateRepository",
		create: func(t *testing.T, l *servertest.Server, session string, i int) outcome {
			_, err := repoAt(t, l.URL, session).CreateRepository(huaweitest.CreateRepo("repo" + strconv.Itoa(i)))
			return sdkOutcome(err)
		},
		count: func(t *testing.T, l *servertest.Server, session string) int {
			//lint:ignore SA1019 the list read-back of the vendor's notes
			all, err := repoAt(t, l.URL, session).GetAllRepositoryByProjectId(&repomodel.GetAllRepositoryByProjectIdRequest{ProjectUuid: huaweitest.RepoProject})
			if err != nil || all.Result == nil || all.Result.Total == nil {
				t.Fatalf("codearts count: %+v, %v", all, err)
			}
			return int(*all.Result.Total)
		},
	},
	{
		vendor: "servicestage", op: "CreateFile",
		create: func(t *testing.T, l *servertest.Server, session string, i int) outcome {
			_, err := stageAt(t, l.URL, session).CreateFile(huaweitest.CreateFile("app:f"+strconv.Itoa(i)+".txt", "aGk="))
			return sdkOutcome(err)
		},
		count: func(t *testing.T, l *servertest.Server, session string) int {
			tree, err := stageAt(t, l.URL, session).ListTrees(&stagemodel.ListTreesRequest{XRepoAuth: huaweitest.RepoAuth, Namespace: "repomock", Project: "group:app", Ref: "master"})
			if err != nil || tree.Paths == nil {
				t.Fatalf("servicestage list: %+v, %v", tree, err)
			}
			return len(*tree.Paths)
		},
	},
}

// endor sends an Endor request in a session, by path prefix.
func endorCall(l *servertest.Server, method, session, path, body string, headers ...string) outcome {
	l.T.Helper()
	req, err := http.NewRequest(method, l.URL+sessions.Prefix+session+path, strings.NewReader(body))
	if err != nil {
		l.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	status, raw := resp.StatusCode, string(data)
	var e struct{ Code *int }
	_ = json.Unmarshal([]byte(raw), &e)
	o := outcome{status: status}
	if status >= 400 && e.Code != nil {
		o.code = strconv.Itoa(*e.Code)
	}
	return o
}

// inject adds a fault and returns its id.
func inject(l *servertest.Server, f string) string {
	l.T.Helper()
	var out struct{ ID string }
	l.Do(http.MethodPost, "/__admin/faults", f).Decode(l.T, http.StatusCreated, &out)
	if out.ID == "" {
		l.T.Fatalf("POST /__admin/faults %s: no id", f)
	}
	return out.ID
}

// TestFaultsThroughTheClients drives each vendor's client into each fault:
// the client gets the vendor's failure (the SDK a ServiceResponseError with
// the vendor's code), nothing is stored, and a retry succeeds once the
// fault has fired its one time.
func TestFaultsThroughTheClients(t *testing.T) {
	clock := newWallClock()
	l := newLive(t, server.Config{Clock: clock.Now})
	// The failure each vendor answers, by status: vendors.md §5.
	codes := map[string]map[int]string{
		"endor":        {429: "8", 500: "13", 503: "14", 504: "4"},
		"codearts":     {429: "APIGW.0308", 500: "CH.000001", 503: "CH.000001", 504: "CH.080504"},
		"servicestage": {429: "APIGW.0308", 500: "SVCSTG.REPO.0500", 503: "SVCSTG.REPO.0500", 504: "SVCSTG.REPO.0500"},
	}
	kinds := []struct {
		name  string
		fault string // without session, vendor and operation
		// status is the failure the client sees; 0 means no answer.
		status int
	}{
		{"error 429", `"kind":"error","status":429,"times":1`, 429},
		{"error 500", `"kind":"error","status":500,"times":1`, 500},
		{"error 503", `"kind":"error","status":503,"times":1`, 503},
		{"error 504", `"kind":"error","status":504,"times":1`, 504},
		{"throttle", `"kind":"throttle","per_second":1`, 429},
		{"reset", `"kind":"reset","times":1`, 0},
	}
	for _, c := range clients {
		for _, k := range kinds {
			t.Run(c.vendor+"/"+k.name, func(t *testing.T) {
				session := c.vendor + "-" + k.name[:5] + strconv.Itoa(k.status)
				before := c.count(t, l, session)
				id := inject(l, fmt.Sprintf(`{"session":%q,"vendor":%q,"operation":%q,%s}`, session, c.vendor, c.op, k.fault))
				i := 0
				if k.name == "throttle" {
					// One a second goes through; the next is refused.
					if o := c.create(t, l, session, i); o.status != http.StatusOK {
						t.Fatalf("first call under the throttle: %v", o)
					}
					i++
					before++
				}
				got := c.create(t, l, session, i)
				switch {
				case k.status == 0:
					if got.err == nil {
						t.Fatalf("reset: the client got %v, want no answer", got)
					}
					t.Logf("the client's error: %v", got.err)
				case got.status != k.status || got.code != codes[c.vendor][k.status]:
					t.Fatalf("the client got %v, want HTTP %d %s", got, k.status, codes[c.vendor][k.status])
				}
				if n := c.count(t, l, session); n != before {
					t.Fatalf("%d objects after the failure, want %d: the fault changed state", n, before)
				}
				if k.name == "throttle" {
					clock.Advance(time.Second) // the retry waits out the second
				}
				if o := c.create(t, l, session, i); o.status != http.StatusOK {
					t.Fatalf("the retry got %v, want 200", o)
				}
				if n := c.count(t, l, session); n != before+1 {
					t.Fatalf("%d objects after the retry, want %d", n, before+1)
				}
				l.Do(http.MethodDelete, "/__admin/faults/"+id, "").Result()
			})
		}
		t.Run(c.vendor+"/delay", func(t *testing.T) {
			session := c.vendor + "-delay"
			inject(l, fmt.Sprintf(`{"session":%q,"vendor":%q,"operation":%q,"kind":"delay","delay_ms":300,"times":1}`, session, c.vendor, c.op))
			start := time.Now()
			if o := c.create(t, l, session, 0); o.status != http.StatusOK {
				t.Fatalf("delayed call: %v", o)
			}
			if took := time.Since(start); took < 300*time.Millisecond {
				t.Fatalf("answered after %v, want 300ms or more", took)
			}
			if n := c.count(t, l, session); n != 1 {
				t.Fatalf("%d objects after a delayed create, want 1", n)
			}
		})
	}
}

// TestFaultNeverHidesA401: a fault fires after authentication.
func TestFaultNeverHidesA401(t *testing.T) {
	l := newLive(t, server.Config{})
	inject(l, `{"kind":"error","status":503}`)
	status, raw := l.Do(http.MethodGet, "/v1/namespaces/acme.prod/repository-versions", "").Result()
	vendorstest.JSONEqual(t, raw, `{"code":16,"message":"Invalid authorization header: Bearer","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":401}]}`)
	if status != http.StatusUnauthorized {
		t.Fatalf("status %d", status)
	}
	status, raw = l.Do(http.MethodGet, "/v1/namespaces/acme.prod/repository-versions", "", "Authorization", "Bearer tok").Result()
	if status != http.StatusServiceUnavailable {
		t.Fatalf("authenticated: %d %s, want the fault's 503", status, raw)
	}
	var got struct{ Faults []faults.Fault }
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Faults) != 1 || got.Faults[0].Fired != 1 {
		t.Fatalf("faults %+v, want one that fired once (not on the 401)", got.Faults)
	}
}

func TestFaultAdmin(t *testing.T) {
	l := newLive(t, server.Config{})
	bad := []struct{ body, want string }{
		// What the spec (specs/admin.yaml) refuses, the pipeline words.
		{`{"kind":"boom"}`, `{"message":"kind: must be one of error, reset, delay, throttle"}`},
		{`{"kind":"reset","session":"a b"}`, `{"message":"session: string doesn't match the regular expression \"^[A-Za-z0-9._-]{0,64}$\""}`},
		{`{"kind":"reset","times":-1}`, `{"message":"times: number must be at least 0"}`},
		{`{"kind":"reset","colour":"red"}`, `{"message":"colour: unknown field"}`},
		{`{"kind":"reset","id":"f9"}`, `{"message":"id: unknown field"}`},
		{`{"kind":"reset","vendor":7}`, `{"message":"vendor: value must be a string"}`},
		// The rules the spec cannot state, the server does; each refusal
		// says what is valid.
		{`{"kind":"error","status":302}`, `{"message":"fault: status: an error fault answers a 4xx or 5xx status"}`},
		{`{"kind":"delay"}`, `{"message":"fault: delay_ms: must be 1 to 50000"}`},
		{`{"kind":"throttle"}`, `{"message":"fault: per_second: must be 1 or more"}`},
		{`{"kind":"reset","vendor":"github"}`, `{"message":"fault: vendor: \"github\" is not one of codearts, endor, servicestage"}`},
		{`{"kind":"reset","vendor":"endor","operation":"CreateFile"}`, `{"message":"fault: operation: \"CreateFile\" is not an operationId of endor: one of ` +
			`AuthenticationService_GetAuthenticationInfo, AuthenticationService_GetAPIKeyToken, NamespaceService_ListNamespaces, ` +
			`RepositoryVersionService_ListRepositoryVersions, RepositoryVersionService_UpdateRepositoryVersion, RepositoryVersionService_CreateRepositoryVersion, ` +
			`RepositoryVersionService_DeleteRepositoryVersion, RepositoryVersionService_GetRepositoryVersion"}`},
		{`{"kind":"reset","operation":"Create"}`, `{"message":"fault: operation: \"Create\" is not an operationId of any vendor: ` +
			`codearts (GetAllRepositoryByProjectId, ShowRepositoryNameExist, CreateRepository, DeleteRepository, GetRepositoryByProjectId, ListRepositoryStatus, ShowRepositoryByUuid); ` +
			`endor (AuthenticationService_GetAuthenticationInfo, AuthenticationService_GetAPIKeyToken, NamespaceService_ListNamespaces, ` +
			`RepositoryVersionService_ListRepositoryVersions, RepositoryVersionService_UpdateRepositoryVersion, RepositoryVersionService_CreateRepositoryVersion, ` +
			`RepositoryVersionService_DeleteRepositoryVersion, RepositoryVersionService_GetRepositoryVersion); ` +
			`servicestage (ListTrees, DeleteFile, ShowContent, CreateFile, UpdateFile)"}`},
	}
	for _, b := range bad {
		status, raw := l.Do(http.MethodPost, "/__admin/faults", b.body).Result()
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", b.body, status, raw)
			continue
		}
		vendorstest.JSONEqual(t, raw, b.want)
	}
	a := inject(l, `{"kind":"error","vendor":"codearts","operation":"CreateRepository"}`)
	b := inject(l, `{"session":"s1","kind":"throttle","per_second":2,"times":3}`)
	var got struct{ Faults []faults.Fault }
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &got)
	want := []faults.Fault{
		{ID: a, Vendor: "codearts", Operation: "CreateRepository", Kind: "error", Status: 503},
		{ID: b, Session: "s1", Kind: "throttle", PerSecond: 2, Times: 3},
	}
	if fmt.Sprint(got.Faults) != fmt.Sprint(want) {
		t.Fatalf("faults %+v, want %+v", got.Faults, want)
	}
	l.Do(http.MethodDelete, "/__admin/faults/"+a, "").Decode(l.T, http.StatusNoContent, nil)
	l.Do(http.MethodDelete, "/__admin/faults/"+a, "").Decode(l.T, http.StatusNotFound, nil)
	l.Do(http.MethodDelete, "/__admin/faults", "").Decode(l.T, http.StatusNoContent, nil)
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Faults) != 0 {
		t.Fatalf("after DELETE /__admin/faults: %+v", got.Faults)
	}
}

// passesPerSecond counts the 200s of each second of a run.
func passesPerSecond(statuses []int, seconds []int, n int) []int {
	out := make([]int, n)
	for i, s := range statuses {
		if s == http.StatusOK && seconds[i] < n {
			out[seconds[i]]++
		}
	}
	return out
}

// TestThrottleLetsFiveASecondThrough: with a throttle of 5/s and a client
// sending 40 requests a second for 3 s (on the server's clock, moved by
// the test), each second lets 5 ± 1 through, and the rest get Endor's 429
// code 8.
func TestThrottleLetsFiveASecondThrough(t *testing.T) {
	clock := newWallClock()
	l := newLive(t, server.Config{Clock: clock.Now})
	inject(l, `{"session":"t","kind":"throttle","per_second":5}`)
	var statuses, seconds []int
	for step := range 3 * 20 { // 50 ms steps
		for range 2 {
			o := endorCall(l, http.MethodGet, "t", "/v1/namespaces/acme.prod/repository-versions", "")
			if o.status != http.StatusOK && (o.status != http.StatusTooManyRequests || o.code != "8") {
				t.Fatalf("got %v, want 200 or 429 code 8", o)
			}
			statuses, seconds = append(statuses, o.status), append(seconds, step/20)
		}
		clock.Advance(50 * time.Millisecond)
	}
	got := passesPerSecond(statuses, seconds, 3)
	t.Logf("passes per second: %v of 40 sent each second", got)
	for i, n := range got {
		if n < 4 || n > 6 {
			t.Errorf("second %d let %d through, want 5 ± 1", i, n)
		}
	}
}

// TestThrottleOnTheWallClock is the same on real time: one client sends
// as fast as it can for 3 s and counts its 200s in each second.
func TestThrottleOnTheWallClock(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 3 s")
	}
	l := newLive(t, server.Config{Clock: time.Now})
	inject(l, `{"session":"t","kind":"throttle","per_second":5}`)
	var statuses, seconds []int
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		o := endorCall(l, http.MethodGet, "t", "/v1/namespaces/acme.prod/repository-versions", "")
		statuses, seconds = append(statuses, o.status), append(seconds, int(time.Since(start)/time.Second))
		time.Sleep(5 * time.Millisecond)
	}
	got := passesPerSecond(statuses, seconds, 3)
	t.Logf("passes per second: %v of %d sent", got, len(statuses))
	for i, n := range got {
		if n < 4 || n > 6 {
			t.Errorf("second %d let %d through, want 5 ± 1", i, n)
		}
	}
}

func TestPrefer(t *testing.T) {
	l := newLive(t, server.Config{Clock: time.Now})
	cases := []struct {
		name, target, prefer string
		status               int
		body                 string
	}{
		{"Endor 503", "/v1/namespaces/acme.prod/repository-versions", "code=503", 503,
			`{"code":14,"message":"Service Unavailable","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":503}]}`},
		{"Endor 429 among other preferences", "/v1/namespaces/acme.prod/repository-versions", "dynamic=true, code=429", 429,
			`{"code":8,"message":"","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":429}]}`},
		{"Endor 200 is the normal answer", "/v1/namespaces/acme.prod/repository-versions", "code=200", 200, ""},
		{"Endor 302 is not documented", "/v1/namespaces/acme.prod/repository-versions", "code=302", 400,
			`{"code":3,"message":"Prefer: code=302 is not documented for this operation; documented: 200, any 4xx or 5xx","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`},
		{"not a status", "/v1/namespaces/acme.prod/repository-versions", "code=abc", 400,
			`{"code":3,"message":"Prefer: code=abc is not an HTTP status","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`},
		{"CodeArts 403", "/v2/repositories/" + huaweitest.RepoProject, "code=403", 403,
			`{"error":{"code":"CH.080403","message":"Forbidden"},"status":"failed"}`},
		{"CodeArts 429 is not documented", "/v2/repositories/" + huaweitest.RepoProject, "code=429", 400,
			`{"error":{"code":"CH.010001","message":"Prefer: code=429 is not documented for this operation; documented: 200, 400, 401, 403, 404, 500"},"status":"failed"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, raw := l.Do(http.MethodGet, tc.target, "", "Authorization", "Bearer tok", "X-Auth-Token", "tok", "Prefer", tc.prefer).Result()
			if status != tc.status {
				t.Fatalf("%d %s, want %d", status, raw, tc.status)
			}
			if tc.body != "" {
				vendorstest.JSONEqual(t, raw, tc.body)
			}
		})
	}
	// A preferred failure stores nothing.
	if o := endorCall(l, http.MethodPost, "p", "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endortest.CreateBody, "x", "x"), "Prefer", "code=500"); o.status != 500 || o.code != "13" {
		t.Fatalf("Prefer: code=500 on a create: %v", o)
	}
	if n := clients[0].count(t, l, "p"); n != 0 {
		t.Fatalf("%d objects after a preferred failure, want 0", n)
	}
}

// Endor's fault bodies as the vendor documents them (vendors.md §7): a
// passed deadline is {"code":4,"message":"context deadline exceeded",
// "details":[]}, byte for byte, and an overload (429, code 8) says when to
// retry in Retry-After, which the SDK reads (api_client: "HTTP 429 (Rate
// Limit): Retried with localized Retry-After sleep").
func TestEndorFaultBodies(t *testing.T) {
	h := servertest.New(t, server.Config{})
	inject := func(f string) {
		t.Helper()
		if r := h.Do(http.MethodPost, "/__admin/faults", f); r.Status != http.StatusCreated {
			t.Fatalf("POST /__admin/faults %s: %d %s", f, r.Status, r.Raw)
		}
	}
	deadline := endortest.Golden("deadline-exceeded.json")
	inject(`{"vendor":"endor","kind":"error","status":504,"times":1}`)
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"error fault", nil},
		{"Prefer: code=504", []string{"Authorization", token, "Prefer", "code=504"}},
	} {
		r := h.Do(http.MethodGet, endortest.Path, nil, tc.headers...)
		if r.Status != http.StatusGatewayTimeout || r.Raw != deadline {
			t.Errorf("%s: %d %s, want 504 %s", tc.name, r.Status, r.Raw, deadline)
		}
	}

	retryAfter := func(name string, r response) {
		t.Helper()
		if r.Status != http.StatusTooManyRequests || vendorstest.Get(r.JSON, "code") != float64(8) {
			t.Fatalf("%s: %d %s, want 429 code 8", name, r.Status, r.Raw)
		}
		if got := r.Header.Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After %q, want 1 (second)", name, got)
		}
	}
	inject(`{"vendor":"endor","kind":"error","status":429,"times":1}`)
	retryAfter("error fault", h.Do(http.MethodGet, endortest.Path, nil))
	retryAfter("Prefer: code=429", h.Do(http.MethodGet, endortest.Path, nil, "Authorization", token, "Prefer", "code=429"))
	inject(`{"vendor":"endor","kind":"throttle","per_second":1}`)
	if r := h.Do(http.MethodGet, endortest.Path, nil); r.Status != http.StatusOK || r.Header.Get("Retry-After") != "" {
		t.Fatalf("first call under the throttle: %d %v %s", r.Status, r.Header, r.Raw)
	}
	retryAfter("throttle", h.Do(http.MethodGet, endortest.Path, nil))
}

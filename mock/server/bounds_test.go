package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/faults"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// The bounds on what a client can make the server hold (issue 21).

// sessionsReport is GET /__admin/sessions.
type sessionsReport struct {
	Sessions    []sessions.Info
	MaxSessions int    `json:"max_sessions"`
	Evicted     uint64 `json:"evicted"`
}

// Past --max-sessions, a new session evicts the least recently used one:
// its objects, journal entries and faults go as DELETE /__admin/sessions
// would drop them, it is logged with what it held, counted in GET
// /__admin/sessions, and its next request finds the fixtures only.
func TestSessionsEvictTheLeastRecentlyUsed(t *testing.T) {
	var logs syncBuffer
	l := newLive(t, server.Config{MaxSessions: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ns := "/v1/namespaces/acme.prod/repository-versions"
	uuids := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		status, raw := l.Do(http.MethodPost, sessions.Prefix+name+ns, fmt.Sprintf(endortest.CreateBody, name, name), "Content-Type", "application/json", "Authorization", "Bearer tok").Result()
		var rv struct{ UUID string }
		if status != http.StatusOK || json.Unmarshal([]byte(raw), &rv) != nil {
			t.Fatalf("create in %s: %d %s", name, status, raw)
		}
		uuids[name] = rv.UUID
	}
	l.Do(http.MethodPost, "/__admin/faults", `{"session":"b","kind":"delay","delay_ms":1}`).Decode(l.T, http.StatusCreated, nil)
	// a reads: b is now the least recently used.
	if status, raw := l.Do(http.MethodGet, sessions.Prefix+"a"+ns, "", "Authorization", "Bearer tok").Result(); status != http.StatusOK {
		t.Fatalf("list in a: %d %s", status, raw)
	}
	if status, raw := l.Do(http.MethodGet, ns, "", "Authorization", "Bearer tok", sessions.Header, "d").Result(); status != http.StatusOK {
		t.Fatalf("list in d: %d %s", status, raw)
	}

	var got sessionsReport
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	var names []string
	for _, s := range got.Sessions {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,c,d" || got.MaxSessions != 3 || got.Evicted != 1 {
		t.Fatalf("sessions %v, max %d, evicted %d; want a,c,d, 3, 1", names, got.MaxSessions, got.Evicted)
	}
	if n := len(l.Journal("?session=b")); n != 0 {
		t.Errorf("the journal keeps %d requests of the evicted session", n)
	}
	var faults struct{ Faults []faults.Fault }
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &faults)
	if len(faults.Faults) != 0 {
		t.Errorf("the evicted session's fault is still there: %+v", faults.Faults)
	}
	logged := logs.String()
	if !strings.Contains(logged, "session evicted") || !strings.Contains(logged, "session=b") ||
		!strings.Contains(logged, `endor="1 repository versions"`) || !strings.Contains(logged, "max_sessions=3") {
		t.Errorf("the eviction is not logged with the session and what it held:\n%s", logged)
	}
	// b's next request starts it afresh: its object is gone (the vendor's
	// 404). Its return evicts c, the least recently used then (the order
	// is d, a, c), while a keeps its object.
	for _, tc := range []struct {
		name string
		want int
	}{{"b", http.StatusNotFound}, {"a", http.StatusOK}} {
		status, raw := l.Do(http.MethodGet, sessions.Prefix+tc.name+ns+"/"+uuids[tc.name], "", "Authorization", "Bearer tok").Result()
		if status != tc.want {
			t.Errorf("get in %s after the eviction: %d %s, want %d", tc.name, status, raw, tc.want)
		}
	}
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	names = nil
	for _, s := range got.Sessions {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b,d" || got.Evicted != 2 {
		t.Errorf("after b came back: %v, %d evicted; want a,b,d and c evicted (2 in all)", names, got.Evicted)
	}
}

// A new session past the bound while every session has a request in
// flight cannot evict one: it gets 503 in its vendor's shape, naming the
// flag, and nothing changes. Once the request is done, it goes through.
func TestSessionsAllBusyIs503(t *testing.T) {
	l := newLive(t, server.Config{MaxSessions: 1})
	ns := "/v1/namespaces/acme.prod/repository-versions"
	l.Do(http.MethodPost, "/__admin/faults", `{"session":"slow","kind":"delay","delay_ms":1500}`).Decode(l.T, http.StatusCreated, nil)
	done := make(chan int, 1)
	go func() {
		status, _ := l.Do(http.MethodGet, sessions.Prefix+"slow"+ns, "", "Authorization", "Bearer tok").Result()
		done <- status
	}()
	// The fault counts the request as soon as it holds it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var faults struct{ Faults []faults.Fault }
		l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &faults)
		if len(faults.Faults) == 1 && faults.Faults[0].Fired == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delayed request never reached its fault")
		}
	}
	status, raw := l.Do(http.MethodPost, sessions.Prefix+"other"+ns, fmt.Sprintf(endortest.CreateBody, "x", "x"), "Content-Type", "application/json", "Authorization", "Bearer tok").Result()
	// vendors.md §1: Endor's errors are googlerpcStatus, 503 is code 14
	// (grpc-gateway's table), with the HTTPErrorInfo detail.
	want := `{"code":14,"message":"session \"other\" cannot start: 1 sessions are in use (the --max-sessions limit) and each has a request in flight; try again once one has finished, or raise --max-sessions","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":503}]}`
	if status != http.StatusServiceUnavailable || strings.TrimSpace(raw) != want {
		t.Errorf("a new session while all are busy: %d %s\nwant 503 %s", status, raw, want)
	}
	if got := <-done; got != http.StatusOK {
		t.Errorf("the delayed request: %d", got)
	}
	var got sessionsReport
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Sessions) != 1 || got.Sessions[0].Name != "slow" || got.Evicted != 0 {
		t.Errorf("the refused session changed the sessions: %+v", got)
	}
	if status, raw := l.Do(http.MethodPost, sessions.Prefix+"other"+ns, fmt.Sprintf(endortest.CreateBody, "x", "x"), "Content-Type", "application/json", "Authorization", "Bearer tok").Result(); status != http.StatusOK {
		t.Errorf("the new session once the other is idle: %d %s", status, raw)
	}
}

// Sessions share the fixtures until they write (copy on write): a write
// in one session, even to a fixture object, never reaches another session
// or the fixtures a new session starts from.
func TestCopyOnWriteKeepsTheFixturesApart(t *testing.T) {
	l := newLive(t, server.Config{FixturesDir: "../../fixtures"})
	endorAuth := []string{"Authorization", "Bearer tok"}
	huawei := []string{"X-Auth-Token", "any", "X-Repo-Auth", huaweitest.RepoAuth}
	const (
		endorFixture = "/v1/namespaces/acme.prod/repository-versions/6560a0000000000000000001"
		repoFixture  = "/v2/repositories/d161fd00d9194816a455cb3c1d6a783e"
		stageFixture = "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/README.md?ref=master"
	)
	reads := []struct {
		path    string
		headers []string
	}{{endorFixture, endorAuth}, {repoFixture, huawei}, {stageFixture, huawei}}
	read := func(session string) []string {
		t.Helper()
		var out []string
		for _, r := range reads {
			status, raw := l.Do(http.MethodGet, sessions.Prefix+session+r.path, "", r.headers...).Result()
			out = append(out, fmt.Sprintf("%d %s", status, raw))
		}
		return out
	}
	before := read("reader")
	for i, got := range before {
		if !strings.HasPrefix(got, "200 ") {
			t.Fatalf("read %d of a fixture: %s", i, got)
		}
	}
	// The writer deletes the Endor and CodeArts fixtures and rewrites the
	// ServiceStage one.
	if status, raw := l.Do(http.MethodDelete, sessions.Prefix+"writer"+endorFixture, "", endorAuth...).Result(); status != http.StatusOK {
		t.Fatalf("endor delete: %d %s", status, raw)
	}
	if status, raw := l.Do(http.MethodDelete, sessions.Prefix+"writer/v1/repositories/d161fd00d9194816a455cb3c1d6a783e", "", huawei...).Result(); status != http.StatusOK {
		t.Fatalf("codearts delete: %d %s", status, raw)
	}
	var file struct{ Sha string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(before[2], "200 ")), &file); err != nil {
		t.Fatal(err)
	}
	update := fmt.Sprintf(`{"message":"m","content":"Y2hhbmdlZAo=","sha":%q}`, file.Sha)
	if status, raw := l.Do(http.MethodPut, sessions.Prefix+"writer"+stageFixture, update, append([]string{"Content-Type", "application/json"}, huawei...)...).Result(); status != http.StatusOK {
		t.Fatalf("servicestage update: %d %s", status, raw)
	}
	writer := read("writer")
	for i, got := range writer {
		if got == before[i] {
			t.Errorf("the writer still reads fixture %d as it was: %s", i, got)
		}
	}
	for _, session := range []string{"reader", "new-after-the-writes"} {
		for i, got := range read(session) {
			if got != before[i] {
				t.Errorf("session %s reads fixture %d as %s, want it as before the writer's writes: %s", session, i, got, before[i])
			}
		}
	}
}

// The fixtures' generated values (uuids, times) are saved with the state:
// a session that only read them reads the same after a restart. Fixtures
// changed since are made again.
func TestStateKeepsTheSharedFixtures(t *testing.T) {
	file := t.TempDir() + "/state.json"
	list := func(l *servertest.Server) string {
		t.Helper()
		status, raw := l.Do(http.MethodGet, "/v1/namespaces/acme.dev/repository-versions", "", "Authorization", "Bearer tok").Result()
		if status != http.StatusOK || !strings.Contains(raw, `"uuid"`) {
			t.Fatalf("list: %d %s", status, raw)
		}
		return raw
	}
	first := newLive(t, server.Config{FixturesDir: "../../fixtures", StateFile: file, Seed: 7})
	want := list(first)
	if err := first.Srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	// Another seed would give the fixture without a uuid another one.
	if got := list(newLive(t, server.Config{FixturesDir: "../../fixtures", StateFile: file, Seed: 8})); got != want {
		t.Errorf("after a restart the fixtures read\n%s\nwant\n%s", got, want)
	}
	changed := t.TempDir()
	data, err := os.ReadFile("../../fixtures/endor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed+"/endor.yaml", []byte(strings.Replace(string(data), "feature/login", "feature/logout", 3)), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := list(newLive(t, server.Config{FixturesDir: changed, StateFile: file, Seed: 8})); !strings.Contains(got, "feature/logout") || strings.Contains(got, "feature/login") {
		t.Errorf("with changed fixtures, the saved ones were read: %s", got)
	}
}

// apiKeyExchange is POST /v1/auth/api-key.
func apiKeyExchange(l *servertest.Server, key, secret string) (int, string) {
	l.T.Helper()
	body, err := json.Marshal(map[string]string{"key": key, "secret": secret})
	if err != nil {
		l.T.Fatal(err)
	}
	return l.Do(http.MethodPost, "/v1/auth/api-key", string(body)).Result()
}

// heldTokens is the tokens the Endor fake holds, as its state file saves them.
func heldTokens(l *servertest.Server, file string) []string {
	l.T.Helper()
	if err := l.Srv.SaveState(); err != nil {
		l.T.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		l.T.Fatal(err)
	}
	var state struct {
		Endor struct {
			IssuedTokens []struct{ Token string } `json:"issued_tokens"`
		}
	}
	if err := json.Unmarshal(data, &state); err != nil {
		l.T.Fatal(err)
	}
	var out []string
	for _, t := range state.Endor.IssuedTokens {
		out = append(out, t.Token)
	}
	return out
}

// Issue 21, finding 3: POST /v1/auth/api-key needs no credentials, and
// each token it issued kept the whole key string for ever. A key or a
// secret longer than endor.MaxAPIKeyLength is now refused with a 400 that
// holds nothing of it, and nothing is issued or kept.
func TestAPIKeyExchangeRefusesLongKeys(t *testing.T) {
	file := t.TempDir() + "/state.json"
	l := newLive(t, server.Config{StateFile: file})
	long := strings.Repeat("k", endor.MaxAPIKeyLength+1)
	huge := "endr+" + strings.Repeat("x", 5<<20)
	// vendors.md §1: a bad argument is 400, code 3, with the HTTPErrorInfo
	// detail of its status.
	refusal := func(field string, n int) string {
		return fmt.Sprintf(`{"code":3,"message":"%s: must be at most 256 characters, not %d","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`, field, n)
	}
	for _, tc := range []struct{ name, key, secret, want string }{
		{"key one past the bound", long, "s", refusal("key", len(long))},
		{"5 MB key", huge, "s", refusal("key", len(huge))},
		{"5 MB secret", "endr+k", huge, refusal("secret", len(huge))},
	} {
		status, raw := apiKeyExchange(l, tc.key, tc.secret)
		if status != http.StatusBadRequest || strings.TrimSpace(raw) != tc.want {
			t.Errorf("%s: %d %.300s\nwant 400 %s", tc.name, status, raw, tc.want)
		}
	}
	if held := heldTokens(l, file); len(held) != 0 {
		t.Errorf("refused exchanges left %d tokens", len(held))
	}
	at := strings.Repeat("k", endor.MaxAPIKeyLength)
	if status, raw := apiKeyExchange(l, at, at); status != http.StatusOK {
		t.Errorf("a key and a secret of %d characters: %d %s", endor.MaxAPIKeyLength, status, raw)
	}
}

// Expired tokens are dropped as new ones are issued, and past
// --endor-max-issued-tokens the oldest goes (logged once). A dropped token
// gets the vendor's 401, although any other token is accepted.
func TestIssuedTokensAreBounded(t *testing.T) {
	file := t.TempDir() + "/state.json"
	clk := newWallClock()
	var logs syncBuffer
	l := newLive(t, server.Config{StateFile: file, Clock: clk.Now, Vendors: vendorstest.Settings{EndorMaxIssuedTokens: 3, HuaweiCredentials: huaweitest.Settings().HuaweiCredentials, RepoAuths: huaweitest.Settings().RepoAuths}.Vendors(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	issue := func() string {
		t.Helper()
		status, raw := apiKeyExchange(l, "endr+k", "s")
		var tok struct{ Token string }
		if status != http.StatusOK || json.Unmarshal([]byte(raw), &tok) != nil {
			t.Fatalf("exchange: %d %s", status, raw)
		}
		return tok.Token
	}
	check := func(token string) int {
		t.Helper()
		status, _ := l.Do(http.MethodGet, "/v1/auth", "", "Authorization", "Bearer "+token).Result()
		return status
	}
	// vendors.md §1: the verbatim 401 of a missing, empty or expired token.
	const unauthenticated = `{"code":16,"message":"Invalid authorization header: Bearer","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":401}]}`

	expired := issue()
	clk.Advance(endor.DefaultTokenTTL + time.Minute)
	var live []string
	for range 4 {
		live = append(live, issue())
	}
	if held := heldTokens(l, file); !slices.Equal(held, slices.Sorted(slices.Values(live[1:]))) {
		t.Errorf("held %v, want the newest 3 of %v (the expired one and the oldest dropped)", held, live)
	}
	for _, tok := range []string{expired, live[0]} {
		status, raw := l.Do(http.MethodGet, "/v1/auth", "", "Authorization", "Bearer "+tok).Result()
		if status != http.StatusUnauthorized || strings.TrimSpace(raw) != unauthenticated {
			t.Errorf("a dropped token: %d %s, want 401 %s", status, raw, unauthenticated)
		}
	}
	for _, tok := range live[1:] {
		if status := check(tok); status != http.StatusOK {
			t.Errorf("a held token: %d", status)
		}
	}
	if status := check("any-other-token"); status != http.StatusOK {
		t.Errorf("a token of another form: %d, want 200 (no --endor-tokens: any token)", status)
	}
	if n := strings.Count(logs.String(), "--endor-max-issued-tokens"); n != 1 {
		t.Errorf("the bound was logged %d times, want once:\n%s", n, logs.String())
	}
}

// Past --max-faults, a new fault is refused with 409, naming the flag and
// what to do; nothing is added. Removing one makes room.
func TestFaultsAreBounded(t *testing.T) {
	l := newLive(t, server.Config{MaxFaults: 2})
	first := inject(l, `{"kind":"delay","delay_ms":1}`)
	inject(l, `{"kind":"delay","delay_ms":2}`)
	status, raw := l.Do(http.MethodPost, "/__admin/faults", `{"kind":"error","status":503}`).Result()
	want := `{"message":"fault: 2 faults are held, the most --max-faults allows: remove one (DELETE /__admin/faults/{id}) or all (DELETE /__admin/faults), or raise the limit"}`
	if status != http.StatusConflict || strings.TrimSpace(raw) != want {
		t.Errorf("a fault past the bound: %d %s\nwant 409 %s", status, raw, want)
	}
	var got struct{ Faults []faults.Fault }
	l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &got)
	if len(got.Faults) != 2 || got.Faults[0].DelayMS != 1 || got.Faults[1].DelayMS != 2 {
		t.Errorf("faults after the refusal: %+v", got.Faults)
	}
	l.Do(http.MethodDelete, "/__admin/faults/"+first, "").Decode(l.T, http.StatusNoContent, nil)
	inject(l, `{"kind":"error","status":503}`)
}

// openStream opens the journal stream and reads its first backlog.
func openStream(t *testing.T, l *servertest.Server) (*http.Response, *bufio.Reader, []map[string]any) {
	t.Helper()
	resp, err := http.Get(l.URL + "/__admin/requests/stream")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	ev, err := readEvent(r)
	if err != nil || ev.name != "backlog" {
		t.Fatalf("first event %q, %v", ev.name, err)
	}
	var backlog struct{ Entries []map[string]any }
	if err := json.Unmarshal([]byte(ev.data), &backlog); err != nil {
		t.Fatal(err)
	}
	return resp, r, backlog.Entries
}

// Past --max-stream-clients, one more journal stream gets 503 naming the
// flag; a stream that ends makes room.
func TestStreamClientsAreBounded(t *testing.T) {
	l := newLive(t, server.Config{MaxStreamClients: 2})
	a, _, _ := openStream(t, l)
	b, _, _ := openStream(t, l)
	defer b.Body.Close()
	status, raw := l.Do(http.MethodGet, "/__admin/requests/stream", "").Result()
	want := `{"message":"the journal stream has 2 clients, the most --max-stream-clients allows: close one (a console tab), read the journal with GET /__admin/requests, or raise the limit"}`
	if status != http.StatusServiceUnavailable || strings.TrimSpace(raw) != want {
		t.Errorf("a third stream: %d %s\nwant 503 %s", status, raw, want)
	}
	a.Body.Close()
	// The server sees the client go at its next write or read.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(l.URL + "/__admin/requests/stream")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no room for a stream 5s after one was closed")
		}
	}
}

// --stream-max-bytes bounds what the stream sends one client at once: its
// backlog leaves out older entries past it, and an entry larger than it
// comes without its bodies, with a note saying where they are.
func TestStreamSendsAtMostStreamMaxBytes(t *testing.T) {
	const max = 64 << 10
	l := newLive(t, server.Config{StreamMaxBytes: max})
	post := func(size int) {
		t.Helper()
		// Not JSON: the vendor refuses it cheaply, and the journal keeps it.
		if status, raw := l.Do(http.MethodPost, "/v1/namespaces/acme.prod/repository-versions", strings.Repeat("x", size), "Content-Type", "application/json", "Authorization", "Bearer t").Result(); status != http.StatusBadRequest {
			t.Fatalf("post: %d %.200s", status, raw)
		}
	}
	for range 10 {
		post(20 << 10)
	}
	resp, r, backlog := openStream(t, l)
	defer resp.Body.Close()
	if len(backlog) == 0 || len(backlog) > 3 {
		t.Errorf("the backlog holds %d entries of 20 KB, want 1 to 3 (64 KiB)", len(backlog))
	}
	post(100 << 10)
	ev, err := readEvent(r)
	if err != nil || ev.name != "entry" {
		t.Fatalf("event %q, %v", ev.name, err)
	}
	if len(ev.data) > max || !strings.Contains(ev.data, "body left out of the stream (--stream-max-bytes)") {
		t.Errorf("an entry of 100 KB came as %d bytes: %.300s", len(ev.data), ev.data)
	}
	// The journal has the body the stream left out.
	if got := l.Journal("?limit=1"); len(got) != 1 || len(got[0].Request.BodyText) != 100<<10 {
		t.Errorf("the journal does not hold the 100 KB body: %+v", got)
	}
}

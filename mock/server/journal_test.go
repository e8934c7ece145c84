package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// compact makes a JSON text comparable byte for byte.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return b.String()
}

func TestJournalFilters(t *testing.T) {
	clock := vendorstest.NewClock()
	l := newLive(t, server.Config{Clock: clock.Now})
	rv := "/v1/namespaces/acme.prod/repository-versions"
	createBody := fmt.Sprintf(endortest.CreateBody, "main", "main")
	_, created := l.Do(http.MethodPost, sessions.Prefix+"j1"+rv, createBody, "Content-Type", "application/json", "Authorization", "Bearer tok").Result()
	_, missing := l.Do(http.MethodGet, rv+"/aaaaaaaaaaaaaaaaaaaaaaaa", "", "Authorization", "Bearer tok", sessions.Header, "j1").Result()
	repoBody := `{"project_uuid":"` + huaweitest.RepoProject + `","name":"demo"}`
	_, repo := l.Do(http.MethodPost, sessions.Prefix+"j2/v1/repositories", repoBody, "Content-Type", "application/json", "X-Auth-Token", "secret-iam-token").Result()
	l.Do(http.MethodGet, rv, "", "Authorization", "Bearer tok").Result() // the default session

	cases := []struct {
		query string
		want  []string // "method path status session" of each entry, newest first
	}{
		{"", []string{"GET " + rv + " 200 ", "POST /v1/repositories 200 j2", "GET " + rv + "/aaaaaaaaaaaaaaaaaaaaaaaa 404 j1", "POST " + rv + " 200 j1"}},
		{"?session=j1", []string{"GET " + rv + "/aaaaaaaaaaaaaaaaaaaaaaaa 404 j1", "POST " + rv + " 200 j1"}},
		{"?session=", []string{"GET " + rv + " 200 "}},
		{"?vendor=codearts", []string{"POST /v1/repositories 200 j2"}},
		{"?vendor=endor&status=404", []string{"GET " + rv + "/aaaaaaaaaaaaaaaaaaaaaaaa 404 j1"}},
		{"?operation=RepositoryVersionService_CreateRepositoryVersion", []string{"POST " + rv + " 200 j1"}},
		{"?vendor=endor&limit=2", []string{"GET " + rv + " 200 ", "GET " + rv + "/aaaaaaaaaaaaaaaaaaaaaaaa 404 j1"}},
		{"?session=nobody", nil},
	}
	for _, tc := range cases {
		var got []string
		for _, e := range l.Journal(tc.query) {
			got = append(got, fmt.Sprintf("%s %s %d %s", e.Method, e.Path, e.Status, e.Session))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("requests%s:\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}

	// The bodies, whole, as the client sent and got them.
	bodies := []struct {
		query          string
		request, reply string
		verdict        string
	}{
		{"?operation=RepositoryVersionService_CreateRepositoryVersion", createBody, created, journal.VerdictPassed},
		{"?session=j1&status=404", "", missing, journal.VerdictPassed},
		{"?vendor=codearts", repoBody, repo, journal.VerdictPassed},
	}
	for _, b := range bodies {
		es := l.Journal(b.query)
		if len(es) != 1 {
			t.Fatalf("requests%s: %d entries", b.query, len(es))
		}
		e := es[0]
		if b.request != "" && string(e.Request.Body) != compactJSON(t, b.request) {
			t.Errorf("requests%s: request body\n got %s\nwant %s", b.query, e.Request.Body, compactJSON(t, b.request))
		}
		if string(e.Response.Body) != compactJSON(t, b.reply) {
			t.Errorf("requests%s: response body\n got %s\nwant %s", b.query, e.Response.Body, compactJSON(t, b.reply))
		}
		if e.Verdict != b.verdict || e.Response.BodyBytes != int64(len(b.reply)) || e.Request.BodyBytes != int64(len(b.request)) {
			t.Errorf("requests%s: verdict %s, body bytes %d/%d", b.query, e.Verdict, e.Request.BodyBytes, e.Response.BodyBytes)
		}
	}
	// No credential is kept.
	e := l.Journal("?vendor=codearts")[0]
	if got := e.Request.Header.Get("X-Auth-Token"); got != "[redacted]" {
		t.Errorf("X-Auth-Token kept as %q", got)
	}
	if got := l.Journal("?session=j1&status=404")[0].Request.Header.Get("Authorization"); got != "[redacted]" {
		t.Errorf("Authorization kept as %q", got)
	}

	for _, q := range []string{"?status=abc", "?limit=-1"} {
		if status, _ := l.Do(http.MethodGet, "/__admin/requests"+q, "").Result(); status != http.StatusBadRequest {
			t.Errorf("requests%s: %d, want 400", q, status)
		}
	}
}

// TestJournalRedactsTokens: Endor's API-key exchange carries a key and a
// secret one way and a token the other; the journal keeps none of them, as
// a recording keeps none (issue 21, finding 5: the key id was kept).
func TestJournalRedactsTokens(t *testing.T) {
	l := newLive(t, server.Config{})
	status, reply := l.Do(http.MethodPost, "/v1/auth/api-key", `{"key":"my-key","secret":"my-secret"}`).Result()
	if status != http.StatusOK {
		t.Fatalf("api-key: %d %s", status, reply)
	}
	var issued struct{ Token string }
	if err := json.Unmarshal([]byte(reply), &issued); err != nil || issued.Token == "" {
		t.Fatalf("no token in %s", reply)
	}
	e := l.Journal("?operation=AuthenticationService_GetAPIKeyToken")[0]
	if want := `{"key":"[redacted]","secret":"[redacted]"}`; string(e.Request.Body) != want {
		t.Errorf("request body %s, want %s", e.Request.Body, want)
	}
	want := compactJSON(t, strings.Replace(reply, `"`+issued.Token+`"`, `"[redacted]"`, 1))
	if string(e.Response.Body) != want {
		t.Errorf("response body\n got %s\nwant %s", e.Response.Body, want)
	}
	all, _ := json.Marshal(l.Journal(""))
	if bytes.Contains(all, []byte(issued.Token)) || bytes.Contains(all, []byte("my-secret")) || bytes.Contains(all, []byte("my-key")) {
		t.Errorf("the journal holds a credential: %s", all)
	}
}

// TestJournalCutsLongBodies: a body past the per-entry limit is cut, with a
// marker that says so.
func TestJournalCutsLongBodies(t *testing.T) {
	l := newLive(t, server.Config{JournalMaxBytes: 64 << 10}) // bodies cut at 4 KiB
	body := fmt.Sprintf(`{"meta":{"name":"big","parent_uuid":"656e69058032bf0abaaeb600","description":"%s"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`, strings.Repeat("d", 10000))
	l.Do(http.MethodPost, "/v1/namespaces/acme.prod/repository-versions", body, "Content-Type", "application/json", "Authorization", "Bearer tok").Result()
	e := l.Journal("")[0]
	want := body[:4096] + fmt.Sprintf("…[repomock: body cut at 4096 of %d bytes]", len(body))
	if e.Request.BodyText != want || e.Request.Body != nil || e.Request.BodyBytes != int64(len(body)) {
		t.Errorf("request body_text %.80q… (%d bytes), want %.80q…", e.Request.BodyText, e.Request.BodyBytes, want)
	}
}

// TestJournalStaysWithinItsBytes: 20 requests of 10 MiB bodies through a
// journal of 1 MiB leave it under 1 MiB, and the heap (after a GC) far
// under what the bodies weighed.
func TestJournalStaysWithinItsBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200 MiB")
	}
	const limit = 1 << 20
	l := newLive(t, server.Config{JournalMaxBytes: limit, MaxBodyBytes: 11 << 20})
	// Read whole, then refused for its type (415): quick even under -race.
	body := bytes.Repeat([]byte("d"), 10<<20)
	for range 20 {
		req, err := http.NewRequest(http.MethodPost, l.URL+"/v1/repositories", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", "tok")
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	entries := l.Journal("")
	var kept int
	for _, e := range entries {
		kept += len(e.Request.Body) + len(e.Request.BodyText) + len(e.Response.Body) + len(e.Response.BodyText)
		if e.Request.BodyBytes != int64(len(body)) {
			t.Errorf("entry %d: body_bytes %d, want %d", e.ID, e.Request.BodyBytes, len(body))
		}
	}
	body = nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d entries keep %d body bytes; heap in use after GC: %.1f MiB", len(entries), kept, float64(ms.HeapInuse)/(1<<20))
	if kept > limit || len(entries) == 0 {
		t.Errorf("%d entries keep %d body bytes, want 1 to %d", len(entries), kept, limit)
	}
	if ms.HeapInuse > 64<<20 {
		t.Errorf("heap in use after GC: %d bytes, want under 64 MiB (200 MiB went through)", ms.HeapInuse)
	}
}

// TestJournalRecordsFaults: a fault's entry names it; a reset has no status.
func TestJournalRecordsFaults(t *testing.T) {
	l := newLive(t, server.Config{})
	id := inject(l, `{"session":"f","kind":"reset","times":1}`)
	// A POST: Go's client retries an idempotent request on a reset.
	if o := endorCall(l, http.MethodPost, "f", "/v1/namespaces/acme.prod/repository-versions", fmt.Sprintf(endortest.CreateBody, "x", "x")); o.err == nil {
		t.Fatalf("reset answered: %v", o)
	}
	e := l.Journal("?session=f")
	if len(e) != 1 || e[0].Fault != id || e[0].Status != 0 || e[0].Verdict != journal.VerdictFaulted {
		t.Fatalf("journal %+v, want one entry of fault %s, status 0, skipped", e, id)
	}
}

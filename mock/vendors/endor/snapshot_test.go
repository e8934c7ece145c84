package endor_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/endor"
)

const (
	sessionHeader = sessions.Header
	parent        = "656e69058032bf0abaaeb600"
)

var snapNow = time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.UTC)

// snapServer is a fake served by the real server (vendor.Serve): the
// pipeline, the sessions (by the X-Repomock-Session header) and the one
// error writer, as repomock serves it.
type snapServer struct {
	fake *endor.Fake
	h    http.Handler
}

func newSnapServer(t *testing.T, cfg endor.Config) *snapServer {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return snapNow }
	}
	if cfg.Faker == nil {
		cfg.Faker = gofakeit.New(7)
	}
	fake := endor.New(cfg)
	srv, err := server.New(server.Config{Vendors: []vendor.Plugin{vendor.Serve(fake)}})
	if err != nil {
		t.Fatal(err)
	}
	return &snapServer{fake: fake, h: srv.Handler()}
}

// do sends a request in a session with a bearer token and returns the
// status and the body.
func (s *snapServer) do(t *testing.T, session, token, method, target, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	if token != "" {
		req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	}
	req.Header.Set(sessionHeader, session)
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}

func (s *snapServer) must(t *testing.T, session, token, method, target, body string) string {
	t.Helper()
	status, got := s.do(t, session, token, method, target, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s (session %q): HTTP %d %s", method, target, session, status, got)
	}
	return got
}

func versionsURL(ns string) string { return "/v1/namespaces/" + ns + "/repository-versions" }

// create stores a repository version and returns its uuid.
func (s *snapServer) create(t *testing.T, session, ns, name, extra string) string {
	t.Helper()
	body := fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":%q%s},"context":{"id":%q,"type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":%q}}}`,
		name, parent, extra, name, name)
	var obj endor.RepositoryVersion
	if err := json.Unmarshal([]byte(s.must(t, session, "tok", http.MethodPost, versionsURL(ns), body)), &obj); err != nil {
		t.Fatal(err)
	}
	return obj.UUID
}

// token issues a token in a session, where it works (and only there).
func (s *snapServer) token(t *testing.T, session, key, secret string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	body := fmt.Sprintf(`{"key":%q,"secret":%q}`, key, secret)
	if err := json.Unmarshal([]byte(s.must(t, session, "", http.MethodPost, "/v1/auth/api-key", body)), &out); err != nil {
		t.Fatal(err)
	}
	return out.Token
}

// uuids lists the uuids of a namespace, in list order.
func (s *snapServer) uuids(t *testing.T, session, ns string) []string {
	t.Helper()
	var out struct {
		List struct {
			Objects []endor.RepositoryVersion `json:"objects"`
		} `json:"list"`
	}
	if err := json.Unmarshal([]byte(s.must(t, session, "tok", http.MethodGet, versionsURL(ns), "")), &out); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range out.List.Objects {
		ids = append(ids, o.UUID)
	}
	return ids
}

var apiKeys = []endor.APIKey{{Key: "endr+all", Secret: "s-all"}, {Key: "endr+acme", Secret: "s-acme", Namespace: "acme"}}

// filled builds a fake with objects in two sessions and two namespaces,
// an update, a delete and two issued tokens.
func filled(t *testing.T) (srv *snapServer, first string, tokens []string) {
	t.Helper()
	srv = newSnapServer(t, endor.Config{APIKeys: apiKeys})
	first = srv.create(t, "s1", "acme.prod", "main", `,"description":"default branch","annotations":{"b":"2","a":"<1>"},"tags":["x","y"]`)
	srv.create(t, "s1", "acme.prod", "dev", "")
	srv.create(t, "s1", "acme.prod", "main", `,"description":"updated"`) // an update: same uuid
	gone := srv.create(t, "s1", "acme.prod", "gone", "")
	srv.must(t, "s1", "tok", http.MethodDelete, versionsURL("acme.prod")+"/"+gone, "")
	srv.create(t, "s1", "acme.dev", "main", "")
	srv.create(t, "s2", "other", "main", `,"annotations":{"k":"v"}`)
	tokens = []string{srv.token(t, "s1", "endr+all", "s-all"), srv.token(t, "s1", "endr+acme", "s-acme")}
	return srv, first, tokens
}

func TestSnapshotRoundTrip(t *testing.T) {
	a, first, tokens := filled(t)
	data, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := a.fake.Snapshot()
	if !bytes.Equal(data, again) {
		t.Fatal("two snapshots of the same state differ")
	}

	// b's generator starts where a's did, so its first uuid would be the
	// first object's, were the uuids in use not restored.
	b := newSnapServer(t, endor.Config{APIKeys: apiKeys})
	if err := b.fake.Restore(data); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.fake.Snapshot(); !bytes.Equal(got, data) {
		t.Errorf("snapshot after restore differs:\n got %s\nwant %s", got, data)
	}

	for _, place := range []struct{ session, ns string }{{"s1", "acme.prod"}, {"s1", "acme.dev"}, {"s2", "other"}, {"", "acme.prod"}} {
		for _, q := range []string{"", "?list_parameters.count=true", "?list_parameters.filter=meta.name%3D%3Dmain"} {
			target := versionsURL(place.ns) + q
			_, want := a.do(t, place.session, "tok", http.MethodGet, target, "")
			_, got := b.do(t, place.session, "tok", http.MethodGet, target, "")
			if got != want {
				t.Errorf("GET %s in session %q after restore:\n got %s\nwant %s", target, place.session, got, want)
			}
		}
		for _, id := range a.uuids(t, place.session, place.ns) {
			target := versionsURL(place.ns) + "/" + id
			_, want := a.do(t, place.session, "tok", http.MethodGet, target, "")
			status, got := b.do(t, place.session, "tok", http.MethodGet, target, "")
			if status != http.StatusOK || got != want {
				t.Errorf("GET %s: HTTP %d\n got %s\nwant %s", target, status, got, want)
			}
		}
	}
	if ids := b.uuids(t, "s2", "acme.prod"); len(ids) != 0 {
		t.Errorf("session s2 sees s1's objects after restore: %v", ids)
	}

	// Issued tokens carry over with their principal and namespace limit.
	with := func(token, ns string) int {
		status, _ := b.do(t, "s1", token, http.MethodGet, versionsURL(ns), "")
		return status
	}
	if got := with(tokens[0], "else"); got != http.StatusOK {
		t.Errorf("restored token for every namespace: HTTP %d, want 200", got)
	}
	if got := with(tokens[1], "acme.prod"); got != http.StatusOK {
		t.Errorf("restored token limited to acme, in acme.prod: HTTP %d, want 200", got)
	}
	if got := with(tokens[1], "else"); got != http.StatusForbidden {
		t.Errorf("restored token limited to acme, elsewhere: HTTP %d, want 403", got)
	}
	var snap struct {
		IssuedTokens []struct {
			Token     string    `json:"token"`
			Principal string    `json:"principal"`
			Namespace string    `json:"namespace"`
			Expires   time.Time `json:"expires"`
			Session   string    `json:"session"`
		} `json:"issued_tokens"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.IssuedTokens) != 2 {
		t.Fatalf("issued_tokens = %+v, want 2", snap.IssuedTokens)
	}
	for _, tok := range snap.IssuedTokens {
		if !tok.Expires.Equal(snapNow.Add(endor.DefaultTokenTTL)) || !strings.HasSuffix(tok.Principal, "@repomock@api-key") || tok.Session != "s1" {
			t.Errorf("issued token %+v: want expiry now+4h, an api-key principal and session s1", tok)
		}
	}

	// Creates after the restore never reuse a uuid in use.
	fresh := newSnapServer(t, endor.Config{APIKeys: apiKeys})
	if got := fresh.create(t, "s1", "acme.prod", "probe", ""); got != first {
		t.Fatalf("a fresh fake's first uuid is %s, want %s: the test's premise is gone", got, first)
	}
	inUse := append(b.uuids(t, "s1", "acme.prod"), b.uuids(t, "s1", "acme.dev")...)
	created := b.create(t, "s1", "acme.prod", "new", "")
	if slices.Contains(inUse, created) {
		t.Errorf("create after restore reused uuid %s (in use: %v)", created, inUse)
	}
	// An upsert of a restored object keeps its uuid and create_time.
	status, body := b.do(t, "s1", "tok", http.MethodPost, versionsURL("acme.prod"),
		fmt.Sprintf(`{"meta":{"name":"main","parent_uuid":%q},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, parent))
	if status != http.StatusOK || !strings.Contains(body, `"uuid":"`+first+`"`) {
		t.Errorf("upsert of a restored object: HTTP %d %s, want uuid %s", status, body, first)
	}
}

func TestRestoreDoesNotReapplyFixtures(t *testing.T) {
	fx, err := endor.ParseFixtures([]byte(`{"repository_versions":[{"namespace":"acme","uuid":"aaaaaaaaaaaaaaaaaaaaaaaa",
		"meta":{"name":"fixture","parent_uuid":"` + parent + `"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := newSnapServer(t, endor.Config{Fixtures: fx})
	a.must(t, "", "tok", http.MethodDelete, versionsURL("acme")+"/aaaaaaaaaaaaaaaaaaaaaaaa", "")
	data, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b := newSnapServer(t, endor.Config{Fixtures: fx})
	b.must(t, "other", "tok", http.MethodGet, versionsURL("acme"), "") // a session in use before the restore
	if err := b.fake.Restore(data); err != nil {
		t.Fatal(err)
	}
	if ids := b.uuids(t, "", "acme"); len(ids) != 0 {
		t.Errorf("restored session has %v, want the fixture to stay deleted", ids)
	}
	if ids := b.uuids(t, "other", "acme"); !slices.Equal(ids, []string{"aaaaaaaaaaaaaaaaaaaaaaaa"}) {
		t.Errorf("a session not in the snapshot has %v, want the fixture", ids)
	}
	b.fake.Reset()
	if ids := b.uuids(t, "", "acme"); len(ids) != 1 {
		t.Errorf("after Reset the restored session has %v, want the fixture", ids)
	}
}

func TestRestoreRefusesBrokenSnapshots(t *testing.T) {
	a, _, _ := filled(t)
	good, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	obj := func(uuid, ns, name string) string {
		return fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":%q},"meta":{"name":%q,"parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",`+
			`"create_time":"2026-11-25T10:00:00Z","update_time":"2026-11-25T10:00:00Z","upsert_time":"2026-11-25T10:00:00Z","created_by":"x","updated_by":"x"},`+
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, uuid, ns, name, parent)
	}
	session := func(objs ...string) string {
		return `{"version":1,"issued_tokens":[],"sessions":[{"name":"","repository_versions":[` + strings.Join(objs, ",") + `]}]}`
	}
	const u1, u2 = "111111111111111111111111", "222222222222222222222222"
	if err := a.fake.Restore(json.RawMessage(session(obj(u1, "acme", "a"), obj(u2, "acme", "b")))); err != nil {
		t.Fatalf("the valid base of the cases below is refused: %v", err)
	}
	if err := a.fake.Restore(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"not json", `{"version":1,`, "unexpected EOF"},
		{"truncated", string(good[:len(good)/2]), "unexpected EOF"},
		{"trailing data", string(good) + `{}`, "after the JSON value"},
		{"other version", `{"version":2,"issued_tokens":[],"sessions":[]}`, "version 2"},
		{"unknown field", `{"version":1,"sessions":[],"extra":1}`, "extra"},
		{"unknown object field", session(strings.Replace(obj(u1, "acme", "a"), `"uuid"`, `"colour":1,"uuid"`, 1)), "colour"},
		{"bad uuid", session(obj("XYZ", "acme", "a")), "uuid"},
		{"uuid twice", session(obj(u1, "acme", "a"), obj(u1, "acme2", "b")), "used twice"},
		{"key twice", session(obj(u1, "acme", "a"), obj(u2, "acme", "a")), "same namespace"},
		{"bad namespace", session(obj(u1, "Acme!", "a")), "namespace"},
		{"no name", session(obj(u1, "acme", "")), "meta.name"},
		{"session twice", `{"version":1,"sessions":[{"name":"x","repository_versions":[]},{"name":"x","repository_versions":[]}]}`, "listed twice"},
		{"token without expiry", `{"version":1,"issued_tokens":[{"token":"t","principal":"p"}],"sessions":[]}`, "expires"},
		{"token twice", `{"version":1,"issued_tokens":[{"token":"t","principal":"p","expires":"2030-01-01T00:00:00Z"},{"token":"t","principal":"p","expires":"2030-01-01T00:00:00Z"}],"sessions":[]}`, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.fake.Restore(json.RawMessage(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "endor: ") {
				t.Errorf("Restore = %v, want an endor error containing %q", err, tc.want)
			}
			if got, _ := a.fake.Snapshot(); !bytes.Equal(got, good) {
				t.Error("a refused restore changed the state")
			}
		})
	}
}

// A namespace outlives its objects (vendors.md §7: it exists "once
// something was written in it"), and so it is in the state file; a file
// written before namespaces were has them from its objects.
func TestSnapshotKeepsNamespaces(t *testing.T) {
	a := newSnapServer(t, endor.Config{})
	id := a.create(t, "", "acme.tmp.x", "main", "")
	a.must(t, "", "tok", http.MethodDelete, versionsURL("acme.tmp.x")+"/"+id, "")
	a.create(t, "", "acme.prod", "main", "")
	data, err := a.fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"namespaces":[{"name":"acme","create_time":"2026-11-25T10:00:00.123456789Z","created_by":"token-a210d45d@example.com@google"},`)) {
		t.Errorf("the snapshot lacks its namespaces: %s", data)
	}
	b := newSnapServer(t, endor.Config{})
	if err := b.fake.Restore(data); err != nil {
		t.Fatal(err)
	}
	const subtree = "/v1/namespaces/acme/namespaces?list_parameters.traverse=true&list_parameters.mask=spec.full_name"
	// The default marshaler writes the unpopulated fields of each masked
	// object (the real pipeline's codec).
	want := `{"list":{"objects":[{"spec":{"full_name":"acme.prod","managed":false},"uuid":""},{"spec":{"full_name":"acme.tmp","managed":false},"uuid":""},{"spec":{"full_name":"acme.tmp.x","managed":false},"uuid":""}],"response":{}}}`
	if got := b.must(t, "", "tok", http.MethodGet, subtree, ""); got != want {
		t.Errorf("after a restore:\n got %s\nwant %s", got, want)
	}

	// A version 1 file without "namespaces": those of its objects.
	old := bytes.Replace(data, []byte(`"namespaces":`), []byte(`"ignored":`), 1)
	var m map[string]any
	_ = json.Unmarshal(old, &m)
	sess := m["sessions"].([]any)[0].(map[string]any)
	delete(sess, "ignored")
	old, _ = json.Marshal(m)
	c := newSnapServer(t, endor.Config{})
	if err := c.fake.Restore(old); err != nil {
		t.Fatal(err)
	}
	want = `{"list":{"objects":[{"spec":{"full_name":"acme.prod","managed":false},"uuid":""}],"response":{}}}`
	if got := c.must(t, "", "tok", http.MethodGet, subtree, ""); got != want {
		t.Errorf("after restoring a file without namespaces:\n got %s\nwant %s", got, want)
	}
}

package toy_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/console"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors"
	"github.com/repomock/repomock/mock/vendors/toy"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// These tests add a fourth vendor, the toy shop, to the list, and show
// that it gets, with no other package changed, what the three real
// vendors get: validation, its own error shape, sessions, faults and
// Prefer, the journal (its secrets redacted), the console's vendor list,
// fixtures, the state file, its flags and the proxy.

// specDir holds the toy's spec, testdata/toy/toy.yaml.
const specDir = "../../../testdata/toy"

// withToy is the list of vendors with the toy's one entry.
func withToy(key string) []vendor.Plugin {
	return append(vendors.List(), &toy.Plugin{SpecDir: specDir, Key: key})
}

// newToyServer serves cfg with the toy; every answer of the toy's is
// replayed against its spec when the test ends.
func newToyServer(t *testing.T, cfg server.Config, opts ...vendorstest.Option) *servertest.Server {
	t.Helper()
	if cfg.Vendors == nil {
		cfg.Vendors = withToy("")
	}
	opts = append([]vendorstest.Option{vendorstest.Auth(toy.KeyHeader, "any-key"), vendorstest.Spec(vendor.Spec{FS: os.DirFS(specDir), File: "toy.yaml"})}, opts...)
	return servertest.New(t, cfg, opts...)
}

const toys = "/toy/v1/toys"

func TestToyValidatesAndAnswersInItsShape(t *testing.T) {
	s := newToyServer(t, server.Config{MaxBodyBytes: 1024})
	for _, tc := range []struct {
		name, method, target string
		body                 any
		headers              []string
		status               int
		want                 string
	}{
		{"created", http.MethodPost, toys, `{"name":"ball","color":"red"}`, nil, http.StatusCreated, `{"id":"t1","name":"ball","color":"red"}`},
		{"a name too long", http.MethodPost, toys, `{"name":"a very long ball"}`, nil, http.StatusBadRequest,
			`{"toy_error":{"code":"toy.400","message":"name: maximum string length is 10"}}`},
		{"a color of no enum", http.MethodPost, toys, `{"name":"ball","color":"green"}`, nil, http.StatusBadRequest,
			`{"toy_error":{"code":"toy.400","message":"color: must be one of red, blue"}}`},
		{"no key", http.MethodGet, toys, nil, []string{"Accept", "application/json"}, http.StatusUnauthorized,
			`{"toy_error":{"code":"toy.unauthorized","message":"X-Toy-Key: missing or wrong"}}`},
		{"no such toy", http.MethodGet, toys + "/t9", nil, nil, http.StatusNotFound, `{"toy_error":{"code":"toy.not_found","message":"no toy t9"}}`},
		{"no such route", http.MethodGet, "/toy/v1/nothing", nil, nil, http.StatusNotFound, `{"toy_error":{"code":"toy.404","message":"Not Found"}}`},
		{"a body over the limit", http.MethodPost, toys, `{"name":"` + strings.Repeat("x", 2048) + `"}`, nil, http.StatusRequestEntityTooLarge,
			`{"toy_error":{"code":"toy.413","message":"body: request body exceeds the limit of 1024 bytes"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(tc.method, tc.target, tc.body, tc.headers...)
			if r.Status != tc.status {
				t.Fatalf("HTTP %d %s, want %d", r.Status, r.Raw, tc.status)
			}
			vendorstest.JSONEqual(t, r.Raw, tc.want)
		})
	}
}

func TestToySessionsFaultsAndPrefer(t *testing.T) {
	s := newToyServer(t, server.Config{})
	s.Do(http.MethodPost, sessions.Prefix+"a"+toys, `{"name":"kite"}`).OK(t)
	vendorstest.JSONEqual(t, s.Do(http.MethodGet, toys, nil, toy.KeyHeader, "k", sessions.Header, "b").Raw, `{"toys":[]}`)
	vendorstest.JSONEqual(t, s.Do(http.MethodGet, toys, nil, toy.KeyHeader, "k", sessions.Header, "a").Raw, `{"toys":[{"id":"t1","name":"kite"}]}`)
	var report sessions.Report
	s.Do(http.MethodGet, "/__admin/sessions", nil).Decode(t, http.StatusOK, &report)
	if i := slices.IndexFunc(report.Sessions, func(si sessions.Info) bool { return si.Name == "a" }); i < 0 || report.Sessions[i].Objects["toy"] != 1 {
		t.Errorf("sessions: %+v, want a with 1 toy", report.Sessions)
	}

	s.Do(http.MethodPost, "/__admin/faults", `{"vendor":"toy","operation":"ListToys","kind":"error","status":503,"times":1}`).Decode(t, http.StatusCreated, nil)
	r := s.Do(http.MethodGet, toys, nil)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("under the fault: HTTP %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"toy_error":{"code":"toy.503","message":"Service Unavailable"}}`)
	if e := s.Journal("?limit=1")[0]; e.Vendor != "toy" || e.Verdict != "faulted" || e.Fault == "" {
		t.Errorf("journal: %+v, want the toy's request skipped by a fault", e)
	}

	r = s.Do(http.MethodGet, toys, nil, toy.KeyHeader, "k", "Prefer", "code=404")
	if r.Status != http.StatusNotFound {
		t.Fatalf("Prefer: code=404: HTTP %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"toy_error":{"code":"toy.404","message":"Not Found"}}`)
	r = s.Do(http.MethodGet, toys, nil, toy.KeyHeader, "k", "Prefer", "code=418")
	vendorstest.JSONEqual(t, r.Raw, `{"toy_error":{"code":"toy.400","message":"Prefer: code=418 is not documented for this operation; documented: 200, 400, 401, 404, 503"}}`)
}

func TestToyJournalConsoleAndSecrets(t *testing.T) {
	s := newToyServer(t, server.Config{})
	s.Do(http.MethodPost, toys, `{"name":"yoyo","pin":"1234"}`, toy.KeyHeader, "secret-key", "Content-Type", "application/json").OK(t)
	e := s.Journal("?limit=1")[0]
	if e.Vendor != "toy" || e.OperationID != "CreateToy" || e.Verdict != "passed" || e.Status != http.StatusCreated {
		t.Errorf("journal: %+v", e)
	}
	if got := e.Request.Header.Get(toy.KeyHeader); got != "[redacted]" {
		t.Errorf("the journal shows %s: %q", toy.KeyHeader, got)
	}
	vendorstest.JSONEqual(t, string(e.Request.Body), `{"name":"yoyo","pin":"[redacted]"}`)

	var vs struct{ Vendors []console.VendorInfo }
	s.Do(http.MethodGet, "/__admin/vendors", nil).Decode(t, http.StatusOK, &vs)
	if last := vs.Vendors[len(vs.Vendors)-1]; last.ID != "toy" || last.Name != "Toy Shop" || strings.Join(last.Operations, ",") != "ListToys,CreateToy,GetToy" {
		t.Errorf("the console's vendors end with %+v, want the toy shop and its operations", last)
	}
	var objs struct{ Vendors []console.VendorObjects }
	s.Do(http.MethodGet, "/__admin/objects", nil).Decode(t, http.StatusOK, &objs)
	if last := objs.Vendors[len(objs.Vendors)-1]; last.Vendor != "toy" || last.Kind != "toys" || last.Count != 1 {
		t.Errorf("the console's objects end with %+v, want the toy", last)
	}
}

func TestToyFlagsFixturesAndStateFile(t *testing.T) {
	// The toy's flag comes with the list, through the server.
	cfg := server.Config{Vendors: withToy("")}
	fs := flag.NewFlagSet("repomock", flag.ContinueOnError)
	server.RegisterFlags(fs, &cfg, false)
	if err := fs.Parse([]string{"--toy-key", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	s := newToyServer(t, cfg, vendorstest.Auth(toy.KeyHeader, "wrong"))
	if r := s.Do(http.MethodGet, toys, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("--toy-key from-flag: another key gets HTTP %d", r.Status)
	}

	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "toy.yaml", "toys:\n  - {id: t7, name: fixed}\n")
	state := filepath.Join(t.TempDir(), "state.json")
	s = newToyServer(t, server.Config{FixturesDir: dir, StateFile: state})
	if got := s.Srv.Fixtures(); len(got) != 1 || got[0].Summary != "1 toys" {
		t.Errorf("fixtures loaded: %+v", got)
	}
	vendorstest.JSONEqual(t, s.Do(http.MethodGet, toys+"/t7", nil).Raw, `{"id":"t7","name":"fixed"}`)
	s.Do(http.MethodPost, sessions.Prefix+"kept"+toys, `{"name":"saved"}`).OK(t)
	if err := s.Srv.SaveState(); err != nil {
		t.Fatal(err)
	}
	again := newToyServer(t, server.Config{FixturesDir: dir, StateFile: state})
	vendorstest.JSONEqual(t, again.Do(http.MethodGet, sessions.Prefix+"kept"+toys, nil).Raw,
		`{"toys":[{"id":"t7","name":"fixed"},{"id":"t2","name":"saved"}]}`)

	vendorstest.WriteFile(t, dir, "toy.yaml", "toys:\n  - {id: x1, name: bad}\n")
	if _, err := server.New(server.Config{FixturesDir: dir, Vendors: withToy("")}); err == nil ||
		err.Error() != filepath.Join(dir, "toy.yaml")+":2: toys[0]: id: must be t and digits" {
		t.Errorf("a bad toy.yaml: %v", err)
	}
}

func TestToyBehindTheProxy(t *testing.T) {
	up := newToyServer(t, server.Config{}, vendorstest.Live())
	ups, err := proxy.Upstreams(server.Config{Vendors: withToy("")})
	if err != nil {
		t.Fatal(err)
	}
	if last := ups[len(ups)-1]; last != (proxy.Upstream{ID: "toy", Name: "Toy Shop", Example: "https://toys.example"}) {
		t.Errorf("the proxy's vendors end with %+v", last)
	}
	upstream, _ := url.Parse(up.URL)
	rec := filepath.Join(t.TempDir(), "rec")
	px, err := proxy.New(proxy.Config{Server: server.Config{Vendors: withToy("")}, Upstreams: map[string]*url.URL{"toy": upstream}, RecordDir: rec})
	if err != nil {
		t.Fatal(err)
	}
	through := vendorstest.Serve(t, px.Handler(), vendorstest.Auth(toy.KeyHeader, "any-key"), vendorstest.Spec(vendor.Spec{FS: os.DirFS(specDir), File: "toy.yaml"}))
	r := through.Do(http.MethodPost, toys, `{"name":"drone"}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("through the proxy: HTTP %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"id":"t1","name":"drone"}`)
	// An answer that breaks the spec is reported (the toy's is fine), and
	// the recording keeps the toy as the toy's fixtures.
	data, err := os.ReadFile(filepath.Join(rec, "toy.yaml"))
	if err != nil || !strings.Contains(string(data), "name: drone") {
		t.Errorf("recorded toy.yaml: %v\n%s", err, data)
	}
	if fx, err := toy.ParseFixtures([]byte(`{"toys":[{"id":"t1","name":"drone"}]}`)); err != nil || len(fx.Toys) != 1 {
		t.Errorf("the recorded toy is no fixture: %v", err)
	}
}

// The contract suite's generic checks, driven by the toy's spec alone,
// pass against the toy served by repomock: generated bodies and
// parameters accepted, each broken one rule at a time refused in the
// toy's envelope, and every answer conforming to the spec. The suite has
// never heard of the toy: it gets a name, the spec, a URL and a key.
func TestToyPassesTheContractSuite(t *testing.T) {
	s := newToyServer(t, server.Config{}, vendorstest.Live())
	contractstest.Run(t, contracts.Target{Name: "repomock with a toy", Vendors: []*contracts.Vendor{{
		Name:      "Toy Shop",
		Spec:      "toy.yaml",
		SpecFS:    os.DirFS(specDir),
		URL:       s.URL,
		Authorize: contracts.AuthHeader(toy.KeyHeader, "any-key"),
		Envelope: func(_ int, body []byte) error {
			var e struct {
				ToyError *struct{ Code, Message string } `json:"toy_error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.ToyError == nil || e.ToyError.Code == "" {
				return fmt.Errorf("not the toy's error envelope: %s", body)
			}
			return nil
		},
	}}})
}

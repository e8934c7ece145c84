package server_test

import (
	"context"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
	"github.com/repomock/repomock/specs"
)

// Every route the server serves that is not a vendor's is an operation of
// the admin API's spec, and every operation is served (issue 24: "every
// admin route is in specs/admin.yaml and a test fails when a route is
// not"). The routes are echo's own, walked, not a list the code keeps.
func TestEveryAdminRouteIsInTheSpec(t *testing.T) {
	srv, err := server.New(server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Admin)
	if err != nil {
		t.Fatal(err)
	}
	vendorRoutes := map[string]bool{}
	for _, r := range srv.Routes() {
		vendorRoutes[r.Method+" "+pipeline.EchoPath(r.Path)] = true
	}
	served := map[string]bool{}
	for _, r := range srv.Handler().(*echo.Echo).Routes() {
		if r.Method == echo.RouteNotFound || vendorRoutes[r.Method+" "+r.Path] {
			continue
		}
		served[r.Method+" "+r.Path] = true
		if !strings.HasPrefix(r.Path, admin.Prefix) && r.Path != "/" {
			t.Errorf("%s %s: served, neither a vendor's route nor under %s", r.Method, r.Path, admin.Prefix)
		}
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+pipeline.EchoPath(path)] = true
		}
	}
	for _, r := range slices.Sorted(func(yield func(string) bool) {
		for r := range served {
			if !yield(r) {
				return
			}
		}
	}) {
		if !described[r] {
			t.Errorf("%s: served, but specs/admin.yaml does not describe it", r)
		}
	}
	for r := range described {
		if !served[r] {
			t.Errorf("%s: in specs/admin.yaml, but not served", r)
		}
	}
	if len(served) < 15 {
		t.Fatalf("only %d admin routes found: %v", len(served), served)
	}
}

// GET /__admin/openapi.yaml serves the document, as embedded, to anyone
// who names the server (TestAdminAnswersOnlyToItsHosts): it holds nothing
// the token guards.
func TestAdminSpecIsServed(t *testing.T) {
	want, err := fs.ReadFile(specs.FS(), specs.Admin)
	if err != nil {
		t.Fatal(err)
	}
	h := servertest.New(t, server.Config{AdminToken: "s3cret"})
	r := h.Do(http.MethodGet, "/__admin/openapi.yaml", nil)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/yaml" || r.Raw != string(want) {
		t.Fatalf("GET /__admin/openapi.yaml: %d %s, %d bytes; want 200 application/yaml, the %d bytes of specs/admin.yaml",
			r.Status, r.Header.Get("Content-Type"), len(r.Raw), len(want))
	}
}

// The admin requests are checked against the spec before any handler
// runs, and refused in the admin API's shape, naming what is wrong.
func TestAdminRequestsAreChecked(t *testing.T) {
	h := servertest.New(t, server.Config{})
	for _, c := range []struct {
		method, target, body string
		headers              []string
		status               int
		want                 string
	}{
		{http.MethodGet, "/__admin/requests?limit=x", "", nil, 400,
			`{"message":"limit: \"x\" is an invalid integer: invalid syntax"}`},
		{http.MethodGet, "/__admin/requests?status=-1", "", nil, 400,
			`{"message":"status: number must be at least 0"}`},
		{http.MethodGet, "/__admin/objects?limit=1001", "", nil, 400,
			`{"message":"limit: number must be at most 1000"}`},
		{http.MethodDelete, "/__admin/sessions/a%20b", "", nil, 400,
			`{"message":"name: string doesn't match the regular expression \"^[A-Za-z0-9._-]{1,64}$\""}`},
		{http.MethodPost, "/__admin/reset?session=a%20b", "", nil, 400,
			`{"message":"session: string doesn't match the regular expression \"^[A-Za-z0-9._-]{0,64}$\""}`},
		{http.MethodPost, "/__admin/faults", `{"kind":`, []string{"Content-Type", "application/json"}, 400,
			`{"message":"body: invalid JSON: unexpected end of input"}`},
		{http.MethodPost, "/__admin/faults", `{"kind":"reset","kind":"delay"}`, []string{"Content-Type", "application/json"}, 400,
			`{"message":"kind: duplicate field"}`},
		{http.MethodPost, "/__admin/faults", "", []string{"Content-Type", "application/json"}, 400,
			`{"message":"body: request body is required"}`},
		// Present and empty, session is the default one's.
		{http.MethodGet, "/__admin/requests?session=&limit=0&status=0", "", nil, 200, `{"requests":[]}`},
		{http.MethodPost, "/__admin/reset?session=", "", nil, 200, `{"status":"reset","session":""}`},
		{http.MethodGet, "/__admin/objects?session=&limit=0", "", nil, 200, `{"session":"","vendors":[` +
			`{"vendor":"endor","name":"Endor Labs","kind":"repository versions","count":0,"objects":[]},` +
			`{"vendor":"codearts","name":"Huawei CodeArts Repo","kind":"repositories","count":0,"objects":[]},` +
			`{"vendor":"servicestage","name":"Huawei ServiceStage","kind":"files","count":0,"objects":[]}]}`},
		// curl -d sends a form's Content-Type: the body is read as JSON all
		// the same, as the admin API always has.
		{http.MethodPost, "/__admin/faults", `{"kind":"reset"}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 201,
			`{"id":"f1"}`},
	} {
		r := h.Do(c.method, c.target, c.body, c.headers...)
		if r.Status != c.status {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.target, c.body, r.Status, r.Raw, c.status)
			continue
		}
		vendorstest.JSONEqual(t, r.Raw, c.want)
	}
}

// GET / and GET /__admin are no dead ends (issue 25): a browser is sent to
// the console, any other client gets the console's and the spec's URLs and
// every admin route; /__admin/ui/ is the console as /__admin/ui is.
func TestAdminIndex(t *testing.T) {
	h := servertest.New(t, server.Config{}, vendorstest.InProcess())
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Admin)
	if err != nil {
		t.Fatal(err)
	}
	ops := 0
	for _, item := range doc.Paths.Map() {
		ops += len(item.Operations())
	}
	for _, path := range []string{"/", "/__admin"} {
		var index admin.Index
		h.Do(http.MethodGet, path, nil, "Accept", "*/*").Decode(t, http.StatusOK, &index)
		if index.Console != "http://localhost/__admin/ui" || index.OpenAPI != "http://localhost/__admin/openapi.yaml" {
			t.Errorf("GET %s: console %q, openapi %q; want the URLs of the console and of the spec", path, index.Console, index.OpenAPI)
		}
		health := admin.Route{Method: http.MethodGet, Path: "/__admin/health", Summary: "Whether the server is ready"}
		if len(index.Routes) != ops || !slices.Contains(index.Routes, health) {
			t.Errorf("GET %s: %d routes, want the spec's %d, health among them: %+v", path, len(index.Routes), ops, index.Routes)
		}
		r := h.Do(http.MethodGet, path, nil, "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		if r.Status != http.StatusFound || r.Header.Get("Location") != "/__admin/ui" {
			t.Errorf("GET %s from a browser: %d, Location %q; want 302 to /__admin/ui", path, r.Status, r.Header.Get("Location"))
		}
	}
	// The index is the admin API's: no journal entry, no session.
	h.Do(http.MethodGet, "/", nil, "X-Repomock-Session", "indexed")
	if es := h.Journal(""); len(es) != 0 {
		t.Errorf("the journal holds %d entries, want none for GET /", len(es))
	}
	page := h.Do(http.MethodGet, "/__admin/ui", nil)
	slash := h.Do(http.MethodGet, "/__admin/ui/", nil)
	if page.Status != http.StatusOK || slash.Status != http.StatusOK || slash.Raw != page.Raw || slash.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET /__admin/ui/: %d %s, want the console's page (%d)", slash.Status, slash.Header.Get("Content-Type"), page.Status)
	}
	r := h.Do(http.MethodGet, "/__admin/ui/nope.js", nil)
	if r.Status != http.StatusNotFound {
		t.Fatalf("GET /__admin/ui/nope.js: %d", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"message":"/__admin/ui/nope.js: no such file; the console's files are console.css, console.js, index.html"}`)
}

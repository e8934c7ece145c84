package endor_test

// Fuzz targets for every create body and the path parameters of each
// vendor. Each target runs one in-process server (server.New + Handler, served
// into an httptest.ResponseRecorder: no network) and checks, for every
// input:
//
//   - no panic and no 5xx;
//   - every response conforms to its spec, checked with kin-openapi's own
//     router and ValidateResponse, independently of the middleware that
//     served it (the replay of harness_test.go, with the routers built once);
//   - what a 200 wrote reads back, and a refused request leaves no state.
//
// Seed corpora live in testdata/fuzz/<FuzzName>/. CI runs each target
// briefly: go test ./mock/vendors/endor/ -run '^$' -fuzz '^FuzzEndorCreate$' -fuzztime 5s
//
// REPOMOCK_FUZZ_STRICT=1 also requires that a path parameter reaches the fake
// exactly as the client encoded it (no second percent-decoding, no invalid
// UTF-8 accepted); see TestReliabilityPathParamsDecodeOnce for the gap.

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// newFuzzServer serves a fuzz target's requests in-process, each answer
// checked as it comes: no 5xx, and conformance to the spec.
func newFuzzServer(tb testing.TB) *servertest.Server {
	return servertest.New(tb, server.Config{}, vendorstest.InProcess(), vendorstest.Checked(), vendorstest.Auth())
}

// ---- Endor ----

var (
	endorAuth     = []string{"Authorization", token, "Content-Type", ctJSON}
	endorNSRule   = regexp.MustCompile(`^[a-z0-9_-]{1,32}(\.[a-z0-9_-]{1,32})*$`)
	endorUUIDRule = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

const endorValidBody = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`

func endorCount(s *servertest.Server, t *testing.T, nsEsc string) int {
	t.Helper()
	r := s.With(t).Do(http.MethodGet, "/v1/namespaces/"+nsEsc+"/repository-versions?list_parameters.count=true", nil, endorAuth...)
	vendorstest.Want(t, "count", r, http.StatusOK)
	n, ok := vendorstest.Get(r.JSON, "count_response.count").(float64)
	if !ok {
		t.Fatalf("count: no count_response.count in %s", r.Raw)
	}
	return int(n)
}

func FuzzEndorCreate(f *testing.F) {
	f.Add([]byte(endorValidBody))
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s.Srv.Reset()
		r := s.With(t).Do(http.MethodPost, endortest.Path, body, endorAuth...)
		if r.Status != http.StatusOK {
			vendorstest.Want4xx(t, "create", r, "endor")
			if n := endorCount(s, t, "acme.prod"); n != 0 {
				t.Fatalf("refused create (%d) stored %d objects: %s", r.Status, n, r.Raw)
			}
			return
		}
		id, _ := r.JSON["uuid"].(string)
		if !endorUUIDRule.MatchString(id) {
			t.Fatalf("uuid %q is not 24 lowercase hex: %s", id, r.Raw)
		}
		if ns := vendorstest.Get(r.JSON, "tenant_meta.namespace"); ns != "acme.prod" {
			t.Fatalf("tenant_meta.namespace = %v, want the path's acme.prod", ns)
		}
		g := s.With(t).Do(http.MethodGet, endortest.Path+"/"+id, nil, endorAuth...)
		vendorstest.Want(t, "get after create", g, http.StatusOK)
		if g.Raw != r.Raw {
			t.Fatalf("read back differs from the create's answer:\ncreate: %s\nget:    %s", r.Raw, g.Raw)
		}
		if n := endorCount(s, t, "acme.prod"); n != 1 {
			t.Fatalf("count after one create = %d", n)
		}
		// The same body again is an update of the same object.
		again := s.With(t).Do(http.MethodPost, endortest.Path, body, endorAuth...)
		vendorstest.Want(t, "the same create again", again, http.StatusOK)
		if again.JSON["uuid"] != id || vendorstest.Get(again.JSON, "meta.create_time") != vendorstest.Get(r.JSON, "meta.create_time") {
			t.Fatalf("upsert of the same body changed uuid or create_time:\n%s\n%s", r.Raw, again.Raw)
		}
		if n := endorCount(s, t, "acme.prod"); n != 1 {
			t.Fatalf("count after an upsert = %d", n)
		}
		d := s.With(t).Do(http.MethodDelete, endortest.Path+"/"+id, nil, endorAuth...)
		vendorstest.Want(t, "delete", d, http.StatusOK)
		if n := endorCount(s, t, "acme.prod"); n != 0 {
			t.Fatalf("count after delete = %d", n)
		}
	})
}

func FuzzEndorPath(f *testing.F) {
	f.Add("acme.prod", "0123456789abcdef01234567")
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, ns, id string) {
		s.Srv.Reset()
		nsEsc, idEsc := url.PathEscape(ns), url.PathEscape(id)
		base := "/v1/namespaces/" + nsEsc + "/repository-versions"
		validNS := endorNSRule.MatchString(ns)

		c := s.With(t).Do(http.MethodPost, base, []byte(endorValidBody), endorAuth...)
		if validNS != (c.Status == http.StatusOK) {
			t.Fatalf("create in namespace %q (valid: %v): %d %s", ns, validNS, c.Status, c.Raw)
		}
		created := ""
		if c.Status == http.StatusOK {
			created, _ = c.JSON["uuid"].(string)
			if got := vendorstest.Get(c.JSON, "tenant_meta.namespace"); got != ns {
				t.Fatalf("tenant_meta.namespace = %v, want %q", got, ns)
			}
			if n := endorCount(s, t, nsEsc); n != 1 {
				t.Fatalf("count in %q after a create = %d", ns, n)
			}
		} else {
			vendorstest.Want4xx(t, "create", c, "endor")
		}

		l := s.With(t).Do(http.MethodGet, base, nil, endorAuth...)
		if validNS {
			vendorstest.Want(t, "list", l, http.StatusOK)
		} else {
			vendorstest.Want4xx(t, "list", l, "endor")
		}

		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			r := s.With(t).Do(method, base+"/"+idEsc, nil, endorAuth...)
			switch {
			case !validNS:
				vendorstest.Want4xx(t, method, r, "endor")
			case created != "" && id == created:
				vendorstest.Want(t, method+" of the created object", r, http.StatusOK)
			case endorUUIDRule.MatchString(id):
				vendorstest.Want(t, method+" of an absent uuid", r, http.StatusNotFound)
				vendorstest.Want4xx(t, method, r, "endor")
			default:
				vendorstest.Want4xx(t, method+" of a malformed uuid", r, "endor")
			}
		}
		if created != "" && id == created {
			if n := endorCount(s, t, nsEsc); n != 0 {
				t.Fatalf("count after delete = %d", n)
			}
		}

		// The same strings unescaped, where they still make a URL: whatever
		// the router makes of them, no 5xx and a conforming answer.
		if !strings.ContainsAny(ns+id, "/?#") {
			raw := "/v1/namespaces/" + ns + "/repository-versions/" + id
			if _, err := url.Parse("http://127.0.0.1" + raw); err == nil {
				s.With(t).Do(http.MethodGet, raw, nil, endorAuth...)
			}
		}
	})
}

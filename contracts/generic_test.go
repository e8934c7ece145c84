package contracts_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/specs"
)

// The faults of the toy server, each one broken behaviour.
const (
	toyHealthy        = ""
	toyTakesInvalid   = "takes an invalid CreateWidget"
	toyNotFoundForBad = "answers a malformed widget id with 404"
	toyDropsName      = "stores and answers widgets without their names"
	toyFailsBigLimit  = "fails on a limit over 100"
)

const toyToken = "toy-token"

// toyServer serves testdata/toy.yaml, an API no package of the suite knows,
// with fault: it validates requests with kin-openapi (a 401 for a missing
// token, a 400 for the rest), and keeps widgets in memory. Its URL is on
// 127.0.0.1.
func toyServer(t *testing.T, fault string) string {
	t.Helper()
	doc, err := specs.Load(t.Context(), os.DirFS("testdata"), "toy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	widgets := map[string]map[string]any{}
	answer := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(w http.ResponseWriter, status int, code, message string) {
		answer(w, status, map[string]string{"code": code, "message": message})
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := router.FindRoute(r)
		if err != nil {
			fail(w, http.StatusNotFound, "not_found", err.Error())
			return
		}
		id := route.Operation.OperationID
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if fault == toyFailsBigLimit && id == "ListWidgets" && limit > 100 {
			fail(w, http.StatusInternalServerError, "internal", "index out of range")
			return
		}
		err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error {
				if r.Header.Get("Authorization") != "Bearer "+toyToken {
					return errors.New("no bearer token")
				}
				return nil
			}},
		})
		var denied *openapi3filter.SecurityRequirementsError
		switch {
		case errors.As(err, &denied):
			fail(w, http.StatusUnauthorized, "unauthenticated", "a bearer token is required")
			return
		case err != nil && fault == toyNotFoundForBad && id == "GetWidget":
			fail(w, http.StatusNotFound, "not_found", "no such widget")
			return
		case err != nil && !(fault == toyTakesInvalid && id == "CreateWidget"):
			fail(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch id {
		case "CreateWidget":
			var in map[string]any
			_ = json.NewDecoder(r.Body).Decode(&in)
			// What the server understood of the body: a widget as the
			// spec describes it, whatever it was sent.
			wid := map[string]any{"id": "w" + strconv.Itoa(len(widgets)+1), "name": "unnamed", "size": 1}
			if name, ok := in["name"].(string); ok {
				wid["name"] = name
			}
			if size, ok := in["size"].(float64); ok && size == float64(int(size)) {
				wid["size"] = int(size)
			}
			if fault == toyDropsName {
				delete(wid, "name")
			}
			widgets[wid["id"].(string)] = wid
			answer(w, http.StatusCreated, wid)
		case "GetWidget":
			if wid, ok := widgets[params["id"]]; ok {
				answer(w, http.StatusOK, wid)
				return
			}
			fail(w, http.StatusNotFound, "not_found", "no such widget")
		case "ListWidgets":
			list := []map[string]any{}
			for _, wid := range widgets {
				list = append(list, wid)
			}
			answer(w, http.StatusOK, map[string]any{"widgets": list})
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// toyVendor is the toy API as any user of the suite describes one it has
// never heard of: a name, its spec, its URL and its credentials.
func toyVendor(url string) *contracts.Vendor {
	return &contracts.Vendor{
		Name:      "Toy widgets",
		Spec:      "toy.yaml",
		SpecFS:    os.DirFS("testdata"),
		URL:       url,
		Authorize: contracts.AuthHeader("Authorization", "Bearer "+toyToken),
	}
}

// The generic checks certify an API from its spec alone: generated bodies
// are accepted, an operation without a body is called with valid
// parameters (a read of an id nothing was made under gets not-found),
// bodies and parameters broken one rule at a time are refused, and every
// answer conforms. Each fault of the toy server fails
// exactly the results that should see it.
func TestGenericChecksOnAnUnknownVendor(t *testing.T) {
	type key struct{ check, op string }
	// Every result a run gives, healthy or not.
	var all []key
	for _, op := range []string{"CreateWidget", "GetWidget", "ListWidgets"} {
		all = append(all, key{contracts.CheckPositiveData, op}, key{contracts.CheckNegativeData, op})
		for _, c := range []string{contracts.CheckStatusCode, contracts.CheckContentType, contracts.CheckResponseSchema,
			contracts.CheckResponseHeaders, contracts.CheckServerError} {
			all = append(all, key{c, op})
		}
	}
	for _, tc := range []struct {
		fault string
		fail  []key
	}{
		{toyHealthy, nil},
		{toyTakesInvalid, []key{{contracts.CheckNegativeData, "CreateWidget"}}},
		{toyNotFoundForBad, []key{{contracts.CheckNegativeData, "GetWidget"}}},
		{toyDropsName, []key{{contracts.CheckResponseSchema, "CreateWidget"}, {contracts.CheckResponseSchema, "ListWidgets"}}},
		{toyFailsBigLimit, []key{{contracts.CheckNegativeData, "ListWidgets"}, {contracts.CheckServerError, "ListWidgets"},
			{contracts.CheckStatusCode, "ListWidgets"}}},
	} {
		t.Run(cmpOr(tc.fault, "healthy"), func(t *testing.T) {
			rep, err := contracts.Evaluate(t.Context(), contracts.Target{Name: "toy", Vendors: []*contracts.Vendor{toyVendor(toyServer(t, tc.fault))}})
			if err != nil {
				t.Fatal(err)
			}
			var got, failed []key
			for _, r := range rep.Results {
				k := key{r.Check, r.Operation}
				got = append(got, k)
				if r.Vendor != "Toy widgets" || r.Cases == 0 || r.Status == contracts.Skip {
					t.Errorf("%v: vendor %q, %d cases, %s %s", k, r.Vendor, r.Cases, r.Status, r.Reason)
				}
				if r.Status == contracts.Fail {
					failed = append(failed, k)
				}
			}
			less := func(a, b key) int { return strings.Compare(a.check+"/"+a.op, b.check+"/"+b.op) }
			slices.SortFunc(got, less)
			slices.SortFunc(all, less)
			if !slices.Equal(got, all) {
				t.Errorf("results:\n got %v\nwant %v", got, all)
			}
			slices.SortFunc(failed, less)
			slices.SortFunc(tc.fail, less)
			if !slices.Equal(failed, tc.fail) {
				t.Errorf("failing results:\n got %v\nwant %v", failed, tc.fail)
				for _, r := range rep.Results {
					if r.Status == contracts.Fail {
						t.Logf("%s/%s: %s", r.Check, r.Operation, r.Reason)
					}
				}
			}
		})
	}
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// The same checks inside go test, one sub-test per check and operation.
func TestGenericChecksWithContractstest(t *testing.T) {
	contractstest.Run(t, contracts.Target{Vendors: []*contracts.Vendor{toyVendor(toyServer(t, toyHealthy))}})
}

// A target that cannot be run is refused before anything is sent.
func TestTargetRefused(t *testing.T) {
	url := toyServer(t, toyHealthy)
	other := toyVendor(url)
	other.Name = "Toy widgets" // the same key as toyVendor's
	missing := toyVendor(url)
	missing.Spec = "no-such.yaml"
	unconfigured := toyVendor(url)
	unconfigured.Missing = "Toy widgets needs a token"
	for _, tc := range []struct {
		name    string
		vendors []*contracts.Vendor
		want    string
	}{
		{"no spec", []*contracts.Vendor{{Name: "x", URL: url}}, "contracts: a vendor needs a Name and a Spec"},
		{"one key twice", []*contracts.Vendor{toyVendor(url), other}, `two vendors have the key "toywidgets"`},
		{"a spec that does not load", []*contracts.Vendor{missing}, "contracts: spec no-such.yaml: "},
		{"a relative URL", []*contracts.Vendor{toyVendor("127.0.0.1:1")}, `Toy widgets URL "127.0.0.1:1": want an absolute URL`},
		{"what the configuration lacks", []*contracts.Vendor{unconfigured}, "contracts: Toy widgets needs a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := contracts.Evaluate(t.Context(), contracts.Target{Vendors: tc.vendors})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// A vendor the suite has never heard of, certified from its spec alone:
// its name, its OpenAPI document, its URL and its credentials. It gets
// GenericChecks, and the conformance checks over their answers.
func ExampleGenericChecks() {
	certify := func(ctx context.Context) (*contracts.Report, error) {
		return contracts.Evaluate(ctx, contracts.Target{Vendors: []*contracts.Vendor{{
			Name:      "Toy widgets",
			Spec:      "toy.yaml",
			SpecFS:    os.DirFS("testdata"),
			URL:       "http://127.0.0.1:8080",
			Authorize: contracts.AuthHeader("Authorization", "Bearer any-token"),
		}}})
	}
	_ = certify // rep.WriteTable(os.Stdout) prints one line per check and operation
}

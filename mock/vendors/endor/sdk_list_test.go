package endor_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
)

// The list paths of Endor's official Python SDK (endorlabs 0.7.0, on httpx
// 0.28.1), reproduced byte for byte: its headers, its query as httpx
// writes it, its filter text, and what the SDK reads of each answer.
// vendors.md §7 gives the calls and the bugs they met; the bytes are read
// from the SDK's sources:
//   - api_client.APIClient sets Content-Type (endorlabs.Client's default,
//     application/jsoncompact), Request-timeout (60 s by default) and
//     Accept-Encoding (gzip, br, zstd) on every request, and the bearer
//     token; httpx adds Accept: */*, Connection and its User-Agent;
//   - httpx writes params with urllib's urlencode (a space is "+", and
//     "=" and '"' are escaped), in the order the SDK built them, and a
//     Python True as "true" (primitive_value_to_str);
//   - facade.list(parent=…) appends `AND meta.parent_uuid == "<uuid>"` to
//     the filter (str(F("meta.parent_uuid") == uuid): F writes " == " and
//     quotes a value that is not an UPPER_CASE enum);
//   - api_client.get_all pages with list.response.next_page_id as
//     list_parameters.page_id, else next_page_token, and stops when neither
//     is there.

// sdkWire is every header the SDK's client sends, with token.
func sdkWire(token string) []string {
	return sdk(token, "Request-timeout", "60", "Accept", "*/*", "Connection", "keep-alive", "User-Agent", "python-httpx/0.28.1")
}

// sdkPage is what the SDK reads of a list page: the objects' uuids, and
// its cursor (next_page_id first, as get_all prefers it).
func sdkPage(t *testing.T, r response) (uuids []string, nextPageID string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("the SDK raises for HTTP %d: %s", r.Status, r.Raw)
	}
	var page struct {
		List struct {
			Objects []struct {
				UUID string `json:"uuid"`
			} `json:"objects"`
			Response struct {
				NextPageID *string `json:"next_page_id"`
			} `json:"response"`
		} `json:"list"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &page); err != nil {
		t.Fatal(err)
	}
	for _, o := range page.List.Objects {
		uuids = append(uuids, o.UUID)
	}
	if page.List.Response.NextPageID != nil {
		nextPageID = *page.List.Response.NextPageID
	}
	return uuids, nextPageID
}

// client.RepositoryVersion.list(parent=project, filter=F("meta.name") ==
// "main", page_size=2): vendors.md §7, "list(parent=…, filter=…) sends
// <filter> AND meta.parent_uuid==\"<uuid>\"", which the mock refused
// (400) while it took only a lowercase "and".
func TestEndorSDKListByParentAndFilter(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var want []string
	for _, ctx := range []string{"main", "ci-1", "ci-2"} {
		b := inContext("main", "CONTEXT_TYPE_REF", ctx)
		want = append(want, endortest.Create(h, "acme.prod", b).JSON["uuid"].(string))
	}
	endortest.Create(h, "acme.prod", endortest.Version("dev")) // another name
	other := inContext("main", "CONTEXT_TYPE_REF", "main")     // another project
	other["meta"].(map[string]any)["parent_uuid"] = endortest.Project2
	endortest.Create(h, "acme.prod", other)

	const query = "list_parameters.filter=meta.name+%3D%3D+%22main%22+AND+meta.parent_uuid+%3D%3D+%22656e69058032bf0abaaeb600%22&list_parameters.page_size=2"
	var got []string
	requests := 0
	for target := endortest.Path + "?" + query; target != ""; requests++ {
		uuids, next := sdkPage(t, h.Do(http.MethodGet, target, nil, sdkWire("sdk-token")...))
		got = append(got, uuids...)
		target = ""
		if next != "" {
			target = endortest.Path + "?" + query + "&list_parameters.page_id=" + next
		}
	}
	if !slices.Equal(got, want) || requests != 2 {
		t.Errorf("the SDK's list read %v in %d requests, want %v in 2", got, requests, want)
	}
}

// client.RepositoryVersion.list(traverse=True), concurrent by default:
// vendors.md §7, it "first calls GET
// /v1/namespaces/{ns}/namespaces?list_parameters.traverse=true and then
// lists each namespace"; the mock answered 404, which the SDK raises as
// NotFoundError. The SDK names each namespace by spec.full_name, puts the
// tenant's own first, and lists each without traverse.
func TestEndorSDKListTraverse(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var want []string
	for _, ns := range []string{"acme", "acme.prod", "acme.prod.app", "acme.dev"} {
		want = append(want, endortest.Create(h, ns, endortest.Version("main")).JSON["uuid"].(string))
	}
	endortest.Create(h, "globex", endortest.Version("main")) // another tenant's

	r := h.Do(http.MethodGet, "/v1/namespaces/acme/namespaces?list_parameters.traverse=true", nil, sdkWire("sdk-token")...)
	if r.Status != http.StatusOK {
		t.Fatalf("the namespace listing: HTTP %d, which the SDK raises: %s", r.Status, r.Raw)
	}
	var listing struct {
		List struct {
			Objects []struct {
				Spec struct {
					FullName string `json:"full_name"`
				} `json:"spec"`
			} `json:"objects"`
			Response struct {
				NextPageID *string `json:"next_page_id"`
			} `json:"response"`
		} `json:"list"`
	}
	if err := json.Unmarshal([]byte(r.Raw), &listing); err != nil {
		t.Fatal(err)
	}
	if listing.List.Response.NextPageID != nil {
		t.Fatalf("one page holds them all: %s", r.Raw)
	}
	names := []string{"acme"}
	for _, o := range listing.List.Objects {
		names = append(names, o.Spec.FullName)
	}
	if !slices.Equal(names, []string{"acme", "acme.dev", "acme.prod", "acme.prod.app"}) {
		t.Fatalf("the SDK lists the namespaces %v", names)
	}
	var got []string
	for _, ns := range names {
		uuids, next := sdkPage(t, h.Do(http.MethodGet, "/v1/namespaces/"+ns+"/repository-versions", nil, sdkWire("sdk-token")...))
		if next != "" {
			t.Fatalf("%s: a second page", ns)
		}
		got = append(got, uuids...)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("list(traverse=True) read %v, want %v", got, want)
	}
}

// client.count(RepositoryVersion, filter=F("meta.name") == "main") sends
// list_parameters.count=true after the filter and reads
// count_response.count, falling back to list.response.total and then 0.
// And the raw call, requests.get(…, params={"list_parameters.count":
// True}): requests writes str(True), "True", which grpc-gateway reads with
// strconv.ParseBool (vendors.md §7); the mock read only "true" and
// answered the list, so the count read 0.
func TestEndorSDKCount(t *testing.T) {
	h := servertest.New(t, server.Config{})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	endortest.Create(h, "acme.prod", inContext("main", "CONTEXT_TYPE_CI_RUN", prUUID))
	endortest.Create(h, "acme.prod", endortest.Version("dev"))

	sdkCount := func(r response) int {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Fatalf("the SDK raises for HTTP %d: %s", r.Status, r.Raw)
		}
		var body struct {
			CountResponse *struct {
				Count *int `json:"count"`
			} `json:"count_response"`
			List struct {
				Response struct {
					Total *int `json:"total"`
				} `json:"response"`
			} `json:"list"`
		}
		if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
			t.Fatal(err)
		}
		switch {
		case body.CountResponse != nil && body.CountResponse.Count != nil:
			return *body.CountResponse.Count
		case body.List.Response.Total != nil:
			return *body.List.Response.Total
		}
		return 0
	}
	r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.filter=meta.name+%3D%3D+%22main%22&list_parameters.count=true", nil, sdkWire("sdk-token")...)
	if n := sdkCount(r); n != 2 {
		t.Errorf("count(filter=…) = %d, want 2: %s", n, r.Raw)
	}
	// Python's requests, as the issue calls it: its own headers, and True.
	r = h.Do(http.MethodGet, endortest.Path+"?list_parameters.count=True", nil,
		"Authorization", "Bearer sdk-token", "User-Agent", "python-requests/2.32.3", "Accept-Encoding", "gzip, deflate", "Accept", "*/*", "Connection", "keep-alive")
	if n := sdkCount(r); n != 3 {
		t.Errorf(`params={"list_parameters.count": True} counts %d, want 3: %s`, n, r.Raw)
	}
}

package endor_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// listQ lists rvPath with the query parameters given as name, value pairs.
// It asks for the compact form, which carries only the fields that are
// set, so that each expectation shows what the parameter selected;
// TestEndorJSONCarriesUnpopulatedFields shows the application/json form.
func listQ(h *servertest.Server, pairs ...string) response {
	h.T.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Add(pairs[i], pairs[i+1])
	}
	return h.Do(http.MethodGet, endortest.Path+"?"+q.Encode(), nil, "Authorization", token, "Accept", endor.MediaTypeJSONCompact)
}

// responseOf is a list's "response" object, as JSON.
func responseOf(t *testing.T, r response) string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	data, err := json.Marshal(vendorstest.Get(r.JSON, "list.response"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The docs (rest-api/using-the-rest-api/pagination): a page's response has
// "next_page_id" beside "next_page_token"; vendors.md §7, from the SDK's
// model: next_page_id is "the UUID of last message retrieved", i.e. the
// last object of the page just answered, and page_id=X starts after X.
func TestEndorListPageID(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var ids []string
	for i := range 5 {
		ids = append(ids, endortest.Create(h, "acme.prod", endortest.Version(fmt.Sprintf("b%d", i))).JSON["uuid"].(string))
	}
	first := listQ(h, "list_parameters.page_size", "2")
	if got := listUUIDs(t, first); !slices.Equal(got, ids[:2]) {
		t.Fatalf("first page %v", got)
	}
	vendorstest.JSONEqual(t, responseOf(t, first), fmt.Sprintf(`{"next_page_id":%q,"next_page_token":2}`, ids[1]))

	// Walking by page_id gives every object once, in order, and the last
	// page's response is {}.
	var walked []string
	for id := ""; ; {
		r := listQ(h, "list_parameters.page_size", "2", "list_parameters.page_id", id)
		walked = append(walked, listUUIDs(t, r)...)
		next, _ := vendorstest.Get(r.JSON, "list.response.next_page_id").(string)
		if next == "" {
			vendorstest.JSONEqual(t, responseOf(t, r), `{}`)
			break
		}
		id = next
	}
	if !slices.Equal(walked, ids) {
		t.Errorf("walked by page_id %v, want %v", walked, ids)
	}
	// next_page_token keeps working, and names the same next page.
	r := listQ(h, "list_parameters.page_size", "2", "list_parameters.page_token", "2")
	if got := listUUIDs(t, r); !slices.Equal(got, ids[2:4]) {
		t.Errorf("page_token=2: %v", got)
	}
	vendorstest.JSONEqual(t, responseOf(t, r), fmt.Sprintf(`{"next_page_id":%q,"next_page_token":4}`, ids[3]))
	// page_id starts after that object in the list as filtered and sorted
	// (b4, b3, b2, b1, b0).
	r = listQ(h, "list_parameters.sort.path", "meta.name", "list_parameters.sort.order", "SORT_ENTRY_ORDER_DESC",
		"list_parameters.page_id", ids[2], "list_parameters.page_size", "1")
	if got := listUUIDs(t, r); !slices.Equal(got, ids[1:2]) {
		t.Errorf("sorted page after %s: %v", ids[2], got)
	}
	vendorstest.JSONEqual(t, responseOf(t, r), fmt.Sprintf(`{"next_page_id":%q,"next_page_token":4}`, ids[1]))
	// After the last object: an empty page, and no next one.
	r = listQ(h, "list_parameters.page_id", ids[4])
	vendorstest.JSONEqual(t, r.Raw, `{"list":{"response":{}}}`)

	for _, tc := range []struct {
		query []string
		want  string
	}{
		// The mock's choice: an unknown page_id is refused, naming it.
		{[]string{"list_parameters.page_id", "0123456789abcdef01234567"}, `list_parameters.page_id: no object with uuid "0123456789abcdef01234567" in this list`},
		{[]string{"list_parameters.page_id", ids[0], "list_parameters.filter", "meta.name==b3"}, fmt.Sprintf(`list_parameters.page_id: no object with uuid %q in this list`, ids[0])},
		{[]string{"list_parameters.page_id", "b3"}, `list_parameters.page_id: "b3" is not a valid uuid: must be 24 lowercase hexadecimal characters`},
		{[]string{"list_parameters.page_id", ids[1], "list_parameters.page_token", "1"}, "list_parameters.page_id: cannot be combined with list_parameters.page_token: give one start"},
	} {
		r := listQ(h, tc.query...)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", tc.query, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
	}
}

// The docs (rest-api/using-the-rest-api/masks): "Field masks allow you to
// specify a subset of fields to be returned for each object", e.g.
// list_parameters.mask=meta.description,spec.level.
func TestEndorListMask(t *testing.T) {
	h := servertest.New(t, server.Config{})
	b := endortest.Version("main")
	b["meta"].(map[string]any)["description"] = "default branch"
	b["spec"].(map[string]any)["version"].(map[string]any)["sha"] = "abc123"
	main := endortest.Create(h, "acme.prod", b)
	endortest.Create(h, "acme.prod", endortest.Version("dev"))

	r := listQ(h, "list_parameters.mask", "meta.description,spec.version.sha")
	vendorstest.JSONEqual(t, r.Raw, `{"list":{"objects":[{"meta":{"description":"default branch"},"spec":{"version":{"sha":"abc123"}}},{}],"response":{}}}`)

	r = listQ(h, "list_parameters.mask", "uuid, meta.name,meta.createTime", "list_parameters.page_size", "1")
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"list":{"objects":[{"uuid":%q,"meta":{"name":"main","create_time":%q}}],"response":{"next_page_id":%q,"next_page_token":1}}}`,
		main.JSON["uuid"], vendorstest.Get(main.JSON, "meta.create_time"), main.JSON["uuid"]))

	r = listQ(h, "list_parameters.mask", "context", "list_parameters.filter", "meta.name==dev")
	vendorstest.JSONEqual(t, r.Raw, `{"list":{"objects":[{"context":{"id":"dev","type":"CONTEXT_TYPE_REF"}}],"response":{}}}`)

	for _, tc := range []struct {
		query []string
		want  string
	}{
		{[]string{"list_parameters.mask", "meta..name"}, `list_parameters.mask: "meta..name" is not a field path`},
		{[]string{"list_parameters.mask", "meta.name,"}, `list_parameters.mask: "" is not a field path`},
		{[]string{"list_parameters.mask", "uuid", "list_parameters.count", "true"}, "list_parameters.mask: does not apply to list_parameters.count=true"},
	} {
		r := listQ(h, tc.query...)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", tc.query, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
	}
}

// The docs (getting-started): traverse "Get data from any child namespaces
// as well".
func TestEndorListTraverse(t *testing.T) {
	tokens, err := endor.ParseTokens("test-token,prod-only=acme.prod")
	if err != nil {
		t.Fatal(err)
	}
	h := servertest.New(t, server.Config{Vendors: vendorstest.Settings{EndorTokens: tokens}.Vendors()})
	id := map[string]string{}
	for _, ns := range []string{"acme.prod.app", "acme.prod", "acme", "acme.production", "acme.prod.app.x", "acme.dev"} {
		id[ns], _ = endortest.Create(h, ns, endortest.Version("main")).JSON["uuid"].(string)
	}
	want := []string{id["acme.prod"], id["acme.prod.app"], id["acme.prod.app.x"]} // the namespace, then its children in byte order
	for _, tok := range []string{token, "Bearer prod-only"} {
		r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.traverse=true", nil, "Authorization", tok)
		if got := listUUIDs(t, r); !slices.Equal(got, want) {
			t.Errorf("traverse with %s: %v, want %v", tok, got, want)
		}
		r = h.Do(http.MethodGet, endortest.Path+"?list_parameters.traverse=true&list_parameters.count=true", nil, "Authorization", tok)
		vendorstest.JSONEqual(t, r.Raw, `{"count_response":{"count":3}}`)
	}
	if got := listUUIDs(t, listQ(h, "list_parameters.traverse", "false")); !slices.Equal(got, want[:1]) {
		t.Errorf("traverse=false: %v", got)
	}
	// A token limited to acme.prod still cannot list its parent's tree.
	r := h.Do(http.MethodGet, "/v1/namespaces/acme/repository-versions?list_parameters.traverse=true", nil, "Authorization", "Bearer prod-only")
	if r.Status != http.StatusForbidden {
		t.Errorf("traverse from a parent the token may not reach: %d", r.Status)
	}
	vendorstest.JSONEqual(t, r.Raw, vendor403)
	// Traverse combines with a filter, a sort and paging.
	r = h.Do(http.MethodGet, "/v1/namespaces/acme/repository-versions?list_parameters.traverse=true&list_parameters.sort.path=tenant_meta.namespace&list_parameters.sort.order=SORT_ENTRY_ORDER_DESC&list_parameters.page_size=2&list_parameters.filter="+url.QueryEscape("tenant_meta.namespace matches \"^acme[.]prod\""), nil)
	if got := listUUIDs(t, r); !slices.Equal(got, []string{id["acme.production"], id["acme.prod.app.x"]}) {
		t.Errorf("traverse, filtered and sorted: %v", got)
	}
}

// The docs (rest-api/using-the-rest-api/grouping): group.aggregation_paths
// answers a group_response keyed by the JSON of the key/value pairs, and
// no list; show_aggregation_uuids, unique_count_paths and
// unique_value_paths add aggregation_uuids, unique_counts, unique_values.
func TestEndorListGroup(t *testing.T) {
	h := servertest.New(t, server.Config{})
	mk := func(name, ctxType, ctxID string, tags ...string) string {
		b := inContext(name, ctxType, ctxID)
		if tags != nil {
			b["meta"].(map[string]any)["tags"] = tags
		}
		id, _ := endortest.Create(h, "acme.prod", b).JSON["uuid"].(string)
		return id
	}
	main := mk("main", "CONTEXT_TYPE_REF", "main", "b", "a")
	scan := mk("main", "CONTEXT_TYPE_CI_RUN", prUUID, "a", "c")
	dev := mk("dev", "CONTEXT_TYPE_REF", "dev")

	r := listQ(h, "list_parameters.group.aggregation_paths", "meta.name", "list_parameters.filter", "meta.name==main")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":{"[{\"key\":\"meta.name\",\"value\":\"main\"}]":{"aggregation_count":{"count":2}}}}}`)

	// Several paths: several key/value pairs in the key, in the order given.
	r = listQ(h, "list_parameters.group.aggregation_paths", "meta.name,context.type", "list_parameters.group.show_aggregation_uuids", "true")
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"group_response":{"groups":{
		"[{\"key\":\"meta.name\",\"value\":\"main\"},{\"key\":\"context.type\",\"value\":\"CONTEXT_TYPE_REF\"}]":{"aggregation_count":{"count":1},"aggregation_uuids":[%q]},
		"[{\"key\":\"meta.name\",\"value\":\"main\"},{\"key\":\"context.type\",\"value\":\"CONTEXT_TYPE_CI_RUN\"}]":{"aggregation_count":{"count":1},"aggregation_uuids":[%q]},
		"[{\"key\":\"meta.name\",\"value\":\"dev\"},{\"key\":\"context.type\",\"value\":\"CONTEXT_TYPE_REF\"}]":{"aggregation_count":{"count":1},"aggregation_uuids":[%q]}}}}`, main, scan, dev))

	// Unique counts and values, per group. The mock's choices: an object
	// without the field groups under null, and a list field's values are
	// its elements.
	r = listQ(h, "list_parameters.group.aggregation_paths", "meta.kind", "list_parameters.group.unique_count_paths", "meta.tags,context.id",
		"list_parameters.group.unique_value_paths", "meta.tags")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":{
		"[{\"key\":\"meta.kind\",\"value\":\"RepositoryVersion\"}]":{"aggregation_count":{"count":3},
			"unique_counts":{"meta.tags":{"count":3},"context.id":{"count":3}},"unique_values":{"meta.tags":["a","b","c"]}}}}}`)
	r = listQ(h, "list_parameters.group.aggregation_paths", "meta.tags")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":{
		"[{\"key\":\"meta.tags\",\"value\":[\"b\",\"a\"]}]":{"aggregation_count":{"count":1}},
		"[{\"key\":\"meta.tags\",\"value\":[\"a\",\"c\"]}]":{"aggregation_count":{"count":1}},
		"[{\"key\":\"meta.tags\",\"value\":null}]":{"aggregation_count":{"count":1}}}}}`)
	r = listQ(h, "list_parameters.group.aggregation_paths", "meta.name", "list_parameters.group.unique_value_paths", "meta.tags",
		"list_parameters.filter", "meta.name==dev")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":{"[{\"key\":\"meta.name\",\"value\":\"dev\"}]":{"aggregation_count":{"count":1},"unique_values":{"meta.tags":[]}}}}}`)
	r = listQ(h, "list_parameters.group.aggregation_paths", "meta.name", "list_parameters.filter", "meta.name==nothing")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{}}`) // no groups: the compact form leaves the empty map out

	for _, tc := range []struct {
		query []string
		want  string
	}{
		{[]string{"list_parameters.group.aggregation_paths", "meta.name", "list_parameters.page_size", "10"}, "list_parameters.page_size: does not apply to a grouped list (list_parameters.group.aggregation_paths)"},
		{[]string{"list_parameters.group.aggregation_paths", "meta.name", "list_parameters.count", "true"}, "list_parameters.group.aggregation_paths: does not apply to list_parameters.count=true"},
		{[]string{"list_parameters.group.show_aggregation_uuids", "true"}, "list_parameters.group.show_aggregation_uuids: needs list_parameters.group.aggregation_paths"},
		{[]string{"list_parameters.group.aggregation_paths", "meta.name,,uuid"}, `list_parameters.group.aggregation_paths: "" is not a field path`},
		{[]string{"list_parameters.group.aggregation_paths", "meta.name", "list_parameters.group_by_time.aggregation_paths", "meta.create_time"}, "list_parameters.group_by_time.aggregation_paths: cannot be combined with list_parameters.group.aggregation_paths: group by path or by time"},
	} {
		r := listQ(h, tc.query...)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", tc.query, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
	}
}

// The docs (grouping, "Group by time"): group_by_time buckets objects by a
// time field; the key is the JSON text of the bucket's start. Their
// example groups critical findings by meta.create_time, two weeks a group,
// with keys "\"2024-01-28T00:00:00Z\"", "\"2024-03-10T00:00:00Z\"", ….
func TestEndorListGroupByTime(t *testing.T) {
	h := servertest.New(t, server.Config{})
	at := func(when, name string) string {
		h.T.Helper()
		ts, err := time.Parse(time.RFC3339, when)
		if err != nil {
			t.Fatal(err)
		}
		h.Clock.Advance(ts.Sub(h.Clock.Now()))
		id, _ := endortest.Create(h, "acme.prod", endortest.Version(name)).JSON["uuid"].(string)
		return id
	}
	a := at("2024-02-05T12:00:00Z", "a") // in the docs' bucket of 2024-01-28
	b := at("2024-02-10T23:59:59Z", "b") // the same two weeks (Sunday 2024-01-28 to Saturday 2024-02-10)
	c := at("2024-03-15T08:00:00Z", "c") // in the docs' bucket of 2024-03-10
	d := at("2024-04-01T00:00:00Z", "d")

	r := listQ(h, "list_parameters.group_by_time.aggregation_paths", "meta.create_time",
		"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_WEEK",
		"list_parameters.group_by_time.group_size", "2",
		"list_parameters.group_by_time.show_aggregation_uuids", "true")
	vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"group_response":{"groups":{
		"\"2024-01-28T00:00:00Z\"":{"aggregation_count":{"count":2},"aggregation_uuids":[%q,%q]},
		"\"2024-03-10T00:00:00Z\"":{"aggregation_count":{"count":1},"aggregation_uuids":[%q]},
		"\"2024-03-24T00:00:00Z\"":{"aggregation_count":{"count":1},"aggregation_uuids":[%q]}}}}`, a, b, c, d))

	for _, tc := range []struct {
		name  string
		query []string
		want  string
	}{
		{"weeks start on Sunday", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_WEEK"},
			`{"\"2024-02-04T00:00:00Z\"":{"aggregation_count":{"count":2}},"\"2024-03-10T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2024-03-31T00:00:00Z\"":{"aggregation_count":{"count":1}}}`},
		{"day", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY"},
			`{"\"2024-02-05T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2024-02-10T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2024-03-15T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2024-04-01T00:00:00Z\"":{"aggregation_count":{"count":1}}}`},
		{"month", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_MONTH"},
			`{"\"2024-02-01T00:00:00Z\"":{"aggregation_count":{"count":2}},"\"2024-03-01T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2024-04-01T00:00:00Z\"":{"aggregation_count":{"count":1}}}`},
		{"two months", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_MONTH", "list_parameters.group_by_time.group_size", "2"},
			`{"\"2024-01-01T00:00:00Z\"":{"aggregation_count":{"count":2}},"\"2024-03-01T00:00:00Z\"":{"aggregation_count":{"count":2}}}`},
		{"quarter", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_QUARTER"},
			`{"\"2024-01-01T00:00:00Z\"":{"aggregation_count":{"count":3}},"\"2024-04-01T00:00:00Z\"":{"aggregation_count":{"count":1}}}`},
		{"year", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_YEAR", "list_parameters.group_by_time.mode", "count"},
			`{"\"2024-01-01T00:00:00Z\"":{"aggregation_count":{"count":4}}}`},
		{"hour", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_HOUR", "list_parameters.filter", "meta.name==b"},
			`{"\"2024-02-10T23:00:00Z\"":{"aggregation_count":{"count":1}}}`},
		{"start and end include their instant", []string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_YEAR",
			"list_parameters.group_by_time.start_time", "2024-02-10T23:59:59Z", "list_parameters.group_by_time.end_time", "2024-03-15T08:00:00Z"},
			`{"\"2024-01-01T00:00:00Z\"":{"aggregation_count":{"count":2}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := listQ(h, append([]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time"}, tc.query...)...)
			vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":`+tc.want+`}}`)
		})
	}
	// A field that holds no time puts no object in a bucket.
	r = listQ(h, "list_parameters.group_by_time.aggregation_paths", "meta.name", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY")
	vendorstest.JSONEqual(t, r.Raw, `{"group_response":{}}`) // no groups: the compact form leaves the empty map out

	for _, tc := range []struct {
		query []string
		want  string
	}{
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time,meta.name", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY"},
			"list_parameters.group_by_time.aggregation_paths: name one time field: repomock does not group by several (the vendor's docs describe one)"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time"},
			"list_parameters.group_by_time.interval: value is required: one of GROUP_BY_TIME_INTERVAL_YEAR, …_QUARTER, …_MONTH, …_WEEK, …_DAY, …_HOUR, …_MINUTE, …_SECOND"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_UNSPECIFIED"},
			"list_parameters.group_by_time.interval: value is required: one of GROUP_BY_TIME_INTERVAL_YEAR, …_QUARTER, …_MONTH, …_WEEK, …_DAY, …_HOUR, …_MINUTE, …_SECOND"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.group_by_time.mode", "total"},
			`list_parameters.group_by_time.mode: "total" is not a mode: count (the default) or sum`},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.group_by_time.aggregation_operator", "median", "list_parameters.group_by_time.aggregation_value_field", "meta.annotations.lines"},
			`list_parameters.group_by_time.aggregation_operator: "median" is not an operator: one of min, max, sum, avg`},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.group_by_time.aggregation_operator", "sum"},
			"list_parameters.group_by_time.aggregation_operator: needs list_parameters.group_by_time.aggregation_value_field: the field to aggregate"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.group_by_time.aggregation_value_field", "meta.annotations.lines"},
			"list_parameters.group_by_time.aggregation_value_field: needs list_parameters.group_by_time.aggregation_operator: one of min, max, sum, avg"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY",
			"list_parameters.group_by_time.start_time", "2024-03-01T00:00:00Z", "list_parameters.group_by_time.end_time", "2024-02-01T00:00:00Z"},
			"list_parameters.group_by_time.end_time: is before list_parameters.group_by_time.start_time"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.group_by_time.group_size", "-2"},
			"list_parameters.group_by_time.group_size: must be a number of intervals, 1 or more (0 means 1)"},
		{[]string{"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY"},
			"list_parameters.group_by_time.interval: needs list_parameters.group_by_time.aggregation_paths"},
		{[]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time", "list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY", "list_parameters.sort.path", "meta.name"},
			"list_parameters.sort.path: does not apply to a grouped list (list_parameters.group_by_time.aggregation_paths)"},
	} {
		r := listQ(h, tc.query...)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", tc.query, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
	}
}

// Parameters that do not apply together are refused, naming them: the
// vendor's docs say nothing of them, and a parameter dropped would let a
// client believe the mock did what it asked. (A key that is no list
// parameter at all is ignored, as grpc-gateway ignores it: see
// TestEndorQueryAsGRPCGateway.)
func TestEndorListRefusesParametersThatDoNotApply(t *testing.T) {
	h := servertest.New(t, server.Config{})
	endortest.Create(h, "acme.prod", endortest.Version("main"))
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"list_parameters.sort.order=SORT_ENTRY_ORDER_DESC", "list_parameters.sort.order: needs list_parameters.sort.path"},
		{"list_parameters.count=true&list_parameters.page_size=5", "list_parameters.page_size: does not apply to list_parameters.count=true"},
		{"list_parameters.count=true&list_parameters.sort.path=meta.name", "list_parameters.sort.path: does not apply to list_parameters.count=true"},
		{"list_parameters.count=true&list_parameters.list_all=true", "list_parameters.list_all: does not apply to list_parameters.count=true"},
		{"list_parameters.list_all=true&list_parameters.page_size=5", "list_parameters.page_size: does not apply to list_parameters.list_all=true: it answers every object"},
		{"list_parameters.disable_pagination=true&list_parameters.page_token=5", "list_parameters.page_token: does not apply to list_parameters.disable_pagination=true: it answers the first page"},
		{"list_parameters.from_date=yesterday", `list_parameters.from_date: "yesterday" is not an RFC 3339 time or a date (YYYY-MM-DD)`},
		{"list_parameters.from_date=2026-11-26&list_parameters.to_date=2026-11-25", "list_parameters.to_date: is before list_parameters.from_date"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := h.Do(http.MethodGet, endortest.Path+"?"+tc.query, nil)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Raw)
			}
			vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
		})
	}
	// An empty value is an unset one, as in proto3; false is false.
	for _, q := range []string{"list_parameters.count=false", "list_parameters.traverse=false", "list_parameters.filter=", "list_parameters.page_id=", "list_parameters.mask=",
		"list_parameters.count=false&list_parameters.page_size=5", "list_parameters.list_all=false&list_parameters.page_size=5"} {
		if got := listUUIDs(t, h.Do(http.MethodGet, endortest.Path+"?"+q, nil)); len(got) != 1 {
			t.Errorf("%s: %v", q, got)
		}
	}
}

// Filter rules at the API (docs: rest-api/using-the-rest-api/filters, and
// Endor's SDK notes in vendors.md §6), each with its source.
func TestEndorListFilterSemantics(t *testing.T) {
	h := servertest.New(t, server.Config{})
	b := endortest.Version("main")
	b["meta"].(map[string]any)["tags"] = []string{"sanity", "tier-1"}
	main, _ := endortest.Create(h, "acme.prod", b).JSON["uuid"].(string)
	created := h.Clock.Now()
	h.Clock.Advance(48 * time.Hour)
	dev, _ := endortest.Create(h, "acme.prod", endortest.Version("dev")).JSON["uuid"].(string)

	for _, tc := range []struct {
		source, filter string
		want           []string
	}{
		{`docs: "Use contains or not contains to filter on the content of a list field"`, "meta.tags contains [tier-1, x]", []string{main}},
		{`docs: meta.tags not contains [sanity, test]`, "meta.tags not contains [sanity, test]", []string{dev}},
		{`SDK: meta.name contains "substring" "often returns zero rows with no error"`, `meta.name contains "mai"`, nil},
		{`SDK: the same for the whole value`, `meta.name contains ["main"]`, nil},
		{`SDK: "substring and regex searches use matches"`, `meta.name matches "mai"`, []string{main}},
		{`docs: meta.update_time >= date(2024-05-01)`, "meta.create_time >= date(2026-11-26)", []string{dev}},
		{`docs: date() takes RFC 3339`, fmt.Sprintf("meta.create_time < date(%s)", created.Add(time.Nanosecond).Format(time.RFC3339Nano)), []string{main}},
		{`SDK: a bare ISO string "often returns empty results"`, fmt.Sprintf(`meta.create_time == %q`, created.Format(time.RFC3339Nano)), nil},
		{`SDK: a bare ISO string, ordered`, `meta.create_time > "2000-01-01T00:00:00Z"`, nil},
		{`docs: meta.create_time >= now(-72h), now() being the fake's clock`, "meta.create_time >= now(-72h)", []string{main, dev}},
		{`docs: now(-12h), the clock 48 h after main`, "meta.create_time >= now(-12h)", []string{dev}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			got := listUUIDs(t, listQ(h, "list_parameters.filter", tc.filter))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\n%q lists %v, want %v", tc.source, tc.filter, got, tc.want)
			}
		})
	}
	// The clock moves, and now() with it.
	h.Clock.Advance(25 * time.Hour)
	if got := listUUIDs(t, listQ(h, "list_parameters.filter", "meta.create_time >= now(-24h)")); len(got) != 0 {
		t.Errorf("now(-24h), 25 h after the last create: %v", got)
	}
}

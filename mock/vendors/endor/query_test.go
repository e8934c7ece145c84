package endor_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// lastIgnored is what the journal's newest entry says the vendor ignored.
func lastIgnored(h *servertest.Server) []string {
	h.T.Helper()
	entries := h.Journal("?limit=1")
	if len(entries) != 1 {
		h.T.Fatalf("journal: %d entries", len(entries))
	}
	return entries[0].IgnoredQuery
}

// vendors.md §7, from grpc-gateway v2 runtime/query.go: "A key that is no
// field of the request (a cache-buster _=…, a typo) is ignored. Field
// names may be given as proto names or lowerCamelCase JSON names
// (list_parameters.page_size, listParameters.pageSize); enums as names or
// numbers." And the mock's assumption beyond the vendor: "the journal
// entry says which keys the vendor would ignore, so a test author still
// sees a typo".
func TestEndorQueryAsGRPCGateway(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var ids []string
	for _, name := range []string{"b", "a", "c"} {
		ids = append(ids, endortest.Create(h, "acme.prod", endortest.Version(name)).JSON["uuid"].(string))
	}
	plain := h.Do(http.MethodGet, endortest.Path, nil)
	if plain.Status != http.StatusOK {
		t.Fatalf("list: %d %s", plain.Status, plain.Raw)
	}

	t.Run("unknown keys are ignored and journaled", func(t *testing.T) {
		for _, tc := range []struct {
			query   string
			ignored []string
		}{
			{"_=1732528800000", []string{"_"}},
			{"_[]=1&foo=bar", []string{"_[]", "foo"}},
			// Typos, and the spellings older SDKs send: fields of nothing.
			{"list_parameters.pagesize=1&page_size=1&list_parameters.sort_field=meta.name&list_parameters.include_child_namespaces=true",
				[]string{"list_parameters.include_child_namespaces", "list_parameters.pagesize", "list_parameters.sort_field", "page_size"}},
			// A key in another case is no field either: names are matched exactly.
			{"List_Parameters.Count=true&list_parameters.PageSize=1", []string{"List_Parameters.Count", "list_parameters.PageSize"}},
			// The path's own parameter, in the query, is not the query's.
			{"tenant_meta.namespace=acme.dev", []string{"tenant_meta.namespace"}},
		} {
			r := h.Do(http.MethodGet, endortest.Path+"?"+tc.query, nil)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %d %s", tc.query, r.Status, r.Raw)
				continue
			}
			vendorstest.JSONEqual(t, r.Raw, plain.Raw)
			if got := lastIgnored(h); !slices.Equal(got, tc.ignored) {
				t.Errorf("%s: the journal names %q as ignored, want %q", tc.query, got, tc.ignored)
			}
		}
		// A list the vendor reads whole names nothing.
		h.Do(http.MethodGet, endortest.Path+"?list_parameters.page_size=1", nil)
		if got := lastIgnored(h); got != nil {
			t.Errorf("nothing ignored, and the journal names %q", got)
		}
	})

	t.Run("every operation ignores what is no field of its request", func(t *testing.T) {
		id := ids[0]
		update := fmt.Sprintf(`{"object":{"uuid":%q,"meta":{"tags":["x"]}},"request":{"update_mask":"meta.tags"}}`, id)
		for _, tc := range []struct {
			method, target string
			body           any
		}{
			// A create's and an update's body is the whole request (body "*"):
			// grpc-gateway reads no query for them, not even a field of the body.
			{http.MethodPost, endortest.Path + "?_=1&meta.name=other", endortest.Version("b")},
			{http.MethodPatch, endortest.Path + "?_=1&object.uuid=x", update},
			{http.MethodGet, endortest.Path + "/" + id + "?_=1", nil},
			{http.MethodGet, "/v1/auth?_=1", nil},
			{http.MethodGet, "/v1/namespaces/acme/namespaces?_=1", nil},
			{http.MethodDelete, endortest.Path + "/" + ids[2] + "?_=1", nil},
		} {
			r := h.Do(tc.method, tc.target, tc.body)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: %d %s", tc.method, tc.target, r.Status, r.Raw)
				continue
			}
			u, _ := url.Parse(tc.target)
			want := slices.Sorted(func(yield func(string) bool) {
				for k := range u.Query() {
					if !yield(k) {
						return
					}
				}
			})
			if got := lastIgnored(h); !slices.Equal(got, want) {
				t.Errorf("%s %s: the journal names %q as ignored, want %q", tc.method, tc.target, got, want)
			}
		}
		if got := vendorstest.Get(h.Do(http.MethodGet, endortest.Path+"/"+ids[0], nil).JSON, "meta.name"); got != "b" {
			t.Errorf("a query key changed what the create wrote: meta.name %v", got)
		}
	})

	t.Run("booleans as strconv.ParseBool reads them", func(t *testing.T) {
		// vendors.md §7: "1 t T TRUE true True and 0 f F FALSE false False.
		// Any other spelling is 400 code 3. Python's requests ... send True."
		for _, v := range []string{"1", "t", "T", "TRUE", "true", "True"} {
			r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.count="+v, nil)
			vendorstest.JSONEqual(t, r.Raw, `{"count_response":{"count":2}}`)
		}
		for _, v := range []string{"0", "f", "F", "FALSE", "false", "False"} {
			r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.count="+v, nil)
			if got := listUUIDs(t, r); len(got) != 2 {
				t.Errorf("count=%s lists %v", v, got)
			}
		}
		for _, v := range []string{"yes", "on", "tRUE", ""} {
			r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.count="+url.QueryEscape(v), nil)
			if r.Status != http.StatusBadRequest {
				t.Errorf("count=%q: %d, want 400", v, r.Status)
			}
			vendorstest.JSONEqual(t, r.Raw, endortest.Code3(fmt.Sprintf(`list_parameters.count: %q is not a boolean: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False (strconv.ParseBool, as grpc-gateway reads it)`, v)))
		}
	})

	t.Run("proto names and lowerCamelCase JSON names", func(t *testing.T) {
		// ids[2] was deleted above: b and a are left, in creation order.
		for _, q := range []string{
			"listParameters.pageSize=1",
			"list_parameters.pageSize=1",
			"listParameters.page_size=1",
		} {
			r := h.Do(http.MethodGet, endortest.Path+"?"+q, nil)
			if got := listUUIDs(t, r); !slices.Equal(got, ids[:1]) {
				t.Errorf("%s: %v", q, got)
			}
			if got := lastIgnored(h); got != nil {
				t.Errorf("%s: the journal names %q as ignored", q, got)
			}
		}
		r := h.Do(http.MethodGet, endortest.Path+"?listParameters.count=True", nil)
		vendorstest.JSONEqual(t, r.Raw, `{"count_response":{"count":2}}`)
		r = h.Do(http.MethodGet, endortest.Path+"?listParameters.sort.path=meta.name&listParameters.sort.order=SORT_ENTRY_ORDER_DESC", nil)
		if got := listUUIDs(t, r); !slices.Equal(got, ids[:2]) {
			t.Errorf("sorted by camelCase keys: %v", got)
		}
		r = h.Do(http.MethodGet, endortest.Path+"?listParameters.groupByTime.aggregationPaths=meta.create_time&listParameters.groupByTime.interval=GROUP_BY_TIME_INTERVAL_YEAR", nil, compact...)
		vendorstest.JSONEqual(t, r.Raw, `{"group_response":{"groups":{"\"2026-01-01T00:00:00Z\"":{"aggregation_count":{"count":2}}}}}`)
	})

	t.Run("enums by name or number", func(t *testing.T) {
		// SortEntryOrder: 0 UNSPECIFIED, 1 ASC, 2 DESC.
		for _, tc := range []struct {
			order string
			want  []string
		}{
			{"SORT_ENTRY_ORDER_DESC", []string{ids[0], ids[1]}},
			{"2", []string{ids[0], ids[1]}},
			{"1", []string{ids[1], ids[0]}},
		} {
			r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.sort.path=meta.name&list_parameters.sort.order="+tc.order, nil)
			if got := listUUIDs(t, r); !slices.Equal(got, tc.want) {
				t.Errorf("sort.order=%s: %v, want %v", tc.order, got, tc.want)
			}
		}
		r := h.Do(http.MethodGet, endortest.Path+"?list_parameters.sort.path=meta.name&list_parameters.sort.order=3", nil)
		vendorstest.JSONEqual(t, r.Raw, endortest.Code3(`list_parameters.sort.order: "3" is not a value of this enum: one of SORT_ENTRY_ORDER_UNSPECIFIED, SORT_ENTRY_ORDER_ASC, SORT_ENTRY_ORDER_DESC, or its number 0 to 2`))
	})

	t.Run("what grpc-gateway refuses", func(t *testing.T) {
		for _, tc := range []struct{ query, want string }{
			{"list_parameters.count.value=true", `list_parameters.count.value: invalid path: "count" is not a message: list_parameters.count takes a value`},
			{"list_parameters.sort=meta.name", "list_parameters.sort: is a message, not a value: give its fields (list_parameters.sort.path)"},
			{"list_parameters.filter=meta.name%3D%3Da&list_parameters.filter=meta.name%3D%3Db", "list_parameters.filter: given 2 times, takes one value"},
			{"list_parameters.filter[]=meta.name%3D%3Da", "list_parameters.filter[]: given 2 times, takes one value"},
			{"listParameters.pageSize=1&list_parameters.page_size=2", "list_parameters.page_size: sets list_parameters.page_size, which listParameters.pageSize sets too: a field takes one value"},
			{"list_parameters.page_size=1.5", `list_parameters.page_size: "1.5" is not an integer of 32 bits`},
			{"list_parameters.page_size=4294967296", `list_parameters.page_size: "4294967296" is not an integer of 32 bits`},
			{"list_parameters.group_by_time.start_time=yesterday", `list_parameters.group_by_time.start_time: "yesterday" is not an RFC 3339 time`},
		} {
			r := h.Do(http.MethodGet, endortest.Path+"?"+tc.query, nil)
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", tc.query, r.Status)
			}
			vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.want))
		}
	})
}

// vendors.md §7: "Every ListParameters field of the vendor's model is a
// real parameter and must work: ... from_date and to_date (narrow by
// meta.create_time; mock's assumption), archive (list archived objects;
// the mock archives nothing, so it lists none), list_all (all pages in one
// answer), group_by_time.aggregation_operator." And the SDK's model
// (V1ListParameters): disable_pagination "If true, the results will not
// be paginated and only the first page will be returned";
// group_by_time.mode "count (default) ... sum: is the total number of
// items matching since the beginning of the aggregation time";
// aggregation_operator "Allowed values are: min, max, sum, avg", over
// aggregation_value_field.
func TestEndorListParameters(t *testing.T) {
	h := servertest.New(t, server.Config{})
	var ids []string
	for i, lines := range []string{"120", "80", "", "40"} {
		if i > 0 {
			h.Clock.Advance(24 * time.Hour) // 2026-11-25, 26, 27, 28 at 10:00
		}
		b := endortest.Version(fmt.Sprintf("b%d", i))
		if lines != "" {
			b["meta"].(map[string]any)["annotations"] = map[string]any{"lines": lines}
		}
		ids = append(ids, endortest.Create(h, "acme.prod", b).JSON["uuid"].(string))
	}

	for _, tc := range []struct {
		name  string
		query []string
		want  []string
	}{
		{"from_date, a date", []string{"list_parameters.from_date", "2026-11-26"}, ids[1:]},
		{"to_date, a date, takes in its day", []string{"list_parameters.to_date", "2026-11-26"}, ids[:2]},
		{"both, RFC 3339, inclusive", []string{"list_parameters.from_date", "2026-11-26T10:00:00.123456789Z", "list_parameters.to_date", "2026-11-27T10:00:00.123456789Z"}, ids[1:3]},
		{"an offset", []string{"list_parameters.from_date", "2026-11-28T11:00:00+01:00"}, ids[3:]},
		{"archive: nothing is archived", []string{"list_parameters.archive", "true"}, nil},
		{"archive=false lists", []string{"list_parameters.archive", "false"}, ids},
		{"list_all: every page at once", []string{"list_parameters.list_all", "true"}, ids},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := listUUIDs(t, listQ(h, tc.query...)); !slices.Equal(got, tc.want) {
				t.Errorf("%v lists %v, want %v", tc.query, got, tc.want)
			}
		})
	}
	r := listQ(h, "list_parameters.archive", "true", "list_parameters.count", "true")
	vendorstest.JSONEqual(t, r.Raw, `{"count_response":{}}`) // count 0: the compact form leaves it out
	r = listQ(h, "list_parameters.list_all", "true", "list_parameters.page_token", "1")
	if got := listUUIDs(t, r); !slices.Equal(got, ids[1:]) {
		t.Errorf("list_all from page_token 1: %v", got)
	}
	vendorstest.JSONEqual(t, responseOf(t, r), `{}`)
	r = listQ(h, "list_parameters.disable_pagination", "true", "list_parameters.page_size", "2")
	if got := listUUIDs(t, r); !slices.Equal(got, ids[:2]) {
		t.Errorf("disable_pagination: %v", got)
	}
	vendorstest.JSONEqual(t, responseOf(t, r), `{}`) // no next page

	byDay := func(more ...string) response {
		return listQ(h, append([]string{"list_parameters.group_by_time.aggregation_paths", "meta.create_time",
			"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_DAY"}, more...)...)
	}
	vendorstest.JSONEqual(t, byDay("list_parameters.group_by_time.mode", "sum").Raw, `{"group_response":{"groups":{
		"\"2026-11-25T00:00:00Z\"":{"aggregation_count":{"count":1}},"\"2026-11-26T00:00:00Z\"":{"aggregation_count":{"count":2}},
		"\"2026-11-27T00:00:00Z\"":{"aggregation_count":{"count":3}},"\"2026-11-28T00:00:00Z\"":{"aggregation_count":{"count":4}}}}}`)
	yearly := func(op string) response {
		return listQ(h, "list_parameters.group_by_time.aggregation_paths", "meta.create_time",
			"list_parameters.group_by_time.interval", "GROUP_BY_TIME_INTERVAL_YEAR",
			"list_parameters.group_by_time.aggregation_operator", op,
			"list_parameters.group_by_time.aggregation_value_field", "meta.annotations.lines")
	}
	// 120, 80 and 40 (protojson's string form of numbers is read as a
	// number); the object without the field counts but adds no value.
	for op, value := range map[string]string{"sum": "240", "min": "40", "max": "120", "avg": "80"} {
		vendorstest.JSONEqual(t, yearly(op).Raw, `{"group_response":{"groups":{"\"2026-01-01T00:00:00Z\"":{"aggregation_count":{"count":4},"aggregation_value":{"value":`+value+`}}}}}`)
	}
	vendorstest.JSONEqual(t, byDay("list_parameters.group_by_time.aggregation_operator", "max",
		"list_parameters.group_by_time.aggregation_value_field", "meta.annotations.lines",
		"list_parameters.filter", "meta.name==b2").Raw,
		`{"group_response":{"groups":{"\"2026-11-27T00:00:00Z\"":{"aggregation_count":{"count":1}}}}}`)
}

// vendors.md §7: "A path that is no field of the resource is refused: 400
// code 3 with the message invalid path '<path>' (the SDK parses exactly
// that form: api_client._parse_invalid_path_error, tested in
// test_api_client_error_mapping.py with {"code": 3, "message": "invalid
// path 'spec.not_a_field'"})".
func TestEndorFilterInvalidPath(t *testing.T) {
	h := servertest.New(t, server.Config{})
	b := endortest.Version("main")
	b["meta"].(map[string]any)["annotations"] = map[string]any{"team": "core"}
	id := endortest.Create(h, "acme.prod", b).JSON["uuid"].(string)

	for _, tc := range []struct{ filter, path string }{
		{`spec.not_a_field=="x"`, "spec.not_a_field"},
		{"meta.name==main and meta.colour==red", "meta.colour"},
		{"(meta.name==main or (context.tipe==CONTEXT_TYPE_REF)) and nope exists", "context.tipe"},
		{"meta.name.first==m", "meta.name.first"},                    // a value has no fields
		{"meta.parentUuid==" + endortest.Project, "meta.parentUuid"}, // filters name proto fields
	} {
		r := listQ(h, "list_parameters.filter", tc.filter)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.filter, r.Status)
		}
		vendorstest.JSONEqual(t, r.Raw, fmt.Sprintf(`{"code":3,"message":"invalid path '%s'","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`, tc.path))
	}
	// Fields of the schema pass wherever they lead: into a map's keys,
	// through lists, at a message, and into free-form objects.
	for _, filter := range []string{
		"meta.annotations.team==core",
		"meta.annotations.anything not exists",
		"meta.tags contains [x] or meta exists",
		"context.type==CONTEXT_TYPE_REF and scan_object.status not exists",
		"spec.version.metadata.anything not exists",
		"uuid==" + id,
	} {
		r := listQ(h, "list_parameters.filter", filter)
		if r.Status != http.StatusOK {
			t.Errorf("%s: %d %s", filter, r.Status, r.Raw)
		}
	}
	// So does a count, and the namespaces list checks against its own
	// resource.
	r := listQ(h, "list_parameters.filter", "spec.nothing==1", "list_parameters.count", "true")
	vendorstest.JSONEqual(t, r.Raw, endortest.Code3("invalid path 'spec.nothing'"))
	r = h.Do(http.MethodGet, "/v1/namespaces/acme/namespaces?list_parameters.filter="+url.QueryEscape("spec.full_name==acme.prod"), nil)
	if r.Status != http.StatusOK {
		t.Errorf("a Namespace field: %d %s", r.Status, r.Raw)
	}
	r = h.Do(http.MethodGet, "/v1/namespaces/acme/namespaces?list_parameters.filter="+url.QueryEscape("context.type==CONTEXT_TYPE_REF"), nil)
	vendorstest.JSONEqual(t, r.Raw, endortest.Code3("invalid path 'context.type'"))
}

package mock_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/repomock/repomock/mock"
)

// listQ lists rvPath with the query parameters given as name, value pairs.
func (h *harness) listQ(pairs ...string) response {
	h.t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Add(pairs[i], pairs[i+1])
	}
	return h.do(http.MethodGet, rvPath+"?"+q.Encode(), nil)
}

// Filter rules at the API (docs: rest-api/using-the-rest-api/filters, and
// Endor's SDK notes in vendors.md §6), each with its source.
func TestEndorListFilterSemantics(t *testing.T) {
	h := newHarness(t, mock.Config{})
	b := version("main")
	b["meta"].(map[string]any)["tags"] = []string{"sanity", "tier-1"}
	main, _ := h.create("acme.prod", b).json["uuid"].(string)
	created := h.clock.Now()
	h.clock.Advance(48 * time.Hour)
	dev, _ := h.create("acme.prod", version("dev")).json["uuid"].(string)

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
			got := listUUIDs(t, h.listQ("list_parameters.filter", tc.filter))
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\n%q lists %v, want %v", tc.source, tc.filter, got, tc.want)
			}
		})
	}
	// The clock moves, and now() with it.
	h.clock.Advance(25 * time.Hour)
	if got := listUUIDs(t, h.listQ("list_parameters.filter", "meta.create_time >= now(-24h)")); len(got) != 0 {
		t.Errorf("now(-24h), 25 h after the last create: %v", got)
	}
}

package list

// Grouped lists, as docs.endorlabs.com rest-api/using-the-rest-api/grouping
// shows them: list_parameters.group (by the values of fields) and
// list_parameters.group_by_time (by time buckets). Both answer
// {"group_response":{"groups":{<key>:{"aggregation_count":{"count":N},…}}}}
// and no list.

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor/filter"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// listResponse is v1ListRepositoryVersionsResponse: a page of objects, a
// count, or groups.
type listResponse struct {
	List          *listBody      `json:"list,omitempty"`
	CountResponse *countResponse `json:"count_response,omitempty"`
	GroupResponse *groupResponse `json:"group_response,omitempty"`
}

type listBody struct {
	Objects  []json.RawMessage `json:"objects"`
	Response pageResponse      `json:"response"`
}

// pageResponse is {} on the last page. Otherwise next_page_token is the
// start index of the next page and next_page_id the uuid of the last object
// of this one, which the next page starts after (the SDK's model: "The
// UUID of last message retrieved").
type pageResponse struct {
	NextPageID    string `json:"next_page_id,omitempty"`
	NextPageToken *int   `json:"next_page_token,omitempty"`
}

type countResponse struct {
	Count int `json:"count"`
}

// groupResponse answers list_parameters.group and group_by_time (docs:
// rest-api/using-the-rest-api/grouping): each group by its key, a JSON
// text (the key/value pairs of a group by path, the bucket's start time of
// a group by time).
type groupResponse struct {
	Groups map[string]*group `json:"groups"`
}

type group struct {
	AggregationCount countResponse            `json:"aggregation_count"`
	AggregationUUIDs []string                 `json:"aggregation_uuids,omitempty"`
	AggregationValue *aggregationValue        `json:"aggregation_value,omitempty"`
	UniqueCounts     map[string]countResponse `json:"unique_counts,omitempty"`
	UniqueValues     map[string][]any         `json:"unique_values,omitempty"`
}

// aggregationValue is group_by_time's aggregation_operator applied to the
// objects of a bucket (the SDK's GroupAggregationValueResponse).
type aggregationValue struct {
	Value float64 `json:"value"`
}

// groupByPath is list_parameters.group.*.
type groupByPath struct {
	paths                  [][]string
	names                  []string
	showUUIDs              bool
	countPaths, valuePaths [][]string
	countNames, valueNames []string
}

func parseGroupByPath(v url.Values) (*groupByPath, error) {
	g := &groupByPath{showUUIDs: v.Get(pGroupUUIDs) == "true"}
	var err error
	if g.paths, g.names, err = dotPaths(pGroupPaths, v.Get(pGroupPaths)); err != nil {
		return nil, err
	}
	if s := v.Get(pGroupCount); s != "" {
		if g.countPaths, g.countNames, err = dotPaths(pGroupCount, s); err != nil {
			return nil, err
		}
	}
	if s := v.Get(pGroupValue); s != "" {
		if g.valuePaths, g.valueNames, err = dotPaths(pGroupValue, s); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// groupPair is one field of a group's key. The docs' key is the JSON text
// of the pairs in the order of aggregation_paths:
// [{"key":"spec.level","value":"FINDING_LEVEL_CRITICAL"}].
type groupPair struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// groups groups recs by the values at g.paths. Assumption: an object
// without a field groups under "value":null, so that the counts add up to
// the objects listed; a list field groups by the whole list.
func (g *groupByPath) groups(recs []store.Record) *groupResponse {
	out := &groupResponse{Groups: map[string]*group{}}
	seen := map[*group]*uniques{}
	for i := range recs {
		rec := &recs[i]
		doc := rec.View()
		pairs := make([]groupPair, len(g.paths))
		for i, p := range g.paths {
			v, _ := store.Lookup(doc, p)
			pairs[i] = groupPair{Key: g.names[i], Value: wireValue(v)}
		}
		data, _ := json.Marshal(pairs) // values came from JSON
		key := string(data)
		gr := out.Groups[key]
		if gr == nil {
			gr = &group{}
			out.Groups[key] = gr
			seen[gr] = newUniques(len(g.countPaths), len(g.valuePaths))
		}
		gr.AggregationCount.Count++
		if g.showUUIDs {
			gr.AggregationUUIDs = append(gr.AggregationUUIDs, rec.UUID())
		}
		seen[gr].add(doc, g.countPaths, g.valuePaths)
	}
	for gr, u := range seen {
		u.fill(gr, g.countNames, g.valueNames)
	}
	return out
}

// uniques collects the distinct values of unique_count_paths and
// unique_value_paths in one group, by their JSON text.
type uniques struct {
	counts, values []map[string]any
}

func newUniques(counts, values int) *uniques {
	u := &uniques{counts: make([]map[string]any, counts), values: make([]map[string]any, values)}
	for i := range u.counts {
		u.counts[i] = map[string]any{}
	}
	for i := range u.values {
		u.values[i] = map[string]any{}
	}
	return u
}

// add notes the values at each path of doc. Assumption: a path through a
// list reaches each element (as in filters), so a list field's distinct
// values are its distinct elements.
func (u *uniques) add(doc map[string]any, countPaths, valuePaths [][]string) {
	for i, p := range countPaths {
		collect(doc, p, u.counts[i])
	}
	for i, p := range valuePaths {
		collect(doc, p, u.values[i])
	}
}

func collect(v any, path []string, into map[string]any) {
	if len(path) == 0 {
		switch t := v.(type) {
		case nil:
		case []any:
			for _, e := range t {
				collect(e, nil, into)
			}
		default:
			w := wireValue(t)
			data, _ := json.Marshal(w)
			into[string(data)] = w
		}
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if next, ok := t[path[0]]; ok {
			collect(next, path[1:], into)
		}
	case []any:
		for _, e := range t {
			collect(e, path, into)
		}
	}
}

// fill writes the unique counts and values: every path asked for, a
// count of 0 and an empty list where no object of the group has it.
// Assumption: unique values come sorted (the docs' example is).
func (u *uniques) fill(gr *group, countNames, valueNames []string) {
	if len(countNames) > 0 {
		gr.UniqueCounts = make(map[string]countResponse, len(countNames))
		for i, name := range countNames {
			gr.UniqueCounts[name] = countResponse{Count: len(u.counts[i])}
		}
	}
	if len(valueNames) > 0 {
		gr.UniqueValues = make(map[string][]any, len(valueNames))
		for i, name := range valueNames {
			keys := slices.Sorted(maps.Keys(u.values[i]))
			vals := make([]any, 0, len(keys))
			for _, k := range keys {
				vals = append(vals, u.values[i][k])
			}
			gr.UniqueValues[name] = vals
		}
	}
}

// wireValue is v as the object's JSON has it: a time as RFC 3339 UTC text.
func wireValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// Group-by-time intervals, as the docs list them.
var intervals = []string{
	"GROUP_BY_TIME_INTERVAL_YEAR", "GROUP_BY_TIME_INTERVAL_QUARTER", "GROUP_BY_TIME_INTERVAL_MONTH",
	"GROUP_BY_TIME_INTERVAL_WEEK", "GROUP_BY_TIME_INTERVAL_DAY", "GROUP_BY_TIME_INTERVAL_HOUR",
	"GROUP_BY_TIME_INTERVAL_MINUTE", "GROUP_BY_TIME_INTERVAL_SECOND",
}

// groupByTime is list_parameters.group_by_time.*.
type groupByTime struct {
	path       []string
	interval   string
	size       int64
	start, end *time.Time
	showUUIDs  bool
	cumulative bool // mode sum
	operator   string
	valueField []string
}

// The aggregation operators the SDK's model lists ("Allowed values are:
// min, max, sum, avg").
var aggregationOperators = []string{"min", "max", "sum", "avg"}

func parseGroupByTime(v url.Values) (*groupByTime, error) {
	paths, _, err := dotPaths(pTimePaths, v.Get(pTimePaths))
	if err != nil {
		return nil, err
	}
	if len(paths) != 1 {
		// The docs give the answer for one time field only.
		return nil, invalidArgument("%s: name one time field: repomock does not group by several (the vendor's docs describe one)", pTimePaths)
	}
	g := &groupByTime{path: paths[0], interval: v.Get(pTimeIntvl), size: 1, showUUIDs: v.Get(pTimeUUIDs) == "true"}
	if !slices.Contains(intervals, g.interval) {
		// The zero enum value, like an absent one, names no interval.
		return nil, invalidArgument("%s: value is required: one of GROUP_BY_TIME_INTERVAL_YEAR, …_QUARTER, …_MONTH, …_WEEK, …_DAY, …_HOUR, …_MINUTE, …_SECOND", pTimeIntvl)
	}
	if s := v.Get(pTimeSize); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return nil, invalidArgument("%s: must be a number of intervals, 1 or more (0 means 1)", pTimeSize)
		}
		g.size = max(n, 1)
	}
	if s := v.Get(pTimeStart); s != "" {
		if g.start, err = parseTime(pTimeStart, s); err != nil {
			return nil, err
		}
	}
	if s := v.Get(pTimeEnd); s != "" {
		if g.end, err = parseTime(pTimeEnd, s); err != nil {
			return nil, err
		}
	}
	if g.start != nil && g.end != nil && g.end.Before(*g.start) {
		return nil, invalidArgument("%s: is before %s", pTimeEnd, pTimeStart)
	}
	// The SDK's model: "count (default) : is the number of items matching
	// in every interval. sum: is the total number of items matching since
	// the beginning of the aggregation time."
	switch m := v.Get(pTimeMode); m {
	case "", "count":
	case "sum":
		g.cumulative = true
	default:
		return nil, invalidArgument("%s: %q is not a mode: count (the default) or sum", pTimeMode, Clip(m))
	}
	g.operator = v.Get(pTimeOperator)
	field := v.Get(pTimeValueField)
	switch {
	case g.operator == "" && field == "":
	case !slices.Contains(aggregationOperators, g.operator):
		if g.operator == "" {
			return nil, invalidArgument("%s: needs %s: one of min, max, sum, avg", pTimeValueField, pTimeOperator)
		}
		return nil, invalidArgument("%s: %q is not an operator: one of min, max, sum, avg", pTimeOperator, Clip(g.operator))
	case field == "":
		return nil, invalidArgument("%s: needs %s: the field to aggregate", pTimeOperator, pTimeValueField)
	default:
		if g.valueField, err = dotPath(pTimeValueField, field); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// groups buckets recs by the time at g.path. The key is the JSON text of
// the bucket's start, as in the docs' example ("\"2024-01-28T00:00:00Z\"").
// Assumptions: objects without a time there are left out; start_time and
// end_time both include their instant; with mode sum, each bucket counts
// its objects and those of every bucket before it (its uuids stay its
// own).
func (g *groupByTime) groups(recs []store.Record) *groupResponse {
	out := &groupResponse{Groups: map[string]*group{}}
	values := map[*group][]float64{}
	for i := range recs {
		rec := &recs[i]
		doc := rec.View()
		v, _ := store.Lookup(doc, g.path)
		t, ok := v.(time.Time)
		if !ok || g.start != nil && t.Before(*g.start) || g.end != nil && t.After(*g.end) {
			continue
		}
		key := strconv.Quote(bucketStart(t, g.interval, g.size).Format(time.RFC3339))
		gr := out.Groups[key]
		if gr == nil {
			gr = &group{}
			out.Groups[key] = gr
		}
		gr.AggregationCount.Count++
		if g.showUUIDs {
			gr.AggregationUUIDs = append(gr.AggregationUUIDs, rec.UUID())
		}
		if g.operator != "" {
			if x, ok := numberAt(doc, g.valueField); ok {
				values[gr] = append(values[gr], x)
			}
		}
	}
	if g.cumulative {
		// The keys are quoted RFC 3339 UTC times: their byte order is
		// their time order.
		total := 0
		for _, key := range slices.Sorted(maps.Keys(out.Groups)) {
			total += out.Groups[key].AggregationCount.Count
			out.Groups[key].AggregationCount.Count = total
		}
	}
	if g.operator != "" {
		for _, gr := range out.Groups {
			gr.AggregationValue = aggregate(g.operator, values[gr])
		}
	}
	return out
}

// numberAt reads the number at path: a JSON number, or a string holding
// one (protojson writes 64-bit integers as strings).
func numberAt(doc map[string]any, path []string) (float64, bool) {
	switch v, _ := store.Lookup(doc, path); x := v.(type) {
	case float64:
		return x, true
	case string:
		if filter.IsNumber(x) {
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// aggregate applies op to the values of one bucket. Assumption: a bucket
// whose objects hold no number at the field has a sum of 0, and no min,
// max or average (aggregation_value is left out).
func aggregate(op string, xs []float64) *aggregationValue {
	if len(xs) == 0 {
		if op == "sum" {
			return &aggregationValue{}
		}
		return nil
	}
	out := xs[0]
	switch op {
	case "min":
		out = slices.Min(xs)
	case "max":
		out = slices.Max(xs)
	case "sum", "avg":
		out = 0
		for _, x := range xs {
			out += x
		}
		if op == "avg" {
			out /= float64(len(xs))
		}
	}
	return &aggregationValue{Value: out}
}

// sundayEpoch is the Sunday before the Unix epoch: weeks start on Sunday,
// as every key of the docs' weekly example does.
var sundayEpoch = time.Date(1969, 12, 28, 0, 0, 0, 0, time.UTC)

// bucketStart is the start, in UTC, of the bucket of size intervals that
// holds t. Assumption: buckets of n intervals count from the Unix epoch
// (from sundayEpoch for weeks, from January 1970 for months, quarters and
// years); the docs' two-week buckets (2024-01-28, 2024-03-10, …) fit.
func bucketStart(t time.Time, interval string, n int64) time.Time {
	t = t.UTC()
	secs := func(ref time.Time, unit int64) time.Time {
		width := unit * n
		return time.Unix(ref.Unix()+floorDiv(t.Unix()-ref.Unix(), width)*width, 0).UTC()
	}
	months := func(unit int64) time.Time {
		width := unit * n
		m := floorDiv(int64(t.Year()-1970)*12+int64(t.Month()-1), width) * width
		return time.Date(1970+int(floorDiv(m, 12)), time.Month(m-floorDiv(m, 12)*12+1), 1, 0, 0, 0, 0, time.UTC)
	}
	epoch := time.Unix(0, 0).UTC()
	switch interval {
	case "GROUP_BY_TIME_INTERVAL_YEAR":
		return months(12)
	case "GROUP_BY_TIME_INTERVAL_QUARTER":
		return months(3)
	case "GROUP_BY_TIME_INTERVAL_MONTH":
		return months(1)
	case "GROUP_BY_TIME_INTERVAL_WEEK":
		return secs(sundayEpoch, 7*86400)
	case "GROUP_BY_TIME_INTERVAL_DAY":
		return secs(epoch, 86400)
	case "GROUP_BY_TIME_INTERVAL_HOUR":
		return secs(epoch, 3600)
	case "GROUP_BY_TIME_INTERVAL_MINUTE":
		return secs(epoch, 60)
	default:
		return secs(epoch, 1)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

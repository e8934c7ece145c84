package endor

// ListRepositoryVersions and its list_parameters, as the vendor's docs give
// them (docs.endorlabs.com rest-api/using-the-rest-api: getting-started
// "List parameters", pagination, masks, grouping, filters). Each parameter
// is implemented or refused with 400 code 3 naming it: a parameter that
// would be ignored would let a client believe the mock did what it asked.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/openapi"
)

// The query parameters the list implements.
const (
	pFilter     = "list_parameters.filter"
	pPageSize   = "list_parameters.page_size"
	pPageToken  = "list_parameters.page_token"
	pPageID     = "list_parameters.page_id"
	pCount      = "list_parameters.count"
	pSortPath   = "list_parameters.sort.path"
	pSortOrder  = "list_parameters.sort.order"
	pMask       = "list_parameters.mask"
	pTraverse   = "list_parameters.traverse"
	pCIRunUUID  = "list_parameters.ci_run_uuid"
	pGroupPaths = "list_parameters.group.aggregation_paths"
	pGroupUUIDs = "list_parameters.group.show_aggregation_uuids"
	pGroupCount = "list_parameters.group.unique_count_paths"
	pGroupValue = "list_parameters.group.unique_value_paths"
	pTimePaths  = "list_parameters.group_by_time.aggregation_paths"
	pTimeIntvl  = "list_parameters.group_by_time.interval"
	pTimeSize   = "list_parameters.group_by_time.group_size"
	pTimeStart  = "list_parameters.group_by_time.start_time"
	pTimeEnd    = "list_parameters.group_by_time.end_time"
	pTimeUUIDs  = "list_parameters.group_by_time.show_aggregation_uuids"
	pTimeMode   = "list_parameters.group_by_time.mode"
)

var (
	listParams = []string{
		pFilter, pPageSize, pPageToken, pPageID, pCount, pSortPath, pSortOrder, pMask, pTraverse, pCIRunUUID,
		pGroupPaths, pGroupUUIDs, pGroupCount, pGroupValue,
		pTimePaths, pTimeIntvl, pTimeSize, pTimeStart, pTimeEnd, pTimeUUIDs, pTimeMode,
	}
	// pageParams choose and order the objects of a page: a count or a
	// grouped list has none.
	pageParams = []string{pPageSize, pPageToken, pPageID, pSortPath, pSortOrder, pMask}
)

// listRequest is a list's query parameters, read and checked.
type listRequest struct {
	q           query
	start, size int
	pageID      string
	count       bool
	mask        [][]string
	group       *groupByPath
	byTime      *groupByTime
}

func (f *Fake) list(c echo.Context, in openapi.Request) (int, any, error) {
	req, err := parseList(c.QueryParams())
	if err != nil {
		return 0, nil, err
	}
	// now() in a filter is the fake's clock, read once for the whole list.
	req.q.now = f.now()
	req.q.reach = grantOf(c).allows
	recs := f.readStore(c).list(in.Params[nsParam], req.q)
	switch {
	case req.count:
		return http.StatusOK, listResponse{CountResponse: &countResponse{Count: len(recs)}}, nil
	case req.group != nil:
		return http.StatusOK, listResponse{GroupResponse: req.group.groups(recs)}, nil
	case req.byTime != nil:
		return http.StatusOK, listResponse{GroupResponse: req.byTime.groups(recs)}, nil
	}
	start := req.start
	if req.pageID != "" {
		// Assumption: page_id, "the object UUID to start from", starts the
		// page at that object; one not in the list is refused.
		start = slices.IndexFunc(recs, func(r *record) bool { return r.uuid == req.pageID })
		if start < 0 {
			return 0, nil, invalidArgument("%s: no object with uuid %q in this list", pPageID, req.pageID)
		}
	}
	body := &listBody{Objects: []json.RawMessage{}}
	if start < len(recs) {
		end := min(start+req.size, len(recs))
		for _, rec := range recs[start:end] {
			obj := json.RawMessage(rec.json)
			if req.mask != nil {
				if obj, err = masked(rec.json, req.mask); err != nil {
					return 0, nil, err
				}
			}
			body.Objects = append(body.Objects, obj)
		}
		if end < len(recs) {
			body.Response.NextPageToken = &end
			body.Response.NextPageID = recs[end].uuid
		}
	}
	return http.StatusOK, listResponse{List: body}, nil
}

// parseList reads the query. An empty value is an absent one, as an unset
// proto3 field is.
func parseList(v url.Values) (*listRequest, error) {
	var unknown []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		switch {
		case !slices.Contains(listParams, k) && strings.HasPrefix(k, "list_parameters."):
			unknown = append(unknown, clipValue(k)+": not a list parameter repomock implements")
		case !slices.Contains(listParams, k):
			unknown = append(unknown, clipValue(k)+": unknown query parameter")
		case len(v[k]) > 1:
			unknown = append(unknown, fmt.Sprintf("%s: given %d times, takes one value", k, len(v[k])))
		}
	}
	if len(unknown) > 0 {
		return nil, invalidArgument("%s", strings.Join(unknown, "; "))
	}
	given := func(k string) bool { return v.Get(k) != "" }
	isTrue := func(k string) bool { return v.Get(k) == "true" }

	req := &listRequest{size: defaultPageSize, count: isTrue(pCount)}
	// Parameters that do not apply together are refused, not ignored.
	conflict := func(scope string, keys ...string) error {
		for _, k := range keys {
			if given(k) {
				return invalidArgument("%s: does not apply to %s", k, scope)
			}
		}
		return nil
	}
	var err error
	switch {
	case req.count:
		err = conflict(pCount+"=true", slices.Concat(pageParams, []string{pGroupPaths, pTimePaths})...)
	case given(pGroupPaths):
		err = conflict("a grouped list ("+pGroupPaths+")", pageParams...)
	case given(pTimePaths):
		err = conflict("a grouped list ("+pTimePaths+")", pageParams...)
	}
	if err != nil {
		return nil, err
	}
	for _, dep := range []struct{ head, tail string }{
		{pGroupPaths, "list_parameters.group."}, {pTimePaths, "list_parameters.group_by_time."}, {pSortPath, pSortOrder},
	} {
		for _, k := range listParams {
			if k != dep.head && strings.HasPrefix(k, dep.tail) && given(k) && !given(dep.head) {
				return nil, invalidArgument("%s: needs %s", k, dep.head)
			}
		}
	}
	if given(pPageID) && given(pPageToken) {
		return nil, invalidArgument("%s: cannot be combined with %s: give one start", pPageID, pPageToken)
	}

	if expr := v.Get(pFilter); expr != "" {
		filter, err := ParseFilter(expr)
		if err != nil {
			return nil, invalidArgument("%s: %v", pFilter, err)
		}
		req.q.filter = filter
	}
	if s := v.Get(pPageSize); s != "" {
		n, err := strconv.Atoi(s)
		// Assumption: a size outside 0..500 is refused rather than clamped.
		if err != nil || n < 0 || n > maxPageSize {
			return nil, invalidArgument("%s: must be between 0 and %d (0 means %d)", pPageSize, maxPageSize, defaultPageSize)
		}
		if n > 0 {
			req.size = n
		}
	}
	if s := v.Get(pPageToken); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, invalidArgument("%s: must be a start index of 0 or more", pPageToken)
		}
		req.start = n
	}
	if id := v.Get(pPageID); id != "" {
		if !isUUID(id) {
			return nil, invalidArgument("%s: %q is not a valid uuid: must be 24 lowercase hexadecimal characters", pPageID, clipValue(id))
		}
		req.pageID = id
	}
	if s := v.Get(pSortPath); s != "" {
		path, err := dotPath(pSortPath, s)
		if err != nil {
			return nil, err
		}
		req.q.sortPath = path
	}
	req.q.desc = v.Get(pSortOrder) == "SORT_ENTRY_ORDER_DESC"
	if s := v.Get(pMask); s != "" {
		paths, _, err := dotPaths(pMask, s)
		if err != nil {
			return nil, err
		}
		req.mask = paths
	}
	req.q.traverse = isTrue(pTraverse)
	req.q.ciRun = v.Get(pCIRunUUID)

	if given(pGroupPaths) {
		if given(pTimePaths) {
			return nil, invalidArgument("%s: cannot be combined with %s: group by path or by time", pTimePaths, pGroupPaths)
		}
		req.group, err = parseGroupByPath(v)
	} else if given(pTimePaths) {
		req.byTime, err = parseGroupByTime(v)
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

// dotPath reads one field path such as meta.name; a lowerCamelCase one
// (meta.createTime, protojson's form) names the same field.
func dotPath(param, s string) ([]string, error) {
	path := strings.Split(snakePath(strings.TrimSpace(s)), ".")
	for _, seg := range path {
		if seg == "" || strings.ContainsFunc(seg, func(r rune) bool { return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
			return nil, invalidArgument("%s: %q is not a field path", param, clipValue(s))
		}
	}
	return path, nil
}

// dotPaths reads comma-separated field paths, and returns them with their
// names as written back (meta.name).
func dotPaths(param, s string) ([][]string, []string, error) {
	var paths [][]string
	var names []string
	for _, part := range strings.Split(s, ",") {
		p, err := dotPath(param, part)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, p)
		names = append(names, strings.Join(p, "."))
	}
	return paths, names, nil
}

// masked trims an object to the fields of paths (docs: masks, "a subset of
// fields to be returned for each object"). Assumption: only the named
// fields come back (uuid too must be named), a path the object lacks adds
// nothing, and a path does not reach into arrays.
func masked(data []byte, paths [][]string) (json.RawMessage, error) {
	tree, err := decodeTree(data) // numbers as written
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, p := range paths {
		keepPath(out, tree, p)
	}
	return json.Marshal(out)
}

// keepPath copies the value at path in from into to, creating objects on
// the way only when there is something to copy.
func keepPath(to, from map[string]any, path []string) {
	v, ok := from[path[0]]
	if !ok {
		return
	}
	if len(path) == 1 {
		to[path[0]] = v
		return
	}
	src, ok := v.(map[string]any)
	if !ok {
		return
	}
	dst, ok := to[path[0]].(map[string]any)
	if !ok {
		dst = map[string]any{}
	}
	keepPath(dst, src, path[1:])
	if len(dst) > 0 {
		to[path[0]] = dst
	}
}

// parseTime reads an RFC 3339 time parameter.
func parseTime(param, s string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, invalidArgument("%s: %q is not an RFC 3339 time", param, clipValue(s))
	}
	return &t, nil
}

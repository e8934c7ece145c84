// Package list is the Endor fake's list engine: ListRepositoryVersions'
// and ListNamespaces' list_parameters, read and checked, and the answer
// made of the records a store selects (mock/vendors/endor/store): a
// page, a count, or groups.
//
// ListRepositoryVersions and ListNamespaces, and the list_parameters they
// share, as the vendor's docs give them (docs.endorlabs.com
// rest-api/using-the-rest-api: getting-started "List parameters",
// pagination, masks, grouping, filters) and as the fields of ListParameters
// in the official SDK's models. Every field is served. The query reaches
// the handlers as grpc-gateway reads it (mock/vendors/endor/protojson's DecodeQuery): a
// key that is no field of the request was ignored there, and the journal
// names it. Parameters that do not apply together are refused with 400
// code 3 naming them, where the vendor's docs say nothing: a parameter
// silently dropped would let a client believe the mock did what it asked.
package list

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/vendors/endor/filter"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Page sizes (docs: getting-started, "List parameters").
const (
	defaultPageSize = 100
	maxPageSize     = 500
)

// Error is a list's parameter the vendor refuses (400, code 3
// INVALID_ARGUMENT): the message says which, and why.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func invalidArgument(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// The list's query parameters, as specs/endor.yaml names them.
const (
	pFilter            = "list_parameters.filter"
	pPageSize          = "list_parameters.page_size"
	pPageToken         = "list_parameters.page_token"
	pPageID            = "list_parameters.page_id"
	pCount             = "list_parameters.count"
	pSortPath          = "list_parameters.sort.path"
	pSortOrder         = "list_parameters.sort.order"
	pMask              = "list_parameters.mask"
	pTraverse          = "list_parameters.traverse"
	pCIRunUUID         = "list_parameters.ci_run_uuid"
	pFromDate          = "list_parameters.from_date"
	pToDate            = "list_parameters.to_date"
	pArchive           = "list_parameters.archive"
	pListAll           = "list_parameters.list_all"
	pDisablePagination = "list_parameters.disable_pagination"
	pGroupPaths        = "list_parameters.group.aggregation_paths"
	pGroupUUIDs        = "list_parameters.group.show_aggregation_uuids"
	pGroupCount        = "list_parameters.group.unique_count_paths"
	pGroupValue        = "list_parameters.group.unique_value_paths"
	pTimePaths         = "list_parameters.group_by_time.aggregation_paths"
	pTimeIntvl         = "list_parameters.group_by_time.interval"
	pTimeSize          = "list_parameters.group_by_time.group_size"
	pTimeStart         = "list_parameters.group_by_time.start_time"
	pTimeEnd           = "list_parameters.group_by_time.end_time"
	pTimeUUIDs         = "list_parameters.group_by_time.show_aggregation_uuids"
	pTimeMode          = "list_parameters.group_by_time.mode"
	pTimeOperator      = "list_parameters.group_by_time.aggregation_operator"
	pTimeValueField    = "list_parameters.group_by_time.aggregation_value_field"
)

var (
	// Params are the list parameters Parse reads.
	Params = []string{
		pFilter, pPageSize, pPageToken, pPageID, pCount, pSortPath, pSortOrder, pMask, pTraverse, pCIRunUUID,
		pFromDate, pToDate, pArchive, pListAll, pDisablePagination,
		pGroupPaths, pGroupUUIDs, pGroupCount, pGroupValue,
		pTimePaths, pTimeIntvl, pTimeSize, pTimeStart, pTimeEnd, pTimeUUIDs, pTimeMode, pTimeOperator, pTimeValueField,
	}
	// pageParams choose and order the objects of a page: a count or a
	// grouped list has none.
	pageParams = []string{pPageSize, pPageToken, pPageID, pSortPath, pSortOrder, pMask, pListAll, pDisablePagination}
)

// Request is a list's query parameters, read and checked: what the store
// selects (Query), and what is answered of it.
type Request struct {
	Query       store.Query
	start, size int
	pageID      [12]byte
	count       bool
	archive     bool // list archived objects: repomock archives none
	all         bool // list_all: every page in one answer
	firstPage   bool // disable_pagination: the first page, and no next one
	mask        [][]string
	group       *groupByPath
	byTime      *groupByTime
}

// Answer answers the list with recs, the records the query selected in
// its order: a count, groups, or a page.
func (req *Request) Answer(recs []store.Record) (any, error) {
	if req.archive {
		recs = nil
	}
	switch {
	case req.count:
		return listResponse{CountResponse: &countResponse{Count: len(recs)}}, nil
	case req.group != nil:
		return listResponse{GroupResponse: req.group.groups(recs)}, nil
	case req.byTime != nil:
		return listResponse{GroupResponse: req.byTime.groups(recs)}, nil
	}
	start := req.start
	if req.pageID != ([12]byte{}) {
		// The SDK's model: next_page_id is "The UUID of last message
		// retrieved", so the page starts after it (vendors.md §7).
		// Assumption: a uuid not in the list is refused.
		i := slices.IndexFunc(recs, func(r store.Record) bool { return r.ID == req.pageID })
		if i < 0 {
			return nil, invalidArgument("%s: no object with uuid %q in this list", pPageID, store.UUID(req.pageID))
		}
		start = i + 1
	}
	body := &listBody{Objects: []json.RawMessage{}}
	if start < len(recs) {
		end := len(recs)
		if !req.all {
			end = min(start+req.size, len(recs))
		}
		for _, rec := range recs[start:end] {
			obj := json.RawMessage(rec.JSON)
			if req.mask != nil {
				var err error
				if obj, err = masked(rec.JSON, req.mask); err != nil {
					return nil, err
				}
			}
			body.Objects = append(body.Objects, obj)
		}
		if end < len(recs) && !req.firstPage {
			body.Response.NextPageToken = &end
			body.Response.NextPageID = recs[end-1].UUID()
		}
	}
	return listResponse{List: body}, nil
}

// CheckPaths checks the filter's paths against the objects op's list
// answers: a path that names no field is refused, in the vendor's words,
// which the SDK parses (_parse_invalid_path_error): "invalid path
// 'spec.not_a_field'".
func (req *Request) CheckPaths(op *openapi3.Operation) error {
	if req.Query.Filter == nil {
		return nil
	}
	if schema := listedObject(op); schema != nil {
		if bad := req.Query.Filter.BadPath(func(path []string) bool { return isField(schema, path) }); bad != "" {
			return invalidArgument("invalid path '%s'", bad)
		}
	}
	return nil
}

// listedObject is the schema of the objects op's list answers
// (list.objects of its 200), or nil.
func listedObject(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	resp := op.Responses.Status(http.StatusOK)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get(echo.MIMEApplicationJSON)
	if mt == nil {
		return nil
	}
	s := schemaOf(mt.Schema)
	for _, name := range []string{"list", "objects"} {
		if s == nil {
			return nil
		}
		s = schemaOf(s.Properties[name])
	}
	if s == nil {
		return nil
	}
	return schemaOf(s.Items)
}

func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil {
		return nil
	}
	return ref.Value
}

// Parse reads the query, as DecodeQuery read it: each parameter under
// its spec name, once, its value spelt as the spec does (true, a decimal,
// an enum's name). An empty string is an absent one, as an unset proto3
// field is.
func Parse(v url.Values) (*Request, error) {
	given := func(k string) bool { return v.Get(k) != "" }
	isTrue := func(k string) bool { return v.Get(k) == "true" }
	// set: given, and not a false boolean, which is an unset one.
	set := func(k string) bool { return given(k) && v.Get(k) != "false" }

	req := &Request{size: defaultPageSize, count: isTrue(pCount), archive: isTrue(pArchive),
		all: isTrue(pListAll), firstPage: isTrue(pDisablePagination)}
	// Parameters that do not apply together are refused, not ignored.
	conflict := func(scope string, keys ...string) error {
		for _, k := range keys {
			if set(k) {
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
	case req.all:
		err = conflict(pListAll+"=true: it answers every object", pPageSize, pDisablePagination)
	case req.firstPage:
		err = conflict(pDisablePagination+"=true: it answers the first page", pPageToken, pPageID)
	}
	if err != nil {
		return nil, err
	}
	for _, dep := range []struct{ head, tail string }{
		{pGroupPaths, "list_parameters.group."}, {pTimePaths, "list_parameters.group_by_time."}, {pSortPath, pSortOrder},
	} {
		for _, k := range Params {
			if k != dep.head && strings.HasPrefix(k, dep.tail) && set(k) && !given(dep.head) {
				return nil, invalidArgument("%s: needs %s", k, dep.head)
			}
		}
	}
	if given(pPageID) && given(pPageToken) {
		return nil, invalidArgument("%s: cannot be combined with %s: give one start", pPageID, pPageToken)
	}

	if expr := v.Get(pFilter); expr != "" {
		f, err := filter.Parse(expr)
		if err != nil {
			return nil, invalidArgument("%s: %v", pFilter, err)
		}
		req.Query.Filter = f
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
		var ok bool
		if req.pageID, ok = store.ParseUUID(id); !ok {
			return nil, invalidArgument("%s: %q is not a valid uuid: must be 24 lowercase hexadecimal characters", pPageID, Clip(id))
		}
	}
	if s := v.Get(pSortPath); s != "" {
		path, err := dotPath(pSortPath, s)
		if err != nil {
			return nil, err
		}
		req.Query.SortPath = path
	}
	req.Query.Desc = v.Get(pSortOrder) == "SORT_ENTRY_ORDER_DESC"
	if s := v.Get(pMask); s != "" {
		paths, _, err := dotPaths(pMask, s)
		if err != nil {
			return nil, err
		}
		req.mask = paths
	}
	req.Query.Traverse = isTrue(pTraverse)
	if id := v.Get(pCIRunUUID); id != "" {
		req.Query.ContextType, req.Query.ContextID = store.CIRunContext, id
	}
	if req.Query.From, req.Query.To, err = dateRange(v); err != nil {
		return nil, err
	}

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

// dateRange reads from_date and to_date. Assumption (vendors.md §7): they
// narrow by meta.create_time, both ends included; each is RFC 3339 or a
// date (YYYY-MM-DD, UTC), and a date as to_date takes in its whole day.
func dateRange(v url.Values) (from, to *time.Time, err error) {
	read := func(param string, endOfDay bool) (*time.Time, error) {
		s := v.Get(param)
		if s == "" {
			return nil, nil
		}
		t, ok := filter.ParseTime(s)
		if !ok {
			return nil, invalidArgument("%s: %q is not an RFC 3339 time or a date (YYYY-MM-DD)", param, Clip(s))
		}
		if endOfDay && len(s) == len(time.DateOnly) {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return &t, nil
	}
	if from, err = read(pFromDate, false); err != nil {
		return nil, nil, err
	}
	if to, err = read(pToDate, true); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, invalidArgument("%s: is before %s", pToDate, pFromDate)
	}
	return from, to, nil
}

// dotPath reads one field path such as meta.name; a lowerCamelCase one
// (meta.createTime, protojson's form) names the same field.
func dotPath(param, s string) ([]string, error) {
	path := strings.Split(SnakePath(strings.TrimSpace(s)), ".")
	for _, seg := range path {
		if seg == "" || strings.ContainsFunc(seg, func(r rune) bool { return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
			return nil, invalidArgument("%s: %q is not a field path", param, Clip(s))
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
	tree, err := store.DecodeTree(data) // numbers as written
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
		return nil, invalidArgument("%s: %q is not an RFC 3339 time", param, Clip(s))
	}
	return &t, nil
}

// isField reports whether path names a field of the objects schema
// describes, as a filter reaches it: by proto names, through lists (a path
// goes on into a list's elements, as spec.dependencies.name does), into
// any key of a map, and anywhere below an object the schema leaves free.
// A path may stop at a message (meta exists).
func isField(s *openapi3.Schema, path []string) bool {
	for _, seg := range path {
		for s != nil && s.Type.Is(openapi3.TypeArray) {
			s = schemaOf(s.Items)
		}
		switch {
		case s == nil:
			return true // a schema that says nothing says no field is missing
		case len(s.Properties) > 0:
			if s = schemaOf(s.Properties[seg]); s == nil {
				return false
			}
		case s.AdditionalProperties.Schema != nil:
			s = schemaOf(s.AdditionalProperties.Schema)
		case s.Type.Is(openapi3.TypeObject) || s.Type.IsEmpty():
			return true // free-form: any field may be there
		default:
			return false // a value has no fields
		}
	}
	return true
}

// SnakePath turns meta.createTime into meta.create_time; a proto name is
// unchanged.
func SnakePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if c := p[i]; c >= 'A' && c <= 'Z' {
			b.WriteByte('_')
			b.WriteByte(c + 'a' - 'A')
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Clip is a value as a message quotes it: its first 64 bytes.
func Clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

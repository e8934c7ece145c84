package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor/filter"
)

// Record is an object as a read gives it: a value of its own, its JSON
// the store's bytes, which never change.
type Record struct {
	ID      [12]byte
	Created time.Time
	JSON    []byte // as served
	doc     map[string]any
}

// UUID is the record's uuid.
func (r *Record) UUID() string { return UUID(r.ID) }

// View returns the object as filters, sorting and grouping see it (see
// decodeView): the list's, when its query needed it, or decoded now.
func (r *Record) View() map[string]any {
	if r.doc == nil {
		r.doc = decodeView(r.JSON)
	}
	return r.doc
}

// record is record i. The lock is held.
func (s *Store) record(i uint32) Record {
	r := &s.recs[i]
	return Record{ID: r.id, Created: r.createdAt(), JSON: s.json(i)}
}

// view is a record's decoded view, of the write seq.
type view struct {
	seq uint64
	doc map[string]any
}

// viewOf returns record i's view, decoding it on first use; two readers
// may both decode it, and get equal views. The read lock is held, and
// s.views is there.
func (s *Store) viewOf(i uint32) map[string]any {
	r := &s.recs[i]
	if v := s.views[i].Load(); v != nil && v.seq == r.seq {
		return v.doc
	}
	doc := decodeView(s.json(i))
	s.views[i].Store(&view{seq: r.seq, doc: doc})
	return doc
}

// decodeView decodes an object's JSON as filters, sorting and grouping
// see it: the decoded JSON tree, with the date-time fields as time.Time,
// as the vendor stores them typed (a protobuf Timestamp), not as text.
func decodeView(data []byte) map[string]any {
	var doc map[string]any
	_ = json.Unmarshal(data, &doc) // data came from AppendJSON
	for _, path := range timePaths {
		typeTime(doc, path)
	}
	return doc
}

// timePaths are the date-time fields of v1RepositoryVersion in
// specs/endor.yaml (a test holds the two together).
var timePaths = [][]string{
	{"context", "will_be_deleted_at"},
	{"meta", "create_time"},
	{"meta", "update_time"},
	{"meta", "upsert_time"},
	{"meta", "index_data", "will_be_deleted_at"},
	{"scan_object", "scan_time"},
	{"scan_object", "aisast_status", "full_index_started_time"},
	{"scan_object", "aisast_status", "last_full_index_time"},
	{"scan_object", "aisast_status", "last_partial_index_time"},
	{"spec", "last_commit_date"},
}

// typeTime replaces the RFC 3339 string at path in doc with its time.Time.
func typeTime(doc map[string]any, path []string) {
	for _, seg := range path[:len(path)-1] {
		next, ok := doc[seg].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
	leaf := path[len(path)-1]
	if s, ok := doc[leaf].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			doc[leaf] = t
		}
	}
}

// Query selects and orders a namespace's objects.
type Query struct {
	Filter   *filter.Filter
	Now      time.Time // what now() in the filter means
	SortPath []string  // nil: creation order
	Desc     bool
	// Traverse adds the child namespaces (ns.*) that Reach allows.
	Traverse bool
	Reach    func(ns string) bool
	// ContextType and ContextID, when set, keep only the objects of that
	// context.
	ContextType, ContextID string
	// From and To, when set, keep the objects created within them.
	From, To *time.Time
	// Views asks for each record's view with it (a group reads them all).
	Views bool
}

// views says whether q reads the records' views.
func (q *Query) views() bool { return q.Filter != nil || q.SortPath != nil || q.Views }

// keepCreated reports whether an object created at t is within q's dates.
func (q *Query) keepCreated(t time.Time) bool {
	return (q.From == nil || !t.Before(*q.From)) && (q.To == nil || !t.After(*q.To))
}

// order sorts recs by q's sort path, when it has one; otherwise they keep
// their order.
func (q *Query) order(recs []Record) {
	if q.SortPath == nil {
		return
	}
	slices.SortStableFunc(recs, func(a, b Record) int {
		c := compareAt(a.doc, b.doc, q.SortPath)
		if q.Desc {
			return -c
		}
		return c
	})
}

// List returns the records that match q, in q's order. Without a sort
// path, that is namespace by namespace in byte order (ns itself first),
// each in creation order.
func (s *Store) List(ns string, q Query) []Record {
	if q.views() {
		s.enableViews()
	}
	s.mu.RLock()
	names := []string{ns}
	if q.Traverse {
		for name := range s.spaces {
			if strings.HasPrefix(name, ns+".") && (q.Reach == nil || q.Reach(name)) {
				names = append(names, name)
			}
		}
		slices.Sort(names[1:])
	}
	var out []Record
	for _, name := range names {
		sp := s.spaces[name]
		if sp == nil {
			continue
		}
		if out == nil {
			out = make([]Record, 0, len(sp.order))
		}
		for _, i := range sp.order {
			if !s.keep(i, &q) {
				continue
			}
			r := s.record(i)
			if q.views() {
				r.doc = s.viewOf(i)
				if q.Filter != nil && !q.Filter.MatchAt(r.doc, q.Now) {
					continue
				}
			}
			out = append(out, r)
		}
	}
	s.mu.RUnlock()
	q.order(out)
	return out
}

// keep reports whether record i is within q's context and dates. The
// read lock is held.
func (s *Store) keep(i uint32, q *Query) bool {
	if q.ContextType != "" {
		k := s.storedKey(i)
		if string(k[2]) != q.ContextType || string(k[3]) != q.ContextID {
			return false
		}
	}
	return q.From == nil && q.To == nil || q.keepCreated(s.recs[i].createdAt())
}

// enableViews makes the views' cache, once: a store that is never
// filtered, sorted or grouped keeps none.
func (s *Store) enableViews() {
	s.mu.RLock()
	on := s.views != nil
	s.mu.RUnlock()
	if on {
		return
	}
	s.mu.Lock()
	if s.views == nil {
		s.views = make([]atomic.Pointer[view], len(s.recs))
	}
	s.mu.Unlock()
}

// Namespace kinds and versions, as namespaces list them.
const (
	kindNamespace = "Namespace"
	version       = "v1"
)

// Namespaces returns the namespaces below parent that q selects, as
// records, in q's order: its children, or with q.Traverse its whole
// subtree, in byte order of their names unless sorted.
func (s *Store) Namespaces(parent string, q Query) []Record {
	type found struct {
		name      string
		created   time.Time
		createdBy string
	}
	if q.ContextType != "" {
		return nil // a namespace is in no context
	}
	var all []found
	s.mu.RLock()
	for name, sp := range s.spaces {
		rest, below := strings.CutPrefix(name, parent+".")
		if below && (q.Traverse || !strings.Contains(rest, ".")) && (q.Reach == nil || q.Reach(name)) {
			all = append(all, found{name, sp.created, sp.createdBy})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b found) int { return strings.Compare(a.name, b.name) })
	out := make([]Record, 0, len(all))
	for _, ns := range all {
		r := namespaceRecord(ns.name, ns.created, ns.createdBy)
		if !q.keepCreated(r.Created) {
			continue
		}
		if q.views() {
			if r.View(); q.Filter != nil && !q.Filter.MatchAt(r.doc, q.Now) {
				continue
			}
		}
		out = append(out, r)
	}
	q.order(out)
	return out
}

// namespaceRecord is the namespace name as a list answers it. Its uuid
// is made from its name, so it is the same on every list. Assumption: its
// times are all when it was made, and created_by and updated_by are who
// first wrote in it.
func namespaceRecord(name string, created time.Time, by string) Record {
	parent, short := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		parent, short = name[:i], name[i+1:]
	}
	var id [12]byte
	sum := sha256.Sum256([]byte("namespace:" + name))
	copy(id[:], sum[:])
	ns := Namespace{
		UUID: UUID(id),
		Meta: Meta{
			WritableMeta: WritableMeta{Name: short},
			Kind:         kindNamespace,
			Version:      version,
			CreateTime:   created,
			UpdateTime:   created,
			UpsertTime:   created,
			CreatedBy:    by,
			UpdatedBy:    by,
		},
		Spec:       NamespaceSpec{FullName: name},
		TenantMeta: TenantMeta{Namespace: parent},
	}
	data, _ := json.Marshal(ns) // strings and times only
	return Record{ID: id, Created: created, JSON: data}
}

// compareAt orders two objects by the value at path: numbers numerically,
// everything else as text, objects without the value last.
func compareAt(a, b map[string]any, path []string) int {
	va, okA := Lookup(a, path)
	vb, okB := Lookup(b, path)
	switch {
	case !okA && !okB:
		return 0
	case !okA:
		return 1
	case !okB:
		return -1
	}
	fa, numA := va.(float64)
	fb, numB := vb.(float64)
	if numA && numB {
		return cmp.Compare(fa, fb)
	}
	ta, timeA := va.(time.Time)
	tb, timeB := vb.(time.Time)
	if timeA && timeB {
		return ta.Compare(tb)
	}
	return strings.Compare(text(va), text(vb))
}

// Lookup is the value at path in a view.
func Lookup(doc map[string]any, path []string) (any, bool) {
	var v any = doc
	for _, seg := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return v, true
}

func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

package endor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"github.com/repomock/repomock/mock/vendors/endor/filter"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Store holds the repository versions of one session, namespace by
// namespace. Namespaces never see each other's objects. It is safe for
// concurrent use.
type Store struct {
	mu         sync.RWMutex
	namespaces map[string]*namespace
	uuids      map[string]struct{} // every uuid in use, so none is handed out twice
	scratch    []byte              // where newRecord writes, under mu
	// log, when set, is given each change under mu (a session's own store
	// logs; the fixtures' never changes).
	log func(change)
}

// namespace holds a namespace's objects. Assumption (vendors.md §7): a
// namespace exists once something was written in it or below it, or a
// fixture names it, and stays when its objects are deleted; created and
// createdBy are when and by whom.
type namespace struct {
	byUUID    map[string]*slot
	byKey     map[upsertKey]*slot
	order     []*slot // creation order, the order of an unsorted list
	created   time.Time
	createdBy string
}

// slot is an object's place in its namespace: an update swaps the record
// in the slot, so it costs the same with a million objects as with one.
type slot struct{ rec *record }

// upsertKey is what makes a create an update, within a namespace. The
// vendor does not document it. Seed 000 says "Contexts keep objects from
// different scans separated", so the context is part of it: a CI_RUN scan
// of "main" never replaces the REF object "main" (vendors.md §6).
type upsertKey struct{ parent, name, contextType, contextID string }

func keyOf(m WritableMeta, c Context) upsertKey {
	return upsertKey{m.ParentUUID, m.Name, c.Type, c.ID}
}

// keyFields names the fields of the upsert key, for messages.
const keyFields = "meta.parent_uuid, meta.name, context.type and context.id"

// record is one stored object: its JSON, made once at write time, and the
// few fields the store reads back. Keeping no decoded copy keeps the heap
// small and sparse in pointers, which is what a large store's GC pays for.
// The decoded view that filters and sorting read is made on first use.
type record struct {
	uuid      string
	key       upsertKey
	created   time.Time
	createdBy string
	json      []byte                         // as served
	doc       atomic.Pointer[map[string]any] // as filters and sorting see it
}

// newRecord is called with s.mu held.
func (s *Store) newRecord(obj RepositoryVersion) (*record, error) {
	data, err := obj.appendJSON(s.scratch[:0])
	if err != nil {
		return nil, err
	}
	s.scratch = data[:0]
	data = bytes.Clone(data) // no spare capacity kept per object
	return &record{
		uuid:      obj.UUID,
		key:       keyOf(obj.Meta.WritableMeta, obj.Context),
		created:   obj.Meta.CreateTime,
		createdBy: obj.Meta.CreatedBy,
		json:      data,
	}, nil
}

// stored is what an update keeps of the object it replaces.
func (r *record) stored() *RepositoryVersion {
	return &RepositoryVersion{UUID: r.uuid, Meta: Meta{CreateTime: r.created, CreatedBy: r.createdBy}}
}

// view returns the object as filters, sorting and grouping see it: the
// decoded JSON tree, with the date-time fields as time.Time, as the vendor
// stores them typed (a protobuf Timestamp), not as text. Two first readers
// may both decode it; they get equal trees, and one of them is kept.
func (r *record) view() map[string]any {
	if d := r.doc.Load(); d != nil {
		return *d
	}
	var doc map[string]any
	_ = json.Unmarshal(r.json, &doc) // r.json came from json.Marshal
	for _, path := range timePaths {
		typeTime(doc, path)
	}
	r.doc.CompareAndSwap(nil, &doc)
	return *r.doc.Load()
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

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{namespaces: make(map[string]*namespace), uuids: make(map[string]struct{})}
}

// clone copies s for a session's first write. The records are shared: a
// record never changes once made (a write puts a new one in the slot), so
// only the slots and the indexes are copied.
func (s *Store) clone() *Store {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &Store{namespaces: make(map[string]*namespace, len(s.namespaces)), uuids: maps.Clone(s.uuids)}
	for name, n := range s.namespaces {
		c := &namespace{byUUID: make(map[string]*slot, len(n.byUUID)), byKey: make(map[upsertKey]*slot, len(n.byKey)), order: make([]*slot, len(n.order)),
			created: n.created, createdBy: n.createdBy}
		for i, sl := range n.order {
			cs := &slot{rec: sl.rec}
			c.order[i], c.byUUID[sl.rec.uuid], c.byKey[sl.rec.key] = cs, cs, cs
		}
		out.namespaces[name] = c
	}
	return out
}

// touch returns the namespace name, making it, and each parent it lacks,
// as made at at by who: a child namespace lives in its parent. It is
// called with s.mu held.
func (s *Store) touch(name string, at time.Time, who string) *namespace {
	if n := s.namespaces[name]; n != nil {
		return n // and so are its parents
	}
	for ns := name; ; {
		if s.namespaces[ns] == nil {
			s.namespaces[ns] = &namespace{byUUID: make(map[string]*slot), byKey: make(map[upsertKey]*slot), created: at.UTC(), createdBy: who}
		}
		i := strings.LastIndexByte(ns, '.')
		if i < 0 {
			return s.namespaces[name]
		}
		ns = ns[:i]
	}
}

// addNamespace makes the namespace name, and its parents, if they are not
// there.
func (s *Store) addNamespace(name string, at time.Time, who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch(name, at, who)
}

// upsert stores obj in its namespace under its upsert key. When the key is
// taken, build receives the stored object and returns the updated one;
// otherwise it receives nil and returns the new one. newID is called (with
// the lock held) until it gives a uuid not in use, for a new object only.
func (s *Store) upsert(ns string, key upsertKey, build func(old *RepositoryVersion, uuid string) RepositoryVersion, newID func() string) (*record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.namespaces[ns]; n != nil {
		if sl := n.byKey[key]; sl != nil {
			rec, err := s.newRecord(build(sl.rec.stored(), sl.rec.uuid))
			if err != nil {
				return nil, err
			}
			sl.rec = rec
			s.logPut(rec)
			return rec, nil
		}
	}
	id := newID()
	for _, taken := s.uuids[id]; taken; _, taken = s.uuids[id] {
		id = newID()
	}
	rec, err := s.newRecord(build(nil, id))
	if err != nil {
		return nil, err
	}
	n := s.touch(ns, rec.created, rec.createdBy)
	s.uuids[id] = struct{}{}
	sl := &slot{rec: rec}
	n.byKey[key], n.byUUID[id] = sl, sl
	n.order = append(n.order, sl)
	s.logPut(rec)
	return rec, nil
}

// logPut logs that rec was stored. The lock is held.
func (s *Store) logPut(rec *record) {
	if s.log != nil {
		s.log(change{Op: "put", Object: rec.json})
	}
}

// update replaces the object uuid of ns with what build makes of it. A
// build error, or a new upsert key that another object holds, changes
// nothing.
func (s *Store) update(ns, uuid string, build func(old *record) (RepositoryVersion, error)) (*record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.namespaces[ns]
	var sl *slot
	if n != nil {
		sl = n.byUUID[uuid]
	}
	if sl == nil {
		return nil, notFound("repository version %q not found in namespace %q", uuid, ns)
	}
	obj, err := build(sl.rec)
	if err != nil {
		return nil, err
	}
	rec, err := s.newRecord(obj)
	if err != nil {
		return nil, err
	}
	if rec.key != sl.rec.key {
		// Assumption: renaming onto another object's key is ALREADY_EXISTS;
		// the vendor does not say, and an update never merges two objects.
		if other := n.byKey[rec.key]; other != nil {
			return nil, errAlreadyExists("repository version %q already has meta.parent_uuid %q, meta.name %q, context.type %q and context.id %q",
				other.rec.uuid, rec.key.parent, rec.key.name, rec.key.contextType, rec.key.contextID)
		}
		delete(n.byKey, sl.rec.key)
		n.byKey[rec.key] = sl
	}
	sl.rec = rec
	s.logPut(rec)
	return rec, nil
}

func (s *Store) get(ns, uuid string) (*record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.namespaces[ns]
	if n == nil {
		return nil, false
	}
	sl, ok := n.byUUID[uuid]
	if !ok {
		return nil, false
	}
	return sl.rec, true
}

func (s *Store) delete(ns, uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.namespaces[ns]
	if n == nil {
		return false
	}
	sl, ok := n.byUUID[uuid]
	if !ok {
		return false
	}
	delete(n.byUUID, uuid)
	delete(n.byKey, sl.rec.key)
	delete(s.uuids, uuid)
	n.order = slices.DeleteFunc(n.order, func(x *slot) bool { return x == sl })
	if s.log != nil {
		s.log(change{Op: "delete", Namespace: ns, UUID: uuid})
	}
	return true
}

// query selects and orders a namespace's objects.
type query struct {
	filter   *filter.Filter
	now      time.Time // what now() in the filter means
	sortPath []string  // nil: creation order
	desc     bool
	// traverse adds the child namespaces (ns.*) that reach allows.
	traverse bool
	reach    func(ns string) bool
	// ciRun, when set, keeps only the objects of that CI_RUN context.
	ciRun string
	// from and to, when set, keep the objects created within them.
	from, to *time.Time
}

// keep reports whether q selects rec.
func (q *query) keep(rec *record) bool {
	switch {
	case q.ciRun != "" && (rec.key.contextType != ciRunContext || rec.key.contextID != q.ciRun):
		return false
	case q.from != nil && rec.created.Before(*q.from), q.to != nil && rec.created.After(*q.to):
		return false
	}
	return q.filter == nil || q.filter.MatchAt(rec.view(), q.now)
}

// order sorts recs by q's sort path, when it has one; otherwise they keep
// their order.
func (q *query) order(recs []*record) {
	if q.sortPath == nil {
		return
	}
	slices.SortStableFunc(recs, func(a, b *record) int {
		c := compareAt(a.view(), b.view(), q.sortPath)
		if q.desc {
			return -c
		}
		return c
	})
}

// list returns the records that match q, in q's order. Without a sort
// path, that is namespace by namespace in byte order (ns itself first), each
// in creation order.
func (s *Store) list(ns string, q query) []*record {
	s.mu.RLock()
	names := []string{ns}
	if q.traverse {
		for name := range s.namespaces {
			if strings.HasPrefix(name, ns+".") && (q.reach == nil || q.reach(name)) {
				names = append(names, name)
			}
		}
		slices.Sort(names[1:])
	}
	var out []*record
	for _, name := range names {
		n := s.namespaces[name]
		if n == nil {
			continue
		}
		if out == nil {
			out = make([]*record, 0, len(n.order))
		}
		for _, sl := range n.order {
			if q.keep(sl.rec) {
				out = append(out, sl.rec)
			}
		}
	}
	s.mu.RUnlock()
	q.order(out)
	return out
}

// compareAt orders two objects by the value at path: numbers numerically,
// everything else as text, objects without the value last.
func compareAt(a, b map[string]any, path []string) int {
	va, okA := lookup(a, path)
	vb, okB := lookup(b, path)
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

func lookup(doc map[string]any, path []string) (any, bool) {
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

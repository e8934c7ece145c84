package store

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor/filter"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// object is a repository version named name in context ctx.
func object(ns, uuid, name, ctx string) RepositoryVersion {
	return RepositoryVersion{
		UUID: uuid, TenantMeta: TenantMeta{Namespace: ns},
		Meta:    Meta{WritableMeta: WritableMeta{Name: name, ParentUUID: "656e69058032bf0abaaeb600"}, Kind: "RepositoryVersion", Version: "v1", CreateTime: t0, CreatedBy: "who@repomock@bearer"},
		Context: Context{ID: ctx, Type: "CONTEXT_TYPE_REF"},
		Spec:    json.RawMessage(`{"version":{"ref":"` + name + `"}}`),
	}
}

func uuidN(n int) string { return fmt.Sprintf("%024x", n+1) }

// upsert stores object(ns, …, name, ctx), a new one under uuidN(n) or
// the one its key names, and returns the uuid it has.
func upsert(t *testing.T, s *Store, ns string, n int, name, ctx string) string {
	t.Helper()
	obj := object(ns, "", name, ctx)
	got, err := s.Upsert(ns, KeyOf(obj.Meta.WritableMeta, obj.Context), func(old *RepositoryVersion, id string) RepositoryVersion {
		o := obj
		o.UUID = id
		if old != nil {
			o.Meta.CreateTime, o.Meta.CreatedBy = old.Meta.CreateTime, old.Meta.CreatedBy
			o.Meta.Description = "updated"
		}
		return o
	}, func() string { return uuidN(n) })
	if err != nil {
		t.Fatal(err)
	}
	return got.UUID
}

// names lists the meta.name of every object of ns, in list order.
func names(s *Store, ns string) []string {
	var out []string
	for _, r := range s.List(ns, Query{}) {
		var o RepositoryVersion
		_ = json.Unmarshal(r.JSON, &o)
		out = append(out, o.Meta.Name+"/"+o.Meta.Description)
	}
	return out
}

// pointerFree reports where t holds a pointer (a pointer, a string, a
// slice, a map, an interface, a func or a chan), or "".
func pointerFree(t reflect.Type, at string) string {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if where := pointerFree(t.Field(i).Type, at+"."+t.Field(i).Name); where != "" {
				return where
			}
		}
		return ""
	case reflect.Array:
		return pointerFree(t.Elem(), at+"[]")
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return ""
	}
	return at + " (" + t.String() + ")"
}

// TestRecordsHoldNoPointers: what the store holds per object (its
// record, its entries in the uuid and key indexes, its place in its
// namespace's order, its bytes) has no pointer in it, so that the garbage
// collector does not mark a million objects one by one.
func TestRecordsHoldNoPointers(t *testing.T) {
	s := New()
	for _, c := range []struct {
		what string
		t    reflect.Type
	}{
		{"a record", reflect.TypeOf(s.recs).Elem()},
		{"a uuid index key", reflect.TypeOf(s.byID).Key()},
		{"a uuid index value", reflect.TypeOf(s.byID).Elem()},
		{"a key index key", reflect.TypeOf(s.byKey).Key()},
		{"a key index value", reflect.TypeOf(s.byKey).Elem()},
		{"a namespace's order", reflect.TypeOf(space{}.order).Elem()},
		{"the arena's bytes", reflect.TypeOf(s.arena.chunks).Elem().Elem()},
	} {
		if where := pointerFree(c.t, c.what); where != "" {
			t.Errorf("%s holds a pointer: %s", c.what, where)
		}
	}
}

// TestKeysThatHashAlike: with every key hashing to one of two values,
// creates, upserts, updates (a new key) and deletes still find the one
// object each key names, in each namespace apart.
func TestKeysThatHashAlike(t *testing.T) {
	for _, bits := range []uint64{^uint64(0), 1, 0} {
		s := New()
		s.keyBits = bits
		ids := map[string]string{}
		for i := range 40 {
			for _, ns := range []string{"acme", "acme.prod"} {
				ids[ns+fmt.Sprint(i)] = upsert(t, s, ns, len(ids), fmt.Sprintf("v%d", i), "c")
			}
		}
		for i := 0; i < 40; i += 3 { // upserts: the same object, updated
			if id := upsert(t, s, "acme.prod", 1000+i, fmt.Sprintf("v%d", i), "c"); id != ids["acme.prod"+fmt.Sprint(i)] {
				t.Fatalf("bits %x: upsert of v%d gave %s, want %s", bits, i, id, ids["acme.prod"+fmt.Sprint(i)])
			}
		}
		for i := 1; i < 40; i += 4 {
			if !s.Delete("acme.prod", ids["acme.prod"+fmt.Sprint(i)]) {
				t.Fatalf("bits %x: delete v%d", bits, i)
			}
		}
		// An update to a new key, and one onto a key another object holds.
		id := ids["acme.prod2"]
		if _, err := s.Update("acme.prod", id, func(r Record) (RepositoryVersion, error) { return object("acme.prod", "", "renamed", "c"), nil }); err != nil {
			t.Fatal(err)
		}
		_, err := s.Update("acme.prod", id, func(r Record) (RepositoryVersion, error) { return object("acme.prod", "", "v0", "c"), nil })
		if taken, ok := err.(*KeyTakenError); !ok || taken.UUID != ids["acme.prod0"] {
			t.Fatalf("bits %x: update onto v0's key: %v", bits, err)
		}
		if got := upsert(t, s, "acme.prod", 2000, "renamed", "c"); got != id {
			t.Fatalf("bits %x: upsert of the new key gave %s, want %s", bits, got, id)
		}
		if got := upsert(t, s, "acme.prod", 3000, "v2", "c"); got == id {
			t.Fatalf("bits %x: the old key still names the renamed object", bits)
		}
		var want []string
		for i := range 40 {
			switch {
			case i == 2:
				want = append(want, "renamed/updated")
			case i%4 == 1:
			case i%3 == 0:
				want = append(want, fmt.Sprintf("v%d/updated", i))
			default:
				want = append(want, fmt.Sprintf("v%d/", i))
			}
		}
		want = append(want, "v2/")
		if got := names(s, "acme.prod"); !slices.Equal(got, want) {
			t.Errorf("bits %x: acme.prod lists\n%v\nwant\n%v", bits, got, want)
		}
		if got := len(names(s, "acme")); got != 40 {
			t.Errorf("bits %x: acme lists %d objects, want 40", bits, got)
		}
	}
}

// TestArenaStaysWithinItsRecords: upserting one object over and over
// leaves its old bytes behind; the store compacts them, and a record read
// before still reads as it was.
func TestArenaStaysWithinItsRecords(t *testing.T) {
	s := New()
	upsert(t, s, "acme", 0, "main", "c")
	first, _ := s.Get("acme", uuidN(0))
	before := string(first.JSON)
	for range 50_000 { // ~18 MB of writes
		upsert(t, s, "acme", 1, "main", "c")
	}
	if s.arena.used > 10*chunkSize {
		t.Errorf("the arena holds %d bytes for one object of %d", s.arena.used, s.arena.live)
	}
	if string(first.JSON) != before {
		t.Errorf("a record read before a compaction changed:\n%s\nwas\n%s", first.JSON, before)
	}
	if got := names(s, "acme"); !slices.Equal(got, []string{"main/updated"}) {
		t.Errorf("after the compactions: %v", got)
	}
}

// TestCloneIsItsOwn: a clone and its original each see their own writes
// only, though they share the bytes written before.
func TestCloneIsItsOwn(t *testing.T) {
	s := New()
	upsert(t, s, "acme", 0, "a", "c")
	c := s.Clone()
	upsert(t, s, "acme", 1, "b", "c")
	upsert(t, c, "acme", 2, "x", "c")
	upsert(t, c, "acme", 3, "a", "c") // an upsert of the shared object, in the clone
	if got := names(s, "acme"); !slices.Equal(got, []string{"a/", "b/"}) {
		t.Errorf("original: %v", got)
	}
	if got := names(c, "acme"); !slices.Equal(got, []string{"a/updated", "x/"}) {
		t.Errorf("clone: %v", got)
	}
}

// TestReservedUUIDs: a reserved uuid is not handed out until released.
func TestReservedUUIDs(t *testing.T) {
	s := New()
	s.Reserve(uuidN(0))
	draws := []string{uuidN(0), uuidN(0), uuidN(5)}
	obj := object("acme", "", "a", "c")
	got, err := s.Upsert("acme", KeyOf(obj.Meta.WritableMeta, obj.Context), func(_ *RepositoryVersion, id string) RepositoryVersion {
		o := obj
		o.UUID = id
		return o
	}, func() string { d := draws[0]; draws = draws[1:]; return d })
	if err != nil || got.UUID != uuidN(5) {
		t.Fatalf("upsert: %v, %v; want %s, the reserved one skipped", got.UUID, err, uuidN(5))
	}
	if _, ok := s.Get("acme", uuidN(0)); ok || !s.Has(uuidN(0)) || s.Len() != 1 {
		t.Errorf("a reserved uuid reads as stored, or is not kept")
	}
	s.Release(uuidN(0))
	if s.Has(uuidN(0)) {
		t.Errorf("a released uuid is still kept")
	}
}

// TestViewsFollowWrites: a filtered list reads each object's view as it
// is now, after updates and after a deleted object's place is reused.
func TestViewsFollowWrites(t *testing.T) {
	s := New()
	for i := range 5 {
		upsert(t, s, "acme", i, fmt.Sprintf("v%d", i), "c")
	}
	f, err := filter.Parse(`meta.description == updated`)
	if err != nil {
		t.Fatal(err)
	}
	list := func() (out []string) {
		for _, r := range s.List("acme", Query{Filter: f}) {
			out = append(out, r.UUID())
		}
		return out
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("before: %v", got)
	}
	upsert(t, s, "acme", 0, "v3", "c") // v3 updated
	s.Delete("acme", uuidN(1))
	upsert(t, s, "acme", 9, "v1", "c") // a new v1, in v1's old place
	upsert(t, s, "acme", 0, "v1", "c") // and updated
	if got, want := list(), []string{uuidN(3), uuidN(9)}; !slices.Equal(got, want) {
		t.Errorf("after: %v, want %v", got, want)
	}
}

// TestCreatedTimeKeepsItsOffset: an object stored with a create time in
// another offset keeps it through an upsert, as its JSON had it.
func TestCreatedTimeKeepsItsOffset(t *testing.T) {
	s := New()
	obj := object("acme", uuidN(0), "a", "c")
	obj.Meta.CreateTime = time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("", 2*3600))
	if err := s.Put(obj); err != nil {
		t.Fatal(err)
	}
	upsert(t, s, "acme", 1, "a", "c")
	r, _ := s.Get("acme", uuidN(0))
	if !strings.Contains(string(r.JSON), `"create_time":"2026-01-02T03:04:05.000000006+02:00"`) {
		t.Errorf("after an upsert: %s", r.JSON)
	}
}

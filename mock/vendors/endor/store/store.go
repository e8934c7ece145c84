// Package store is the Endor fake's store of repository versions: one
// session's objects, namespace by namespace, each kept as the JSON it is
// served as; the objects' model (RepositoryVersion), its JSON and its
// JSON value; and the selection and order of a list (Query).
//
// It holds a million objects with next to no pointer for the garbage
// collector to mark: records are fixed-size values in one slice, their
// bytes (JSON, upsert key, creator) in large chunks (arena), and the
// indexes maps of fixed-size keys to record numbers. What a read returns
// (Record) is a value, and a record's bytes never change once written:
// they may be read after the store's lock is let go.
//
// It is not a validator: the fake checks what it stores (mock/vendors/endor).
package store

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
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
	mu    sync.RWMutex
	arena arena
	recs  []rec
	free  []uint32 // the numbers of deleted records, for the next ones
	// byID finds a record by its uuid (reserved: a fixture's fixed uuid,
	// not yet stored); byKey by the hash of its namespace and upsert key,
	// the first of the records with that hash (the others: rec.nextKey).
	byID  map[[12]byte]uint32
	byKey map[uint64]uint32
	seed  maphash.Seed
	// keyBits keeps the bits of a key's hash the index uses: all of them,
	// but in a test that makes keys collide.
	keyBits uint64
	// spaces are the namespaces by name, names by number.
	spaces map[string]*space
	names  []string
	seq    uint64 // counts the writes: a record's view is of one write
	// views are the records' decoded views, by record number, made when
	// a list first needs one (filters, sorting, groups); nil until then.
	views   []atomic.Pointer[view]
	scratch []byte // where a record is written before it is copied
	log     Log
}

// reserved marks a uuid taken but not stored (Reserve).
const reserved = ^uint32(0)

// rec is one stored object, with no pointer in it: where its bytes are
// (its JSON, then its upsert key's four fields, then its creator), and
// what a list reads of it without decoding its JSON.
type rec struct {
	at         span
	keyLens    [4]uint32 // parent, name, context type, context id
	byLen      uint32
	space      uint32 // its namespace's number
	nextKey    uint32 // the next record whose key hashes alike, plus one; 0 for none
	created    int64  // its meta.create_time: seconds,
	nanos      int32  // nanoseconds,
	zone       int32  // and offset (seconds east of UTC)
	seq        uint64 // the write that made it
	id         [12]byte
	live       bool
	jsonLength uint32
}

// space is a namespace. Assumption (vendors.md §7): a namespace exists
// once something was written in it or below it, or a fixture names it,
// and stays when its objects are deleted; created and createdBy are when
// and by whom.
type space struct {
	number    uint32
	order     []uint32 // its records, in creation order: an unsorted list's order
	created   time.Time
	createdBy string
}

// Log is told of every change to a store, with its lock held (a
// session's own store logs, for --state-durability fsync; the fixtures'
// never changes).
type Log struct {
	Put    func(object json.RawMessage)
	Delete func(namespace, uuid string)
}

// New returns an empty store.
func New() *Store {
	return &Store{byID: map[[12]byte]uint32{}, byKey: map[uint64]uint32{}, seed: maphash.MakeSeed(), keyBits: ^uint64(0), spaces: map[string]*space{}}
}

// LogTo makes s tell l of every change from now on.
func (s *Store) LogTo(l Log) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = l
}

// Clone copies s for a session's first write. The bytes are shared: they
// never change once written, and each store writes its own from then on.
func (s *Store) Clone() *Store {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &Store{arena: s.arena.shared(), recs: slices.Clone(s.recs), free: slices.Clone(s.free), byID: maps.Clone(s.byID),
		byKey: maps.Clone(s.byKey), seed: s.seed, keyBits: s.keyBits, spaces: make(map[string]*space, len(s.spaces)), names: slices.Clone(s.names), seq: s.seq}
	for name, sp := range s.spaces {
		c := *sp
		c.order = slices.Clone(sp.order)
		out.spaces[name] = &c
	}
	return out
}

// ErrNotFound is an Update or a Get of a uuid the namespace does not hold.
var ErrNotFound = errors.New("not found")

// KeyTakenError is an Update that would give an object the upsert key of
// another one, UUID.
type KeyTakenError struct {
	UUID string
	Key  Key
}

func (e *KeyTakenError) Error() string {
	return fmt.Sprintf("repository version %q already has meta.parent_uuid %q, meta.name %q, context.type %q and context.id %q",
		e.UUID, e.Key.Parent, e.Key.Name, e.Key.ContextType, e.Key.ContextID)
}

// ParseUUID reads a uuid as Endor's look: 24 lowercase hex digits.
func ParseUUID(s string) ([12]byte, bool) {
	var id [12]byte
	if len(s) != 24 {
		return id, false
	}
	for i := 0; i < 24; i++ {
		var d byte
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return id, false
		}
		id[i/2] |= d << (4 * (1 - i%2))
	}
	return id, true
}

// IsUUID reports whether s is a uuid as Endor's look.
func IsUUID(s string) bool {
	_, ok := ParseUUID(s)
	return ok
}

// UUID writes id as Endor's uuids look.
func UUID(id [12]byte) string { return hex.EncodeToString(id[:]) }

// AddNamespace makes the namespace name, and its parents, if they are
// not there, as made at at by who.
func (s *Store) AddNamespace(name string, at time.Time, who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch(name, at, who)
}

// touch returns the namespace name, making it, and each parent it lacks,
// as made at at by who: a child namespace lives in its parent. The lock
// is held.
func (s *Store) touch(name string, at time.Time, who string) *space {
	if sp := s.spaces[name]; sp != nil {
		return sp // and so are its parents
	}
	for ns := name; ; {
		if s.spaces[ns] == nil {
			s.spaces[ns] = &space{number: uint32(len(s.names)), created: at.UTC(), createdBy: who}
			s.names = append(s.names, ns)
		}
		i := strings.LastIndexByte(ns, '.')
		if i < 0 {
			return s.spaces[name]
		}
		ns = ns[:i]
	}
}

// Reserve keeps uuid from being given to a new object, until Release.
func (s *Store) Reserve(uuid string) {
	if id, ok := ParseUUID(uuid); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, taken := s.byID[id]; !taken {
			s.byID[id] = reserved
		}
	}
}

// Release gives back a uuid Reserve kept.
func (s *Store) Release(uuid string) {
	if id, ok := ParseUUID(uuid); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byID[id] == reserved {
			delete(s.byID, id)
		}
	}
}

// Has reports whether uuid is stored, or reserved.
func (s *Store) Has(uuid string) bool {
	id, ok := ParseUUID(uuid)
	if !ok {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, taken := s.byID[id]
	return taken
}

// Len counts the objects stored.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.recs) - len(s.free)
}

// keyHash hashes a namespace's number and an upsert key's fields.
func (s *Store) keyHash(space uint32, fields [4][]byte) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	_, _ = h.Write([]byte{byte(space), byte(space >> 8), byte(space >> 16), byte(space >> 24)})
	for _, f := range fields {
		_, _ = h.Write(f)
		_ = h.WriteByte(0xff) // in no UTF-8 text: the fields stay apart
	}
	return h.Sum64() & s.keyBits
}

func keyFields(k Key) [4][]byte {
	return [4][]byte{[]byte(k.Parent), []byte(k.Name), []byte(k.ContextType), []byte(k.ContextID)}
}

// storedKey is record i's upsert key's fields, as stored.
func (s *Store) storedKey(i uint32) [4][]byte {
	r := &s.recs[i]
	b := s.arena.bytes(r.at)[r.jsonLength:]
	var f [4][]byte
	for j, n := range r.keyLens {
		f[j], b = b[:n], b[n:]
	}
	return f
}

// keyOf is record i's upsert key.
func (s *Store) keyOf(i uint32) Key {
	f := s.storedKey(i)
	return Key{string(f[0]), string(f[1]), string(f[2]), string(f[3])}
}

// find returns the record of namespace sp with key k. The lock is held.
func (s *Store) find(sp uint32, k Key) (uint32, bool) {
	want := keyFields(k)
	i, ok := s.byKey[s.keyHash(sp, want)]
	for ok {
		if r := &s.recs[i]; r.space == sp && sameKey(s.storedKey(i), want) {
			return i, true
		}
		i, ok = s.recs[i].nextKey-1, s.recs[i].nextKey != 0
	}
	return 0, false
}

func sameKey(a, b [4][]byte) bool {
	for j := range a {
		if string(a[j]) != string(b[j]) {
			return false
		}
	}
	return true
}

// link puts record i in the index of keys. The lock is held.
func (s *Store) link(i uint32) {
	h := s.keyHash(s.recs[i].space, s.storedKey(i))
	s.recs[i].nextKey = 0
	if first, ok := s.byKey[h]; ok {
		s.recs[i].nextKey = first + 1
	}
	s.byKey[h] = i
}

// unlink takes record i out of the index of keys. The lock is held.
func (s *Store) unlink(i uint32) {
	h := s.keyHash(s.recs[i].space, s.storedKey(i))
	next := s.recs[i].nextKey
	if first := s.byKey[h]; first == i {
		if next == 0 {
			delete(s.byKey, h)
		} else {
			s.byKey[h] = next - 1
		}
		return
	}
	for p := s.byKey[h]; s.recs[p].nextKey != 0; p = s.recs[p].nextKey - 1 {
		if s.recs[p].nextKey-1 == i {
			s.recs[p].nextKey = next
			return
		}
	}
}

// write stores obj as record i of namespace ns (a new number, or the
// number of the record it replaces), its bytes written afresh; it makes
// the namespace if need be, once obj is written. The lock is held.
func (s *Store) write(i uint32, ns string, obj *RepositoryVersion) error {
	id, ok := ParseUUID(obj.UUID)
	if !ok {
		return fmt.Errorf("uuid %q: must be 24 lowercase hexadecimal characters", obj.UUID)
	}
	data, err := obj.AppendJSON(s.scratch[:0])
	if err != nil {
		return err
	}
	n := len(data)
	k := KeyOf(obj.Meta.WritableMeta, obj.Context)
	for _, f := range [...]string{k.Parent, k.Name, k.ContextType, k.ContextID, obj.Meta.CreatedBy} {
		data = append(data, f...)
	}
	s.scratch = data[:0]
	if s.recs[i].live {
		s.arena.drop(s.recs[i].at)
	}
	sp := s.touch(ns, obj.Meta.CreateTime, obj.Meta.CreatedBy)
	s.seq++
	at := obj.Meta.CreateTime
	_, zone := at.Zone()
	s.recs[i] = rec{at: s.arena.add(data), keyLens: [4]uint32{uint32(len(k.Parent)), uint32(len(k.Name)), uint32(len(k.ContextType)), uint32(len(k.ContextID))},
		byLen: uint32(len(obj.Meta.CreatedBy)), space: sp.number, created: at.Unix(), nanos: int32(at.Nanosecond()), zone: int32(zone),
		seq: s.seq, id: id, live: true, jsonLength: uint32(n)}
	if s.log.Put != nil {
		s.log.Put(s.json(i))
	}
	return nil
}

// add stores obj as a new record, the newest of namespace ns. The lock is
// held.
func (s *Store) add(ns string, obj *RepositoryVersion) error {
	var i uint32
	if n := len(s.free); n > 0 {
		i = s.free[n-1]
	} else {
		i = uint32(len(s.recs))
		s.recs = append(s.recs, rec{})
		if s.views != nil {
			s.views = append(s.views, atomic.Pointer[view]{})
		}
		s.free = append(s.free, i) // until it is written
	}
	if err := s.write(i, ns, obj); err != nil {
		return err
	}
	s.free = s.free[:len(s.free)-1]
	s.byID[s.recs[i].id] = i
	s.link(i)
	sp := s.spaces[ns]
	sp.order = append(sp.order, i)
	return nil
}

// json is record i's JSON.
func (s *Store) json(i uint32) []byte {
	r := &s.recs[i]
	return s.arena.bytes(r.at)[:r.jsonLength:r.jsonLength]
}

// creator is record i's meta.created_by.
func (s *Store) creator(i uint32) string {
	r := &s.recs[i]
	b := s.arena.bytes(r.at)
	return string(b[len(b)-int(r.byLen):])
}

// createdAt is record i's meta.create_time, in its own offset.
func (r *rec) createdAt() time.Time {
	t := time.Unix(r.created, int64(r.nanos))
	if r.zone == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(r.zone)))
}

// Upsert stores the object build makes in namespace ns under key. When
// the key is taken, build receives the stored object (its uuid, creation
// time and creator) and returns the updated one; otherwise it receives
// nil and returns the new one. newID is called (with the lock held)
// until it gives a uuid not in use, for a new object only. It returns
// the object stored.
func (s *Store) Upsert(ns string, key Key, build func(old *RepositoryVersion, uuid string) RepositoryVersion, newID func() string) (RepositoryVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.spaces[ns]; sp != nil {
		if i, ok := s.find(sp.number, key); ok {
			r := &s.recs[i]
			uuid := UUID(r.id)
			obj := build(&RepositoryVersion{UUID: uuid, Meta: Meta{CreateTime: r.createdAt(), CreatedBy: s.creator(i)}}, uuid)
			obj.UUID = uuid
			s.unlink(i)
			err := s.write(i, ns, &obj)
			s.link(i)
			s.tidy()
			return obj, err
		}
	}
	id := newID()
	for s.taken(id) {
		id = newID()
	}
	obj := build(nil, id)
	return obj, s.add(ns, &obj)
}

// taken reports whether uuid is in use, or reserved. The lock is held.
func (s *Store) taken(uuid string) bool {
	id, ok := ParseUUID(uuid)
	if !ok {
		return false // refused when written
	}
	_, taken := s.byID[id]
	return taken
}

// Update replaces the object uuid of ns with what build makes of it. A
// build error, or a new upsert key that another object holds
// (KeyTakenError), changes nothing; a uuid ns does not hold is
// ErrNotFound.
func (s *Store) Update(ns, uuid string, build func(old Record) (RepositoryVersion, error)) (RepositoryVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, sp, ok := s.lookup(ns, uuid)
	if !ok {
		return RepositoryVersion{}, ErrNotFound
	}
	obj, err := build(s.record(i))
	if err != nil {
		return RepositoryVersion{}, err
	}
	obj.UUID = UUID(s.recs[i].id)
	if k := KeyOf(obj.Meta.WritableMeta, obj.Context); k != s.keyOf(i) {
		// Assumption: renaming onto another object's key is ALREADY_EXISTS;
		// the vendor does not say, and an update never merges two objects.
		if other, ok := s.find(sp.number, k); ok {
			return RepositoryVersion{}, &KeyTakenError{UUID: UUID(s.recs[other].id), Key: k}
		}
	}
	s.unlink(i)
	err = s.write(i, ns, &obj)
	s.link(i)
	s.tidy()
	return obj, err
}

// lookup finds the record uuid of namespace ns. The lock is held.
func (s *Store) lookup(ns, uuid string) (uint32, *space, bool) {
	id, ok := ParseUUID(uuid)
	sp := s.spaces[ns]
	if !ok || sp == nil {
		return 0, nil, false
	}
	i, ok := s.byID[id]
	if !ok || i == reserved || s.recs[i].space != sp.number {
		return 0, nil, false
	}
	return i, sp, true
}

// Get returns the object uuid of ns.
func (s *Store) Get(ns, uuid string) (Record, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, _, ok := s.lookup(ns, uuid)
	if !ok {
		return Record{}, false
	}
	return s.record(i), true
}

// Delete drops the object uuid of ns, and reports whether it was there.
func (s *Store) Delete(ns, uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, sp, ok := s.lookup(ns, uuid)
	if !ok {
		return false
	}
	s.unlink(i)
	delete(s.byID, s.recs[i].id)
	sp.order = slices.DeleteFunc(sp.order, func(x uint32) bool { return x == i })
	s.arena.drop(s.recs[i].at)
	s.recs[i] = rec{}
	s.free = append(s.free, i)
	if s.log.Delete != nil {
		s.log.Delete(ns, uuid)
	}
	s.tidy()
	return true
}

// Put stores obj under its uuid, in its namespace: in its place when the
// uuid is there, else as the newest object. It is a replayed create or
// update, of an object that was stored: only its form is checked.
func (s *Store) Put(obj RepositoryVersion) error {
	id, ok := ParseUUID(obj.UUID)
	if !ok {
		return fmt.Errorf("uuid %q: must be 24 lowercase hexadecimal characters", obj.UUID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := obj.TenantMeta.Namespace
	if i, ok := s.byID[id]; ok && i != reserved {
		if s.names[s.recs[i].space] != ns {
			return fmt.Errorf("uuid %s is stored in namespace %q, not %q", obj.UUID, s.names[s.recs[i].space], ns)
		}
		s.unlink(i)
		err := s.write(i, ns, &obj)
		s.link(i)
		return err
	}
	return s.add(ns, &obj)
}

// tidy compacts the arena when what updates and deletes left behind
// outweighs the records. The lock is held.
func (s *Store) tidy() {
	if !s.arena.wasteful() {
		return
	}
	var a arena
	for i := range s.recs {
		if r := &s.recs[i]; r.live {
			r.at = a.add(s.arena.bytes(r.at))
		}
	}
	s.arena = a
}

// NamespaceInfo is a namespace as Contents lists it.
type NamespaceInfo struct {
	Name      string
	Created   time.Time
	CreatedBy string
}

// Contents returns every namespace, by name, and the served JSON of every
// object, namespaces in byte order and each in creation order, read
// together.
func (s *Store) Contents() ([]NamespaceInfo, []json.RawMessage) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	nss := make([]NamespaceInfo, 0, len(s.spaces))
	recs := make([]json.RawMessage, 0, len(s.recs)-len(s.free))
	for _, name := range slices.Sorted(maps.Keys(s.spaces)) {
		sp := s.spaces[name]
		nss = append(nss, NamespaceInfo{Name: name, Created: sp.created, CreatedBy: sp.createdBy})
		for _, i := range sp.order {
			recs = append(recs, s.json(i))
		}
	}
	return nss, recs
}

package sessions

import (
	"container/list"
	"errors"
	"sync"
)

// Tracker bounds the sessions in use. It knows each by name, in the order
// of their last request, with how many of their requests are in flight.
// When a request names a new session and max are in use, the least
// recently used session with no request in flight is evicted: evict is
// called to drop its state everywhere, as a reset of the session would.
// The default session ("") is never tracked and never evicted. It is safe
// for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	max     int
	evict   func(name string) // called with mu held, so no request of name can start meanwhile
	lru     *list.List        // of *tracked, the most recently used first
	byName  map[string]*list.Element
	evicted uint64
}

type tracked struct {
	name     string
	inFlight int
}

// ErrAllBusy is Begin's error when a new session would pass the bound and
// every session in use has a request in flight: none can be evicted.
var ErrAllBusy = errors.New("every session in use has a request in flight")

// NewTracker returns a tracker of at most limit sessions (at least 1)
// that evicts with evict.
func NewTracker(limit int, evict func(name string)) *Tracker {
	return &Tracker{max: max(limit, 1), evict: evict, lru: list.New(), byName: map[string]*list.Element{}}
}

// Begin marks the start of a request of the named session, which becomes
// the most recently used, and returns the function that marks its end.
// A new session past the bound evicts one, or fails with ErrAllBusy.
func (t *Tracker) Begin(name string) (end func(), err error) {
	if name == "" {
		return func() {}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	el, err := t.touch(name)
	if err != nil {
		return nil, err
	}
	s := el.Value.(*tracked)
	s.inFlight++
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			s.inFlight--
			t.mu.Unlock()
		})
	}, nil
}

// Add tracks a session with no request in flight (one restored from the
// state file), evicting as Begin does.
func (t *Tracker) Add(name string) error {
	if name == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.touch(name)
	return err
}

// touch makes name the most recently used, tracking it when new. The lock
// is held.
func (t *Tracker) touch(name string) (*list.Element, error) {
	if el, ok := t.byName[name]; ok {
		t.lru.MoveToFront(el)
		return el, nil
	}
	if t.lru.Len() >= t.max {
		victim := t.lru.Back()
		for victim != nil && victim.Value.(*tracked).inFlight > 0 {
			victim = victim.Prev()
		}
		if victim == nil {
			return nil, ErrAllBusy
		}
		name := victim.Value.(*tracked).name
		t.lru.Remove(victim)
		delete(t.byName, name)
		t.evicted++
		t.evict(name)
	}
	el := t.lru.PushFront(&tracked{name: name})
	t.byName[name] = el
	return el, nil
}

// Forget stops tracking a session that was reset or deleted, unless a
// request of it is in flight (it is then still in use).
func (t *Tracker) Forget(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.byName[name]; ok && el.Value.(*tracked).inFlight == 0 {
		t.lru.Remove(el)
		delete(t.byName, name)
	}
}

// Reset stops tracking every session with no request in flight.
func (t *Tracker) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for el := t.lru.Front(); el != nil; {
		next := el.Next()
		if s := el.Value.(*tracked); s.inFlight == 0 {
			t.lru.Remove(el)
			delete(t.byName, s.name)
		}
		el = next
	}
}

// Stats says how many sessions are tracked, the bound, and how many have
// been evicted since the tracker was made.
func (t *Tracker) Stats() (inUse, limit int, evicted uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len(), t.max, t.evicted
}

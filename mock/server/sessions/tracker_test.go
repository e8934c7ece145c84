package sessions_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/repomock/repomock/mock/server/sessions"
)

func TestTrackerEvictsTheLeastRecentlyUsedIdleSession(t *testing.T) {
	var evicted []string
	tr := sessions.NewTracker(2, func(name string) { evicted = append(evicted, name) })
	begin := func(name string) func() {
		t.Helper()
		end, err := tr.Begin(name)
		if err != nil {
			t.Fatalf("Begin(%s): %v", name, err)
		}
		return end
	}
	begin("a")()
	begin("b")()
	begin("a")()       // b is the least recently used
	begin("")()        // the default session is not tracked
	endC := begin("c") // evicts b; c stays in flight
	if !slices.Equal(evicted, []string{"b"}) {
		t.Fatalf("evicted %v, want [b]", evicted)
	}
	endA := begin("a")
	// a and c are in flight: a new session cannot evict either.
	if _, err := tr.Begin("d"); !errors.Is(err, sessions.ErrAllBusy) {
		t.Fatalf("Begin(d) with every session busy: %v, want ErrAllBusy", err)
	}
	endC()
	endC() // a second end is nothing
	begin("d")()
	if !slices.Equal(evicted, []string{"b", "c"}) {
		t.Fatalf("evicted %v, want [b c]: c was the only idle one", evicted)
	}
	endA()
	if inUse, limit, n := tr.Stats(); inUse != 2 || limit != 2 || n != 2 {
		t.Errorf("Stats = %d, %d, %d; want 2, 2, 2", inUse, limit, n)
	}
	tr.Forget("a")
	if err := tr.Add("e"); err != nil || len(evicted) != 2 {
		t.Errorf("Add after Forget: %v, evicted %v; want room without an eviction", err, evicted)
	}
	tr.Reset()
	if inUse, _, _ := tr.Stats(); inUse != 0 {
		t.Errorf("%d sessions tracked after Reset", inUse)
	}
}

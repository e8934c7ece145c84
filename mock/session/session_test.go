package session_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/repomock/repomock/mock/session"
)

// list is a state for the tests: fresh makes the fixtures, clone copies.
type list struct{ items []string }

func newStates(made *int) *session.States[*list] {
	return session.New(
		func() *list { *made++; return &list{items: []string{"fixture"}} },
		func(l *list, _ string) *list { return &list{items: slices.Clone(l.items)} })
}

func TestStatesArePerSessionAndReset(t *testing.T) {
	made := 0
	s := newStates(&made)
	a := s.Write("a")
	a.items = append(a.items, "written")
	if got := s.Read("a"); len(got.items) != 2 {
		t.Errorf("session a lost its write: %v", got.items)
	}
	if got := s.Read("b"); len(got.items) != 1 {
		t.Errorf("session b sees a's write: %v", got.items)
	}
	s.Reset()
	if got := s.Read("a"); len(got.items) != 1 || got.items[0] != "fixture" {
		t.Errorf("after Reset session a = %v, want the fixture only", got.items)
	}
	if made != 2 {
		t.Errorf("made the fixtures %d times, want 2 (once, and once after Reset)", made)
	}
}

// Sessions that only read share one state: the fixtures are made once,
// whatever the number of sessions, and a write copies them for its
// session alone.
func TestReadSharesWriteCopies(t *testing.T) {
	made := 0
	s := newStates(&made)
	shared := s.Read("r1")
	for i := range 1000 {
		if got := s.Read("reader-" + strings.Repeat("x", i%7) + string(rune('a'+i%26))); got != shared {
			t.Fatalf("a reading session got its own state")
		}
	}
	w := s.Write("w")
	if w == shared {
		t.Fatal("Write returned the shared state")
	}
	w.items = append(w.items, "written")
	if s.Write("w") != w || s.Read("w") != w {
		t.Error("a session that wrote does not keep its own state")
	}
	if len(shared.items) != 1 || s.Read("r1") != shared {
		t.Errorf("a write reached the shared state: %v", shared.items)
	}
	if made != 1 {
		t.Errorf("made the fixtures %d times, want 1", made)
	}
}

func TestConcurrentFirstUseMakesOneState(t *testing.T) {
	made := 0
	s := newStates(&made)
	got := make([]*list, 32)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				s.Read("other")
			}
			got[i] = s.Write("same")
		}()
	}
	wg.Wait()
	if made != 1 {
		t.Errorf("made the fixtures %d times", made)
	}
	for _, l := range got {
		if l != got[0] {
			t.Fatal("one session got two states")
		}
	}
}

func TestAllAndOwnListWithoutMaking(t *testing.T) {
	made := 0
	s := newStates(&made)
	if got := s.All(); len(got) != 0 {
		t.Fatalf("All on a new set = %v, want none", got)
	}
	if _, ok := s.Lookup("a"); ok || made != 0 {
		t.Fatalf("Lookup found or made a session not in use (made %d)", made)
	}
	a := s.Write("a")
	a.items = append(a.items, "7")
	shared := s.Read("")
	all := s.All()
	if len(all) != 2 || all["a"] != a || all[""] != shared {
		t.Errorf("All = %v, want the live states of a and \"\"", all)
	}
	own, gotShared, ok := s.Own()
	if len(own) != 1 || own["a"] != a || !ok || gotShared != shared {
		t.Errorf("Own = %v, %v, %v; want a alone, and the shared state", own, gotShared, ok)
	}
	delete(all, "a") // a copy: the set keeps a
	if l, ok := s.Lookup("a"); !ok || l != a || made != 1 {
		t.Errorf("All's map is not a copy, or All made a state (made %d)", made)
	}
}

func TestReplaceSkipsMakeForGivenSessions(t *testing.T) {
	made := 0
	s := newStates(&made)
	s.Read("old")
	restored := &list{items: []string{"restored"}}
	given := map[string]*list{"kept": restored}
	s.Replace(given, nil, false)
	delete(given, "kept") // Replace copied the map
	if got := s.Read("kept"); got != restored {
		t.Errorf("Read(kept) = %v, want the replaced state", got.items)
	}
	if made != 1 {
		t.Errorf("made %d states, want 1: a replaced session is not made again", made)
	}
	if got := s.Read("old"); got.items[0] != "fixture" || made != 2 {
		t.Errorf("Read(old) after Replace = %v (made %d), want a fresh state", got.items, made)
	}
	saved := &list{items: []string{"saved fixtures"}}
	s.Replace(nil, saved, true)
	if got := s.Read("new"); got != saved || made != 2 {
		t.Errorf("after Replace with a shared state, a new session reads %v (made %d), want the saved fixtures", got.items, made)
	}
	s.Reset()
	if got := s.Read("kept"); got.items[0] != "fixture" {
		t.Errorf("after Reset Read(kept) = %v, want a fresh state", got.items)
	}
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	if err := session.DecodeStrict([]byte(`{"a":1}`), &v); err != nil || v.A != 1 {
		t.Fatalf("a good value: %v, %+v", err, v)
	}
	for _, bad := range []string{`{"a":1,"b":2}`, `{"a":1} {}`, `{"a":1} x`, `{"a":`} {
		if err := session.DecodeStrict([]byte(bad), &v); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestDigest(t *testing.T) {
	a, b := session.Digest([]string{"x"}), session.Digest([]string{"y"})
	if !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+64 || a == b || a != session.Digest([]string{"x"}) {
		t.Errorf("Digest: %q, %q", a, b)
	}
}

func TestDropForgetsOneSession(t *testing.T) {
	made := 0
	s := newStates(&made)
	for _, name := range []string{"a", "b"} {
		st := s.Write(name)
		st.items = append(st.items, "written")
	}
	s.Drop("a")
	s.Drop("never-used")
	if got := s.All(); len(got) != 1 || len(got["b"].items) != 2 {
		t.Fatalf("after Drop(a): %v, want b alone, with its write", got)
	}
	if got := s.Read("a"); len(got.items) != 1 {
		t.Errorf("a after Drop = %v, want the fixture only", got.items)
	}
}

// A Reset and a Drop are logged while the states are locked: the first
// write of a session made afresh after them comes after them in the log.
func TestResetsAndDropsAreLoggedInOrder(t *testing.T) {
	made := 0
	var log []string
	s := newStates(&made)
	s.LogResetsAndDrops(func(op, name string) { log = append(log, op+" "+name) })
	s.Write("a")
	s.Drop("a")
	s.Reset()
	if want := []string{"drop a", "reset "}; !slices.Equal(log, want) {
		t.Errorf("logged %q, want %q", log, want)
	}
}

func TestSharedAndSetShared(t *testing.T) {
	made := 0
	s := newStates(&made)
	first := s.Shared()
	if s.Shared() != first || made != 1 {
		t.Fatalf("Shared made the fixtures %d times, want once", made)
	}
	reader := s.Read("reader")
	own := s.Write("writer")
	saved := &list{items: []string{"saved"}}
	s.SetShared(saved)
	if s.Read("reader") != saved || s.Read("new") != saved || s.Read("writer") != own || reader == saved {
		t.Error("SetShared must replace the shared state of the sessions that have not written, and only theirs")
	}
}

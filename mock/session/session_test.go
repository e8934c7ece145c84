package session_test

import (
	"sync"
	"testing"

	"github.com/repomock/repomock/mock/session"
)

func TestStatesArePerSessionAndReset(t *testing.T) {
	made := 0
	s := session.New(func() *[]string { made++; return &[]string{"fixture"} })
	a := s.Get("a")
	*a = append(*a, "written")
	if got := s.Get("a"); len(*got) != 2 {
		t.Errorf("session a lost its write: %v", *got)
	}
	if got := s.Get("b"); len(*got) != 1 {
		t.Errorf("session b sees a's write: %v", *got)
	}
	s.Reset()
	if got := s.Get("a"); len(*got) != 1 || (*got)[0] != "fixture" {
		t.Errorf("after Reset session a = %v, want the fixture only", *got)
	}
	if made != 3 {
		t.Errorf("made %d states, want 3 (a, b, a again)", made)
	}
}

func TestConcurrentFirstUseMakesOneState(t *testing.T) {
	made := 0
	s := session.New(func() *int { made++; return new(int) })
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Get("same") }()
	}
	wg.Wait()
	if made != 1 {
		t.Errorf("made %d states for one session", made)
	}
}

func TestAllListsWithoutMaking(t *testing.T) {
	made := 0
	s := session.New(func() *int { made++; return new(int) })
	if got := s.All(); len(got) != 0 {
		t.Fatalf("All on a new set = %v, want none", got)
	}
	a := s.Get("a")
	*a = 7
	s.Get("")
	all := s.All()
	if len(all) != 2 || all["a"] != a || *all["a"] != 7 || all[""] == nil {
		t.Errorf("All = %v, want the live states of a and \"\"", all)
	}
	delete(all, "a") // a copy: the set keeps a
	if s.Get("a") != a || made != 2 {
		t.Errorf("All's map is not a copy, or All made a state (made %d)", made)
	}
}

func TestReplaceSkipsMakeForGivenSessions(t *testing.T) {
	made := 0
	s := session.New(func() *string { made++; v := "fixture"; return &v })
	s.Get("old")
	restored := "restored"
	given := map[string]*string{"kept": &restored}
	s.Replace(given)
	delete(given, "kept") // Replace copied the map
	if got := s.Get("kept"); got != &restored {
		t.Errorf("Get(kept) = %q, want the replaced state", *got)
	}
	if made != 1 {
		t.Errorf("made %d states, want 1: a replaced session is not made again", made)
	}
	if got := s.Get("old"); *got != "fixture" || made != 2 {
		t.Errorf("Get(old) after Replace = %q (made %d), want a fresh state", *got, made)
	}
	s.Reset()
	if got := s.Get("kept"); *got != "fixture" {
		t.Errorf("after Reset Get(kept) = %q, want a fresh state", *got)
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

func TestDropForgetsOneSession(t *testing.T) {
	s := session.New(func() *[]string { return &[]string{"fixture"} })
	for _, name := range []string{"a", "b"} {
		st := s.Get(name)
		*st = append(*st, "written")
	}
	s.Drop("a")
	s.Drop("never-used")
	if got := s.All(); len(got) != 1 || len(*got["b"]) != 2 {
		t.Fatalf("after Drop(a): %v, want b alone, with its write", got)
	}
	if got := s.Get("a"); len(*got) != 1 {
		t.Errorf("a after Drop = %v, want the fixture only", *got)
	}
}

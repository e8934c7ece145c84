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

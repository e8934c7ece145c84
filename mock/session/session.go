// Package session partitions a fake's state by test session. Every
// session starts from the same state, the fixtures, and shares it until
// its first write, when it gets a copy of its own (copy on write): a
// session that only reads costs a map entry, whatever the fixtures hold.
// It is the one place that knows how state is partitioned, so every
// vendor fake partitions the same way. It does not bound how many
// sessions there are: the server evicts them (see server.Config.MaxSessions).
package session

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"sync"
)

// States holds the state of each session. The zero value is not usable;
// build it with New. It is safe for concurrent use.
//
// A state handed out by Read may be the shared one: the caller must not
// change it. Only a state from Write is the session's own.
type States[S any] struct {
	mu    sync.Mutex
	fresh func() S          // the fixtures' state
	clone func(S, string) S // a session's copy, sharing nothing a write changes

	shared     S    // the fixtures' state, made on first use after a Reset
	haveShared bool // shared has been made
	known      map[string]S
	own        map[string]bool // the sessions in known with a state of their own

	// logged, when set, is told of each Reset ("reset", "") and Drop
	// ("drop", name) while mu is held: a session's first write after it
	// takes mu, so the change log holds it after the reset or drop.
	logged func(op, name string)
}

// LogResetsAndDrops has logged told of every Reset and Drop, in order with
// the writes of the sessions made afresh after them.
func (s *States[S]) LogResetsAndDrops(logged func(op, name string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logged = logged
}

// New returns an empty set of states. fresh builds the state every session
// starts from (the fixtures); clone copies a state for the first write of
// the named session. The copy may share with the original only what no
// write changes.
func New[S any](fresh func() S, clone func(from S, session string) S) *States[S] {
	return &States[S]{fresh: fresh, clone: clone, known: map[string]S{}, own: map[string]bool{}}
}

// sharedLocked returns the shared state, making it on first use.
func (s *States[S]) sharedLocked() S {
	if !s.haveShared {
		s.shared, s.haveShared = s.fresh(), true
	}
	return s.shared
}

// Read returns the state of the named session to read: its own when it has
// written, else the shared one. The session is in use from then on.
func (s *States[S]) Read(name string) S {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.known[name]
	if !ok {
		st = s.sharedLocked()
		s.known[name] = st
	}
	return st
}

// Write returns the session's own state, to change: on its first write, a
// copy of the shared state.
func (s *States[S]) Write(name string) S {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.own[name] {
		return s.known[name]
	}
	st := s.clone(s.sharedLocked(), name)
	s.known[name], s.own[name] = st, true
	return st
}

// Shared returns the state every session starts from, making it now if it
// has not been made since the last Reset.
func (s *States[S]) Shared() S {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sharedLocked()
}

// Lookup returns the state of a session in use, without making it in use.
func (s *States[S]) Lookup(name string) (S, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.known[name]
	return st, ok
}

// Reset drops every session's state and the shared one: the fixtures are
// made again on next use.
func (s *States[S]) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var zero S
	s.shared, s.haveShared = zero, false
	s.known, s.own = map[string]S{}, map[string]bool{}
	if s.logged != nil {
		s.logged("reset", "")
	}
}

// Drop forgets one session's state; it starts from the shared state again
// on its next use.
func (s *States[S]) Drop(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.known, name)
	delete(s.own, name)
	if s.logged != nil {
		s.logged("drop", name)
	}
}

// All returns the states of the sessions in use, by name, without making
// any: a session that never wrote has the shared state. The map is a copy;
// the states are the live ones.
func (s *States[S]) All() map[string]S {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.known)
}

// Own returns the states of the sessions that have written, by name, and
// the shared state when it has been made. The map is a copy; the states
// are the live ones.
func (s *States[S]) Own() (own map[string]S, shared S, haveShared bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	own = make(map[string]S, len(s.own))
	for name := range s.own {
		own[name] = s.known[name]
	}
	return own, s.shared, s.haveShared
}

// Replace drops every session's state and puts own in their place, as one
// step: a session named in own is not made afresh on its next use (so its
// fixtures are not applied again); any other starts from shared when
// haveShared, else from a fresh one. own is copied.
func (s *States[S]) Replace(own map[string]S, shared S, haveShared bool) {
	known, owned := make(map[string]S, len(own)), make(map[string]bool, len(own))
	for name, st := range own {
		known[name], owned[name] = st, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !haveShared {
		var zero S
		shared = zero
	}
	s.shared, s.haveShared = shared, haveShared
	s.known, s.own = known, owned
}

// SetShared puts shared in place of the fixtures' state, for the
// sessions that have not written: a saved one, replayed.
func (s *States[S]) SetShared(shared S) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.known {
		if !s.own[name] {
			s.known[name] = shared
		}
	}
	s.shared, s.haveShared = shared, true
}

// Digest names fixtures by their content, so that state saved from one set
// of fixtures is not taken for another's: "sha256:" and the hex SHA-256 of
// v as JSON.
func Digest(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "" // fixtures are decoded from JSON: never
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DecodeStrict decodes a saved state into v: every field must be known and
// nothing may follow the JSON value, so that a file never loads half-read.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

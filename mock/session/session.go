// Package session partitions a fake's state by test session. Each session
// gets its own state, made on first use (fixtures included) and dropped by
// Reset. It is the one place that knows how state is partitioned, so every
// vendor fake partitions the same way.
package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"sync"
)

// States holds one S per session name. The zero value is not usable; build
// it with New. It is safe for concurrent use.
type States[S any] struct {
	mu     sync.Mutex
	make   func() S
	states map[string]S
}

// New returns an empty set of states; make builds the state of a new session.
func New[S any](make func() S) *States[S] {
	return &States[S]{make: make, states: map[string]S{}}
}

// Get returns the state of the named session, making it on first use.
func (s *States[S]) Get(name string) S {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[name]
	if !ok {
		st = s.make()
		s.states[name] = st
	}
	return st
}

// Reset drops every session's state; each is made afresh on its next use.
func (s *States[S]) Reset() {
	s.mu.Lock()
	s.states = map[string]S{}
	s.mu.Unlock()
}

// Drop forgets one session's state; the session is made afresh, fixtures
// included, on its next use.
func (s *States[S]) Drop(name string) {
	s.mu.Lock()
	delete(s.states, name)
	s.mu.Unlock()
}

// All returns the states of the sessions in use, by name, without making
// any. The map is a copy; the states are the live ones.
func (s *States[S]) All() map[string]S {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.states)
}

// Replace drops every session's state and puts states in their place, as
// one step: a session named in states is not made afresh on its next use
// (so its fixtures are not applied again); any other session is. states is
// copied.
func (s *States[S]) Replace(states map[string]S) {
	fresh := make(map[string]S, len(states))
	maps.Copy(fresh, states)
	s.mu.Lock()
	s.states = fresh
	s.mu.Unlock()
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

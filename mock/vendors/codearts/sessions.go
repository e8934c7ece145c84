package codearts

// What the server's session admin needs (GET /__admin/sessions, reset of one session).

// DropSession forgets one session's repositories; the session is made
// afresh, fixtures included, on its next use.
func (f *Fake) DropSession(name string) { f.sessions.Drop(name) }

// SessionObjects counts each session's repositories.
func (f *Fake) SessionObjects() map[string]int {
	out := map[string]int{}
	for name, s := range f.sessions.All() {
		s.mu.RLock()
		out[name] = len(s.byUUID)
		s.mu.RUnlock()
	}
	return out
}

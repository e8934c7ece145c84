package endor

// What the server's session admin needs (GET /__admin/sessions, reset of one session).

// DropSession forgets one session's repository versions and the tokens
// issued in it; the session is made afresh, fixtures included, on its
// next use.
func (f *Fake) DropSession(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued.dropSession(name)
	f.sessions.Drop(name)
}

// SessionObjects counts each session's repository versions.
func (f *Fake) SessionObjects() map[string]int {
	out := map[string]int{}
	for name, s := range f.sessions.All() {
		out[name] = s.Len()
	}
	return out
}

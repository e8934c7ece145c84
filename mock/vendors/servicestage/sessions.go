package servicestage

// What the server's session admin needs (GET /__admin/sessions, reset of one session).

// DropSession forgets one session's files; the session is made afresh,
// fixtures included, on its next use.
func (f *Fake) DropSession(name string) { f.sessions.Drop(name) }

// SessionObjects counts each session's files, over every repository and ref.
func (f *Fake) SessionObjects() map[string]int {
	out := map[string]int{}
	for name, s := range f.sessions.All() {
		s.mu.RLock()
		n := 0
		for _, r := range s.repos {
			for _, files := range r.refs {
				n += len(files)
			}
		}
		s.mu.RUnlock()
		out[name] = n
	}
	return out
}

package endor

import "encoding/json"

// What the web console's state view needs (GET /__admin/objects).

// Objects returns up to limit of a session's repository versions, each as
// GET serves it (namespaces in byte order, each in creation order), and
// how many it holds. A session not in use holds none, and stays unused.
func (f *Fake) Objects(session string, limit int) (kind string, total int, objects []json.RawMessage) {
	kind = "repository versions"
	s, ok := f.sessions.Lookup(session)
	if !ok {
		return kind, 0, nil
	}
	_, all := s.Contents()
	return kind, len(all), all[:min(limit, len(all))]
}

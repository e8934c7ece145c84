package codearts

import "encoding/json"

// What the web console's state view needs (GET /__admin/objects).

// Objects returns up to limit of a session's repositories in creation
// order, each with the fields the fake stores (as --state-file saves
// them), and how many it holds. A session not in use holds none, and
// stays unused.
func (f *Fake) Objects(session string, limit int) (kind string, total int, objects []json.RawMessage) {
	kind = "repositories"
	s, ok := f.sessions.Lookup(session)
	if !ok {
		return kind, 0, nil
	}
	repos := s.snapshot().Repositories
	for _, r := range repos[:min(limit, len(repos))] {
		data, err := json.Marshal(r)
		if err != nil {
			continue // a struct of strings, numbers and times: cannot fail
		}
		objects = append(objects, data)
	}
	return kind, len(repos), objects
}

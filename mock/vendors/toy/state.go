package toy

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
)

// snapshot is the shop's part of the state file: the toys of each
// session that has written.
type snapshot struct {
	Sessions map[string][]Toy `json:"sessions"`
}

// change is one change of the log: a toy put in a session, or a session
// dropped, or every session reset.
type change struct {
	Op      string `json:"op"`
	Session string `json:"session,omitempty"`
	Toy     *Toy   `json:"toy,omitempty"`
}

func (f *Fake) Reset() { f.sessions.Reset() }

func (f *Fake) Snapshot() (json.RawMessage, error) {
	own, _, _ := f.sessions.Own()
	out := snapshot{Sessions: map[string][]Toy{}}
	for name, s := range own {
		out.Sessions[name] = s.all()
	}
	return json.Marshal(out)
}

func (f *Fake) Restore(data json.RawMessage) error {
	var snap snapshot
	if err := session.DecodeStrict(data, &snap); err != nil {
		return fmt.Errorf("toy: %w", err)
	}
	own := map[string]*store{}
	for name, toys := range snap.Sessions {
		own[name] = &store{toys: toys}
	}
	f.sessions.Replace(own, nil, false)
	return nil
}

func (f *Fake) LogChanges(log func(json.RawMessage)) {
	f.changes.Set(log)
	f.sessions.LogResetsAndDrops(func(op, name string) { f.changes.Add(change{Op: op, Session: name}) })
}

func (f *Fake) Apply(data json.RawMessage) error {
	var c change
	if err := session.DecodeStrict(data, &c); err != nil {
		return fmt.Errorf("toy: change: %w", err)
	}
	switch c.Op {
	case "put":
		if c.Toy == nil {
			return fmt.Errorf("toy: change put: no toy")
		}
		f.sessions.Write(c.Session).put(*c.Toy)
	case "drop":
		f.sessions.Drop(c.Session)
	case "reset":
		f.sessions.Reset()
	default:
		return fmt.Errorf("toy: change: unknown op %q", c.Op)
	}
	return nil
}

func (f *Fake) MakeFixtures() { f.sessions.Shared() }

func (f *Fake) DropSession(name string) { f.sessions.Drop(name) }

func (f *Fake) SessionObjects() map[string]int {
	out := map[string]int{}
	for name, s := range f.sessions.All() {
		out[name] = len(s.all())
	}
	return out
}

func (f *Fake) Objects(name string, limit int) (string, int, []json.RawMessage) {
	s, ok := f.sessions.Lookup(name)
	if !ok {
		return "toys", 0, nil
	}
	toys := s.all()
	var out []json.RawMessage
	for _, t := range toys[:min(limit, len(toys))] {
		data, _ := json.Marshal(t) // strings: never fails
		out = append(out, data)
	}
	return "toys", len(toys), out
}

// forwarding: the key is the upstream's to check.
type forwarding struct{}

func (forwarding) Authenticate(echo.Context) error { return nil }
func (forwarding) Rewrite(*http.Request, []byte)   {}
func (forwarding) Gateway() echo.MiddlewareFunc    { return nil }

// recorder keeps the toys the upstream answered with.
type recorder struct{ toys vendor.Recorded[Toy] }

func (r *recorder) Observe(x vendor.Observed) bool {
	var t Toy
	if json.Unmarshal(x.ResponseBody, &t) != nil || t.ID == "" {
		return false
	}
	r.toys.Put(t.ID, t)
	return true
}

func (r *recorder) Fixtures() any { return Fixtures{Toys: r.toys.Values()} }

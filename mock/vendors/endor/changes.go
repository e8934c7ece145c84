package endor

import (
	"encoding/json"
	"fmt"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// The changes the fake logs for --state-durability fsync, and replays on a
// state restored from an earlier snapshot. Each sets a whole value (an
// object, a token) or removes one, so that replaying a change the snapshot
// already holds, before the later changes, ends in the same state.
//
//	{"op":"put","session":"s","object":{…the object as GET serves it…}}
//	{"op":"delete","session":"s","namespace":"acme.prod","uuid":"…"}
//	{"op":"token","token":{…as in issued_tokens…}}
//	{"op":"drop","session":"s"}      a session dropped, its tokens too
//	{"op":"reset"}                   every session and token dropped
//	{"op":"fixtures","fixtures":{…as in the snapshot…}}   the fixtures' state made
type change struct {
	Op        string            `json:"op"`
	Session   string            `json:"session,omitempty"`
	Object    json.RawMessage   `json:"object,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	UUID      string            `json:"uuid,omitempty"`
	Token     *snapshotToken    `json:"token,omitempty"`
	Fixtures  *snapshotFixtures `json:"fixtures,omitempty"`
}

// LogChanges hands every change from now on to log (mock.durableVendor).
func (f *Fake) LogChanges(log func(change json.RawMessage)) {
	f.changes.Set(log)
	f.sessions.LogResetsAndDrops(func(op, name string) { f.changes.Add(change{Op: op, Session: name}) })
}

// logTo makes a session's store log its changes, named by the session.
func (f *Fake) logTo(s *store.Store, name string) *store.Store {
	s.LogTo(store.Log{
		Put:    func(obj json.RawMessage) { f.changes.Add(change{Op: "put", Session: name, Object: obj}) },
		Delete: func(ns, uuid string) { f.changes.Add(change{Op: "delete", Session: name, Namespace: ns, UUID: uuid}) },
	})
	return s
}

// ReloadFixtures reads endor.yaml again with fx (vendor.State): the
// returned use makes it the fixtures of the next Reset.
func (f *Fake) ReloadFixtures(fx vendor.Fixtures) (use func(), err error) {
	read, err := vendor.ReadFixtures(vendor.Env{Fixtures: fx}, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	set := f.newFixtureSet(read)
	return func() { f.fixtures.Store(set) }, nil
}

// MakeFixtures makes the fixtures' state now, if a Reset left it to be
// made on first use (mock.durableVendor), so that its generated values are
// logged, or saved, before anyone reads them.
func (f *Fake) MakeFixtures() { f.sessions.Shared() }

// Apply makes a logged change again (mock.durableVendor).
func (f *Fake) Apply(data json.RawMessage) error {
	var c change
	if err := session.DecodeStrict(data, &c); err != nil {
		return fmt.Errorf("endor: change: %w", err)
	}
	switch c.Op {
	case "put":
		var obj RepositoryVersion
		if err := json.Unmarshal(c.Object, &obj); err != nil {
			return fmt.Errorf("endor: change put: %w", err)
		}
		if err := f.sessions.Write(c.Session).Put(obj); err != nil {
			return fmt.Errorf("endor: change put: %w", err)
		}
	case "delete":
		f.sessions.Write(c.Session).Delete(c.Namespace, c.UUID)
	case "token":
		if c.Token == nil {
			return fmt.Errorf("endor: change token: no token")
		}
		t := c.Token
		f.mu.Lock()
		f.issued.add(t.Token, grant{principal: t.Principal, namespace: t.Namespace, expires: t.Expires, session: t.Session}, f.now())
		f.mu.Unlock()
	case "drop":
		f.DropSession(c.Session)
	case "reset":
		f.Reset()
	case "fixtures":
		if c.Fixtures == nil {
			return fmt.Errorf("endor: change fixtures: no fixtures")
		}
		if c.Fixtures.Digest != f.fixtures.Load().digest {
			return nil // made from other fixtures: this run makes its own
		}
		var objs []RepositoryVersion
		for _, raw := range c.Fixtures.RepositoryVersions {
			var obj RepositoryVersion
			if err := json.Unmarshal(raw, &obj); err != nil {
				return fmt.Errorf("endor: change fixtures: %w", err)
			}
			objs = append(objs, obj)
		}
		s, err := restoreStore(c.Fixtures.Namespaces, objs)
		if err != nil {
			return fmt.Errorf("endor: change fixtures: %w", err)
		}
		f.sessions.SetShared(s)
	default:
		return fmt.Errorf("endor: change: unknown op %q", c.Op)
	}
	return nil
}

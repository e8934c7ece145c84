package codearts

import (
	"encoding/json"
	"fmt"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
)

// The changes the fake logs for --state-durability fsync, and replays on a
// state restored from an earlier snapshot. Each sets a whole value or
// removes one, so that replaying a change the snapshot already holds,
// before the later changes, ends in the same state.
//
//	{"op":"put","session":"s","repository":{…as in the snapshot…},"last_repository_id":4}
//	{"op":"delete","session":"s","uuid":"…"}
//	{"op":"drop","session":"s"}
//	{"op":"reset"}
//	{"op":"fixtures","fixtures":{…as in the snapshot…}}   the fixtures' state made
type change struct {
	Op               string              `json:"op"`
	Session          string              `json:"session,omitempty"`
	Repository       *snapshotRepository `json:"repository,omitempty"`
	LastRepositoryID int32               `json:"last_repository_id,omitempty"`
	UUID             string              `json:"uuid,omitempty"`
	Fixtures         *snapshotFixtures   `json:"fixtures,omitempty"`
}

// LogChanges hands every change from now on to log (mock.durableVendor).
func (f *Fake) LogChanges(log func(change json.RawMessage)) {
	f.changes.Set(log)
	f.sessions.LogResetsAndDrops(func(op, name string) { f.changes.Add(change{Op: op, Session: name}) })
}

// logTo makes a session's store log its changes, named by the session.
func (f *Fake) logTo(s *Store, name string) *Store {
	s.log = func(c change) {
		c.Session = name
		f.changes.Add(c)
	}
	return s
}

// fixturesChange is the change that logs the fixtures' state, once made
// from the fixtures digest names.
func fixturesChange(s *Store, digest string) change {
	snap := s.snapshot()
	return change{Op: "fixtures", Fixtures: &snapshotFixtures{Digest: digest, LastRepositoryID: snap.LastRepositoryID, Repositories: snap.Repositories}}
}

// ReloadFixtures reads codearts.yaml again with fx (vendor.State): the
// returned use makes it the fixtures of the next Reset.
func (f *Fake) ReloadFixtures(fx vendor.Fixtures) (use func(), err error) {
	read, err := vendor.ReadFixtures(vendor.Env{Fixtures: fx}, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	set := newFixtureSet(read)
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
		return fmt.Errorf("codearts: change: %w", err)
	}
	switch c.Op {
	case "put":
		if c.Repository == nil {
			return fmt.Errorf("codearts: change put: no repository")
		}
		return f.sessions.Write(c.Session).put(*c.Repository, c.LastRepositoryID)
	case "delete":
		f.sessions.Write(c.Session).delete(c.UUID)
	case "drop":
		f.DropSession(c.Session)
	case "reset":
		f.Reset()
	case "fixtures":
		if c.Fixtures == nil {
			return fmt.Errorf("codearts: change fixtures: no fixtures")
		}
		if c.Fixtures.Digest != f.fixtures.Load().digest {
			return nil // made from other fixtures: this run makes its own
		}
		s, err := restoreStore(snapshotSession{LastRepositoryID: c.Fixtures.LastRepositoryID, Repositories: c.Fixtures.Repositories})
		if err != nil {
			return fmt.Errorf("codearts: change fixtures: %w", err)
		}
		f.sessions.SetShared(s)
	default:
		return fmt.Errorf("codearts: change: unknown op %q", c.Op)
	}
	return nil
}

// put stores a replayed create: the repository as it was stored, and the
// last repository_id handed out then. A repository of that uuid already
// there (the snapshot holds the create) is replaced.
func (s *Store) put(r snapshotRepository, lastID int32) error {
	if !isStoredUUID(r.RepositoryUUID) {
		return fmt.Errorf("codearts: change put: repository_uuid %q: must be 32 lowercase hexadecimal digits", r.RepositoryUUID)
	}
	stored := &Repository{
		UUID:            r.RepositoryUUID,
		ID:              r.RepositoryID,
		Name:            r.Name,
		ProjectUUID:     r.ProjectUUID,
		VisibilityLevel: r.VisibilityLevel,
		Description:     r.Description,
		CreatedAt:       r.CreatedAt.UTC(),
		UpdatedAt:       r.UpdatedAt.UTC(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byUUID[stored.UUID]; old != nil {
		delete(s.byName, keyOf(old.ProjectUUID, old.Name))
		for i, o := range s.order {
			if o == old {
				s.order[i] = stored
			}
		}
	} else {
		s.order = append(s.order, stored)
	}
	s.byUUID[stored.UUID] = stored
	s.byName[keyOf(stored.ProjectUUID, stored.Name)] = stored
	s.lastID = max(s.lastID, lastID, stored.ID)
	return nil
}

package codearts

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/repomock/repomock/mock/session"
)

// SnapshotVersion is the version of the JSON that Snapshot writes and
// Restore reads.
const SnapshotVersion = 1

// The snapshot, version 1:
//
//	{
//	  "version": 1,
//	  "fixtures": {                   // the state every session starts from, once made:
//	    "digest": "sha256:…",         // of the fixtures it was made from
//	    "last_repository_id": 3, "repositories": [ … ]  // as in a session
//	  },                              // omitted without fixtures
//	  "sessions": [                   // by name; "" is the default session
//	    {"name": "",
//	     "last_repository_id": 3,     // the last repository_id handed out
//	     "repositories": [            // in creation order
//	       {"repository_uuid": "…32 hex…", "repository_id": 1, "name": "demo",
//	        "project_uuid": "…", "visibility_level": 0, "description": "…",   // description: omitted when empty
//	        "created_at": "2026-11-22T07:24:42Z", "updated_at": "2026-11-22T07:24:42Z"}
//	     ]}
//	  ]
//	}
//
// The same state always gives the same bytes. last_repository_id is kept
// because deleting the newest repository does not give its id back.
// Sessions lists the sessions that have written; the others read the
// fixtures' repositories, which are kept (with the uuids and times they
// were given) so that they read the same after a restart. When the
// fixtures have changed since (another digest), they are made again.
type snapshot struct {
	Version  int               `json:"version"`
	Fixtures *snapshotFixtures `json:"fixtures,omitempty"`
	Sessions []snapshotSession `json:"sessions"`
}

type snapshotFixtures struct {
	Digest           string               `json:"digest"`
	LastRepositoryID int32                `json:"last_repository_id"`
	Repositories     []snapshotRepository `json:"repositories"`
}

type snapshotSession struct {
	Name             string               `json:"name"`
	LastRepositoryID int32                `json:"last_repository_id"`
	Repositories     []snapshotRepository `json:"repositories"`
}

type snapshotRepository struct {
	RepositoryUUID  string    `json:"repository_uuid"`
	RepositoryID    int32     `json:"repository_id"`
	Name            string    `json:"name"`
	ProjectUUID     string    `json:"project_uuid"`
	VisibilityLevel int32     `json:"visibility_level"`
	Description     string    `json:"description,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Snapshot returns every session's repositories as JSON (see
// SnapshotVersion). Each session is copied under its store's lock, so a
// session is never seen half-written.
func (f *Fake) Snapshot() (json.RawMessage, error) {
	stores, shared, haveShared := f.sessions.Own()
	snap := snapshot{Version: SnapshotVersion, Sessions: []snapshotSession{}}
	if set := f.fixtures.Load(); haveShared && set.fx != nil {
		fx := shared.snapshot()
		snap.Fixtures = &snapshotFixtures{Digest: set.digest, LastRepositoryID: fx.LastRepositoryID, Repositories: fx.Repositories}
	}
	for _, name := range slices.Sorted(maps.Keys(stores)) {
		sess := stores[name].snapshot()
		sess.Name = name
		snap.Sessions = append(snap.Sessions, sess)
	}
	return json.Marshal(snap)
}

func (s *Store) snapshot() snapshotSession {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := snapshotSession{LastRepositoryID: s.lastID, Repositories: make([]snapshotRepository, 0, len(s.order))}
	for _, r := range s.order {
		out.Repositories = append(out.Repositories, *snapshotOf(r))
	}
	return out
}

// snapshotOf is a repository as the snapshot and the change log write it.
func snapshotOf(r *Repository) *snapshotRepository {
	return &snapshotRepository{
		RepositoryUUID:  r.UUID,
		RepositoryID:    r.ID,
		Name:            r.Name,
		ProjectUUID:     r.ProjectUUID,
		VisibilityLevel: r.VisibilityLevel,
		Description:     r.Description,
		CreatedAt:       r.CreatedAt.UTC(),
		UpdatedAt:       r.UpdatedAt.UTC(),
	}
}

// Restore replaces every session with those of a Snapshot. Restored
// sessions keep their repositories, uuids, ids and times and do not get the
// fixtures again; a session the snapshot does not name starts from the
// fixtures' repositories it saved, or, when it saved none or the fixtures
// have changed since, from the fixtures made afresh on first use. Each repository is held to the rules of
// a create. On any error nothing changes.
func (f *Fake) Restore(data json.RawMessage) error {
	var snap snapshot
	if err := session.DecodeStrict(data, &snap); err != nil {
		return fmt.Errorf("codearts: %w", err)
	}
	if snap.Version != SnapshotVersion {
		return fmt.Errorf("codearts: version %d: only version %d is understood", snap.Version, SnapshotVersion)
	}
	stores := make(map[string]*Store, len(snap.Sessions))
	for i, sess := range snap.Sessions {
		if _, dup := stores[sess.Name]; dup {
			return fmt.Errorf("codearts: sessions[%d]: session %q is listed twice", i, sess.Name)
		}
		s, err := restoreStore(sess)
		if err != nil {
			return fmt.Errorf("codearts: sessions[%d] (%q): %w", i, sess.Name, err)
		}
		stores[sess.Name] = f.logTo(s, sess.Name)
	}
	var shared *Store
	if fx, set := snap.Fixtures, f.fixtures.Load(); fx != nil && set.fx != nil && fx.Digest == set.digest {
		var err error
		if shared, err = restoreStore(snapshotSession{LastRepositoryID: fx.LastRepositoryID, Repositories: fx.Repositories}); err != nil {
			return fmt.Errorf("codearts: fixtures: %w", err)
		}
	}
	f.sessions.Replace(stores, shared, shared != nil)
	return nil
}

func restoreStore(sess snapshotSession) (*Store, error) {
	s := NewStore()
	if sess.LastRepositoryID < 0 {
		return nil, fmt.Errorf("last_repository_id: must be 0 or more")
	}
	s.lastID = sess.LastRepositoryID
	ids := make(map[int32]bool, len(sess.Repositories))
	for i, r := range sess.Repositories {
		at := fmt.Sprintf("repositories[%d]", i)
		if !isStoredUUID(r.RepositoryUUID) {
			return nil, fmt.Errorf("%s: repository_uuid: must be 32 lowercase hexadecimal digits", at)
		}
		if s.byUUID[r.RepositoryUUID] != nil {
			return nil, fmt.Errorf("%s: repository_uuid %s is used twice", at, r.RepositoryUUID)
		}
		if r.RepositoryID < 1 || r.RepositoryID > s.lastID || ids[r.RepositoryID] {
			return nil, fmt.Errorf("%s: repository_id %d: must be unique and between 1 and last_repository_id (%d)", at, r.RepositoryID, s.lastID)
		}
		b := createBody{Name: r.Name, ProjectUUID: r.ProjectUUID, VisibilityLevel: &r.VisibilityLevel, Description: &r.Description}
		if err := checkCreate(&b); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		if r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() {
			return nil, fmt.Errorf("%s: created_at and updated_at are required", at)
		}
		key := keyOf(r.ProjectUUID, r.Name)
		if s.byName[key] != nil {
			return nil, fmt.Errorf("%s: name: a repository named %q already exists in project %s", at, r.Name, r.ProjectUUID)
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
		ids[r.RepositoryID] = true
		s.byUUID[stored.UUID] = stored
		s.byName[key] = stored
		s.order = append(s.order, stored)
	}
	return s, nil
}

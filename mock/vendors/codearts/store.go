package codearts

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Repository is one stored repository: what the client wrote that the
// read-back operations serve, and what the fake set.
type Repository struct {
	UUID string // 32 lowercase hex digits
	// Assumption: the numeric repository_id counts 1, 2, … in creation order
	// per session (the vendor's are opaque database keys such as 522140).
	ID              int32
	Name            string
	ProjectUUID     string
	VisibilityLevel int32
	Description     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Hosts of the URLs the fake gives a repository.
// Assumption: the vendor's clone and web hosts (codehub.devcloud.<region>.huaweicloud.com,
// devcloud.<region>.huaweicloud.com) are replaced by reserved .example hosts, so that no
// URL the mock hands out reaches a real service.
const (
	CloneHost = "codehub.devcloud.repomock.example"
	WebHost   = "devcloud.repomock.example"
)

// GroupName is the repository group of the clone URLs. Assumption: the
// vendor derives it from the tenant; the mock uses the project uuid, so
// that the same name in two projects gets two URLs.
func (r Repository) GroupName() string { return r.ProjectUUID }

// HTTPSURL is the https clone URL, in the vendor's shape:
// https://<host>/<group>/<name>.git.
func (r Repository) HTTPSURL() string {
	return fmt.Sprintf("https://%s/%s/%s.git", CloneHost, r.GroupName(), r.Name)
}

// SSHURL is the ssh clone URL: git@<host>:<group>/<name>.git.
func (r Repository) SSHURL() string {
	return fmt.Sprintf("git@%s:%s/%s.git", CloneHost, r.GroupName(), r.Name)
}

// WebURL is the repository's page, in the vendor's shape: https://<host>/codehub/<repository_id>/home.
func (r Repository) WebURL() string {
	return fmt.Sprintf("https://%s/codehub/%d/home", WebHost, r.ID)
}

// Store holds the repositories of one session. It is safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	byUUID map[string]*Repository
	byName map[nameKey]*Repository
	order  []*Repository // creation order, the order of a list
	lastID int32
	// log, when set, is given each change under mu (a session's own store
	// logs; the fixtures' never changes).
	log func(change)
}

// nameKey is what makes two repositories the same. Assumption: names are
// compared without regard to case, as in the GitLab that CodeArts Repo is
// built on ("Demo" and "demo" cannot both exist in one project).
type nameKey struct{ project, name string }

func keyOf(project, name string) nameKey {
	return nameKey{project: project, name: strings.ToLower(name)}
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{byUUID: make(map[string]*Repository), byName: make(map[nameKey]*Repository)}
}

// clone copies s for a session's first write. The repositories are
// shared: the store never changes one once stored.
func (s *Store) clone() *Store {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &Store{byUUID: maps.Clone(s.byUUID), byName: maps.Clone(s.byName), order: slices.Clone(s.order), lastID: s.lastID}
}

// create stores r under a fresh uuid and the next repository_id, and
// returns what it stored. newID is called (with the lock held) until it
// gives a uuid not in use. A name taken in the project fails with 400
// CH.010001 and changes nothing.
func (s *Store) create(r Repository, newID func() string) (Repository, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byName[keyOf(r.ProjectUUID, r.Name)]; old != nil {
		// Assumption: the vendor documents no code for a duplicate; the mock answers 400 CH.010001.
		return Repository{}, paramInvalid("name: a repository named %q already exists in project %s", old.Name, r.ProjectUUID)
	}
	r.UUID = newID()
	for _, taken := s.byUUID[r.UUID]; taken; _, taken = s.byUUID[r.UUID] {
		r.UUID = newID()
	}
	s.lastID++
	r.ID = s.lastID
	stored := &r
	s.byUUID[r.UUID] = stored
	s.byName[keyOf(r.ProjectUUID, r.Name)] = stored
	s.order = append(s.order, stored)
	if s.log != nil {
		s.log(change{Op: "put", Repository: snapshotOf(stored), LastRepositoryID: s.lastID})
	}
	return r, nil
}

// Get returns the repository with this uuid.
func (s *Store) Get(uuid string) (Repository, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.byUUID[uuid]
	if !ok {
		return Repository{}, false
	}
	return *r, true
}

// List returns the repositories of a project in creation order.
func (s *Store) List(project string) []Repository {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Repository
	for _, r := range s.order {
		if r.ProjectUUID == project {
			out = append(out, *r)
		}
	}
	return out
}

// nameTaken reports whether a repository of the project has this name.
func (s *Store) nameTaken(project, name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.byName[keyOf(project, name)]
	return ok
}

// delete removes the repository with this uuid; its name is free again.
func (s *Store) delete(uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byUUID[uuid]
	if !ok {
		return false
	}
	delete(s.byUUID, uuid)
	delete(s.byName, keyOf(r.ProjectUUID, r.Name))
	s.order = slices.DeleteFunc(s.order, func(o *Repository) bool { return o == r })
	if s.log != nil {
		s.log(change{Op: "delete", UUID: uuid})
	}
	return true
}

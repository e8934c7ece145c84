// Package codearts is the Huawei Cloud CodeArts Repo fake: an in-memory
// store of repositories behind the vendor's CreateRepository and the
// read-back operations (ShowRepositoryByUuid, the deprecated
// GetRepositoryByProjectId, ListRepositoryStatus, GetAllRepositoryByProjectId,
// ShowRepositoryNameExist, DeleteRepository),
// with the vendor's {"error":{"code","message"},"status":"failed"} error
// bodies.
//
// It is not a validator and not the API gateway: requests reach its
// handlers already authenticated (X-Auth-Token or an SDK-HMAC-SHA256
// signature, checked elsewhere) and checked against specs/codearts-repo.yaml
// by mock/pipeline. It checks what the spec cannot say (the .git and .atom
// name endings, duplicate names) and, for fixtures and direct callers,
// every documented rule again.
package codearts

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// Operation IDs served by the fake: the official Go SDK's method names, as
// specs/codearts-repo.yaml names them.
const (
	OpCreate     = "CreateRepository"
	OpShow       = "ShowRepositoryByUuid"
	OpShowV1     = "GetRepositoryByProjectId"
	OpList       = "GetAllRepositoryByProjectId"
	OpNameExists = "ShowRepositoryNameExist"
	OpDelete     = "DeleteRepository"
	OpStatus     = "ListRepositoryStatus"
)

// Config configures a Fake. The zero value uses the wall clock, random ids,
// no fixtures and one shared session.
type Config struct {
	// Fixtures are loaded into every new session and on every Reset.
	Fixtures *Fixtures
	// Clock gives the time; nil means time.Now.
	Clock func() time.Time
	// Faker makes repository uuids; seed it for repeatable values. nil means randomly seeded.
	Faker *gofakeit.Faker
	// Gateway is Huawei's API gateway in front of the service, shared with
	// the other Huawei fakes; nil means one that takes any credentials.
	Gateway *huawei.Verifier
}

// Fake is the CodeArts Repo fake. Build it with New; it is safe for concurrent use.
type Fake struct {
	cfg Config

	idMu sync.Mutex // keeps a uuid's two draws together; a Faker built with NewFaker(src, false) is unlocked

	sessions *session.States[*Store]
	// fixtures are the fixtures in use: a reload puts others in their
	// place while requests read them.
	fixtures atomic.Pointer[fixtureSet]
	changes  session.Changes // the change log's, with --state-durability fsync
}

// fixtureSet is a set of fixtures, and the digest that names it in a
// snapshot (session.Digest).
type fixtureSet struct {
	fx     *Fixtures // nil for none
	digest string
}

func newFixtureSet(fx *Fixtures) *fixtureSet {
	if fx == nil {
		return &fixtureSet{}
	}
	return &fixtureSet{fx: fx, digest: session.Digest(fx)}
}

// New returns a Fake with cfg's fixtures ready to load.
func New(cfg Config) *Fake {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Faker == nil {
		cfg.Faker = gofakeit.New(0)
	}
	if cfg.Gateway == nil {
		cfg.Gateway = huawei.New(huawei.Config{})
	}
	f := &Fake{cfg: cfg}
	f.fixtures.Store(newFixtureSet(cfg.Fixtures))
	f.sessions = session.New(func() *Store {
		s := NewStore()
		if set := f.fixtures.Load(); set.fx != nil {
			set.fx.apply(f, s)
			f.changes.Add(fixturesChange(s, set.digest))
		}
		return s
	}, func(from *Store, name string) *Store { return f.logTo(from.clone(), name) })
	f.Reset()
	return f
}

// Reset drops every session's repositories; each session gets the
// fixtures again on its next use.
func (f *Fake) Reset() { f.sessions.Reset() }

// Store returns the state of a session to change: its own, copied from
// the fixtures on its first write.
func (f *Fake) Store(session string) *Store { return f.sessions.Write(session) }

// readStore is the state a request reads, which it must not change: the
// session's own, or the fixtures' it shares with every session that has
// not written.
func (f *Fake) readStore(session string) *Store { return f.sessions.Read(session) }

// writeStore is the state a request changes: the session's own.
func (f *Fake) writeStore(session string) *Store { return f.sessions.Write(session) }

func (f *Fake) now() time.Time { return f.cfg.Clock().UTC() }

// newID makes a repository uuid the way the vendor's look (seed 002's
// example "d161fd00d9194816a455cb3c1d6a783e"): 32 lowercase hex digits.
func (f *Fake) newID() string {
	f.idMu.Lock()
	defer f.idMu.Unlock()
	return fmt.Sprintf("%016x%016x", f.cfg.Faker.Uint64(), f.cfg.Faker.Uint64())
}

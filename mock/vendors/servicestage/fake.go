// Package servicestage is the Huawei Cloud ServiceStage repository-file
// fake: an in-memory git-like store of files behind the vendor's CreateFile,
// ShowContent, UpdateFile, DeleteFile and ListTrees operations, with the
// X-Repo-Auth check and the SVCSTG.REPO error codes.
//
// It is not a validator and not an authenticator of IAM credentials:
// requests reach its handlers already checked against
// specs/servicestage-repo.yaml by mock/pipeline, after the gateway's
// X-Auth-Token / AK/SK check. It checks what the spec cannot say: the
// X-Repo-Auth name, colon paths, base64 content, file shas, and whether a
// repository, ref or file exists. Nothing it stores ever touches the disk.
package servicestage

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// Operation IDs served by the fake: the official SDK's operation names.
const (
	OpCreateFile  = "CreateFile"
	OpShowContent = "ShowContent"
	OpUpdateFile  = "UpdateFile"
	OpDeleteFile  = "DeleteFile"
	OpListTrees   = "ListTrees"
)

// HeaderRepoAuth names the repository authorization a request acts with.
const HeaderRepoAuth = "X-Repo-Auth"

// Config configures a Fake. The zero value accepts any well-formed
// X-Repo-Auth name and starts every session with no files.
type Config struct {
	// RepoAuths, when not empty, are the only X-Repo-Auth names accepted.
	RepoAuths []string
	// Fixtures are loaded into every new session and on every Reset.
	Fixtures *Fixtures
	// Clock and Faker are taken for symmetry with the other fakes. No
	// field of these operations is a server time or a generated id, so
	// the fake's answers depend on the requests alone and need neither.
	Clock func() time.Time
	Faker *gofakeit.Faker
	// Gateway is Huawei's API gateway in front of the service, shared with
	// the other Huawei fakes; nil means one that takes any credentials.
	Gateway *huawei.Verifier
}

// Fake is the ServiceStage repository-file fake. Build it with New; it is
// safe for concurrent use.
type Fake struct {
	cfg   Config
	auths map[string]bool

	sessions *session.States[*Store]
	changes  session.Changes // the change log's, with --state-durability fsync
	// fixtures are the fixtures in use (nil for none): a reload puts
	// others in their place while requests read them.
	fixtures atomic.Pointer[Fixtures]
}

// New returns a Fake with cfg's authorizations and fixtures.
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
	f := &Fake{cfg: cfg, auths: make(map[string]bool)}
	for _, name := range cfg.RepoAuths {
		f.auths[name] = true
	}
	f.fixtures.Store(cfg.Fixtures)
	f.sessions = session.New(func() *Store {
		s := newStore()
		if fx := f.fixtures.Load(); fx != nil {
			fx.apply(s)
		}
		return s
	}, func(from *Store, name string) *Store { return f.logTo(from.clone(), name) })
	f.Reset()
	return f
}

// ParseRepoAuths reads "auth-a,auth-b" (as --repo-auths takes it):
// comma-separated authorization names, each 4–63 letters, digits, '.',
// '_' or '-'.
func ParseRepoAuths(s string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !validAuthName(name) {
			return nil, fmt.Errorf("servicestage repository authorization %q: %s", clip(name), authNameRule)
		}
		out = append(out, name)
	}
	return out, nil
}

// Reset drops every session's files and loads the fixtures again.
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

// authNameRule is the console's rule for authorization names.
const authNameRule = "must be 4 to 63 letters, digits, '.', '_' or '-'"

func validAuthName(s string) bool {
	if len(s) < 4 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkRepoAuth checks X-Repo-Auth, the repository authorization the
// request acts with, after the gateway's checks (Authenticate), so that a
// request without an authorization gets SVCSTG.REPO.0450 whatever else is
// wrong with it.
func (f *Fake) checkRepoAuth(c echo.Context) error {
	name := strings.TrimSpace(c.Request().Header.Get(HeaderRepoAuth))
	if name == "" {
		return repoError(CodeNoAuthorization, descNoAuthorization, "the %s header is required", HeaderRepoAuth)
	}
	// Assumption: a name no authorization can have is an invalid authorization (0451), not an invalid parameter (0400).
	if !validAuthName(name) {
		return repoError(CodeAuthorizationInvalid, descAuthorizationInvalid, "%s %q %s", HeaderRepoAuth, clip(name), authNameRule)
	}
	// Assumption: with no --repo-auths configured, every well-formed name is an authorization of the account.
	if len(f.auths) > 0 && !f.auths[name] {
		return repoError(CodeAuthorizationInvalid, descAuthorizationInvalid, "no authorization named %q", name)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

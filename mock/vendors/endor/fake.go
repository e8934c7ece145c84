// Package endor is the Endor Labs fake: an in-memory store of repository
// versions, and of the namespaces they live in, behind the vendor's
// CreateRepositoryVersion, its read-back operations and the namespace
// listing, with the vendor's bearer-token auth and googlerpcStatus errors.
//
// It is not a validator: requests reach its handlers already checked against
// specs/endor.yaml by mock/pipeline. It checks what the spec does not say and
// the vendor documents (name and tag lengths, namespace syntax, …).
package endor

import (
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendors/endor/list"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Operation IDs served by the fake, as specs/endor.yaml names them.
const (
	OpCreate         = "RepositoryVersionService_CreateRepositoryVersion"
	OpList           = "RepositoryVersionService_ListRepositoryVersions"
	OpGet            = "RepositoryVersionService_GetRepositoryVersion"
	OpDelete         = "RepositoryVersionService_DeleteRepositoryVersion"
	OpUpdate         = "RepositoryVersionService_UpdateRepositoryVersion"
	OpListNamespaces = "NamespaceService_ListNamespaces"
	OpAPIKeyToken    = "AuthenticationService_GetAPIKeyToken"
	OpAuthInfo       = "AuthenticationService_GetAuthenticationInfo"
)

// DefaultTokenTTL is how long a token from POST /v1/auth/api-key lasts.
// The vendor does not say; the mock's assumption is four hours.
const DefaultTokenTTL = 4 * time.Hour

// Config configures a Fake. The zero value accepts any bearer token and
// any API key pair, uses the wall clock and random ids.
type Config struct {
	// Tokens, when not empty, are the only bearer tokens accepted (beside
	// tokens issued by POST /v1/auth/api-key).
	Tokens []Token
	// APIKeys, when not empty, are the only key/secret pairs that
	// POST /v1/auth/api-key accepts; fixtures may add more.
	APIKeys []APIKey
	// Fixtures are loaded into every new session and on every Reset.
	Fixtures *Fixtures
	// Clock gives the time; nil means time.Now.
	Clock func() time.Time
	// Faker makes ids and tokens; seed it for repeatable values. nil means randomly seeded.
	Faker *gofakeit.Faker
	// TokenTTL is the lifetime of an issued token; 0 means DefaultTokenTTL.
	TokenTTL time.Duration
	// MaxIssuedTokens bounds the issued tokens held, all sessions
	// together: past it the oldest is dropped (a client that holds it gets
	// 401, and exchanges its key again). 0 means DefaultMaxIssuedTokens.
	MaxIssuedTokens int
	// Log receives what the client is not told: tokens dropped to stay
	// within MaxIssuedTokens. nil discards it.
	Log *slog.Logger
}

// APIKey is a key/secret pair for POST /v1/auth/api-key. Tokens issued for
// it carry its Namespace limit.
type APIKey struct {
	Key       string `json:"key"`
	Secret    string `json:"secret"`
	Namespace string `json:"namespace,omitempty"`
}

// grant is what a valid token allows.
type grant struct {
	principal string    // user@idp@source, for created_by/updated_by
	login     string    // a bearer token's login provider; "" for a token issued for an API key
	email     string    // a bearer token's user's e-mail
	namespace string    // "" for every namespace
	expires   time.Time // zero for a configured token, which never expires
	session   string    // the session an issued token was issued in, and works in
}

func (g grant) allows(ns string) bool {
	return g.namespace == "" || ns == g.namespace || strings.HasPrefix(ns, g.namespace+".")
}

// Fake is the Endor Labs fake. Build it with New; it is safe for concurrent use.
type Fake struct {
	cfg    Config
	tokens map[string]grant // configured tokens
	// fixtures are the fixtures in use, and what is made of them: a
	// reload puts others in their place while requests read them.
	fixtures atomic.Pointer[fixtureSet]

	mu       sync.Mutex
	issued   *issuedTokens // tokens issued by POST /v1/auth/api-key, each in its session
	warned   bool          // the bound of issued tokens was reached and logged
	sessions *session.States[*store.Store]
	changes  session.Changes // the change log's, with --state-durability fsync
	gateway  echo.MiddlewareFunc
	drawMu   sync.Mutex // see draws
}

// fixtureSet is a set of fixtures, and what the fake makes of them.
type fixtureSet struct {
	fx *Fixtures // nil for none
	// digest names fx in a snapshot (session.Digest).
	digest string
	// apiKeys are Config.APIKeys and fx's, by key.
	apiKeys map[string]APIKey
}

// newFixtureSet makes fx the fixtures of f.
func (f *Fake) newFixtureSet(fx *Fixtures) *fixtureSet {
	set := &fixtureSet{fx: fx, apiKeys: make(map[string]APIKey)}
	for _, k := range f.cfg.APIKeys {
		set.apiKeys[k.Key] = k
	}
	if fx != nil {
		for _, k := range fx.APIKeys {
			set.apiKeys[k.Key] = k
		}
		set.digest = session.Digest(fx)
	}
	return set
}

// New returns a Fake with cfg's tokens and fixtures loaded.
func New(cfg Config) *Fake {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Faker == nil {
		cfg.Faker = gofakeit.New(0)
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxIssuedTokens <= 0 {
		cfg.MaxIssuedTokens = DefaultMaxIssuedTokens
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	f := &Fake{cfg: cfg, tokens: make(map[string]grant), gateway: gateway()}
	for _, t := range cfg.Tokens {
		f.tokens[t.Value] = t.grant()
	}
	f.fixtures.Store(f.newFixtureSet(cfg.Fixtures))
	f.sessions = session.New(func() *store.Store {
		s := store.New()
		if set := f.fixtures.Load(); set.fx != nil {
			set.fx.apply(f, s)
			nss, recs := contents(s)
			f.changes.Add(change{Op: "fixtures", Fixtures: &snapshotFixtures{Digest: set.digest, Namespaces: nss, RepositoryVersions: recs}})
		}
		return s
	}, func(from *store.Store, name string) *store.Store { return f.logTo(from.Clone(), name) })
	f.Reset()
	return f
}

// Reset drops every session's objects and every issued token, and loads
// the fixtures again.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued = newIssuedTokens(f.cfg.MaxIssuedTokens)
	f.sessions.Reset()
}

// Store returns the state of a session to change: its own, copied from
// the fixtures on its first write.
func (f *Fake) Store(session string) *store.Store { return f.sessions.Write(session) }

// readStore is the state a request reads, which it must not change: the
// session's own, or the fixtures' it shares with every session that has
// not written.
func (f *Fake) readStore(session string) *store.Store { return f.sessions.Read(session) }

// writeStore is the state a request changes: the session's own.
func (f *Fake) writeStore(session string) *store.Store { return f.sessions.Write(session) }

func (f *Fake) now() time.Time { return f.cfg.Clock().UTC() }

// newID makes a uuid the way Endor's look: 24 lowercase hex digits.
func (f *Fake) newID() string {
	var d [2]uint64
	f.draws(d[:])
	var id [24]byte
	hexDigits(id[:16], d[0])
	hexDigits(id[16:], uint64(uint32(d[1])))
	return string(id[:])
}

// hexDigits writes the low len(dst) hex digits of n into dst, as %0*x does.
func hexDigits(dst []byte, n uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
	}
}

// draws fills out with draws taken together, so that concurrent requests
// never interleave their draws: with a seed, a sequence of requests gets
// the same values on every run.
func (f *Fake) draws(out []uint64) {
	f.drawMu.Lock()
	defer f.drawMu.Unlock()
	for i := range out {
		out[i] = f.cfg.Faker.Uint64()
	}
}

const (
	grantKey   = "repomock.endor.grant"
	nsParam    = "tenant_meta.namespace"
	apiKeyPath = "/v1/auth/api-key"
)

// Authenticate checks the bearer token and the namespace it may reach, as
// the vendor does before it looks at a request body. It is meant for
// pipeline.Options.Authenticate.
func (f *Fake) Authenticate(c echo.Context) error {
	if c.Path() == apiKeyPath {
		return nil // the token exchange takes a key pair, not a token
	}
	token, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
	if !ok {
		return errUnauthenticated()
	}
	g, ok := f.grantFor(token, pipeline.SessionOf(c))
	if !ok {
		return errUnauthenticated()
	}
	if ns := pipeline.Param(c, nsParam); ns != "" {
		if err := checkNamespace(ns); err != nil {
			return err
		}
		if !g.allows(ns) {
			return errPermissionDenied()
		}
	}
	c.Set(grantKey, g)
	return nil
}

func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// grantFor finds what a token may do in a session. A token issued in
// another session is unknown here (401), as it would be to another
// tenant: each session has its own issued tokens. So is a token of the
// issued form that is no longer held (expired, or dropped).
func (f *Fake) grantFor(token, session string) (grant, bool) {
	f.mu.Lock()
	g, issued := f.issued.get(token)
	f.mu.Unlock()
	if issued {
		return g, g.session == session && f.now().Before(g.expires)
	}
	if looksIssued(token) {
		return grant{}, false
	}
	if len(f.tokens) == 0 {
		return Token{Value: token}.grant(), true
	}
	g, ok := f.tokens[token]
	return g, ok
}

// checkNamespace applies the documented syntax (docs: administration/namespaces):
// dot-separated segments of 1–32 characters from a-z 0-9 _ -.
func checkNamespace(ns string) *Error {
	for rest, more := ns, true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, ".")
		if len(seg) == 0 || len(seg) > 32 {
			return invalidArgument("tenant_meta.namespace: %q must be dot-separated segments of 1 to 32 characters", list.Clip(ns))
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return invalidArgument("tenant_meta.namespace: %q may contain only a-z, 0-9, '_', '-' and '.'", list.Clip(ns))
			}
		}
	}
	return nil
}

func (f *Fake) issueToken(k APIKey, session string) apiKeyResponse {
	var d [3]uint64
	f.draws(d[:])
	tok := newIssuedToken(d[:])
	now := f.now()
	exp := now.Add(f.cfg.TokenTTL)
	user := strings.TrimPrefix(k.Key, "endr+")
	f.mu.Lock()
	g := grant{principal: user + "@repomock@api-key", namespace: k.Namespace, expires: exp, session: session}
	dropped := f.issued.add(tok, g, now)
	f.changes.Add(change{Op: "token", Token: &snapshotToken{Token: tok, Principal: g.principal, Namespace: g.namespace, Expires: g.expires, Session: g.session}})
	first := dropped > 0 && !f.warned
	f.warned = f.warned || first
	f.mu.Unlock()
	if first {
		f.cfg.Log.Warn("endor: the issued tokens reached --endor-max-issued-tokens: the oldest are dropped from now on; a client whose token is dropped gets 401 and exchanges its key again",
			"max", f.cfg.MaxIssuedTokens)
	}
	return apiKeyResponse{Token: tok, ExpirationTime: exp}
}

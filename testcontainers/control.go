package repomock

// The admin API's wire types (Request, Message, Fault and its kinds,
// SessionInfo) are the server's own, copied from its source into
// wire_gen.go; a test of the root module fails when they drift. After a
// change of the server's types, run go generate here.
//go:generate go run -C .. ./internal/wiregen -o testcontainers/wire_gen.go -pkg repomock ./mock/server/faults:FaultError ./mock/server/faults:FaultReset ./mock/server/faults:FaultDelay ./mock/server/faults:FaultThrottle ./mock/server/faults:Fault,-ID,-Fired ./mock/server/journal:Entry=Request ./mock/server/journal:Message ./mock/server/sessions:SessionInfo ./mock/pipeline:VerdictPassed ./mock/pipeline:VerdictRejected ./mock/pipeline:VerdictStubbed ./mock/pipeline:VerdictFaulted ./mock/pipeline:VerdictInvalid ./mock/pipeline:VerdictUnrouted ./mock/server/stubs:AllSessions ./mock/server/stubs:Stub ./mock/server/stubs:Match=StubMatch ./mock/server/stubs:Response=StubResponse ./mock/server/stubs:VendorError=StubError ./mock/server:FixturesReport ./mock/server:FixtureFile ./mock/server:FixturesError

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SessionHeader names the session of a request on the plain vendor paths,
// for clients that set the whole path themselves (the Huawei Go SDK keeps
// only the scheme and host of its endpoint).
const SessionHeader = "X-Repomock-Session"

// sessionNameRE is what the server takes as a session name.
var sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Session is a test's own partition of a container: its objects in every
// vendor, its journal entries and its faults. It is made on first use,
// with the container's fixtures loaded.
type Session struct {
	// Name is the session's name.
	Name string
	c    *Container
	base string
}

// Session returns a new session of its own for t, named after the test,
// and deletes it when the test ends. It fails the test when the container
// cannot be reached.
func (c *Container) Session(t testing.TB) *Session {
	t.Helper()
	name := sessionName(t.Name())
	s, err := c.NewSession(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Delete(ctx); err != nil {
			t.Errorf("delete session %s: %v", name, err)
		}
	})
	return s
}

// sessionName makes a unique session name from a test name: its letters,
// digits, '.', '_' and '-', and a random suffix.
func sessionName(testName string) string {
	clean := strings.Map(func(r rune) rune {
		if r < 128 && sessionNameRE.MatchString(string(r)) {
			return r
		}
		return '-'
	}, testName)
	if len(clean) > 55 {
		clean = clean[:55]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return clean + "-" + hex.EncodeToString(b[:])
}

// NewSession returns a handle on the session name (1 to 64 characters of
// A-Z a-z 0-9 . _ -). The server makes it on its first request; Delete
// drops it.
func (c *Container) NewSession(ctx context.Context, name string) (*Session, error) {
	if !sessionNameRE.MatchString(name) {
		return nil, fmt.Errorf("session %q: a name is 1 to 64 characters of A-Z a-z 0-9 . _ -", name)
	}
	base, err := c.URL(ctx)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", name, err)
	}
	return &Session{Name: name, c: c, base: base}, nil
}

// URL is the session's base URL, http://host:port/__sessions/NAME: every
// vendor path after it is in the session. Give it to any client that keeps
// its endpoint's path (plain HTTP, Endor's SDK, most generated clients).
func (s *Session) URL() string { return s.base + "/__sessions/" + s.Name }

// EndorURL is the base URL to give an Endor Labs client in the session.
func (s *Session) EndorURL() string { return s.URL() }

// CodeArtsURL is the base URL of CodeArts Repo in the session, for a client
// that keeps its endpoint's path. The Huawei Go SDK does not: give it the
// container's URL and Transport.
func (s *Session) CodeArtsURL() string { return s.URL() }

// ServiceStageURL is the base URL of ServiceStage in the session, for a
// client that keeps its endpoint's path (see CodeArtsURL).
func (s *Session) ServiceStageURL() string { return s.URL() }

// Transport returns a round tripper that sends every request in the
// session with SessionHeader, through next (http.DefaultTransport when
// nil): for the Huawei Go SDK, config.DefaultHttpConfig().WithHttpRoundTripper(s.Transport(nil)),
// with the container's URL as the endpoint. The header is not signed, so
// the SDK's signature still holds.
func (s *Session) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return sessionTransport{name: s.Name, next: next}
}

type sessionTransport struct {
	name string
	next http.RoundTripper
}

func (t sessionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(SessionHeader, t.name)
	return t.next.RoundTrip(r)
}

// Reset drops the session's objects (the fixtures come back on its next
// request), its journal entries and its faults.
func (s *Session) Reset(ctx context.Context) error {
	if err := s.c.admin(ctx, http.MethodPost, "/__admin/reset?session="+url.QueryEscape(s.Name), nil, nil); err != nil {
		return fmt.Errorf("reset session %s: %w", s.Name, err)
	}
	return nil
}

// Delete drops the session as Reset does; a later request makes it afresh.
func (s *Session) Delete(ctx context.Context) error {
	if err := s.c.admin(ctx, http.MethodDelete, "/__admin/sessions/"+url.PathEscape(s.Name), nil, nil); err != nil {
		return fmt.Errorf("delete session %s: %w", s.Name, err)
	}
	return nil
}

// InjectFault injects f into the session (f.Session is set to it).
func (s *Session) InjectFault(ctx context.Context, f Fault) (*InjectedFault, error) {
	f.Session = s.Name
	return s.c.InjectFault(ctx, f)
}

// Requests returns the session's requests; see Container.Requests.
func (s *Session) Requests(ctx context.Context, filters ...RequestFilter) ([]Request, error) {
	return s.c.Requests(ctx, append([]RequestFilter{InSession(s.Name)}, filters...)...)
}

// WaitForRequests waits for n of the session's requests; see Container.WaitForRequests.
func (s *Session) WaitForRequests(ctx context.Context, n int, filters ...RequestFilter) ([]Request, error) {
	return s.c.WaitForRequests(ctx, n, append([]RequestFilter{InSession(s.Name)}, filters...)...)
}

// Sessions lists the sessions in use; the default one is named "".
func (c *Container) Sessions(ctx context.Context) ([]SessionInfo, error) {
	var out struct {
		Sessions []SessionInfo `json:"sessions"`
	}
	if err := c.admin(ctx, http.MethodGet, "/__admin/sessions", nil, &out); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return out.Sessions, nil
}

// InjectedFault is a fault the server holds.
type InjectedFault struct {
	ID string
	c  *Container
}

// InjectFault adds a fault (POST /__admin/faults).
func (c *Container) InjectFault(ctx context.Context, f Fault) (*InjectedFault, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := c.admin(ctx, http.MethodPost, "/__admin/faults", f, &out); err != nil {
		return nil, fmt.Errorf("inject fault: %w", err)
	}
	return &InjectedFault{ID: out.ID, c: c}, nil
}

// Remove removes the fault. A fault the server no longer holds is not an
// error: one with Times removes itself once it has fired that many times,
// and a reset or an earlier Remove drops it, so the 404 the server then
// answers means the fault is gone, as asked. A deferred Remove is safe
// whether or not the fault fired.
func (f *InjectedFault) Remove(ctx context.Context) error {
	err := f.c.admin(ctx, http.MethodDelete, "/__admin/faults/"+url.PathEscape(f.ID), nil, nil)
	if gone := (*adminError)(nil); errors.As(err, &gone) && gone.status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove fault %s: %w", f.ID, err)
	}
	return nil
}

// RemoveFaults removes every fault of every session.
func (c *Container) RemoveFaults(ctx context.Context) error {
	if err := c.admin(ctx, http.MethodDelete, "/__admin/faults", nil, nil); err != nil {
		return fmt.Errorf("remove faults: %w", err)
	}
	return nil
}

// Stub adds st to the session (st.Session is set to it); see Container.Stub.
func (s *Session) Stub(ctx context.Context, st Stub) (*AddedStub, error) {
	st.Session = s.Name
	return s.c.Stub(ctx, st)
}

// AddedStub is a stub the server holds, as it holds it: its ID, and its
// request with the vendor, the operation and the path parameters the
// server found.
type AddedStub struct {
	Stub
	c *Container
}

// Stub adds a stub (POST /__admin/stubs): the requests it matches get its
// answer in the vendor's place, after authentication and validation. Its
// answer is checked against the operation's spec first: one the vendor
// could never give is refused, and the error names each violation.
// st.Session is the session it answers in ("" the default session,
// AllSessions every one).
func (c *Container) Stub(ctx context.Context, st Stub) (*AddedStub, error) {
	// The server sets the ID and counts the answers: they are not sent.
	body := struct {
		Session  string       `json:"session"`
		Request  StubMatch    `json:"request"`
		Response StubResponse `json:"response"`
		Times    int          `json:"times"`
	}{st.Session, st.Request, st.Response, st.Times}
	added := &AddedStub{c: c}
	if err := c.admin(ctx, http.MethodPost, "/__admin/stubs", body, &added.Stub); err != nil {
		return nil, fmt.Errorf("stub: %w", err)
	}
	return added, nil
}

// Remove removes the stub. A stub the server no longer holds is not an
// error: one with Times removes itself once it has answered them, and a
// reset or an earlier Remove drops it.
func (s *AddedStub) Remove(ctx context.Context) error {
	err := s.c.admin(ctx, http.MethodDelete, "/__admin/stubs/"+url.PathEscape(s.ID), nil, nil)
	if gone := (*adminError)(nil); errors.As(err, &gone) && gone.status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove stub %s: %w", s.ID, err)
	}
	return nil
}

// Stubs lists the stubs the server holds, in the order they were added
// (the newest that matches a request answers it), with how often each
// answered.
func (c *Container) Stubs(ctx context.Context) ([]Stub, error) {
	var out struct {
		Stubs []Stub `json:"stubs"`
	}
	if err := c.admin(ctx, http.MethodGet, "/__admin/stubs", nil, &out); err != nil {
		return nil, fmt.Errorf("stubs: %w", err)
	}
	return out.Stubs, nil
}

// RemoveStubs removes every stub of every session.
func (c *Container) RemoveStubs(ctx context.Context) error {
	if err := c.admin(ctx, http.MethodDelete, "/__admin/stubs", nil, nil); err != nil {
		return fmt.Errorf("remove stubs: %w", err)
	}
	return nil
}

// Fixtures reports the fixtures in use (GET /__admin/fixtures), and why
// the last reload did not replace them, if it failed.
func (c *Container) Fixtures(ctx context.Context) (FixturesReport, error) {
	var out FixturesReport
	if err := c.admin(ctx, http.MethodGet, "/__admin/fixtures", nil, &out); err != nil {
		return out, fmt.Errorf("fixtures: %w", err)
	}
	return out, nil
}

// RequestFilter narrows Requests and WaitForRequests.
type RequestFilter func(url.Values)

// InSession keeps the requests of one session ("" is the default session).
func InSession(name string) RequestFilter { return func(q url.Values) { q.Set("session", name) } }

// ForVendor keeps the requests of one vendor: endor, codearts or servicestage.
func ForVendor(id string) RequestFilter { return func(q url.Values) { q.Set("vendor", id) } }

// ForOperation keeps the requests of one operation, by operationId.
func ForOperation(id string) RequestFilter { return func(q url.Values) { q.Set("operation", id) } }

// WithStatus keeps the requests answered with status.
func WithStatus(status int) RequestFilter {
	return func(q url.Values) { q.Set("status", strconv.Itoa(status)) }
}

// Limit keeps the newest n requests.
func Limit(n int) RequestFilter { return func(q url.Values) { q.Set("limit", strconv.Itoa(n)) } }

// Requests returns the vendor requests the filters keep, newest first,
// from the server's journal (since start or the last Reset; the journal
// keeps the last 1000 requests and 64 MiB by default). Admin requests are
// not recorded.
func (c *Container) Requests(ctx context.Context, filters ...RequestFilter) ([]Request, error) {
	q := url.Values{}
	for _, f := range filters {
		f(q)
	}
	path := "/__admin/requests"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out struct {
		Requests []Request `json:"requests"`
	}
	if err := c.admin(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	return out.Requests, nil
}

// WaitForRequests waits until the journal holds at least n requests that
// the filters keep, and returns them, newest first. It gives up when ctx
// is done, returning what it last saw with the error.
func (c *Container) WaitForRequests(ctx context.Context, n int, filters ...RequestFilter) ([]Request, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last []Request
	for {
		reqs, err := c.Requests(ctx, filters...)
		switch {
		case err == nil && len(reqs) >= n:
			return reqs, nil
		case err == nil:
			last = reqs
		case ctx.Err() == nil:
			return last, err
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("wait for %d requests: %d arrived: %w", n, len(last), ctx.Err())
		case <-tick.C:
		}
	}
}

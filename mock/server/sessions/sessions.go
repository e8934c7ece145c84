// Package sessions is how the server partitions itself by test session:
// it reads each request's session, first of all, from its path prefix or
// its header, and bounds the sessions in use (Tracker). What a session
// holds is kept where it is kept (each vendor's state, the journal, the
// faults); the server drops it there.
package sessions

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
)

// A session is a test's own partition of the server: its objects in every
// fake, its journal entries and its faults. A client names it with the
// path prefix /__sessions/{name}/ before a vendor path (an SDK takes the
// prefixed URL as its endpoint), or with the SessionHeader on the plain
// paths. Without either a request is in the default session, whose name
// is "". A session is made on first use, with the fixtures loaded: it
// shares them until it writes (mock/session).
//
// Config.MaxSessions bounds the named sessions in use: a request that
// names a new one past the bound evicts the least recently used session
// with no request in flight, which is dropped as DELETE
// /__admin/sessions/{name} would drop it, and logged. When every session
// has a request in flight, the request gets 503 in its vendor's shape.

// Header names the session of a request on the plain vendor paths.
const Header = "X-Repomock-Session"

// Prefix starts a path whose vendor path is in a session:
// /__sessions/{name}/v1/….
const Prefix = "/__sessions/"

// NameRule is what a session name may be, in words.
const NameRule = "1 to 64 characters of A-Z a-z 0-9 . _ -"

// ValidName reports whether name is a session name (NameRule).
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// clientURL is the path a client sent, before the session prefix was taken off.
type clientURL struct{ path, rawPath string }

// Select returns the middleware that reads a request's session, first of
// all, and takes the prefix off its path so that the vendor routes match
// it; it gives the request its State (from states, taken back once the
// request is answered). A bad name, or a session that cannot start, is kept
// for Check, which answers it in the vendor's shape once the vendor's
// gateway has seen the request. The prefix wins over the header.
func Select(t *Tracker, states *pipeline.States) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := states.Begin(c)
			defer states.End(c)
			if err := selectSession(c, st, next, t); err != nil {
				// Answered now, by echo's error handler (the server's one
				// error writer), while the request's State is there to say
				// whose error it is.
				c.Error(err)
			}
			return nil
		}
	}
}

func selectSession(c echo.Context, st *pipeline.State, next echo.HandlerFunc, t *Tracker) error {
	r := c.Request()
	name, orig, prefixed := cutSessionPrefix(r.URL)
	switch {
	case prefixed:
		if orig.path != "" {
			st.Sent = &pipeline.SentPath{Path: orig.path, RawPath: orig.rawPath}
		}
	case admin.Owns(r.URL.Path):
		return next(c)
	default:
		name = r.Header.Get(Header)
	}
	switch {
	case name == "" && !prefixed:
	case !ValidName(name):
		st.Refused = echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("session name %q: must be %s", admin.Clip(name), NameRule))
	default:
		end, err := t.Begin(name)
		if err != nil {
			st.Refused = echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf(
				"session %q cannot start: %d sessions are in use (the --max-sessions limit) and each has a request in flight; try again once one has finished, or raise --max-sessions", name, t.max))
			break
		}
		defer end()
		st.Session = name
	}
	return next(c)
}

// cutSessionPrefix takes /__sessions/{name} off u's path (and its escaped
// form), and returns the name and the path as it was. A path of the
// admin API (admin.Owns) is not served in a session: it keeps its prefix
// and matches nothing. When the escaped form names another session (an escaped '/'
// in the name), the name returned is not a valid one.
func cutSessionPrefix(u *url.URL) (name string, orig clientURL, prefixed bool) {
	rest, found := strings.CutPrefix(u.Path, Prefix)
	if !found {
		return "", orig, false
	}
	name, tail, _ := strings.Cut(rest, "/")
	tail = "/" + tail
	if admin.Owns(tail) {
		return "", orig, false
	}
	rawTail := ""
	if u.RawPath != "" {
		rawRest, found := strings.CutPrefix(u.RawPath, Prefix)
		rawName, t, _ := strings.Cut(rawRest, "/")
		if !found || rawName != name {
			return rawName + "/", orig, true
		}
		rawTail = "/" + t
	}
	orig = clientURL{path: u.Path, rawPath: u.RawPath}
	u.Path, u.RawPath = tail, rawTail
	return name, orig, true
}

// Check answers a bad session name (400) or a session that cannot start
// (503), in the vendor's shape.
func Check(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := pipeline.StateOf(c).Refused; err != nil {
			return err
		}
		return next(c)
	}
}

// AsClientSent runs f on the request with the path the client sent, the
// session prefix included: a request signature covers that path.
func AsClientSent(c echo.Context, f func(echo.Context) error) error {
	st := pipeline.StateOf(c)
	if st.Sent == nil {
		return f(c)
	}
	u := c.Request().URL
	path, raw := u.Path, u.RawPath
	u.Path, u.RawPath = st.Sent.Path, st.Sent.RawPath
	defer func() { u.Path, u.RawPath = path, raw }()
	return f(c)
}

// SessionInfo is one session in GET /__admin/sessions.
type SessionInfo struct {
	Name string `json:"name"`
	// Objects counts the session's objects by vendor id.
	Objects map[string]int `json:"objects"`
	// Requests counts its requests in the journal.
	Requests int `json:"requests"`
	// Faults counts its faults.
	Faults int `json:"faults"`
	// Stubs counts its stubs (those of every session are not counted).
	Stubs int `json:"stubs"`
}

// SessionsReport is GET /__admin/sessions: the sessions in use, and the
// bound on them.
type SessionsReport struct {
	Sessions []SessionInfo `json:"sessions"`
	// MaxSessions is Config.MaxSessions: how many named sessions may be in
	// use at once (the default session is not counted).
	MaxSessions int `json:"max_sessions"`
	// Evicted counts the sessions dropped since the start to stay within
	// it, the least recently used first; each is logged.
	Evicted uint64 `json:"evicted"`
}

// Info is one session in GET /__admin/sessions.
type Info struct {
	Name string `json:"name"`
	// Objects counts the session's objects by vendor id.
	Objects map[string]int `json:"objects"`
	// Requests counts its requests in the journal.
	Requests int `json:"requests"`
	// Faults counts its faults.
	Faults int `json:"faults"`
	// Stubs counts its stubs (those of every session are not counted).
	Stubs int `json:"stubs"`
}

// Report is GET /__admin/sessions: the sessions in use, and the bound on
// them.
type Report struct {
	Sessions []Info `json:"sessions"`
	// MaxSessions is Config.MaxSessions: how many named sessions may be in
	// use at once (the default session is not counted).
	MaxSessions int `json:"max_sessions"`
	// Evicted counts the sessions dropped since the start to stay within
	// it, the least recently used first; each is logged.
	Evicted uint64 `json:"evicted"`
}

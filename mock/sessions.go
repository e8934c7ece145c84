package mock

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
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

// SessionHeader names the session of a request on the plain vendor paths.
const SessionHeader = "X-Repomock-Session"

// SessionPrefix starts a path whose vendor path is in a session:
// /__sessions/{name}/v1/….
const SessionPrefix = "/__sessions/"

// sessionNameRE is what a session name may be.
var sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// clientURL is the path a client sent, before the session prefix was taken off.
type clientURL struct{ path, rawPath string }

// sessionOf is the session of a request: the fakes' Session hook.
func sessionOf(c echo.Context) string { return pipeline.SessionOf(c) }

// selectSession reads the request's session, first of all, and takes the
// prefix off its path so that the vendor routes match it. A bad name is
// kept for checkSession, which answers it in the vendor's shape once the
// vendor's gateway has seen the request. The prefix wins over the header.
func (s *Server) selectSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The request's state is made first, before any writer is put in
		// front of the client's connection.
		st := pipeline.StateOf(c)
		st.SetWriteTimeout(s.cfg.WriteTimeout)
		r := c.Request()
		name, orig, prefixed := cutSessionPrefix(r.URL)
		switch {
		case prefixed:
			st.ClientPath, st.ClientRawPath = orig.path, orig.rawPath
		case strings.HasPrefix(r.URL.Path, adminPrefix):
			return next(c)
		default:
			name = r.Header.Get(SessionHeader)
		}
		switch {
		case name == "" && !prefixed:
		case !sessionNameRE.MatchString(name):
			st.Refused = echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("session name %q: must be 1 to 64 characters of A-Z a-z 0-9 . _ -", clipName(name)))
		default:
			end, err := s.sessions.Begin(name)
			if err != nil {
				st.Refused = echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf(
					"session %q cannot start: %d sessions are in use (the --max-sessions limit) and each has a request in flight; try again once one has finished, or raise --max-sessions", name, s.cfg.MaxSessions))
				break
			}
			defer end()
			st.Session = name
		}
		return next(c)
	}
}

// cutSessionPrefix takes /__sessions/{name} off u's path (and its escaped
// form), and returns the name and the path as it was. A path under
// /__admin is not served in a session: it keeps its prefix and matches
// nothing. When the escaped form names another session (an escaped '/'
// in the name), the name returned is not a valid one.
func cutSessionPrefix(u *url.URL) (name string, orig clientURL, prefixed bool) {
	rest, found := strings.CutPrefix(u.Path, SessionPrefix)
	if !found {
		return "", orig, false
	}
	name, tail, _ := strings.Cut(rest, "/")
	tail = "/" + tail
	if strings.HasPrefix(tail, adminPrefix) {
		return "", orig, false
	}
	rawTail := ""
	if u.RawPath != "" {
		rawRest, found := strings.CutPrefix(u.RawPath, SessionPrefix)
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

// checkSession answers a bad session name (400) or a session that cannot
// start (503), in the vendor's shape.
func (s *Server) checkSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := pipeline.StateOf(c).Refused; err != nil {
			return err
		}
		return next(c)
	}
}

func clipName(s string) string {
	if len(s) > 70 {
		return s[:70] + "…"
	}
	return s
}

// asClientSent runs f on the request with the path the client sent, the
// session prefix included: a Huawei signature covers that path.
func asClientSent(c echo.Context, f func(echo.Context) error) error {
	st := pipeline.StateOf(c)
	if st.ClientPath == "" {
		return f(c)
	}
	u := c.Request().URL
	path, raw := u.Path, u.RawPath
	u.Path, u.RawPath = st.ClientPath, st.ClientRawPath
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

// sessionsReport is what GET /__admin/sessions answers.
func (s *Server) sessionsReport() SessionsReport {
	_, limit, evicted := s.sessions.Stats()
	return SessionsReport{Sessions: s.Sessions(), MaxSessions: limit, Evicted: evicted}
}

// Sessions lists the sessions in use, by name, the default one ("") first.
func (s *Server) Sessions() []SessionInfo {
	byName := map[string]*SessionInfo{}
	get := func(name string) *SessionInfo {
		if si, ok := byName[name]; ok {
			return si
		}
		si := &SessionInfo{Name: name, Objects: map[string]int{}}
		byName[name] = si
		return si
	}
	for _, v := range s.vendors {
		for name, n := range v.SessionObjects() {
			get(name).Objects[v.ID()] = n
		}
	}
	for name, n := range s.journal.countBySession() {
		get(name).Requests = n
	}
	for _, f := range s.faults.list() {
		get(f.Session).Faults++
	}
	out := make([]SessionInfo, 0, len(byName))
	for _, si := range byName {
		out = append(out, *si)
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ResetSession drops one session: its objects in every fake (made afresh,
// fixtures included, on its next use), its journal entries and its faults.
func (s *Server) ResetSession(name string) {
	s.dropSession(name)
	s.sessions.Forget(name)
}

// dropSession drops a session's state everywhere it is kept, for a reset
// or an eviction.
func (s *Server) dropSession(name string) {
	for _, v := range s.vendors {
		v.DropSession(name)
	}
	s.journal.dropSession(name)
	s.faults.dropSession(name)
}

// evictSession drops the least recently used session to make room for a
// new one (the tracker's evict). What it held is logged, so that nothing
// a client stored goes without a word.
func (s *Server) evictSession(name string) {
	var held []any
	for _, v := range s.vendors {
		if kind, n, _ := v.Objects(name, 0); kind != "" {
			held = append(held, v.ID(), fmt.Sprintf("%d %s", n, kind))
		}
	}
	s.dropSession(name)
	s.log.Info("session evicted: the least recently used, to stay within --max-sessions; it starts afresh from the fixtures on its next request",
		append([]any{"session", name, "max_sessions", s.cfg.MaxSessions}, held...)...)
}

// trackRestored tracks the sessions a state file brought back, so that
// they count against Config.MaxSessions like any other.
func (s *Server) trackRestored() {
	names := map[string]bool{}
	for _, v := range s.vendors {
		for name := range v.SessionObjects() {
			names[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		_ = s.sessions.Add(name) // nothing is in flight yet: never ErrAllBusy
	}
}

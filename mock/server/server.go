// Package server assembles the repomock server: it builds the vendors of
// the list (mock/vendors) and loads their specs, puts every spec'd route
// behind the validating pipeline, renders every error in its vendor's
// shape, and serves the admin API under /__admin; it keeps the state file,
// and loads the fixtures. It names no vendor. Its parts are packages of
// their own beside it: the journal, the faults, the sessions, the console
// and what the admin API shares. It holds no global state: a Server is
// built from a Config and can run on :0 inside a test.
package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/faults"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/server/stubs"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/specs"
)

// Defaults of Config.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMaxBodyBytes    = pipeline.DefaultMaxBodyBytes
	DefaultJournalSize     = 1000
	DefaultShutdownTimeout = 10 * time.Second
	DefaultWriteTimeout    = 60 * time.Second
	DefaultMaxSessions     = 1000
	// DefaultMaxStreamClients and DefaultStreamMaxBytes bound the journal
	// stream (GET /__admin/requests/stream): the console of a few tabs.
	DefaultMaxStreamClients = 16
	DefaultStreamMaxBytes   = 4 << 20
	DefaultMaxFaults        = 1000
	DefaultMaxStubs         = 1000
	DefaultJournalMaxBytes  = journal.DefaultMaxBytes
)

// Config configures a Server. The zero value serves the embedded specs on
// DefaultAddr with random ids and no fixtures.
type Config struct {
	// Addr is where Run listens: host:port, or a port alone, on
	// 127.0.0.1 (ListenAddr). Default DefaultAddr.
	Addr string
	// SpecsDir, when set, replaces the embedded specs with the files of the
	// same names in this directory.
	SpecsDir string
	// FixturesDir, when set, is read at start and again on every reset
	// (POST /__admin/reset): <dir>/endor.yaml, codearts.yaml and
	// servicestage.yaml seed the fakes. Any other file there is logged as
	// a warning.
	FixturesDir string
	// Watch reloads the fixtures while Serve runs, when their files
	// change, and resets the vendors' state to them (the journal, faults
	// and stubs stay). It needs FixturesDir.
	Watch bool
	// WatchInterval is how often Watch looks at the files. Default
	// DefaultWatchInterval.
	WatchInterval time.Duration
	// Seed makes ids and generated values repeatable; 0 means random:
	// New then draws one, which Server.Seed reports.
	Seed uint64
	// LenientResponses logs a response that breaks its spec and marks it
	// with X-Repomock-Violation instead of answering 500.
	LenientResponses bool
	// Validator is what checks requests and answers first:
	// pipeline.ValidatorCompiled (the default), a validator compiled from
	// the specs that leaves to kin-openapi only the wording of what it
	// refuses, or pipeline.ValidatorKinOpenAPI, kin-openapi alone. The
	// verdicts and messages are the same.
	Validator string
	// MaxBodyBytes bounds a request body (413 above it). Default 10 MiB.
	MaxBodyBytes int64
	// JournalSize is how many requests GET /__admin/requests keeps. Default 1000.
	JournalSize int
	// MaxSessions bounds the named sessions in use at once: past it, the
	// least recently used session with no request in flight is evicted
	// (dropped, and logged). Default DefaultMaxSessions.
	MaxSessions int
	// MaxStreamClients bounds the clients of the journal stream at once;
	// one more gets 503. Default DefaultMaxStreamClients.
	MaxStreamClients int
	// StreamMaxBytes bounds what the journal stream sends one client at
	// once and holds for it: its backlog (older entries left out), each
	// entry (bodies left out past it), and the entries waiting for a slow
	// client (past it, the client is sent the backlog again). Default
	// DefaultStreamMaxBytes.
	StreamMaxBytes int64
	// MaxFaults bounds the faults held at once; one more is refused with
	// 409. Default DefaultMaxFaults.
	MaxFaults int
	// MaxStubs bounds the stubs held at once; one more is refused with
	// 409. Default DefaultMaxStubs.
	MaxStubs int
	// JournalMaxBytes bounds the bodies and headers the journal keeps, all
	// requests together; the oldest go first. Each body is cut at a
	// sixteenth of it (1 MiB at most). Default DefaultJournalMaxBytes.
	JournalMaxBytes int64
	// Vendors are the vendors served, with their settings: nil means every
	// vendor repomock fakes (vendors.List), with their settings at their
	// defaults. A test can serve a fake it holds (vendor.Serve).
	Vendors []vendor.Plugin
	// AdminToken, when set, is required in the X-Repomock-Admin-Token header
	// of every /__admin request but GET /__admin/health.
	AdminToken string
	// AdminOpen allows an /__admin without a token on an address that is
	// not loopback (inside a container, whose network is the boundary).
	// Without it, New refuses such an address unless AdminToken is set.
	AdminOpen bool
	// AllowedHosts are the Host names, beyond localhost (and its
	// subdomains), IP addresses and the host of Addr, that /__admin (but
	// health) and the console answer to: a name, ".example.com" for a
	// domain and its subdomains, or "*" for any. Any other gets 403, so
	// that a web page cannot reach them by DNS rebinding. Vendor routes
	// answer to any Host.
	AllowedHosts []string
	// ReadHeaderTimeout bounds how long a client may take to send its
	// request headers, so a slow client cannot hold a connection. Default 10s.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds how long an answer takes to be written, counted
	// from the end of the request, so that a client that stops reading
	// cannot hold a connection. A wait the server makes on purpose (a
	// delay fault, the proxy's wait for its upstream) is added to it for
	// that request. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight requests. Default 10s.
	ShutdownTimeout time.Duration
	// Logger receives the server's logs. nil discards them.
	Logger *slog.Logger
	// Clock replaces the wall clock, for tests. nil means time.Now.
	Clock func() time.Time
	// StateFile, when set, is where the state of every fake is kept: New
	// loads it when it exists (a file it cannot read stops the server),
	// and Serve saves it every StateInterval and after shutdown, with an
	// atomic write. See SaveState.
	StateFile string
	// StateInterval is how often Serve saves the state. Default DefaultStateInterval.
	StateInterval time.Duration
	// StateDurability says when a write reaches StateFile: DurabilityInterval
	// (the default: at the next save) or DurabilityFsync (before it is
	// answered, through a change log beside the file).
	StateDurability string
}

// Server is a repomock server. Build it with New.
type Server struct {
	cfg      Config
	log      *slog.Logger
	echo     *echo.Echo
	vendors  []vendor.Vendor
	byID     map[string]vendor.Vendor
	journal  *journal.Journal
	faults   *faults.Faults
	stubs    *stubs.Stubs
	sessions *sessions.Tracker
	states   pipeline.States // of the requests, made once
	routes   []Route
	// validators are the vendors' pipelines, by vendor id.
	validators map[string]*pipeline.Validator
	// stubOps are the operations a stub can answer; stubRoutes finds
	// each by its route (method and echo path).
	stubOps    []stubs.Operation
	stubRoutes map[string]int
	ready      atomic.Bool
	// adminHosts are the Host names the admin API answers to.
	adminHosts admin.Hosts
	// credentialOps are the operations that exchange credentials, whose
	// bodies are redacted whole when they are not JSON.
	credentialOps map[operationKey]bool
	// secrets are the vendors' secret headers and fields, which the
	// journal redacts besides the usual ones.
	secrets *redact.Rules
	// longHeaders are the headers (canonical) a vendor takes longer than
	// MaxHeaderBytes.
	longHeaders map[string]bool

	// reloadMu keeps a reload of the fixtures and its reset apart from
	// another's.
	reloadMu sync.Mutex
	// fixturesMu guards what GET /__admin/fixtures reports.
	fixturesMu       sync.Mutex
	fixtureFiles     []FixtureFile
	fixturesLoadedAt time.Time
	fixturesErr      *FixturesError

	saveMu   sync.Mutex // one save at a time, so the newest state is the last written
	saved    bool
	savedSum [sha256.Size]byte // of the state last written
	changes  *changeLog        // DurabilityFsync's, once the state is loaded
	foldedAt uint64            // the changes the state file last written holds
}

// operationKey names an operation: its vendor's id and its operationId.
type operationKey struct{ vendor, operation string }

// Route is one vendor operation the server serves.
type Route struct {
	Vendor      string
	Method      string
	Path        string
	OperationID string
}

func (r Route) String() string {
	return fmt.Sprintf("%-6s %s  (%s %s)", r.Method, r.Path, r.Vendor, r.OperationID)
}

// WithDefaults fills in what the zero values of cfg stand for, drawing a
// seed when it is 0. New and the proxy's both start from it.
func (cfg Config) WithDefaults() Config {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	cfg.Addr = ListenAddr(cfg.Addr)
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.JournalSize <= 0 {
		cfg.JournalSize = DefaultJournalSize
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxStreamClients <= 0 {
		cfg.MaxStreamClients = DefaultMaxStreamClients
	}
	if cfg.StreamMaxBytes <= 0 {
		cfg.StreamMaxBytes = DefaultStreamMaxBytes
	}
	if cfg.MaxFaults <= 0 {
		cfg.MaxFaults = DefaultMaxFaults
	}
	if cfg.MaxStubs <= 0 {
		cfg.MaxStubs = DefaultMaxStubs
	}
	if cfg.JournalMaxBytes <= 0 {
		cfg.JournalMaxBytes = journal.DefaultMaxBytes
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.StateInterval <= 0 {
		cfg.StateInterval = DefaultStateInterval
	}
	if cfg.WatchInterval <= 0 {
		cfg.WatchInterval = DefaultWatchInterval
	}
	if cfg.StateDurability == "" {
		cfg.StateDurability = DurabilityInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Drawn here rather than by each generator, so that Seed can report it
	// and the run can be repeated.
	for cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	return cfg
}

// New loads and checks the specs and the fixtures and builds the server.
// Any problem with them is returned, naming the file.
func New(cfg Config) (*Server, error) {
	cfg = cfg.WithDefaults()
	log := cfg.Logger
	switch {
	case cfg.StateDurability != DurabilityInterval && cfg.StateDurability != DurabilityFsync:
		return nil, fmt.Errorf("state durability %q is not %s or %s", cfg.StateDurability, DurabilityInterval, DurabilityFsync)
	case cfg.StateDurability == DurabilityFsync && cfg.StateFile == "":
		return nil, fmt.Errorf("state durability %s keeps each write in the state file: it needs one (--state-file)", DurabilityFsync)
	case cfg.Watch && cfg.FixturesDir == "":
		return nil, errors.New("watch reloads the fixtures when their files change: it needs a fixtures directory (--fixtures)")
	}
	if err := pipeline.CheckValidator(cfg.Validator); err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	if !isLoopback(cfg.Addr) && cfg.AdminToken == "" && !cfg.AdminOpen {
		return nil, fmt.Errorf("refusing to serve /__admin (reset, the request journal) on %s, which is not a loopback address, without an admin token: set --admin-token, or --admin-open where the network is private (a container)", cfg.Addr)
	}
	adminHosts, err := admin.NewHosts(cfg.Addr, cfg.AllowedHosts)
	if err != nil {
		return nil, err
	}
	vendors, files, err := buildVendors(cfg)
	if err != nil {
		return nil, err
	}

	s := &Server{cfg: cfg, log: log, journal: journal.New(cfg.JournalSize, cfg.JournalMaxBytes, cfg.MaxBodyBytes), faults: faults.New(cfg.MaxFaults),
		stubs: stubs.New(cfg.MaxStubs), validators: map[string]*pipeline.Validator{}, stubRoutes: map[string]int{},
		fixtureFiles: files, fixturesLoadedAt: cfg.Clock().UTC(), vendors: vendors, credentialOps: map[operationKey]bool{}, adminHosts: adminHosts}
	s.byID = make(map[string]vendor.Vendor, len(vendors))
	s.longHeaders = map[string]bool{}
	var secretHeaders, secretFields []string
	for _, v := range vendors {
		s.byID[v.ID()] = v
		for _, h := range v.LongHeaders() {
			s.longHeaders[http.CanonicalHeaderKey(h)] = true
		}
		sec := v.Secrets()
		secretHeaders, secretFields = append(secretHeaders, sec.Headers...), append(secretFields, sec.Fields...)
	}
	s.secrets = redact.NewRules(secretHeaders, secretFields)
	s.sessions = sessions.NewTracker(cfg.MaxSessions, s.evictSession)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// The session comes first: its prefix is not part of the vendor's path.
	// A vendor's gateway sees each of its requests before anything else can
	// answer it.
	e.Pre(sessions.Select(s.sessions, &s.states), s.vendorGateway, sessions.Check, s.limits)
	e.Use(s.journal.Record(journal.Recording{Clock: cfg.Clock, Log: log, Secrets: s.secrets, WriteError: s.writeError,
		Credentials: func(v, op string) bool { return s.credentialOps[operationKey{v, op}] }}), s.recoverPanics)
	s.echo = e

	if err := s.loadState(); err != nil {
		return nil, err
	}
	s.trackRestored()
	for _, v := range s.vendors {
		doc, err := LoadSpec(cfg, v.Spec())
		if err != nil {
			if cfg.SpecsDir != "" {
				return nil, fmt.Errorf("specs directory %s: %w", cfg.SpecsDir, err)
			}
			return nil, err
		}
		opts := v.Validation()
		opts.LenientResponses = cfg.LenientResponses
		opts.Validator = cfg.Validator
		opts.MaxBodyBytes = cfg.MaxBodyBytes
		opts.Authenticate = func(c echo.Context) error { return sessions.AsClientSent(c, v.Authenticate) }
		opts.Intercept = s.faults.Stage(v, doc, cfg.Clock, cfg.WriteTimeout)
		opts.ErrFunc = s.writeError
		opts.Logger = log
		val, err := pipeline.New(doc, opts)
		if err != nil {
			return nil, fmt.Errorf("spec %s: %w", v.Spec().File, err)
		}
		if err := val.Register(e, s.stubs.Wrap(v, s.durably(v.Handlers())), onRoute(v)); err != nil {
			return nil, fmt.Errorf("spec %s: %w", v.Spec().File, err)
		}
		s.validators[v.ID()] = val
		s.stubOperations(v, doc, val.Operations())
		for _, op := range val.Operations() {
			s.routes = append(s.routes, Route{Vendor: v.Name(), Method: op.Method, Path: op.Path, OperationID: op.ID})
			if s.secrets.Credentials(doc.Paths.Find(op.Path).GetOperation(op.Method)) {
				s.credentialOps[operationKey{v.ID(), op.ID}] = true
			}
		}
	}

	if err := s.registerAdmin(); err != nil {
		return nil, err
	}
	s.ready.Store(true)
	return s, nil
}

// LoadSpec loads and checks a vendor's spec: from Config.SpecsDir when
// set, else from its own files.
func LoadSpec(cfg Config, sp vendor.Spec) (*openapi3.T, error) {
	fsys := sp.FS
	if fsys == nil {
		fsys = specs.FS()
	}
	if cfg.SpecsDir != "" {
		fsys = os.DirFS(cfg.SpecsDir)
	}
	return specs.Load(context.Background(), fsys, sp.File)
}

// ListenAddr is addr as Run listens on it: a port alone (8081) is that
// port of 127.0.0.1, loopback as the default address is; anything else is
// left as it is (":8081" listens everywhere, and needs an admin token).
func ListenAddr(addr string) string {
	if addr != "" && strings.Trim(addr, "0123456789") == "" {
		return net.JoinHostPort("127.0.0.1", addr)
	}
	return addr
}

// isLoopback reports whether addr (host:port) listens on loopback only.
// An empty host or an unspecified address (0.0.0.0, ::) listens everywhere.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MaxURIBytes and MaxHeaderBytes bound a request's URI and each header
// value (but those a vendor's gateway takes longer: Vendor.LongHeaders).
// Beyond net/http's own 1 MB header limit, net/http answers a plain 431
// itself.
const (
	MaxURIBytes    = 16 << 10
	MaxHeaderBytes = 16 << 10
)

// limits refuses a request line or a header longer than any of the
// vendors' gateways would take. Assumption: their limits are not
// documented; the answer is a 400 in the vendor's shape, a status every
// vendor's spec declares.
func (s *Server) limits(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if len(r.RequestURI) > MaxURIBytes {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("request URI: longer than %d bytes", MaxURIBytes))
		}
		for name, vs := range r.Header {
			if s.longHeaders[name] {
				continue
			}
			for _, v := range vs {
				if len(v) > MaxHeaderBytes {
					return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("header %s: longer than %d bytes", name, MaxHeaderBytes))
				}
			}
		}
		return next(c)
	}
}

// Handler returns the server's HTTP handler, for httptest or an own http.Server.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists the vendor operations served.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Seed is the seed of ids and generated values: Config.Seed, or the one
// New drew when that was 0. Config.Seed set to it repeats the run.
func (s *Server) Seed() uint64 { return s.cfg.Seed }

// Reset drops all state in every session, loads the fixtures in use again
// (ReloadFixtures reads their files again first), and clears the journal,
// the faults and the stubs.
func (s *Server) Reset() {
	for _, v := range s.vendors {
		v.Reset()
	}
	s.makeFixtures()
	s.sessions.Reset()
	s.journal.Reset()
	s.faults.Reset()
	s.stubs.Reset()
}

// Run listens on Config.Addr and serves until ctx is done, then lets
// in-flight requests finish (up to Config.ShutdownTimeout). ready, if not
// nil, receives the bound address once the server accepts connections.
func (s *Server) Run(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then shuts down gracefully. With a
// Config.StateFile, it saves the state every Config.StateInterval and once
// more when the last request has finished.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Shutdown does not end a stream that never finishes by itself (the
	// console's journal stream): end them.
	srv.RegisterOnShutdown(s.journal.CloseSubscribers)
	stopSaving := s.saveStateEvery()
	stopWatching := s.watchFixtures()
	// No reload once the server stops: the last save holds the state.
	stop := func() { stopWatching(); stopSaving() }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Join(err, s.finalSave(stop))
	case <-ctx.Done():
	}
	s.ready.Store(false)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return errors.Join(fmt.Errorf("shutdown: %w", err), s.finalSave(stop))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(err, s.finalSave(stop))
	}
	return s.finalSave(stop)
}

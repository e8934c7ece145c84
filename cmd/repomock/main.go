// Command repomock serves stateful, spec-validating fakes of the Endor Labs,
// Huawei CodeArts Repo and Huawei ServiceStage repository APIs. Every flag but --version can also be set by an
// environment variable: REPOMOCK_ and the flag's name in capitals with - as _
// (--max-body → REPOMOCK_MAX_BODY). A flag given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	// CA roots built in, used when the system has none (the container image
	// is FROM scratch), so that repomock contract can reach https vendors.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	cfg      server.Config
	logLevel slog.Level
	logJSON  bool
	version  bool // --version: print the version instead of serving
}

const usage = `Usage: repomock [flags]              serve the fakes (below)
       repomock contract [flags]     run the contract suite against a target (repomock contract --help)
       repomock proxy [flags]        validate and record live traffic to the vendors (repomock proxy --help)
       repomock health [--url U]     exit 0 when the server at U is ready
       repomock version              print the version and the commit it was built from

Serves fakes of the Endor Labs, Huawei CodeArts Repo and Huawei ServiceStage APIs that validate every
request and response against the vendor's OpenAPI.
Each flag but --version may also be set as REPOMOCK_<FLAG> (for example REPOMOCK_ADDR); the command line wins.
Exit status: 0 after SIGINT or SIGTERM, 1 when the server cannot start or fails, 2 for a bad flag or value.

Flags:
`

// parse reads the flags, then the REPOMOCK_ variables of the flags not
// given. Asked for help, it prints the usage on stdout and returns
// flag.ErrHelp.
func parse(args []string, getenv func(string) string, stdout io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("repomock", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	// Values that need checking are kept as written and checked below,
	// once the variables are applied, so that every message names where
	// its value came from.
	var (
		seed, maxBody, journalSize  = text("0"), text("10MiB"), text(strconv.Itoa(server.DefaultJournalSize))
		stateInterval, level        = text(server.DefaultStateInterval.String()), text("info")
		journalMaxBytes             = text("64MiB")
		maxSessions                 = text(strconv.Itoa(server.DefaultMaxSessions))
		maxStreamClients            = text(strconv.Itoa(server.DefaultMaxStreamClients))
		streamMaxBytes              = text("4MiB")
		maxFaults                   = text(strconv.Itoa(server.DefaultMaxFaults))
		maxStubs                    = text(strconv.Itoa(server.DefaultMaxStubs))
		validator                   = text(pipeline.ValidatorCompiled)
		lenient, adminOpen, logJSON boolText
		watch                       boolText
		version                     boolText
	)
	fs.StringVar(&o.cfg.Addr, "addr", server.DefaultAddr, "`host:port` to listen on, or a port alone (8081: 127.0.0.1:8081)")
	fs.StringVar(&o.cfg.SpecsDir, "specs", "", "`dir`ectory of vendor spec files replacing the embedded ones (same file names; the admin API's stays embedded)")
	fs.StringVar(&o.cfg.FixturesDir, "fixtures", "", "`dir`ectory of fixture files (endor.yaml, codearts.yaml, servicestage.yaml) loaded at start and read again on every reset")
	fs.Var(&watch, "watch", "reload the --fixtures files when they change, and start every session afresh from them (the journal, faults and stubs stay); a file that does not load keeps the fixtures in use, and says why in the log and GET /__admin/fixtures")
	fs.Var(&seed, "seed", "seed for ids and generated values: a whole `number` from 0 to 18446744073709551615; 0 picks a random seed, printed at start")
	fs.Var(&lenient, "lenient-responses", "log a response that breaks its spec and mark it with X-Repomock-Violation instead of answering 500")
	fs.Var(&validator, "validator", validatorUsage)
	fs.Var(&maxBody, "max-body", "largest request `size` accepted (bytes, or with KiB/MiB/GiB); larger gets 413")
	fs.Var(&journalSize, "journal-size", "`number` of requests kept for GET /__admin/requests (at least 1)")
	fs.Var(&journalMaxBytes, "journal-max-bytes", "largest `size` of the bodies and headers the journal keeps, all requests together (bytes, or with KiB/MiB/GiB); the oldest go first, and each body is cut at a sixteenth of it (1 MiB at most)")
	fs.Var(&maxSessions, "max-sessions", "`number` of named sessions in use at once (at least 1); past it, the least recently used session with no request in flight is evicted: dropped as a reset of it would, and logged")
	fs.Var(&maxStreamClients, "max-stream-clients", "`number` of clients of the journal stream (GET /__admin/requests/stream, the console) at once (at least 1); one more gets 503")
	fs.Var(&streamMaxBytes, "stream-max-bytes", "largest `size` the journal stream sends one client at once or holds for it (bytes, or with KiB/MiB/GiB): its first backlog, each entry (bodies left out past it), and the entries waiting for a slow client")
	fs.Var(&maxFaults, "max-faults", "`number` of faults held at once (at least 1); one more is refused with 409")
	fs.Var(&maxStubs, "max-stubs", "`number` of stubs held at once (at least 1); one more is refused with 409")
	server.RegisterFlags(fs, &o.cfg, false) // the vendors' own: --endor-tokens, --huawei-credentials, --repo-auths
	fs.StringVar(&o.cfg.StateFile, "state-file", "", "`path` of a JSON file that keeps all state across restarts: loaded at start when it exists (a file that cannot be loaded stops the server), saved with an atomic write every --state-interval and at shutdown")
	fs.Var(&stateInterval, "state-interval", "how often the state is saved to --state-file (a `duration` such as 30s or 5m)")
	fs.StringVar(&o.cfg.StateDurability, "state-durability", server.DurabilityInterval, "when a write reaches --state-file: `interval` (at the next save; kill -9 loses the writes since) or fsync (each change is appended to <state-file>.log and fsynced before it is answered, so an answered write survives kill -9; the log is folded into the file every --state-interval)")
	fs.StringVar(&o.cfg.AdminToken, "admin-token", "", "require this `token` in the X-Repomock-Admin-Token header of every /__admin request but GET /__admin/health")
	fs.Var(&adminOpen, "admin-open", "serve /__admin without a token on a non-loopback address (only where the network is private, as in a container)")
	fs.Func("allowed-hosts", allowedHostsUsage, func(s string) error { o.cfg.AllowedHosts = hostList(s); return nil })
	fs.Var(&level, "log-level", "log `level`: debug, info, warn or error")
	fs.Var(&logJSON, "log-json", "write logs as JSON")
	fs.Var(&version, "version", "print the version and the commit it was built from, and exit")

	if err := parseFlags(fs, args, stdout); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see repomock --help)", fs.Arg(0))
	}
	// --version stops here: the settings, and their variables, do not matter.
	var err error
	if o.version, err = version.value(); err != nil {
		return nil, fmt.Errorf("--version: %w", err)
	}
	if o.version {
		return o, nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := applyEnv(fs, getenv, envName); err != nil {
		return nil, err
	}
	// A port alone is one of 127.0.0.1: what names the address (a port in
	// use, the proxy's banner) names it so.
	o.cfg.Addr = server.ListenAddr(o.cfg.Addr)
	// origin names where a flag's value came from, for the checks below.
	origin := func(name string) string {
		if !given[name] && getenv(envName(name)) != "" {
			return envName(name)
		}
		return "--" + name
	}
	for _, b := range []struct {
		name string
		raw  boolText
		dst  *bool
	}{
		{"lenient-responses", lenient, &o.cfg.LenientResponses},
		{"admin-open", adminOpen, &o.cfg.AdminOpen},
		{"log-json", logJSON, &o.logJSON},
		{"watch", watch, &o.cfg.Watch},
	} {
		if *b.dst, err = b.raw.value(); err != nil {
			return nil, fmt.Errorf("%s: %w", origin(b.name), err)
		}
	}
	if o.cfg.Seed, err = strconv.ParseUint(string(seed), 10, 64); err != nil {
		return nil, fmt.Errorf("%s: %q is not a whole number from 0 to 18446744073709551615 (0 means random)", origin("seed"), seed)
	}
	for _, n := range []struct {
		name string
		raw  text
		dst  *int
	}{
		{"journal-size", journalSize, &o.cfg.JournalSize},
		{"max-sessions", maxSessions, &o.cfg.MaxSessions},
		{"max-stream-clients", maxStreamClients, &o.cfg.MaxStreamClients},
		{"max-faults", maxFaults, &o.cfg.MaxFaults},
		{"max-stubs", maxStubs, &o.cfg.MaxStubs},
	} {
		if *n.dst, err = strconv.Atoi(string(n.raw)); err != nil || *n.dst < 1 {
			return nil, fmt.Errorf("%s: %q is not a whole number of at least 1", origin(n.name), n.raw)
		}
	}
	for _, n := range []struct {
		name string
		raw  text
		dst  *int64
	}{
		{"max-body", maxBody, &o.cfg.MaxBodyBytes},
		{"journal-max-bytes", journalMaxBytes, &o.cfg.JournalMaxBytes},
		{"stream-max-bytes", streamMaxBytes, &o.cfg.StreamMaxBytes},
	} {
		if *n.dst, err = parseSize(string(n.raw)); err != nil {
			return nil, fmt.Errorf("%s: %w", origin(n.name), err)
		}
	}
	if o.cfg.StateInterval, err = time.ParseDuration(string(stateInterval)); err != nil || o.cfg.StateInterval <= 0 {
		return nil, fmt.Errorf("%s: %q is not a duration of more than 0, such as 30s or 5m", origin("state-interval"), stateInterval)
	}
	if o.cfg.StateDurability != server.DurabilityInterval && o.cfg.StateDurability != server.DurabilityFsync {
		return nil, fmt.Errorf("%s: %q is not %s or %s", origin("state-durability"), o.cfg.StateDurability, server.DurabilityInterval, server.DurabilityFsync)
	}
	if o.logLevel, err = parseLevel(string(level)); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("log-level"), err)
	}
	if err := pipeline.CheckValidator(string(validator)); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("validator"), err)
	}
	o.cfg.Validator = string(validator)
	return o, nil
}

// validatorUsage is --validator's, for the mock and the proxy.
const validatorUsage = "what checks each request and answer first: compiled (the specs compiled once; kin-openapi words what it refuses) or kin-openapi (kin-openapi alone); the verdicts and messages are the same"

// parseFlags parses args into fs. Asked for help, it prints the usage on
// stdout (it is the output asked for) and returns flag.ErrHelp. A wrong
// flag comes back as one line that points at --help, since the whole
// usage after it would push the mistake off the screen.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (see %s --help)", err, fs.Name())
	}
	return nil
}

// text is a flag value kept as written, to be checked once the variables
// are applied. (flag.String would do, but -h would quote its default.)
type text string

func (t *text) String() string {
	if t == nil {
		return ""
	}
	return string(*t)
}

func (t *text) Set(s string) error { *t = text(s); return nil }

// boolText is a boolean flag kept as written: given alone (--log-json),
// it is "true"; not given, "".
type boolText string

func (b *boolText) String() string {
	if b == nil || *b == "" {
		return "false"
	}
	return string(*b)
}

func (b *boolText) Set(s string) error { *b = boolText(s); return nil }

func (b *boolText) IsBoolFlag() bool { return true }

func (b boolText) value() (bool, error) {
	if b == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(string(b))
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", string(b))
	}
	return v, nil
}

// parseLevel reads a --log-level.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is not one of debug, info, warn, error", s)
}

// applyEnv sets every flag not given on the command line from its
// variable, named by envName. --version is an action, not a setting, so
// it has no variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string, envName func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || f.Name == "version" || err != nil {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", name, serr)
			}
		}
	})
	return err
}

func envName(flagName string) string {
	return "REPOMOCK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseSize reads 1048576, 512KiB, 10MiB or 1GiB.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size such as 1048576, 512KiB or 10MiB", s)
	}
	return n * mult, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "contract":
			return runContract(ctx, args[1:], getenv, stdout, stderr)
		case "proxy":
			return runProxy(ctx, args[1:], getenv, stdout, stderr)
		case "health":
			return runHealth(ctx, args[1:], getenv, stdout, stderr)
		case "version":
			if len(args) > 1 {
				fmt.Fprintf(stderr, "repomock version: unexpected argument %q (see repomock --help)\n", args[1])
				return 2
			}
			fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
			return 0
		}
	}
	o, err := parse(args, getenv, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "repomock: %v\n", err)
		return 2
	case o.version:
		fmt.Fprint(stdout, versionText(debug.ReadBuildInfo()))
		return 0
	}
	hopts := &slog.HandlerOptions{Level: o.logLevel}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if o.logJSON {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	o.cfg.Logger = slog.New(h)

	srv, err := server.New(o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "repomock: %v\n", err)
		return 1
	}
	err = srv.Run(ctx, func(addr net.Addr) { writeBanner(stdout, addr, srv, o.cfg) })
	if err != nil {
		fmt.Fprintf(stderr, "repomock: %v\n", listenError(err, o.cfg.Addr))
		return 1
	}
	o.cfg.Logger.Info("stopped")
	return 0
}

// adminBanner ends the banner of the server and of the proxy, which serve
// the same admin API, console and sessions: their URLs, to click or to
// copy, and the Host names they answer to.
func adminBanner(srv *server.Server, addr net.Addr) string {
	hosts := "localhost, IP addresses"
	switch extra := srv.AdminHosts(); {
	case len(extra) == 1 && extra[0] == "*":
		hosts = "any (--allowed-hosts *): a web page can reach them by DNS rebinding"
	case len(extra) > 0:
		hosts += ", " + strings.Join(extra, ", ") + " (--allowed-hosts adds names)"
	default:
		hosts += " (--allowed-hosts adds names)"
	}
	base := baseURL(addr)
	return "  console: " + base + "/__admin/ui\n" +
		"  admin API: " + base + "/__admin (its routes; described at " + base + "/__admin/openapi.yaml)\n" +
		"  admin and console hosts: " + hosts + "\n" +
		"  sessions: /__sessions/{name}/… or the header X-Repomock-Session\n"
}

// baseURL is where a browser on this machine reaches the server bound to
// addr: an address that listens everywhere (0.0.0.0, ::) is reached on
// 127.0.0.1.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// allowedHostsUsage documents --allowed-hosts, for the server and the proxy.
const allowedHostsUsage = "comma-separated `names` that /__admin and the console answer to, besides localhost, IP addresses and the host of --addr " +
	"(a name, .example.com for a domain and its subdomains, or * for any); any other Host gets 403, so that a web page cannot reach them by DNS rebinding"

// hostList reads --allowed-hosts.
func hostList(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// writeBanner prints where the server listens, what it serves, the
// fixtures it loaded and its seed, in one write, so that a reader who sees
// the first line sees the rest. Scripts wait for the first line (.ci/run,
// repomockload): keep it as it is.
func writeBanner(w io.Writer, addr net.Addr, srv *server.Server, cfg server.Config) {
	var b strings.Builder
	fmt.Fprintf(&b, "repomock listening on http://%s\n", addr)
	for _, r := range srv.Routes() {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	b.WriteString(adminBanner(srv, addr))
	files := srv.Fixtures()
	switch {
	case cfg.FixturesDir == "":
		b.WriteString("  fixtures: none (--fixtures DIR loads them)\n")
	case len(files) == 0:
		fmt.Fprintf(&b, "  fixtures: none: %s has no %s\n", cfg.FixturesDir, orList(srv.FixtureNames()))
	}
	for _, f := range files {
		fmt.Fprintf(&b, "  fixtures: %s: %s\n", f.Path, f.Summary)
	}
	if cfg.Watch {
		fmt.Fprintf(&b, "  fixtures: watching %s: a change reloads them (GET /__admin/fixtures says how it went)\n", cfg.FixturesDir)
	}
	if cfg.Seed == 0 {
		fmt.Fprintf(&b, "  seed: %d (random; --seed %d repeats this run)\n", srv.Seed(), srv.Seed())
	} else {
		fmt.Fprintf(&b, "  seed: %d\n", srv.Seed())
	}
	_, _ = io.WriteString(w, b.String())
}

// orList writes names as "a, b or c".
func orList(names []string) string {
	out := strings.Join(names, ", ")
	if i := strings.LastIndex(out, ", "); i >= 0 {
		out = out[:i] + " or " + out[i+2:]
	}
	return out
}

// listenError says which setting chose an address that cannot be
// listened on and, when the port is taken, what to do about it.
func listenError(err error, addr string) error {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "listen" {
		return err
	}
	cause := op.Err.Error()
	var errno syscall.Errno
	if errors.As(op.Err, &errno) {
		cause = errno.Error() // without the "bind: "
	}
	msg := fmt.Sprintf("cannot listen on %s (--addr / REPOMOCK_ADDR): %s", addr, cause)
	if errors.Is(err, syscall.EADDRINUSE) {
		msg += "; another repomock may be running, or pick another port with --addr " + otherPort(addr)
	}
	return errors.New(msg)
}

// otherPort is addr with the next port (or the one before 65535).
func otherPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	p, perr := strconv.Atoi(port)
	if err != nil || perr != nil {
		return "host:port"
	}
	if p < 65535 {
		p++
	} else {
		p--
	}
	return net.JoinHostPort(host, strconv.Itoa(p))
}

// versionText describes the build from what the go command recorded in
// it: the main module's version (the tag for a release and for go install
// …@vX.Y.Z, a pseudo-version from the commit for go build in a git clone,
// "(devel)" for go run), the commit and its date, and the toolchain and
// platform.
func versionText(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "repomock (unknown version: built without module information)\n"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown version)"
	}
	vcs := map[string]string{} // the build settings: vcs.*, GOOS, GOARCH, …
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "repomock %s\n", version)
	if rev := vcs["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "revision %s", rev)
		if t := vcs["vcs.time"]; t != "" {
			fmt.Fprintf(&b, ", committed %s", t)
		}
		if vcs["vcs.modified"] == "true" {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString("\n")
	} else if bi.Main.Sum != "" {
		// go install …@version builds the module's zip from the proxy,
		// which holds no git metadata; the version is the tag.
		fmt.Fprintf(&b, "revision not recorded: go install built the module's %s from the Go module proxy (the tag %s names the commit)\n", version, version)
	} else {
		b.WriteString("revision unknown: the build recorded none (go run, -buildvcs=false, or not built in a git clone)\n")
	}
	fmt.Fprintf(&b, "built with %s", bi.GoVersion)
	if vcs["GOOS"] != "" {
		fmt.Fprintf(&b, " for %s/%s", vcs["GOOS"], vcs["GOARCH"])
	}
	b.WriteString("\n")
	return b.String()
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/server"
)

const proxyUsage = `Usage: repomock proxy [flags]

Forwards each vendor's routes to an upstream (the real vendor, or another repomock) and checks every request
and every answer against the vendor's spec, with the mock's own pipeline. Violations are reported (journal,
X-Repomock-Violation header, log) and passed on; with --strict a request violation is answered in the
vendor's shape without being forwarded, and an answer that breaks the spec becomes a 502 in the vendor's
shape. A vendor with no upstream answers its gateway's 404. The admin API, sessions, faults and the
journal work as in the mock. Each flag may also be set as REPOMOCK_<FLAG>; the command line wins.
Exit status: 0 after SIGINT or SIGTERM, 1 when the proxy cannot start or fails, 2 for a bad flag or value.

Flags:
`

// upstreamFlag is the flag of a vendor's upstream: --<id>-upstream.
func upstreamFlag(u proxy.Upstream) string { return u.ID + "-upstream" }

// parseProxy reads the flags of repomock proxy, then the REPOMOCK_
// variables of the flags not given.
func parseProxy(args []string, getenv func(string) string, stdout io.Writer) (*proxy.Config, slog.Level, bool, error) {
	cfg := &proxy.Config{Upstreams: map[string]*url.URL{}}
	ups, err := proxy.Upstreams(cfg.Server)
	if err != nil {
		return nil, 0, false, err
	}
	fs := flag.NewFlagSet("repomock proxy", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), proxyUsage)
		fs.PrintDefaults()
	}
	var (
		maxBody, journalSize, journalMaxBytes = text("10MiB"), text(strconv.Itoa(server.DefaultJournalSize)), text("64MiB")
		timeout, level                        = text(proxy.DefaultUpstreamTimeout.String()), text("info")
		validator                             = text(pipeline.ValidatorCompiled)
		strict, forwarded, adminOpen, logJSON boolText
		upstreams                             = make([]text, len(ups))
	)
	fs.StringVar(&cfg.Server.Addr, "addr", server.DefaultAddr, "`host:port` to listen on, or a port alone (8081: 127.0.0.1:8081)")
	for i, u := range ups {
		fs.Var(&upstreams[i], upstreamFlag(u), "base `URL` of "+u.Name+" ("+u.Example+"); unset, the vendor is not proxied")
	}
	fs.Var(&strict, "strict", "refuse a request that breaks the spec without forwarding it, and turn an answer that breaks it into a 502")
	fs.Var(&validator, "validator", validatorUsage)
	fs.Var(&maxBody, "max-body", "largest request or upstream answer `size` (bytes, or with KiB/MiB/GiB): a larger request gets 413, a larger answer 502")
	fs.Var(&timeout, "upstream-timeout", "longest an upstream exchange may take, its answer's body included (a `duration`); then 504")
	fs.Var(&forwarded, "forwarded-headers", "send X-Forwarded-For, X-Forwarded-Host and X-Forwarded-Proto to the upstream")
	server.RegisterFlags(fs, &cfg.Server, true) // the vendors' own: --huawei-credentials
	fs.StringVar(&cfg.RecordDir, "record", "", "write the objects seen (endor.yaml, codearts.yaml, servicestage.yaml: repomock --fixtures dir loads them) and every exchange (dir/exchanges: for repomock contract diff) to this new or empty `dir`")
	fs.Var(&journalSize, "journal-size", "`number` of requests kept for GET /__admin/requests (at least 1)")
	fs.Var(&journalMaxBytes, "journal-max-bytes", "largest `size` of the bodies and headers the journal keeps, all requests together")
	fs.StringVar(&cfg.Server.AdminToken, "admin-token", "", "require this `token` in the X-Repomock-Admin-Token header of every /__admin request but GET /__admin/health")
	fs.Var(&adminOpen, "admin-open", "serve /__admin without a token on a non-loopback address (only where the network is private)")
	fs.Func("allowed-hosts", allowedHostsUsage, func(s string) error { cfg.Server.AllowedHosts = hostList(s); return nil })
	fs.Var(&level, "log-level", "log `level`: debug, info, warn or error")
	fs.Var(&logJSON, "log-json", "write logs as JSON")

	if err := parseFlags(fs, args, stdout); err != nil {
		return nil, 0, false, err
	}
	if fs.NArg() > 0 {
		return nil, 0, false, fmt.Errorf("unexpected argument %q (see repomock proxy --help)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := applyEnv(fs, getenv, envName); err != nil {
		return nil, 0, false, err
	}
	cfg.Server.Addr = server.ListenAddr(cfg.Server.Addr)
	origin := func(name string) string {
		if !given[name] && getenv(envName(name)) != "" {
			return envName(name)
		}
		return "--" + name
	}
	var asJSON bool
	for i, u := range ups {
		if upstreams[i] == "" {
			continue
		}
		parsed, perr := url.Parse(string(upstreams[i]))
		if perr != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" || parsed.RawQuery != "" || parsed.User != nil {
			return nil, 0, false, fmt.Errorf("%s: %q is not a base URL such as https://api.example.com (http or https, a host, no query, no user)", origin(upstreamFlag(u)), upstreams[i])
		}
		cfg.Upstreams[u.ID] = parsed
	}
	for _, b := range []struct {
		name string
		raw  boolText
		dst  *bool
	}{
		{"strict", strict, &cfg.Strict},
		{"forwarded-headers", forwarded, &cfg.ForwardedHeaders},
		{"admin-open", adminOpen, &cfg.Server.AdminOpen},
		{"log-json", logJSON, &asJSON},
	} {
		if *b.dst, err = b.raw.value(); err != nil {
			return nil, 0, false, fmt.Errorf("%s: %w", origin(b.name), err)
		}
	}
	if cfg.Server.MaxBodyBytes, err = parseSize(string(maxBody)); err != nil {
		return nil, 0, false, fmt.Errorf("%s: %w", origin("max-body"), err)
	}
	if cfg.UpstreamTimeout, err = time.ParseDuration(string(timeout)); err != nil || cfg.UpstreamTimeout <= 0 {
		return nil, 0, false, fmt.Errorf("%s: %q is not a duration of more than 0, such as 30s or 2m", origin("upstream-timeout"), timeout)
	}
	if cfg.Server.JournalSize, err = strconv.Atoi(string(journalSize)); err != nil || cfg.Server.JournalSize < 1 {
		return nil, 0, false, fmt.Errorf("%s: %q is not a whole number of at least 1", origin("journal-size"), journalSize)
	}
	if cfg.Server.JournalMaxBytes, err = parseSize(string(journalMaxBytes)); err != nil {
		return nil, 0, false, fmt.Errorf("%s: %w", origin("journal-max-bytes"), err)
	}
	lvl, err := parseLevel(string(level))
	if err != nil {
		return nil, 0, false, fmt.Errorf("%s: %w", origin("log-level"), err)
	}
	if err := pipeline.CheckValidator(string(validator)); err != nil {
		return nil, 0, false, fmt.Errorf("%s: %w", origin("validator"), err)
	}
	cfg.Server.Validator = string(validator)
	return cfg, lvl, asJSON, nil
}

func runProxy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, level, asJSON, err := parseProxy(args, getenv, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "repomock proxy: %v\n", err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if asJSON {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	cfg.Server.Logger = slog.New(h)
	ups, err := proxy.Upstreams(cfg.Server)
	if err != nil {
		fmt.Fprintf(stderr, "repomock proxy: %v\n", err)
		return 1
	}
	if len(cfg.Upstreams) == 0 {
		flags := make([]string, len(ups))
		for i, u := range ups {
			flags[i] = "--" + upstreamFlag(u)
		}
		cfg.Server.Logger.Warn("no upstream: every vendor answers its gateway's 404 (set " + orList(flags) + ")")
	}
	srv, err := proxy.New(*cfg)
	if err != nil {
		fmt.Fprintf(stderr, "repomock proxy: %v\n", err)
		return 1
	}
	err = srv.Run(ctx, func(addr net.Addr) { writeProxyBanner(stdout, addr, srv, cfg, ups) })
	if err != nil {
		fmt.Fprintf(stderr, "repomock proxy: %v\n", listenError(err, cfg.Server.Addr))
		return 1
	}
	cfg.Server.Logger.Info("stopped")
	return 0
}

// writeProxyBanner prints where the proxy listens and where each vendor
// goes, in one write. Its first line is the mock's, with "proxy".
func writeProxyBanner(w io.Writer, addr net.Addr, srv *server.Server, cfg *proxy.Config, ups []proxy.Upstream) {
	var b strings.Builder
	fmt.Fprintf(&b, "repomock proxy listening on http://%s\n", addr)
	for _, u := range ups {
		if up, ok := cfg.Upstreams[u.ID]; ok {
			fmt.Fprintf(&b, "  %-13s → %s\n", u.ID, up.Redacted())
		} else {
			fmt.Fprintf(&b, "  %-13s not proxied (--%s): its gateway's 404\n", u.ID, upstreamFlag(u))
		}
	}
	mode := "report violations (X-Repomock-Violation, journal, log) and pass everything on"
	if cfg.Strict {
		mode = "strict: refuse invalid requests, 502 for invalid answers"
	}
	fmt.Fprintf(&b, "  mode: %s\n", mode)
	if cfg.RecordDir != "" {
		fmt.Fprintf(&b, "  recording to %s\n", cfg.RecordDir)
	}
	b.WriteString(adminBanner(srv, addr))
	_, _ = io.WriteString(w, b.String())
}

// Command repomockload is repomock's load harness (issue 6). It measures the
// cost of full validation: for each vendor's create operation it drives
// repomock and a bare baseline (the same fakes' handlers on the same echo
// routes, with no validation and no authentication, so the same store work)
// over loopback with vegeta's library, at a fixed number of connections and
// at the highest rate they sustain, and prints req/s, p50, p99, errors and
// repomock's req/s as a fraction of the baseline's.
//
// The documented command, from the repository root:
//
//	go run ./cmd/repomockload
//
// runs Endor CreateRepositoryVersion, CodeArts CreateRepository and
// ServiceStage CreateFile at 16 and 64 connections. For each, it empties
// both servers' stores, warms each up for 1 s, then drives them in turn, one
// 1 s slice at a time (repomock, baseline, baseline, repomock, …), until each
// has had 10 s: about two minutes in all. Every request is a real create:
// each one carries a new name or file path.
//
// --soak DURATION is the soak of issue 7 (soak.go): repomock built and run
// as a process of its own, a fixed-rate load over every vendor on a
// working set of steady size, and the server's RSS sampled every 5 s. It
// fails (exit 1) on any error, or when the RSS at the end is more than 10%
// away from the RSS after the warm-up. The documented command, not run in
// CI, takes 5 min 30 s:
//
//	go run ./cmd/repomockload --soak 5m --rate 300
//
// It sends traffic only to this machine: any --url whose host is not a
// loopback address (127.0.0.0/8, ::1, localhost) is refused before anything
// is sent, and every connection is checked again, after name resolution,
// when it is dialled. Redirects are not followed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/repomock/repomock/mock/server"
)

// Bounds of the flags: a run is always bounded in time and in connections.
const (
	maxDuration    = 10 * time.Minute
	maxWarmup      = time.Minute
	maxConnections = 1024
	requestTimeout = 30 * time.Second
	// otherCPUWarning is how much CPU other processes may use during a
	// run, in cores, before the run is flagged as disturbed.
	otherCPUWarning = 0.2
)

// usageText is the help; the soak's working set is the vendors' (%s).
const usageText = `Usage: go run ./cmd/repomockload [flags]

Measures repomock's throughput and latency with full request and response
validation against a bare baseline: the same fakes' handlers on the same
routes with no validation and no authentication (the same store work).
For each create operation and each connection count it empties both
stores, warms each server up, then drives them in turn, a --slice at a
time, until each has had --duration, with vegeta at the highest rate that
many connections sustain; it prints req/s, p50, p99, errors and
repomock/baseline. Every request creates a new object.

By default it starts both servers itself, in this process, on 127.0.0.1:0.
--serve starts them alone, for a load run from another process.

SOAK: --soak DURATION builds ./cmd/repomock (or takes --binary), runs it as
a separate process on 127.0.0.1, and drives the vendors in turn at --rate
req/s in all (vegeta's constant pacer) over a working set of steady size:

  %s.

After --warmup (30s by default here) it measures for DURATION, reads the
server's RSS every 5 s, then stops it with SIGINT (it must exit 0). It
fails when there is any error, or when the RSS at the end is more than
--max-rss-change percent from the RSS after the warm-up:

  go run ./cmd/repomockload --soak 5m --rate 300

SAFETY: it only ever sends traffic to this machine. A --url or
--baseline-url whose host is not a loopback address (127.0.0.0/8, ::1,
localhost) is refused before anything is sent, every connection is checked
again when it is dialled, and redirects are not followed.

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Every vendor repomock fakes, served as cmd/repomock serves them.
	err := run(ctx, server.Config{Seed: 1}, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "repomockload:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// config is the parsed flags, and the vendors they drive.
type config struct {
	// servers configures the in-process servers, and the vendors of every
	// mode (server.Config.Vendors; nil for every vendor repomock fakes).
	servers     server.Config
	loads       []vendorLoad
	duration    time.Duration
	warmup      time.Duration
	slice       time.Duration
	connections []int
	ops         []operation
	url         string // "" = start repomock in-process
	baselineURL string // "" = start the baseline in-process (or none, with url)
	jsonFile    string
	serve       bool
	reset       bool

	// Soak mode (soak.go).
	soak         time.Duration // 0: not a soak
	rate         int
	binary       string
	maxRSSChange float64
}

// parseFlags parses args for the vendors of servers.
func parseFlags(args []string, servers server.Config, stderr io.Writer) (*config, error) {
	loads, err := vendorLoads(servers)
	if err != nil {
		return nil, err
	}
	all := operations(loads)
	fs := flag.NewFlagSet("repomockload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, usageText, strings.Join(workingSets(loads), ";\n  "))
		fs.PrintDefaults()
	}
	cfg := &config{servers: servers, loads: loads}
	var conns, ops string
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each target is driven, per operation and connection count (at most 10m)")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "load sent before each measured run and not counted (0 for none, at most 1m)")
	fs.DurationVar(&cfg.slice, "slice", time.Second, "the targets take turns in slices of this length until each has had --duration (0: one turn each)")
	fs.StringVar(&conns, "connections", "16,64", "comma-separated connection counts; each is also the number of vegeta workers")
	fs.StringVar(&ops, "ops", strings.Join(keys(all), ","), "comma-separated operations to drive: "+strings.Join(keys(all), ", "))
	fs.StringVar(&cfg.url, "url", "", "drive a running repomock at this loopback base URL instead of starting one")
	fs.StringVar(&cfg.baselineURL, "baseline-url", "", "drive a running baseline at this loopback base URL (needs --url); with --url alone there is no baseline and no ratio")
	fs.StringVar(&cfg.jsonFile, "json", "", "also write the machine, the settings and every figure as JSON to this file")
	fs.BoolVar(&cfg.serve, "serve", false, "start repomock and the baseline on 127.0.0.1:0, print their URLs and serve until interrupted (to run the load from another process with --url and --baseline-url)")
	fs.BoolVar(&cfg.reset, "reset", false, "with --url: POST /__admin/reset to each target before each run, as the in-process servers are emptied (it clears a repomock's state)")
	fs.DurationVar(&cfg.soak, "soak", 0, "soak mode: run repomock as a separate process and drive every vendor at --rate for this long after --warmup, sampling its RSS (at most 1h)")
	fs.IntVar(&cfg.rate, "rate", defaultSoakRate, "with --soak: requests per second in all, across the vendors (fixed rate, 1 to 5000)")
	fs.StringVar(&cfg.binary, "binary", "", "with --soak: the repomock binary to run (default: go build ./cmd/repomock into a temporary directory)")
	fs.Float64Var(&cfg.maxRSSChange, "max-rss-change", 10, "with --soak: fail when the RSS at the end is more than this many percent from the RSS after the warm-up")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	fail := func(format string, a ...any) (*config, error) {
		fmt.Fprintf(stderr, "repomockload: "+format+"\n", a...)
		fs.Usage()
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		return fail("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["soak"] {
		return soakFlags(cfg, set, fail)
	}
	for _, name := range []string{"rate", "binary", "max-rss-change"} {
		if set[name] {
			return fail("--%s is for --soak", name)
		}
	}
	if cfg.duration <= 0 || cfg.duration > maxDuration {
		return fail("--duration %s: must be above 0 and at most %s", cfg.duration, maxDuration)
	}
	if cfg.slice < 0 || (cfg.slice > 0 && cfg.slice < 100*time.Millisecond) {
		return fail("--slice %s: must be 0 or at least 100ms", cfg.slice)
	}
	if cfg.slice == 0 || cfg.slice > cfg.duration {
		cfg.slice = cfg.duration
	}
	if cfg.warmup < 0 || cfg.warmup > maxWarmup {
		return fail("--warmup %s: must be 0 to %s", cfg.warmup, maxWarmup)
	}
	for _, s := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxConnections {
			return fail("--connections %q: each count must be 1 to %d", conns, maxConnections)
		}
		cfg.connections = append(cfg.connections, n)
	}
	for _, s := range strings.Split(ops, ",") {
		s = strings.TrimSpace(s)
		i := slices.IndexFunc(all, func(o operation) bool { return o.key == s })
		if i < 0 {
			return fail("--ops %q: unknown operation %q (%s)", ops, s, strings.Join(keys(all), ", "))
		}
		if !slices.ContainsFunc(cfg.ops, func(o operation) bool { return o.key == s }) {
			cfg.ops = append(cfg.ops, all[i])
		}
	}
	if cfg.baselineURL != "" && cfg.url == "" {
		return fail("--baseline-url needs --url: give both, or --url alone for no baseline")
	}
	if cfg.serve && cfg.url != "" {
		return fail("--serve starts the servers; it takes no --url")
	}
	if cfg.reset && cfg.url == "" {
		return fail("--reset is for --url: the in-process servers are always emptied before each run")
	}
	for _, u := range []*string{&cfg.url, &cfg.baselineURL} {
		if *u == "" {
			continue
		}
		clean, err := checkLoopbackURL(*u)
		if err != nil {
			// Refused before any connection is made.
			return nil, err
		}
		*u = clean
	}
	return cfg, nil
}

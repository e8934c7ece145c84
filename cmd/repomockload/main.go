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
// as a process of its own, a fixed-rate load over all three vendors on a
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
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/labstack/echo/v4"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/specs"
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
a separate process on 127.0.0.1, and drives all three vendors at --rate
req/s in all (vegeta's constant pacer) over a working set of steady size:
Endor upserts over 500 fixed keys with gets and lists, CodeArts and
ServiceStage create → show → delete cycles over 256 names or paths each.
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

// operation is one create operation the harness drives.
type operation struct {
	key  string // as --ops names it
	name string // as the table prints it
	// fill makes the request that creates the object named unique.
	fill func(t *vegeta.Target, base, unique string)
}

// The credentials each vendor needs; repomock by default accepts any.
var (
	endorHeader = http.Header{
		"Authorization": {"Bearer t"},
		"Content-Type":  {"application/json"},
	}
	codeartsHeader = http.Header{
		"X-Auth-Token": {"t"},
		"Content-Type": {"application/json"},
	}
	stageHeader = http.Header{
		"X-Auth-Token": {"t"},
		"X-Repo-Auth":  {"repomock-load"},
		"Content-Type": {"application/json"},
	}
)

// operations are the three create operations of issue 6, in table order.
// Target.Request copies the header, so the maps above are only read.
var operations = []operation{{
	key:  "endor",
	name: "Endor CreateRepositoryVersion",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/namespaces/acme.load/repository-versions"
		t.Header = endorHeader
		t.Body = []byte(`{"meta":{"name":"` + unique + `","parent_uuid":"656e69058032bf0abaaeb600"},` +
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	},
}, {
	key:  "codearts",
	name: "CodeArts CreateRepository",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/repositories"
		t.Header = codeartsHeader
		t.Body = []byte(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"` + unique +
			`","import_members":0,"visibility_level":20}`)
	},
}, {
	key:  "servicestage",
	name: "ServiceStage CreateFile",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/" + unique + ".rb?ref=master"
		t.Header = stageHeader
		t.Body = []byte(`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`)
	},
}}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
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

// config is the parsed flags.
type config struct {
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

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("repomockload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	cfg := &config{}
	var conns, ops string
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each target is driven, per operation and connection count (at most 10m)")
	fs.DurationVar(&cfg.warmup, "warmup", time.Second, "load sent before each measured run and not counted (0 for none, at most 1m)")
	fs.DurationVar(&cfg.slice, "slice", time.Second, "the targets take turns in slices of this length until each has had --duration (0: one turn each)")
	fs.StringVar(&conns, "connections", "16,64", "comma-separated connection counts; each is also the number of vegeta workers")
	fs.StringVar(&ops, "ops", "endor,codearts,servicestage", "comma-separated operations to drive: endor, codearts, servicestage")
	fs.StringVar(&cfg.url, "url", "", "drive a running repomock at this loopback base URL instead of starting one")
	fs.StringVar(&cfg.baselineURL, "baseline-url", "", "drive a running baseline at this loopback base URL (needs --url); with --url alone there is no baseline and no ratio")
	fs.StringVar(&cfg.jsonFile, "json", "", "also write the machine, the settings and every figure as JSON to this file")
	fs.BoolVar(&cfg.serve, "serve", false, "start repomock and the baseline on 127.0.0.1:0, print their URLs and serve until interrupted (to run the load from another process with --url and --baseline-url)")
	fs.BoolVar(&cfg.reset, "reset", false, "with --url: POST /__admin/reset to each target before each run, as the in-process servers are emptied (it clears a repomock's state)")
	fs.DurationVar(&cfg.soak, "soak", 0, "soak mode: run repomock as a separate process and drive all three vendors at --rate for this long after --warmup, sampling its RSS (at most 1h)")
	fs.IntVar(&cfg.rate, "rate", defaultSoakRate, "with --soak: requests per second in all, across the three vendors (fixed rate, 1 to 5000)")
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
		i := slices.IndexFunc(operations, func(o operation) bool { return o.key == s })
		if i < 0 {
			return fail("--ops %q: unknown operation %q (endor, codearts, servicestage)", ops, s)
		}
		if !slices.ContainsFunc(cfg.ops, func(o operation) bool { return o.key == s }) {
			cfg.ops = append(cfg.ops, operations[i])
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

// checkLoopbackURL accepts an http(s) base URL on a loopback host and
// returns it without a trailing slash.
func checkLoopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("url %q: must be http:// or https://", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("refusing %q: host %q is not a loopback address (127.0.0.0/8, ::1, localhost); repomockload only sends traffic to this machine", raw, u.Hostname())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("url %q: give a base URL, without credentials, query or fragment", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// loopbackOnly is the dialer's last check, after name resolution: a
// connection to anything but a loopback address is never opened.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("repomockload: refusing to connect to %s (%s): not a loopback address", address, network)
	}
	return nil
}

// newClient is the HTTP client of one run (warm-up and measurement share
// its connections): at most conns connections, kept alive, loopback only,
// no proxy, no redirects.
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			// No Accept-Encoding: gzip. Endor compresses its answers when asked
			// (as the vendor does), which the bare baseline never does; the
			// harness measures validation, so it asks neither.
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.serve {
		return serve(ctx, stdout)
	}
	if cfg.soak > 0 {
		return runSoak(ctx, cfg, args, stdout, stderr)
	}

	targets := []target{{name: "repomock", url: cfg.url}}
	if cfg.url == "" || cfg.baselineURL != "" {
		targets = append(targets, target{name: "baseline", url: cfg.baselineURL})
	}
	if cfg.url == "" {
		srvs, err := startServers()
		if err != nil {
			return err
		}
		defer srvs.close()
		targets[0].url, targets[0].reset = srvs.repomockURL, srvs.resetRepomock
		targets[1].url, targets[1].reset = srvs.baselineURL, srvs.resetBaseline
	} else if cfg.reset {
		for i := range targets {
			targets[i].reset = adminReset(targets[i].url)
		}
	}

	rep := &report{
		Machine:  thisMachine(),
		Settings: settings{Duration: cfg.duration.String(), Warmup: cfg.warmup.String(), Slice: cfg.slice.String(), Connections: cfg.connections, InProcess: cfg.url == ""},
		Command:  "go run ./cmd/repomockload " + strings.Join(args, " "),
	}
	for _, op := range cfg.ops {
		rep.Settings.Ops = append(rep.Settings.Ops, op.key)
	}
	for _, t := range targets {
		rep.Settings.Targets = append(rep.Settings.Targets, t.name+"="+t.url)
	}

	// Names are unique across runs and across invocations against the
	// same running server: a per-invocation prefix and one counter.
	prefix := "rl" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var counter atomic.Uint64
	tr := func(op operation) func(base string) vegeta.Targeter {
		return func(base string) vegeta.Targeter {
			return func(t *vegeta.Target) error {
				op.fill(t, base, prefix+"-"+strconv.FormatUint(counter.Add(1), 10))
				return nil
			}
		}
	}
	total := len(cfg.ops) * len(cfg.connections)
	done := 0
	for _, op := range cfg.ops {
		for _, conns := range cfg.connections {
			done++
			fmt.Fprintf(stderr, "[%d/%d] %s, %d connections: %s warm-up, then %s on each of %s in slices of %s\n",
				done, total, op.name, conns, cfg.warmup, cfg.duration, names(targets), min(cfg.slice, cfg.duration))
			pair, err := measurePair(ctx, cfg, op, conns, targets, tr(op))
			if err != nil {
				return err
			}
			rep.Results = append(rep.Results, pair...)
			if len(pair) == 2 && pair[1].ReqPerSec > 0 {
				ratio := pair[0].ReqPerSec / pair[1].ReqPerSec
				pair[0].Ratio = &ratio
			}
		}
	}

	printReport(stdout, rep)
	if cfg.jsonFile != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	var failed []string
	for _, r := range rep.Results {
		if r.Errors > 0 {
			failed = append(failed, fmt.Sprintf("%s/%d/%s", r.Operation, r.Connections, r.Target))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d runs had errors: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

func names(targets []target) string {
	var n []string
	for _, t := range targets {
		n = append(n, t.name)
	}
	return strings.Join(n, " and ")
}

// target is one server under load.
type target struct {
	name  string
	url   string
	reset func() error // before each run; nil = none
}

// result is one measured run.
type result struct {
	Operation   string  `json:"operation"`
	Connections int     `json:"connections"`
	Target      string  `json:"target"`
	Requests    uint64  `json:"requests"`
	Errors      uint64  `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	Seconds     float64 `json:"seconds"`
	ReqPerSec   float64 `json:"req_per_sec"`
	P50         dur     `json:"p50"`
	P99         dur     `json:"p99"`
	Mean        dur     `json:"mean"`
	Max         dur     `json:"max"`
	// Ratio is repomock's req/s over the baseline's, on repomock's row.
	Ratio *float64 `json:"ratio,omitempty"`
	// ProcessCPU is this process's CPU time over the run's wall time, in
	// cores: load generator and, when in-process, both servers. HostCPU is
	// the machine's busy share of all its cores. 0 where not measurable.
	ProcessCPU float64 `json:"process_cpu_cores"`
	HostCPU    float64 `json:"host_cpu_busy"`
	// OtherCPU is the CPU, in cores, that other load took meanwhile: other
	// processes (with --url, the servers among them), interrupts, steal.
	OtherCPU float64 `json:"other_cpu_cores"`
}

// dur marshals as nanoseconds and reads as a Go duration in the table.
type dur time.Duration

func (d dur) String() string {
	t := time.Duration(d)
	switch {
	case t >= time.Second:
		return t.Round(time.Millisecond).String()
	case t >= time.Millisecond:
		return t.Round(10 * time.Microsecond).String()
	default:
		return t.Round(time.Microsecond).String()
	}
}

// measurePair measures op at conns connections on every target (repomock,
// then the baseline if there is one). It empties them, warms each up, then
// drives them in turn, one slice at a time, until each has had the whole
// duration: ABBAAB… order, so that a slow drift in what else the machine
// is doing weighs on both alike.
func measurePair(ctx context.Context, cfg *config, op operation, conns int, targets []target, tr func(base string) vegeta.Targeter) ([]*result, error) {
	runs := make([]*run1, len(targets))
	for i, t := range targets {
		if t.reset != nil {
			if err := t.reset(); err != nil {
				return nil, fmt.Errorf("reset %s: %w", t.name, err)
			}
		}
		client := newClient(conns) // the warm-up's connections serve the measurement
		defer client.Transport.(*http.Transport).CloseIdleConnections()
		runs[i] = &run1{client: client, targeter: tr(t.url),
			res: &result{Operation: op.name, Connections: conns, Target: t.name}}
	}
	runtime.GC() // start with no garbage left by the runs before
	if cfg.warmup > 0 {
		for _, r := range runs {
			if err := attack(ctx, r, conns, cfg.warmup, false); err != nil {
				return nil, err
			}
		}
	}
	slice := cfg.slice
	if slice <= 0 || slice > cfg.duration {
		slice = cfg.duration
	}
	for left, i := cfg.duration, 0; left > 0; left, i = left-slice, i+1 {
		d := min(slice, left)
		for j := range runs {
			k := j
			if i%2 == 1 {
				k = len(runs) - 1 - j
			}
			if err := attack(ctx, runs[k], conns, d, true); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*result, len(runs))
	for i, r := range runs {
		out[i] = r.finish()
	}
	return out, nil
}

// run1 accumulates one target's measurement over its slices.
type run1 struct {
	client   *http.Client
	targeter vegeta.Targeter
	res      *result

	latencies vegeta.Metrics // only its latencies are used
	ok        uint64
	active    time.Duration // first request sent to last response read, summed over slices
	wall      time.Duration
	cpu       time.Duration // this process's CPU time
	cpuOK     bool
	hostBusy  uint64
	hostTotal uint64
}

// attack drives r's target for d; counted adds what it measured to r.
func attack(ctx context.Context, r *run1, conns int, d time.Duration, counted bool) error {
	a := vegeta.NewAttacker(
		vegeta.Client(r.client), // first: the options below adjust its transport
		vegeta.Workers(uint64(conns)),
		vegeta.MaxWorkers(uint64(conns)),
		vegeta.Connections(conns),
		vegeta.MaxConnections(conns),
		vegeta.KeepAlive(true),
	)
	stop := context.AfterFunc(ctx, func() { a.Stop() })
	defer stop()

	cpu0, host0 := processCPU(), hostCPU()
	start := time.Now()
	// A zero ConstantPacer is the highest rate the fixed workers sustain.
	results := a.Attack(r.targeter, vegeta.ConstantPacer{}, d, r.res.Target)
	var first, last time.Time
	for res := range results {
		if !counted {
			continue
		}
		r.latencies.Add(res)
		if first.IsZero() || res.Timestamp.Before(first) {
			first = res.Timestamp
		}
		if end := res.End(); end.After(last) {
			last = end
		}
		if res.Error == "" && res.Code >= 200 && res.Code < 300 {
			r.ok++
			continue
		}
		r.res.Errors++
		if r.res.FirstError == "" {
			r.res.FirstError = describe(res)
		}
	}
	wall := time.Since(start)
	if err := ctx.Err(); err != nil {
		return err
	}
	if !counted {
		return nil
	}
	cpu1, host1 := processCPU(), hostCPU()
	r.active += last.Sub(first)
	r.wall += wall
	if cpu0 >= 0 && cpu1 >= 0 {
		r.cpu += cpu1 - cpu0
		r.cpuOK = true
	}
	if host0.ok && host1.ok && host1.total > host0.total {
		r.hostBusy += host1.busy - host0.busy
		r.hostTotal += host1.total - host0.total
	}
	return nil
}

func (r *run1) finish() *result {
	res := r.res
	r.latencies.Close()
	res.Requests = r.latencies.Requests
	res.Seconds = r.active.Seconds()
	if res.Seconds > 0 {
		res.ReqPerSec = float64(r.ok) / res.Seconds
	}
	l := r.latencies.Latencies
	res.P50, res.P99, res.Mean, res.Max = dur(l.P50), dur(l.P99), dur(l.Mean), dur(l.Max)
	if r.cpuOK && r.wall > 0 {
		res.ProcessCPU = r.cpu.Seconds() / r.wall.Seconds()
	}
	if r.hostTotal > 0 {
		res.HostCPU = float64(r.hostBusy) / float64(r.hostTotal)
		if res.ProcessCPU > 0 {
			res.OtherCPU = max(0, res.HostCPU*float64(runtime.NumCPU())-res.ProcessCPU)
		}
	}
	return res
}

func describe(r *vegeta.Result) string {
	if r.Code == 0 {
		return r.Error
	}
	body := strings.Join(strings.Fields(string(r.Body)), " ")
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	return fmt.Sprintf("%d %s: %s", r.Code, http.StatusText(int(r.Code)), body)
}

// adminReset empties a running repomock (or a --serve baseline) through
// POST /__admin/reset.
func adminReset(base string) func() error {
	return func() error {
		client := newClient(1)
		defer client.Transport.(*http.Transport).CloseIdleConnections()
		resp, err := client.Post(base+"/__admin/reset", "application/json", nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("POST %s/__admin/reset: %s", base, resp.Status)
		}
		return nil
	}
}

// servers are repomock and the baseline, served in this process.
type servers struct {
	repomockURL, baselineURL     string
	resetRepomock, resetBaseline func() error
	close                        func() error
}

// startServers serves repomock (server.New, as cmd/repomock builds it, with
// seed 1) and the baseline, each with a real http.Server on 127.0.0.1:0.
func startServers() (*servers, error) {
	srv, err := server.New(server.Config{Seed: 1})
	if err != nil {
		return nil, err
	}
	base, err := newBaseline()
	if err != nil {
		return nil, err
	}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	rerr := make(chan error, 1)
	go func() { rerr <- srv.Serve(ctx, rln) }()
	// The same timeouts as server.Server.Serve.
	bsrv := &http.Server{
		Handler:           base.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	berr := make(chan error, 1)
	go func() { berr <- bsrv.Serve(bln) }()
	return &servers{
		repomockURL:   "http://" + rln.Addr().String(),
		baselineURL:   "http://" + bln.Addr().String(),
		resetRepomock: func() error { srv.Reset(); return nil },
		resetBaseline: func() error { base.reset(); return nil },
		close: func() error {
			cancel()
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			err := bsrv.Shutdown(sctx)
			if e := <-berr; !errors.Is(e, http.ErrServerClosed) {
				err = errors.Join(err, e)
			}
			return errors.Join(err, <-rerr)
		},
	}, nil
}

// baseline is the bare echo instance: every operation of the three specs
// routed as repomock routes it (pipeline.Validator.Operations gives the
// method and echo path) to the same fake's handler, with no validation,
// no codec, no authentication, no journal and no error rendering: only
// what any server must do around a handler (bare).
type baseline struct {
	echo  *echo.Echo
	reset func()
}

func newBaseline() (*baseline, error) {
	// The same vendors repomock builds for server.Config{Seed: 1}.
	vendors, err := server.NewVendors(server.Config{Seed: 1})
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	for _, v := range vendors {
		doc, err := specs.Load(context.Background(), specs.FS(), v.Spec().File)
		if err != nil {
			return nil, err
		}
		val, err := pipeline.New(doc, pipeline.Options{})
		if err != nil {
			return nil, fmt.Errorf("spec %s: %w", v.Spec().File, err)
		}
		handlers := v.Handlers()
		for _, op := range val.Operations() {
			h := handlers[op.ID]
			if h == nil {
				return nil, fmt.Errorf("baseline: spec %s: no handler for %s", v.Spec().File, op.ID)
			}
			e.Add(op.Method, op.EchoPath, bare(h))
		}
	}
	b := &baseline{echo: e, reset: func() {
		for _, v := range vendors {
			v.Reset()
		}
	}}
	// Not on any measured path: lets --reset empty a --serve baseline.
	e.POST("/__admin/reset", func(c echo.Context) error {
		b.reset()
		return c.NoContent(http.StatusNoContent)
	})
	return b, nil
}

// bare serves h with the least a server does around it: the body decoded
// (by repomock's own reader) and the path parameters unescaped for it, its
// answer written with the shared writer. What repomock does beyond this is what it is measured for.
func bare(h pipeline.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		in := pipeline.Request{Params: pipeline.Params{}}
		for i, name := range c.ParamNames() {
			v := c.ParamValues()[i]
			if c.Request().URL.RawPath != "" { // echo routed on the raw path
				if u, err := url.PathUnescape(v); err == nil {
					v = u
				}
			}
			in.Params[name] = v
		}
		if c.Request().ContentLength != 0 {
			data, err := io.ReadAll(c.Request().Body)
			if err == nil {
				in.Body, err = jsonvalue.Decode(context.Background(), data)
			}
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, err.Error())
			}
		}
		status, body, err := h(c, in)
		if err != nil {
			return err
		}
		if body == nil {
			return c.NoContent(status)
		}
		return pipeline.WriteJSON(c, status, body)
	}
}

// serve is --serve: both servers until ctx is done.
func serve(ctx context.Context, stdout io.Writer) error {
	srvs, err := startServers()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "repomock  %s\nbaseline  %s\n\nIn another shell:\n  go run ./cmd/repomockload --url %s --baseline-url %s --reset\n",
		srvs.repomockURL, srvs.baselineURL, srvs.repomockURL, srvs.baselineURL)
	<-ctx.Done()
	return srvs.close()
}

// report is everything a run printed, for --json.
type report struct {
	Command  string    `json:"command"`
	Machine  machine   `json:"machine"`
	Settings settings  `json:"settings"`
	Results  []*result `json:"results"`
}

type machine struct {
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPU        string `json:"cpu,omitempty"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	Vegeta     string `json:"vegeta,omitempty"`
}

type settings struct {
	Duration    string   `json:"duration"`
	Warmup      string   `json:"warmup"`
	Slice       string   `json:"slice"`
	Connections []int    `json:"connections"`
	Ops         []string `json:"ops"`
	Targets     []string `json:"targets"`
	InProcess   bool     `json:"in_process"`
}

func thisMachine() machine {
	m := machine{
		OS: runtime.GOOS, Arch: runtime.GOARCH, NumCPU: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tsenart/vegeta/v12" {
				m.Vegeta = d.Version
			}
		}
	}
	return m
}

func printReport(w io.Writer, rep *report) {
	m := rep.Machine
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs (%s), GOMAXPROCS %d, %s, vegeta %s\n",
		m.OS, m.Arch, m.NumCPU, orUnknown(m.CPU), m.GOMAXPROCS, m.GoVersion, orUnknown(m.Vegeta))
	s := rep.Settings
	where := "external servers"
	if s.InProcess {
		where = "repomock and baseline in this process, stores emptied before each operation × connections"
	}
	fmt.Fprintf(w, "settings: %s per target after %s warm-up, targets alternating every %s; max rate, workers = connections; %s\n",
		s.Duration, s.Warmup, s.Slice, where)
	fmt.Fprintf(w, "targets: %s\n\n", strings.Join(s.Targets, ", "))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tconns\ttarget\treq/s\tp50\tp99\trequests\terrors\trepomock/baseline\tcpu (proc)\tcpu (host)\t")
	for _, r := range rep.Results {
		ratio := ""
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *r.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t\n",
			r.Operation, r.Connections, r.Target, r.ReqPerSec, r.P50, r.P99, r.Requests, r.Errors, ratio,
			cores(r.ProcessCPU), percent(r.HostCPU))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nreq/s counts 2xx responses only; errors are non-2xx responses and transport errors.")
	fmt.Fprintln(w, "cpu (proc): this process's CPU in cores (load generator, plus both servers when in-process); cpu (host): busy share of all cores.")
	for _, r := range rep.Results {
		// With external servers, "other processes" are the servers themselves.
		if s.InProcess && r.OtherCPU >= otherCPUWarning {
			fmt.Fprintf(w, "warning: other load (other processes, interrupts, steal) took %.2f cores during %s, %d connections, %s: its figures are disturbed\n",
				r.OtherCPU, r.Operation, r.Connections, r.Target)
		}
	}
	for _, r := range rep.Results {
		if r.FirstError != "" {
			fmt.Fprintf(w, "first error, %s, %d connections, %s: %s\n", r.Operation, r.Connections, r.Target, r.FirstError)
		}
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func cores(c float64) string {
	if c == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", c)
}

func percent(p float64) string {
	if p == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}

// processCPU is this process's user+system CPU time from /proc/self/stat,
// or -1 where there is none.
func processCPU() time.Duration { return procStatCPU("/proc/self/stat") }

// procStatCPU is the user+system CPU time in a /proc/<pid>/stat file, or
// -1 where there is none.
func procStatCPU(path string) time.Duration {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(data[i+1:]))
	// After ")": state is field 3, so utime (14) and stime (15) are at 11 and 12.
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	const userHZ = 100 // clock ticks per second of /proc on Linux
	return time.Duration(ut+st) * time.Second / userHZ
}

type hostTicks struct {
	busy, total uint64
	ok          bool
}

// hostCPU reads the machine's CPU ticks from /proc/stat.
func hostCPU() hostTicks {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return hostTicks{}
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return hostTicks{}
	}
	var t hostTicks
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return hostTicks{}
		}
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	t.ok = true
	return t
}

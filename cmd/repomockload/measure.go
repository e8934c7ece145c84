package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/mock/server"
)

// run is the harness, on the vendors of servers (server.Config.Vendors),
// which also configures the servers it starts in this process.
func run(ctx context.Context, servers server.Config, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, servers, stderr)
	if err != nil {
		return err
	}
	if cfg.serve {
		return serve(ctx, cfg.servers, stdout)
	}
	if cfg.soak > 0 {
		return runSoak(ctx, cfg, args, stdout, stderr)
	}

	targets := []target{{name: "repomock", url: cfg.url}}
	if cfg.url == "" || cfg.baselineURL != "" {
		targets = append(targets, target{name: "baseline", url: cfg.baselineURL})
	}
	if cfg.url == "" {
		srvs, err := startServers(cfg.servers)
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

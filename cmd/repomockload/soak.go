package main

// Soak mode (issue 7, item 7): a bounded, fixed-rate load over loopback
// against every vendor, with repomock in a process of its own so that its
// resident set is its own. It must end with zero errors and with the
// server's RSS at the end within --max-rss-change (10%) of its RSS after
// the warm-up. The documented command, from the repository root (it is not
// run in CI; the test runs a 3 s one):
//
//	go run ./cmd/repomockload --soak 5m --rate 300
//
// The working set has a steady-state size, so that memory should not grow
// unless something leaks. Each vendor brings its own (vendor.Soak), and
// the vendors take turns:
//
//   - Endor: upserts cycling over 500 fixed keys (the same parent and name:
//     after the first round every one is an update), gets by uuid and
//     lists filtered by name;
//   - CodeArts: 256 repository names, each going create → show → delete
//     (the name is free again) → create …;
//   - ServiceStage: 256 file paths, each going create → show (which gives
//     the sha) → delete → create ….
//
// The names and paths join their cycles one by one, so the cycles are out
// of phase and each Huawei store holds about 170 objects at any time
// (vendor.Cycles).
//
// Every request is valid and is expected to succeed. The Huawei steps run
// per slot: a slot's next request is sent only once its previous one has
// answered, and there are more slots than requests in flight can hold. A
// slot whose step fails is retired (its state is unknown); that failure is
// already an error.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Bounds and fixed settings of a soak.
const (
	maxSoak           = time.Hour
	maxSoakWarmup     = 10 * time.Minute
	defaultSoakWarmup = 30 * time.Second
	defaultSoakRate   = 300
	maxRate           = 5000
	// soakWorkers is vegeta's initial number of workers; it adds more, up
	// to soakMaxWorkers (also the connection limit), when responses lag.
	soakWorkers        = 8
	soakMaxWorkers     = 128
	sampleEvery        = 5 * time.Second
	progressEvery      = 30 * time.Second
	serverStartTimeout = 30 * time.Second
	serverStopTimeout  = 15 * time.Second
	// stepHeader tells the client which slot a request belongs to; it is
	// removed before the request is sent, so the server never sees it.
	stepHeader = "X-Repomock-Soak-Step"
	// rateShortfall: an achieved rate below this share of --rate is flagged.
	rateShortfall = 0.95
)

func runSoak(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	if _, err := readRSS(os.Getpid()); err != nil {
		return fmt.Errorf("--soak reads RSS from /proc/<pid>/status, which this system lacks: %w", err)
	}
	if !slices.ContainsFunc(cfg.loads, func(l vendorLoad) bool { return l.Soak != nil }) {
		return errors.New("--soak: no vendor has a soak (vendor.Load.Soak)")
	}
	rep := &soakReport{
		Command: "go run ./cmd/repomockload " + strings.Join(args, " "),
		Machine: thisMachine(),
		Settings: soakSettings{Soak: cfg.soak.String(), Warmup: cfg.warmup.String(), Rate: cfg.rate, MaxWorkers: soakMaxWorkers,
			MaxRSSChange: cfg.maxRSSChange, SampleSeconds: sampleEvery.Seconds(), workingSets: workingSetSizes(cfg.loads)},
		Server: soakServer{Binary: cfg.binary},
	}

	if rep.Server.Binary == "" {
		dir, err := os.MkdirTemp("", "repomockload-soak-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(stderr, "building repomock (go build ./cmd/repomock) …")
		if rep.Server.Binary, err = buildRepomock(ctx, dir); err != nil {
			return err
		}
		rep.Server.Built = true
	}
	srv, err := startRepomock(ctx, rep.Server.Binary)
	if err != nil {
		return err
	}
	defer srv.kill()
	rep.Server.PID, rep.Server.URL = srv.pid, srv.url
	rep.RSS.StartKiB, _ = readRSS(srv.pid)
	rep.Load[0] = loadavg()

	total := cfg.warmup + cfg.soak
	fmt.Fprintf(stderr, "repomock pid %d at %s (RSS %s); %s warm-up, then a %s soak at %d req/s\n",
		srv.pid, srv.url, mib(rep.RSS.StartKiB), cfg.warmup, cfg.soak, cfg.rate)

	load := newSoakLoad(srv.url, cfg.loads)
	a := vegeta.NewAttacker(
		vegeta.Client(soakClient(load)),
		vegeta.Workers(soakWorkers),
		vegeta.MaxWorkers(soakMaxWorkers),
	)
	stopOnCancel := context.AfterFunc(ctx, func() { a.Stop() })
	defer stopOnCancel()

	var sent, failed atomic.Uint64
	start := time.Now()
	warmEnd := start.Add(cfg.warmup)
	smp := newSampler(srv.pid, start)
	go smp.run(cfg.warmup, total, func(s rssSample) {
		fmt.Fprintf(stderr, "  %s  RSS %s  %d requests, %d errors%s\n", clock(s.Seconds), mib(s.KiB), sent.Load(), failed.Load(), labelled(s.Label))
	})
	warm, soak := newPhase(load), newPhase(load)
	results := a.Attack(load.targeter(), vegeta.ConstantPacer{Freq: cfg.rate, Per: time.Second}, total, "soak")
	for r := range results {
		sent.Add(1)
		if r.Error != "" || r.Code < 200 || r.Code >= 300 {
			failed.Add(1)
		}
		if r.Timestamp.Before(warmEnd) {
			warm.add(r)
		} else {
			soak.add(r)
		}
	}
	smp.finish()
	if err := ctx.Err(); err != nil {
		return err
	}

	// The figures.
	for i, p := range load.parts {
		rep.Vendors = append(rep.Vendors, soak.vendors[i].figures(p.Name))
	}
	rep.All = soak.all.figures("all")
	rep.Warmup = warm.all.figures("warm-up")
	rep.Anomalies = load.anomalies.Load()
	rep.Errors = rep.All.Errors + rep.Warmup.Errors + rep.Anomalies
	if rep.Warmup.FirstError != "" {
		rep.FirstErrors = append(rep.FirstErrors, "warm-up: "+rep.Warmup.FirstError)
	}
	if rep.All.FirstError != "" {
		rep.FirstErrors = append(rep.FirstErrors, "soak: "+rep.All.FirstError)
	}
	if load.firstAnomaly != "" {
		rep.FirstErrors = append(rep.FirstErrors, "anomaly: "+load.firstAnomaly)
	}
	rep.RetiredSlots = load.retired()

	rep.RSS.Samples = smp.samples
	for _, s := range smp.samples {
		rep.RSS.MaxKiB = max(rep.RSS.MaxKiB, s.KiB)
		switch s.Label {
		case labelWarm:
			rep.RSS.WarmKiB = s.KiB
		case labelEnd:
			rep.RSS.EndKiB = s.KiB
		}
	}
	rep.RSS.PeakKiB, _ = readStatusKiB(srv.pid, "VmHWM:")
	if rep.RSS.WarmKiB > 0 && rep.RSS.EndKiB > 0 {
		rep.RSS.ChangePct = 100 * float64(rep.RSS.EndKiB-rep.RSS.WarmKiB) / float64(rep.RSS.WarmKiB)
	}
	if w, e := smp.marks[labelWarm], smp.marks[labelEnd]; w.ok && e.ok && e.at.After(w.at) {
		wall := e.at.Sub(w.at).Seconds()
		rep.CPU.Server = (e.server - w.server).Seconds() / wall
		rep.CPU.Harness = (e.self - w.self).Seconds() / wall
		if e.host.ok && w.host.ok && e.host.total > w.host.total {
			rep.CPU.HostBusy = float64(e.host.busy-w.host.busy) / float64(e.host.total-w.host.total)
			rep.CPU.Other = max(0, rep.CPU.HostBusy*float64(runtime.NumCPU())-rep.CPU.Server-rep.CPU.Harness)
		}
	}
	rep.Load[1] = loadavg()

	// What the store holds at the end: bounded by the working set.
	var storeErr error
	rep.Store, storeErr = storeSizes(srv.url, load.parts)

	// Stop the server: SIGINT, and it must exit 0.
	stopErr := srv.stop()
	rep.Server.Exit = "0"
	if stopErr != nil {
		rep.Server.Exit = stopErr.Error()
	}

	rep.Failures = soakVerdict(rep, cfg.maxRSSChange)
	if storeErr != nil {
		rep.Failures = append(rep.Failures, "reading the store's size at the end: "+storeErr.Error())
	}
	if stopErr != nil {
		rep.Failures = append(rep.Failures, stopErr.Error())
	}
	rep.Passed = len(rep.Failures) == 0
	if rep.All.ReqPerSec < rateShortfall*float64(cfg.rate) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the achieved rate, %.1f req/s, is below %.0f%% of --rate %d: the load generator fell behind",
			rep.All.ReqPerSec, 100*rateShortfall, cfg.rate))
	}
	if rep.CPU.Other >= otherCPUWarning {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("other load (other processes, interrupts, steal) took %.2f cores during the soak: latencies are disturbed", rep.CPU.Other))
	}

	printSoakReport(stdout, rep, load.parts)
	if stopErr != nil {
		fmt.Fprintf(stdout, "\nrepomock's output (last lines):\n%s\n", srv.out.tail(4<<10))
	}
	if cfg.jsonFile != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonFile, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if !rep.Passed {
		return fmt.Errorf("soak failed: %s", strings.Join(rep.Failures, "; "))
	}
	return nil
}

// soakVerdict lists why the soak fails: errors, or the RSS at the end
// further than maxChange percent from the RSS after the warm-up.
func soakVerdict(rep *soakReport, maxChange float64) []string {
	var why []string
	if rep.Errors > 0 {
		s := fmt.Sprintf("%d errors", rep.Errors)
		if len(rep.FirstErrors) > 0 {
			s += " (first: " + rep.FirstErrors[0] + ")"
		}
		why = append(why, s)
	}
	if rep.All == nil || rep.All.Requests == 0 {
		why = append(why, "no request was sent after the warm-up")
	}
	switch {
	case rep.RSS.WarmKiB <= 0 || rep.RSS.EndKiB <= 0:
		why = append(why, "no RSS after the warm-up or at the end")
	case math.Abs(rep.RSS.ChangePct) > maxChange:
		why = append(why, fmt.Sprintf("RSS at the end, %s, is %+.1f%% from the RSS after the warm-up, %s: beyond ±%g%%",
			mib(rep.RSS.EndKiB), rep.RSS.ChangePct, mib(rep.RSS.WarmKiB), maxChange))
	}
	return why
}

// soakFlags checks the flags of a soak; set names the flags given.
func soakFlags(cfg *config, set map[string]bool, fail func(string, ...any) (*config, error)) (*config, error) {
	for _, name := range []string{"duration", "slice", "connections", "ops", "url", "baseline-url", "serve", "reset"} {
		if set[name] {
			return fail("--%s is not for --soak: the soak starts its own server and drives every vendor", name)
		}
	}
	if cfg.soak <= 0 || cfg.soak > maxSoak {
		return fail("--soak %s: must be above 0 and at most %s", cfg.soak, maxSoak)
	}
	if !set["warmup"] {
		cfg.warmup = defaultSoakWarmup
	}
	if cfg.warmup <= 0 || cfg.warmup > maxSoakWarmup {
		return fail("--warmup %s: with --soak it must be above 0 (the RSS after it is the reference) and at most %s", cfg.warmup, maxSoakWarmup)
	}
	if cfg.rate < 1 || cfg.rate > maxRate {
		return fail("--rate %d: must be 1 to %d", cfg.rate, maxRate)
	}
	if !(cfg.maxRSSChange > 0) || math.IsInf(cfg.maxRSSChange, 0) {
		return fail("--max-rss-change %g: must be a percentage above 0", cfg.maxRSSChange)
	}
	if cfg.binary != "" {
		if st, err := os.Stat(cfg.binary); err != nil || st.IsDir() {
			return fail("--binary %s: not a file", cfg.binary)
		}
	}
	return cfg, nil
}

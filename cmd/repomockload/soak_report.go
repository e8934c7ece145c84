package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// The soak's report, for the table and --json.
type soakReport struct {
	Command   string         `json:"command"`
	Machine   machine        `json:"machine"`
	Settings  soakSettings   `json:"settings"`
	Server    soakServer     `json:"server"`
	Vendors   []*soakFigures `json:"vendors"`
	All       *soakFigures   `json:"all"`
	Warmup    *soakFigures   `json:"warmup"`
	Errors    uint64         `json:"errors"`    // warm-up, soak and anomalies
	Anomalies uint64         `json:"anomalies"` // 2xx answers the cycle could not go on from
	// FirstErrors: the first of each kind, where there was one.
	FirstErrors  []string       `json:"first_errors,omitempty"`
	RetiredSlots int64          `json:"retired_slots"`
	RSS          soakRSS        `json:"rss"`
	CPU          soakCPU        `json:"cpu"`
	Load         [2]string      `json:"loadavg"` // /proc/loadavg at start and end
	Store        map[string]int `json:"store_at_end,omitempty"`
	Passed       bool           `json:"passed"`
	Failures     []string       `json:"failures,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
}

type soakSettings struct {
	Soak          string  `json:"soak"`
	Warmup        string  `json:"warmup"`
	Rate          int     `json:"rate"`
	MaxWorkers    int     `json:"max_workers"`
	MaxRSSChange  float64 `json:"max_rss_change_percent"`
	SampleSeconds float64 `json:"sample_every_seconds"`
	// workingSets are the sizes of the vendors' working sets, each under
	// its vendor's name for it ("endor_keys"): see MarshalJSON.
	workingSets []workingSetSize
}

type workingSetSize struct {
	name string
	size int
}

// workingSetSizes are the sizes of the vendors' working sets, once for
// vendors that share a name for it.
func workingSetSizes(loads []vendorLoad) []workingSetSize {
	var out []workingSetSize
	for _, l := range loads {
		if l.Soak != nil && !slices.ContainsFunc(out, func(w workingSetSize) bool { return w.name == l.Soak.Setting }) {
			out = append(out, workingSetSize{l.Soak.Setting, l.Soak.Size})
		}
	}
	return out
}

// MarshalJSON writes the settings, then the working sets' sizes, which the
// vendors name.
func (s soakSettings) MarshalJSON() ([]byte, error) {
	type plain soakSettings
	data, err := json.Marshal(plain(s))
	if err != nil {
		return nil, err
	}
	data = data[:len(data)-1] // the closing brace
	for _, w := range s.workingSets {
		name, err := json.Marshal(w.name)
		if err != nil {
			return nil, err
		}
		data = fmt.Appendf(append(append(data, ','), name...), ":%d", w.size)
	}
	return append(data, '}'), nil
}

type soakServer struct {
	Binary string `json:"binary"`
	Built  bool   `json:"built"` // by this run, from ./cmd/repomock
	PID    int    `json:"pid"`
	URL    string `json:"url"`
	Exit   string `json:"exit"` // "0" or what went wrong at the stop
}

type soakFigures struct {
	Name       string            `json:"name"`
	Requests   uint64            `json:"requests"`
	Errors     uint64            `json:"errors"`
	FirstError string            `json:"first_error,omitempty"`
	ReqPerSec  float64           `json:"req_per_sec"`
	P50        dur               `json:"p50"`
	P99        dur               `json:"p99"`
	Max        dur               `json:"max"`
	Ops        map[string]uint64 `json:"ops"`
}

type rssSample struct {
	Seconds float64 `json:"t_seconds"`
	KiB     int64   `json:"rss_kib"`
	Label   string  `json:"label,omitempty"`
}

type soakRSS struct {
	StartKiB  int64       `json:"start_kib"` // idle, once healthy
	WarmKiB   int64       `json:"after_warmup_kib"`
	EndKiB    int64       `json:"end_kib"`
	MaxKiB    int64       `json:"max_kib"`  // of the samples
	PeakKiB   int64       `json:"peak_kib"` // VmHWM at the end
	ChangePct float64     `json:"change_percent"`
	Samples   []rssSample `json:"samples"`
}

// soakCPU is over the soak proper (after the warm-up), in cores.
type soakCPU struct {
	Server   float64 `json:"server_cores"`
	Harness  float64 `json:"harness_cores"`
	HostBusy float64 `json:"host_busy"`
	Other    float64 `json:"other_cores"`
}

// printSoakReport prints the report of a soak of the vendors' parts.
func printSoakReport(w io.Writer, rep *soakReport, parts []soakPart) {
	m, s := rep.Machine, rep.Settings
	fmt.Fprintf(w, "soak: %s\n", rep.Command)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs (%s), GOMAXPROCS %d, %s, vegeta %s\n",
		m.OS, m.Arch, m.NumCPU, orUnknown(m.CPU), m.GOMAXPROCS, m.GoVersion, orUnknown(m.Vegeta))
	built := "given by --binary"
	if rep.Server.Built {
		built = "built from ./cmd/repomock by this run"
	}
	fmt.Fprintf(w, "server: repomock in its own process (pid %d, %s), %s, default flags\n", rep.Server.PID, built, rep.Server.URL)
	loads := make([]vendorLoad, len(parts))
	for i, p := range parts {
		loads[i] = p.vendorLoad
	}
	fmt.Fprintf(w, "load: %d req/s fixed rate (vegeta constant pacer, up to %d workers and connections), %s in turn; %s warm-up, then %s measured\n",
		s.Rate, s.MaxWorkers, vendorsInWords(len(parts)), s.Warmup, s.Soak)
	fmt.Fprintf(w, "working set: %s\n", strings.Join(workingSets(loads), "; "))
	fmt.Fprintf(w, "host: load average %s at the start, %s at the end", rep.Load[0], rep.Load[1])
	if rep.CPU.HostBusy > 0 {
		fmt.Fprintf(w, "; during the soak repomock took %.2f cores, repomockload %.2f, other load %.2f (host %.0f%% busy)",
			rep.CPU.Server, rep.CPU.Harness, rep.CPU.Other, 100*rep.CPU.HostBusy)
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\nrepomock RSS (VmRSS), every %s:\n", sampleEvery)
	for i, smp := range rep.RSS.Samples {
		sep := "  "
		if i%6 == 5 || i == len(rep.RSS.Samples)-1 {
			sep = "\n"
		}
		fmt.Fprintf(w, "  %s %9s%s%s", clock(smp.Seconds), mib(smp.KiB), mark(smp.Label), sep)
	}

	fmt.Fprintf(w, "\nafter the warm-up (%s):\n", s.Soak)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "vendor\trequests\terrors\treq/s\tp50\tp99\tmax\t\toperations")
	for _, f := range append(slices.Clone(rep.Vendors), rep.All) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t\t%s\n", f.Name, f.Requests, f.Errors, f.ReqPerSec, f.P50, f.P99, f.Max, opsText(f.Ops))
	}
	tw.Flush()
	fmt.Fprintf(w, "warm-up: %d requests, %d errors (not in the table)\n", rep.Warmup.Requests, rep.Warmup.Errors)
	fmt.Fprintf(w, "errors in all: %d (non-2xx answers, transport errors, and %d anomalies); retired slots: %d\n", rep.Errors, rep.Anomalies, rep.RetiredSlots)
	for _, e := range rep.FirstErrors {
		fmt.Fprintf(w, "first error, %s\n", e)
	}
	if rep.Store != nil {
		var held []string
		for _, p := range parts {
			held = append(held, fmt.Sprintf("%s %d %s", p.Name, rep.Store[p.id], p.Soak.Objects))
		}
		fmt.Fprintf(w, "store at the end: %s\n", strings.Join(held, ", "))
	}
	r := rep.RSS
	fmt.Fprintf(w, "\nRSS at start (idle): %s\n", mib(r.StartKiB))
	fmt.Fprintf(w, "RSS after warm-up:   %s\n", mib(r.WarmKiB))
	fmt.Fprintf(w, "RSS at end:          %s\n", mib(r.EndKiB))
	fmt.Fprintf(w, "RSS max (samples):   %s (VmHWM, the peak since start: %s)\n", mib(r.MaxKiB), mib(r.PeakKiB))
	fmt.Fprintf(w, "RSS change:          %+.1f%% (end vs after warm-up; the limit is ±%g%%)\n", r.ChangePct, s.MaxRSSChange)
	fmt.Fprintf(w, "achieved rate:       %.1f req/s of %d; p50 %s, p99 %s\n", rep.All.ReqPerSec, s.Rate, rep.All.P50, rep.All.P99)
	fmt.Fprintf(w, "repomock stopped by SIGINT: exit %s\n", rep.Server.Exit)
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if rep.Passed {
		fmt.Fprintf(w, "PASS: 0 errors, RSS change %+.1f%% within ±%g%%\n", r.ChangePct, s.MaxRSSChange)
	} else {
		fmt.Fprintf(w, "FAIL: %s\n", strings.Join(rep.Failures, "; "))
	}
}

func opsText(ops map[string]uint64) string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range ops {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%s %d", k, ops[k]))
	}
	return strings.Join(parts, ", ")
}

const (
	labelStart = "start"
	labelWarm  = "after warm-up"
	labelEnd   = "end"
)

func mark(label string) string {
	switch label {
	case labelWarm:
		return " W"
	case labelEnd:
		return " E"
	}
	return "  "
}

func labelled(label string) string {
	if label == "" {
		return ""
	}
	return " (" + label + ")"
}

func clock(seconds float64) string {
	s := int(math.Round(seconds))
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func mib(kib int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

// vendorsInWords is "the three vendors", as the soak's report says it.
func vendorsInWords(n int) string {
	words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	count := fmt.Sprint(n)
	if n < len(words) {
		count = words[n]
	}
	if n == 1 {
		return "the one vendor"
	}
	return "the " + count + " vendors"
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
)

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

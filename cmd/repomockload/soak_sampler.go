package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// readRSS is a process's VmRSS, in KiB.
func readRSS(pid int) (int64, error) { return readStatusKiB(pid, "VmRSS:") }

func readStatusKiB(pid int, field string) (int64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// sampler reads the server's RSS every sampleEvery from start, and at the
// end of the warm-up and of the run, where it also notes the CPU times.
type sampler struct {
	pid     int
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	samples []rssSample
	marks   map[string]cpuMark
}

type cpuMark struct {
	at           time.Time
	server, self time.Duration
	host         hostTicks
	ok           bool
}

func newSampler(pid int, start time.Time) *sampler {
	return &sampler{pid: pid, start: start, stop: make(chan struct{}), done: make(chan struct{}), marks: map[string]cpuMark{}}
}

func (s *sampler) run(warmup, total time.Duration, progress func(rssSample)) {
	defer close(s.done)
	s.take(labelStart, nil)
	next := sampleEvery
	marks := []struct {
		at    time.Duration
		label string
	}{{warmup, labelWarm}, {total, labelEnd}}
	lastProgress := time.Duration(0)
	for {
		at, label := next, ""
		if len(marks) > 0 && marks[0].at <= next {
			at, label = marks[0].at, marks[0].label
		}
		timer := time.NewTimer(time.Until(s.start.Add(at)))
		select {
		case <-s.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		if label != "" {
			marks = marks[1:]
		}
		if at == next {
			next += sampleEvery
		}
		show := label != "" || at-lastProgress >= progressEvery
		if show {
			lastProgress = at
		}
		var p func(rssSample)
		if show {
			p = progress
		}
		if !s.take(label, p) || label == labelEnd {
			return
		}
	}
}

// take samples the RSS; false when the server is gone.
func (s *sampler) take(label string, progress func(rssSample)) bool {
	now := time.Now()
	kib, err := readRSS(s.pid)
	if err != nil {
		return false
	}
	smp := rssSample{Seconds: now.Sub(s.start).Seconds(), KiB: kib, Label: label}
	if label == labelStart {
		smp.Seconds = 0
	}
	s.samples = append(s.samples, smp)
	if label == labelWarm || label == labelEnd {
		server := procStatCPU("/proc/" + strconv.Itoa(s.pid) + "/stat")
		self := processCPU()
		s.marks[label] = cpuMark{at: now, server: server, self: self, host: hostCPU(), ok: server >= 0 && self >= 0}
	}
	if progress != nil {
		progress(smp)
	}
	return true
}

// finish stops the sampler, if the end mark has not, and waits for it.
// The load can end a moment before the sampler's end timer fires (on a
// busy machine it does): then the end sample is taken here.
func (s *sampler) finish() {
	close(s.stop)
	<-s.done
	if _, ok := s.marks[labelEnd]; !ok {
		s.take(labelEnd, nil)
	}
}

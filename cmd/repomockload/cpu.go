package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

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

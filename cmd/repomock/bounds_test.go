package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 21, finding 2: every new session name copied the whole fixture set
// (about 245 KB with 200 Endor fixture objects), with no limit: 19,096
// names took the server to 4.66 GB. With fixtures loaded, 100,000 distinct
// session names, each writing an object (a session that writes cannot
// share the fixtures), must keep the server under 200 MB.
//
// Memory is the server's resident set as the kernel counts it, read from
// /proc while the load runs: the peak (VmHWM) is what the machine had to
// give, garbage and runtime included. It runs the binary with its default
// --max-sessions. The load stops as soon as the bound is passed, so that
// the old server fails in seconds rather than taking the machine's memory.
func TestManySessionsKeepTheServerSmall(t *testing.T) {
	const (
		sessions = 100_000
		limit    = 200 * mib
		workers  = 4
	)
	p := startProcess(t, "--fixtures", endorFixtures(t, 200))
	body := []byte(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`)
	start := time.Now()
	var (
		next, failed atomic.Int64
		over         atomic.Bool
		wg           sync.WaitGroup
		firstErr     sync.Once
	)
	fail := func(format string, args ...any) {
		firstErr.Do(func() { t.Errorf(format, args...) })
		failed.Add(1)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.dial()
			if err != nil {
				fail("dial: %v", err)
				return
			}
			defer c.close()
			for !over.Load() && failed.Load() == 0 {
				i := next.Add(1) - 1
				if i >= sessions {
					return
				}
				status, answer, err := c.do("POST", "/v1/namespaces/acme.prod/repository-versions",
					[]string{"Authorization: Bearer t", "Content-Type: application/json", fmt.Sprintf("X-Repomock-Session: s%06d", i)}, body)
				if err != nil || status != 200 {
					fail("create in session %d: %d %s %v", i, status, answer, err)
					return
				}
				if i%2000 == 0 {
					if rss, _ := p.memory(); rss > limit {
						over.Store(true)
					}
				}
			}
		}()
	}
	wg.Wait()
	rss, peak := p.memory()
	done := min(next.Load(), sessions)
	t.Logf("%d sessions in %v: RSS %.1f MiB now, %.1f MiB at the peak", done, time.Since(start).Round(time.Second), float64(rss)/mib, float64(peak)/mib)
	if over.Load() || peak > limit {
		t.Fatalf("the server passed %d MiB (peak %.1f MiB) after %d sessions", limit/mib, float64(peak)/mib, done)
	}
	if failed.Load() > 0 {
		return
	}
	// The sessions beyond the bound were evicted, and each eviction logged.
	status, raw := p.get("/__admin/sessions")
	var report struct {
		Sessions    []json.RawMessage
		MaxSessions int    `json:"max_sessions"`
		Evicted     uint64 `json:"evicted"`
	}
	if status != 200 || json.Unmarshal(raw, &report) != nil {
		t.Fatalf("GET /__admin/sessions: %d %s", status, raw)
	}
	if len(report.Sessions) != report.MaxSessions || report.Evicted != uint64(sessions-report.MaxSessions) {
		t.Errorf("%d sessions in use and %d evicted, want %d (--max-sessions) and %d", len(report.Sessions), report.Evicted, report.MaxSessions, sessions-report.MaxSessions)
	}
	if n := strings.Count(p.stderr.String(), "session evicted"); n != sessions-report.MaxSessions {
		t.Errorf("%d evictions logged, want %d", n, sessions-report.MaxSessions)
	}
}

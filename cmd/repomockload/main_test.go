package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/toy"
)

// defaults is the servers' configuration of the command: every vendor
// repomock fakes.
func defaults() server.Config { return server.Config{Seed: 1} }

// allOperations are the operations of every vendor repomock fakes.
func allOperations(t *testing.T) []operation {
	t.Helper()
	loads, err := vendorLoads(defaults())
	if err != nil {
		t.Fatal(err)
	}
	return operations(loads)
}

// TestHarnessInProcess runs the whole harness, briefly, against the
// in-process repomock and baseline.
func TestHarnessInProcess(t *testing.T) {
	operations := allOperations(t)
	if len(operations) != 3 {
		t.Fatalf("%d operations, want the three vendors' creates", len(operations))
	}
	jsonFile := filepath.Join(t.TempDir(), "load.json")
	var out, log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := run(ctx, defaults(), []string{"--duration", "200ms", "--slice", "100ms", "--warmup", "20ms", "--connections", "2", "--json", jsonFile}, &out, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, log.String(), out.String())
	}
	t.Logf("took %s\n%s", time.Since(start).Round(time.Millisecond), out.String())

	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("--json: %v", err)
	}
	if !rep.Settings.InProcess || rep.Machine.NumCPU < 1 || rep.Machine.GoVersion == "" {
		t.Errorf("settings %+v, machine %+v", rep.Settings, rep.Machine)
	}
	if got, want := len(rep.Results), len(operations)*2; got != want {
		t.Fatalf("%d results, want %d (each operation × repomock, baseline)", got, want)
	}
	for i, r := range rep.Results {
		op := operations[i/2]
		want := []string{"repomock", "baseline"}[i%2]
		if r.Operation != op.name || r.Target != want || r.Connections != 2 {
			t.Errorf("result %d is %s/%s/%d, want %s/%s/2", i, r.Operation, r.Target, r.Connections, op.name, want)
		}
		if r.Errors != 0 {
			t.Errorf("%s on %s: %d errors, first: %s", r.Operation, r.Target, r.Errors, r.FirstError)
		}
		if r.Requests == 0 || r.ReqPerSec <= 0 {
			t.Errorf("%s on %s: %d requests, %.0f req/s", r.Operation, r.Target, r.Requests, r.ReqPerSec)
		}
		if r.P50 <= 0 || r.P50 > r.P99 {
			t.Errorf("%s on %s: p50 %s, p99 %s", r.Operation, r.Target, r.P50, r.P99)
		}
		if (r.Target == "repomock") != (r.Ratio != nil) {
			t.Errorf("%s on %s: ratio %v (only repomock's row has one)", r.Operation, r.Target, r.Ratio)
		}
		if r.Ratio != nil && *r.Ratio <= 0 {
			t.Errorf("%s: ratio %v", r.Operation, *r.Ratio)
		}
	}

	// The table lists each operation × target, with the machine.
	table := out.String()
	if !strings.Contains(table, "GOMAXPROCS") {
		t.Errorf("no machine line:\n%s", table)
	}
	for _, op := range operations {
		for _, target := range []string{"repomock", "baseline"} {
			found := false
			for _, line := range strings.Split(table, "\n") {
				f := strings.Fields(line)
				if strings.Contains(line, op.name) && len(f) > 0 && strings.Contains(line, " 2  "+target+" ") {
					found = true
				}
			}
			if !found {
				t.Errorf("table has no row for %s × %s:\n%s", op.name, target, table)
			}
		}
	}
}

// TestHarnessDrivesAnyVendor: the harness drives the vendors it is given,
// each by its own load (vendor.Load), and names none: given a fourth, the
// toy shop, alone, it measures the toy's create, its --ops and its help
// list the toy, and it has no soak to run.
func TestHarnessDrivesAnyVendor(t *testing.T) {
	toys := server.Config{Seed: 1, Vendors: []vendor.Plugin{&toy.Plugin{SpecDir: "../../testdata/toy"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, log bytes.Buffer
	err := run(ctx, toys, []string{"--duration", "200ms", "--slice", "100ms", "--warmup", "20ms", "--connections", "2"}, &out, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, log.String(), out.String())
	}
	var rows []string
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[0] == "Toy" {
			rows = append(rows, strings.Join(f[:5], " "))
		}
	}
	if want := []string{"Toy CreateToy 2 repomock", "Toy CreateToy 2 baseline"}; len(rows) != 2 || !strings.HasPrefix(rows[0], want[0]) || !strings.HasPrefix(rows[1], want[1]) {
		t.Errorf("rows %q, want the toy's create on repomock and the baseline:\n%s", rows, out.String())
	}

	log.Reset()
	if err := run(ctx, toys, []string{"--ops", "endor"}, io.Discard, &log); !errors.Is(err, errUsage) ||
		!strings.Contains(log.String(), `unknown operation "endor" (toy)`) ||
		!strings.Contains(log.String(), "comma-separated operations to drive: toy (default \"toy\")") {
		t.Errorf("--ops endor: %v\n%s", err, log.String())
	}
	if err := run(ctx, toys, []string{"--soak", "1s"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no vendor has a soak") {
		t.Errorf("--soak with no vendor's soak: %v", err)
	}
}

// TestRefusesNonLoopback: a URL off this machine is refused before any
// connection is made.
func TestRefusesNonLoopback(t *testing.T) {
	for _, args := range [][]string{
		{"--url", "http://10.0.0.1:8080"},
		{"--url", "http://127.0.0.1:8080", "--baseline-url", "http://10.0.0.1:8080"},
		{"--url", "http://example.com"},
		{"--url", "http://0.0.0.0:8080"},
		{"--url", "http://127.0.0.1.nip.io:8080"},
		{"--url", "http://[fe80::1%25lo]:8080"},
	} {
		start := time.Now()
		err := run(context.Background(), defaults(), append(args, "--duration", "50ms", "--warmup", "0s"), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("%v: err = %v, want a refusal", args, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%v: took %s: it should refuse at once", args, d)
		}
	}
}

func TestLoopbackHosts(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"::ffff:127.0.0.1": true, "10.0.0.1": false, "0.0.0.0": false, "192.168.1.1": false,
		"example.com": false, "localhost.example.com": false, "::": false, "": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
	if u, err := checkLoopbackURL("http://[::1]:8080/"); err != nil || u != "http://[::1]:8080" {
		t.Errorf("checkLoopbackURL([::1]) = %q, %v", u, err)
	}
}

// TestDialRefusesNonLoopback: whatever a name resolves to, the dialer
// opens no connection off this machine.
func TestDialRefusesNonLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:80": true, "10.0.0.1:8080": false, "[2001:db8::1]:80": false,
	} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v, want ok %v", addr, err, ok)
		}
	}
	// Through the client: refused without a packet sent.
	client := newClient(1)
	_, err := client.Get("http://10.0.0.1:9/")
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("GET 10.0.0.1: %v, want a refusal", err)
	}
}

// TestDrivesExternalURL: with --url alone it drives a running server and
// prints no ratio.
func TestDrivesExternalURL(t *testing.T) {
	srvs, err := startServers(defaults())
	if err != nil {
		t.Fatal(err)
	}
	defer srvs.close()
	var out bytes.Buffer
	err = run(context.Background(), defaults(), []string{"--url", srvs.repomockURL + "/", "--ops", "codearts", "--connections", "1",
		"--duration", "100ms", "--warmup", "0s", "--reset"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	rows := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "CodeArts CreateRepository") {
			rows++
			if f := strings.Fields(line); len(f) < 5 || f[3] != "repomock" {
				t.Errorf("row %q: want repomock's, with no baseline and no ratio", line)
			}
		}
	}
	if rows != 1 || strings.Contains(out.String(), "baseline=") {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--duration", "0s"},
		{"--duration", "11m"},
		{"--slice", "10ms"},
		{"--connections", "0"},
		{"--connections", "16,x"},
		{"--ops", "endor,github"},
		{"--baseline-url", "http://127.0.0.1:1"},
		{"--reset"},
		{"extra"},
	} {
		if err := run(context.Background(), defaults(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

// TestUniqueNames: every request of an operation names a new object.
func TestUniqueNames(t *testing.T) {
	var counter atomic.Uint64
	for _, op := range allOperations(t) {
		seen := map[string]bool{}
		for range 100 {
			var tgt vegeta.Target
			op.fill(&tgt, "http://127.0.0.1:1", "p-"+strconv.FormatUint(counter.Add(1), 10))
			key := tgt.URL + " " + string(tgt.Body)
			if seen[key] {
				t.Fatalf("%s: request repeated: %s", op.key, key)
			}
			seen[key] = true
		}
	}
}

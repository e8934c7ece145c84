package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestSoakShort runs a very short soak: it builds repomock, runs it as a
// separate process, drives it for 3 s after a 1 s warm-up, and stops it.
// The RSS limit is lifted: 4 s is far from a steady state; the 5-minute
// soak is the one that holds it (see the package comment).
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: the soak test builds repomock and runs it as a separate process for about 5 s")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the soak reads RSS from /proc: Linux only")
	}
	jsonFile := filepath.Join(t.TempDir(), "soak.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, log bytes.Buffer
	start := time.Now()
	err := run(ctx, []string{"--soak", "3s", "--warmup", "1s", "--rate", "100", "--max-rss-change", "1000", "--json", jsonFile}, &out, &log)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s\nstdout:\n%s", err, log.String(), out.String())
	}
	t.Logf("took %s\n%s", time.Since(start).Round(time.Millisecond), out.String())

	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep soakReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("--json: %v", err)
	}
	if rep.Errors != 0 || !rep.Passed || len(rep.Failures) != 0 {
		t.Errorf("errors %d, passed %v, failures %v, first errors %v", rep.Errors, rep.Passed, rep.Failures, rep.FirstErrors)
	}
	if !rep.Server.Built || rep.Server.PID <= 0 || rep.Server.PID == os.Getpid() || rep.Server.Exit != "0" {
		t.Errorf("server %+v: want a separate process, built by the run, that exited 0", rep.Server)
	}
	r := rep.RSS
	if r.StartKiB <= 0 || r.WarmKiB <= 0 || r.EndKiB <= 0 || r.MaxKiB < max(r.WarmKiB, r.EndKiB) || r.PeakKiB < r.MaxKiB {
		t.Errorf("RSS figures %+v", r)
	}
	labels := map[string]int{}
	for _, s := range r.Samples {
		labels[s.Label]++
	}
	if labels[labelStart] != 1 || labels[labelWarm] != 1 || labels[labelEnd] != 1 {
		t.Errorf("samples %+v: want one start, one after warm-up and one end", r.Samples)
	}
	// 3 s at 100 req/s, a third to each vendor.
	if rep.All.Requests < 250 || rep.All.ReqPerSec < 80 {
		t.Errorf("%d requests at %.1f req/s after the warm-up, want about 300 at 100", rep.All.Requests, rep.All.ReqPerSec)
	}
	want := map[string][]string{
		"Endor":        {"upsert", "list"},
		"CodeArts":     {"create", "show", "delete"},
		"ServiceStage": {"create", "show", "delete"},
	}
	for _, v := range rep.Vendors {
		if v.Requests < 80 || v.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors", v.Name, v.Requests, v.Errors)
		}
		for _, op := range want[v.Name] {
			if v.Ops[op] == 0 {
				t.Errorf("%s: no %s in %v", v.Name, op, v.Ops)
			}
		}
	}
	if rep.Store["endor"] == 0 || rep.Store["endor"] > endorKeys || rep.Store["codearts"] > huaweiSlots || rep.Store["servicestage"] > huaweiSlots {
		t.Errorf("store at the end %v: want within the working set", rep.Store)
	}

	table := out.String()
	for _, s := range []string{"RSS after warm-up:", "RSS at end:", "RSS max (samples):", "RSS change:", "achieved rate:", "PASS:"} {
		if !strings.Contains(table, s) {
			t.Errorf("the report has no %q:\n%s", s, table)
		}
	}
}

// TestSoakCycles drives the targeter against the in-process repomock, one
// request at a time, long enough for every Huawei slot to go round twice:
// every request succeeds and the stores stay within the working set.
func TestSoakCycles(t *testing.T) {
	srvs, err := startServers()
	if err != nil {
		t.Fatal(err)
	}
	defer srvs.close()
	load := newSoakLoad(srvs.repomockURL)
	client := soakClient(load)
	tr := load.targeter()
	n := 2 * 3 * 3 * huaweiSlots // two rounds of three steps, for each of three vendors
	for i := range n {
		var tgt vegeta.Target
		if err := tr(&tgt); err != nil {
			t.Fatal(err)
		}
		req, err := tgt.Request()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("request %d, %s %s: %s %s", i, tgt.Method, tgt.URL, resp.Status, body)
		}
	}
	if a := load.anomalies.Load(); a != 0 {
		t.Errorf("%d anomalies, first: %s", a, load.firstAnomaly)
	}
	sizes, err := storeSizes(srvs.repomockURL)
	if err != nil {
		t.Fatal(err)
	}
	if sizes["endor"] != endorKeys {
		t.Errorf("Endor holds %d repository versions, want the %d keys", sizes["endor"], endorKeys)
	}
	for name, p := range map[string]*slotPool{"codearts": load.codearts, "servicestage": load.stage} {
		if p.joined() != huaweiSlots || len(p.ready) != huaweiSlots || p.retired.Load() != 0 {
			t.Errorf("%s: %d slots joined, %d ready, %d retired: want all %d joined and ready",
				name, p.joined(), len(p.ready), p.retired.Load(), huaweiSlots)
		}
		// The store holds exactly the slots between create and delete,
		// and their cycles are out of phase: neither empty nor full.
		created, steps := 0, map[int]int{}
		for _, step := range p.step {
			steps[step]++
			if step != 0 {
				created++
			}
		}
		if sizes[name] != created {
			t.Errorf("%s holds %d objects, want the %d slots between create and delete", name, sizes[name], created)
		}
		if len(steps) != 3 {
			t.Errorf("%s: slots per step %v: want all three steps", name, steps)
		}
	}
}

// TestTrackerStripsStepHeader: the server never sees the step header.
func TestTrackerStripsStepHeader(t *testing.T) {
	var seen http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"result":{"repository_uuid":"0123456789abcdef0123456789abcdef"}}`)
	}))
	defer srv.Close()
	load := newSoakLoad(srv.URL)
	var tgt vegeta.Target
	load.codeartsTarget(&tgt)
	if tgt.Header.Get(stepHeader) == "" {
		t.Fatalf("target %+v has no step header", tgt)
	}
	req, _ := tgt.Request()
	resp, err := soakClient(load).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if seen.Get(stepHeader) != "" || seen.Get("X-Auth-Token") == "" {
		t.Errorf("server saw %v", seen)
	}
	if !strings.Contains(string(body), "repository_uuid") {
		t.Errorf("body %q: the tracker must hand it on", body)
	}
	// The slot (the first to join) is ready for its next step, the show,
	// with the uuid.
	if s := <-load.codearts.ready; s != 0 || load.codearts.step[0] != 1 || load.codearts.id[0] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("slot %d ready at step %d with id %q: want slot 0 at step 1 with the uuid", s, load.codearts.step[0], load.codearts.id[0])
	}
}

func TestVendorOp(t *testing.T) {
	b := "http://127.0.0.1:1"
	for _, c := range []struct {
		method, url string
		vendor      int
		op          string
	}{
		{"POST", b + "/v1/namespaces/acme.soak/repository-versions", vEndor, "upsert"},
		{"GET", b + "/v1/namespaces/acme.soak/repository-versions?list_parameters.filter=x", vEndor, "list"},
		{"GET", b + "/v1/namespaces/acme.soak/repository-versions/656e69058032bf0abaaeb600", vEndor, "get"},
		{"POST", b + "/v1/repositories", vCodeArts, "create"},
		{"GET", b + "/v2/repositories/0123", vCodeArts, "show"},
		{"DELETE", b + "/v1/repositories/0123", vCodeArts, "delete"},
		{"GET", b + "/v1/projects/p/repositories?page_size=5", vCodeArts, "list"},
		{"POST", b + soakFiles + "/a.txt?ref=master", vStage, "create"},
		{"GET", b + soakFiles + "/a.txt?ref=master", vStage, "show"},
		{"DELETE", b + soakFiles + "/a.txt?ref=master&sha=1", vStage, "delete"},
		{"GET", b + soakFiles + "/trees?ref=master", vStage, "tree"},
		{"GET", b + "/__admin/health", -1, "?"},
	} {
		if v, op := vendorOp(c.method, c.url); v != c.vendor || op != c.op {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.url, v, op, c.vendor, c.op)
		}
	}
}

func TestSoakVerdict(t *testing.T) {
	ok := func() *soakReport {
		return &soakReport{All: &soakFigures{Requests: 10}, RSS: soakRSS{WarmKiB: 1000, EndKiB: 1090, ChangePct: 9}}
	}
	if why := soakVerdict(ok(), 10); len(why) != 0 {
		t.Errorf("+9%%, no errors: %v", why)
	}
	r := ok()
	r.RSS.EndKiB, r.RSS.ChangePct = 1110, 11
	if why := soakVerdict(r, 10); len(why) != 1 || !strings.Contains(why[0], "+11.0%") {
		t.Errorf("+11%%: %v", why)
	}
	r = ok()
	r.RSS.EndKiB, r.RSS.ChangePct = 850, -15
	if why := soakVerdict(r, 10); len(why) != 1 || !strings.Contains(why[0], "-15.0%") {
		t.Errorf("-15%%: %v", why)
	}
	r = ok()
	r.Errors, r.FirstErrors = 2, []string{"soak: POST /v1/repositories: 400 Bad Request"}
	if why := soakVerdict(r, 10); len(why) != 1 || !strings.Contains(why[0], "2 errors (first: soak: POST") {
		t.Errorf("errors: %v", why)
	}
	r = ok()
	r.RSS.WarmKiB = 0
	if why := soakVerdict(r, 10); len(why) != 1 || !strings.Contains(why[0], "no RSS") {
		t.Errorf("no RSS: %v", why)
	}
}

func TestSoakFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--soak", "0s"},
		{"--soak", "2h"},
		{"--soak", "1s", "--rate", "0"},
		{"--soak", "1s", "--rate", "5001"},
		{"--soak", "1s", "--warmup", "0s"},
		{"--soak", "1s", "--warmup", "11m"},
		{"--soak", "1s", "--max-rss-change", "0"},
		{"--soak", "1s", "--url", "http://127.0.0.1:8080"},
		{"--soak", "1s", "--connections", "4"},
		{"--soak", "1s", "--duration", "1s"},
		{"--soak", "1s", "--serve"},
		{"--soak", "1s", "--binary", "/nonexistent/repomock"},
		{"--rate", "100"},
		{"--binary", "/bin/true"},
		{"--max-rss-change", "5"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	// The soak's warm-up defaults to 30 s.
	cfg, err := parseFlags([]string{"--soak", "5m"}, io.Discard)
	if err != nil || cfg.warmup != defaultSoakWarmup || cfg.rate != defaultSoakRate || cfg.maxRSSChange != 10 {
		t.Errorf("--soak 5m: %+v, %v", cfg, err)
	}
}

func TestReadRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	kib, err := readRSS(os.Getpid())
	if err != nil || kib <= 0 {
		t.Errorf("readRSS(self) = %d, %v", kib, err)
	}
	if _, err := readRSS(1 << 30); err == nil {
		t.Errorf("readRSS of no process: no error")
	}
}

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
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/mock/vendor"
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
	err := run(ctx, defaults(), []string{"--soak", "3s", "--warmup", "1s", "--rate", "100", "--max-rss-change", "1000", "--json", jsonFile}, &out, &log)
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
	sizes := workingSetsOf(t)
	if rep.Store["endor"] == 0 || rep.Store["endor"] > sizes["endor"] || rep.Store["codearts"] > sizes["codearts"] || rep.Store["servicestage"] > sizes["servicestage"] {
		t.Errorf("store at the end %v: want within the working sets %v", rep.Store, sizes)
	}

	table := out.String()
	for _, s := range []string{"RSS after warm-up:", "RSS at end:", "RSS max (samples):", "RSS change:", "achieved rate:", "PASS:"} {
		if !strings.Contains(table, s) {
			t.Errorf("the report has no %q:\n%s", s, table)
		}
	}
}

// workingSetsOf are the sizes of the vendors' working sets, by id.
func workingSetsOf(t *testing.T) map[string]int {
	t.Helper()
	loads, err := vendorLoads(defaults())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range loads {
		out[l.id] = l.Soak.Size
	}
	return out
}

// TestSoakCycles drives the targeter against the in-process repomock, one
// request at a time, long enough for every Huawei slot to go round twice:
// every request succeeds and the stores stay within the working set.
func TestSoakCycles(t *testing.T) {
	srvs, err := startServers(defaults())
	if err != nil {
		t.Fatal(err)
	}
	defer srvs.close()
	loads, err := vendorLoads(defaults())
	if err != nil {
		t.Fatal(err)
	}
	load := newSoakLoad(srvs.repomockURL, loads)
	client := soakClient(load)
	tr := load.targeter()
	sets := workingSetsOf(t)
	n := 2 * 3 * 3 * sets["codearts"] // two rounds of three steps, for each of three vendors
	// What the cycles made and deleted, by vendor: the store holds the difference.
	made := map[string]int{}
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
		v, op := load.vendorOp(tgt.Method, tgt.URL)
		if v < 0 {
			t.Fatalf("request %d, %s %s: no vendor's", i, tgt.Method, tgt.URL)
		}
		switch op {
		case "create":
			made[load.parts[v].id]++
		case "delete":
			made[load.parts[v].id]--
		}
	}
	if a := load.anomalies.Load(); a != 0 {
		t.Errorf("%d anomalies, first: %s", a, load.firstAnomaly)
	}
	if r := load.retired(); r != 0 {
		t.Errorf("%d steps retired", r)
	}
	sizes, err := storeSizes(srvs.repomockURL, load.parts)
	if err != nil {
		t.Fatal(err)
	}
	if sizes["endor"] != sets["endor"] {
		t.Errorf("Endor holds %d repository versions, want the %d keys", sizes["endor"], sets["endor"])
	}
	for _, name := range []string{"codearts", "servicestage"} {
		// The store holds exactly the slots between create and delete,
		// and their cycles are out of phase: neither empty nor full.
		if sizes[name] != made[name] || sizes[name] <= 0 || sizes[name] >= sets[name] {
			t.Errorf("%s holds %d objects, want the %d made and not deleted, and between 0 and %d", name, sizes[name], made[name], sets[name])
		}
	}
}

// stepLoad is a vendor's soak that makes one request, as a step, and
// keeps the answer Done is given.
type stepLoad struct {
	step       string
	code       int
	body       []byte
	doneCalled bool
}

func (l *stepLoad) Next() (vendor.Request, string) {
	return vendor.Request{Method: http.MethodPost, Path: "/things", Header: http.Header{"X-Key": {"k"}}, Body: []byte(`{}`)}, "slot-7"
}

func (l *stepLoad) Done(step string, code int, body []byte) error {
	l.step, l.code, l.body, l.doneCalled = step, code, body, true
	return errors.New("upsert of slot-7 answered without an id")
}

func (l *stepLoad) Retired() int64 { return 0 }

// TestTrackerStripsStepHeader: the server never sees the step header, the
// vendor's load is given the step's answer, and vegeta gets it too.
func TestTrackerStripsStepHeader(t *testing.T) {
	var seen http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"x1"}`)
	}))
	defer srv.Close()
	step := &stepLoad{}
	load := newSoakLoad(srv.URL, []vendorLoad{{id: "thing", Load: vendor.Load{Name: "Thing", Soak: &vendor.Soak{
		Start: func() vendor.SoakLoad { return step },
	}}}})
	var tgt vegeta.Target
	if err := load.targeter()(&tgt); err != nil {
		t.Fatal(err)
	}
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
	if seen.Get(stepHeader) != "" || seen.Get("X-Key") != "k" {
		t.Errorf("server saw %v", seen)
	}
	if string(body) != `{"id":"x1"}` {
		t.Errorf("body %q: the tracker must hand it on", body)
	}
	if !step.doneCalled || step.step != "slot-7" || step.code != http.StatusCreated || string(step.body) != `{"id":"x1"}` {
		t.Errorf("Done(%q, %d, %q) (called %v): want the step's answer", step.step, step.code, step.body, step.doneCalled)
	}
	// Its anomaly is counted, after the vendor's name.
	if load.anomalies.Load() != 1 || load.firstAnomaly != "Thing upsert of slot-7 answered without an id" {
		t.Errorf("%d anomalies, first %q", load.anomalies.Load(), load.firstAnomaly)
	}
}

func TestVendorOp(t *testing.T) {
	b := "http://127.0.0.1:1"
	loads, err := vendorLoads(defaults())
	if err != nil {
		t.Fatal(err)
	}
	load := newSoakLoad(b, loads)
	files := "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/soak"
	for _, c := range []struct {
		method, url string
		vendor      string
		op          string
	}{
		{"POST", b + "/v1/namespaces/acme.soak/repository-versions", "endor", "upsert"},
		{"GET", b + "/v1/namespaces/acme.soak/repository-versions?list_parameters.filter=x", "endor", "list"},
		{"GET", b + "/v1/namespaces/acme.soak/repository-versions/656e69058032bf0abaaeb600", "endor", "get"},
		{"POST", b + "/v1/repositories", "codearts", "create"},
		{"GET", b + "/v2/repositories/0123", "codearts", "show"},
		{"DELETE", b + "/v1/repositories/0123", "codearts", "delete"},
		{"GET", b + "/v1/projects/p/repositories?page_size=5", "codearts", "list"},
		{"POST", b + files + "/a.txt?ref=master", "servicestage", "create"},
		{"GET", b + files + "/a.txt?ref=master", "servicestage", "show"},
		{"DELETE", b + files + "/a.txt?ref=master&sha=1", "servicestage", "delete"},
		{"GET", b + files + "/trees?ref=master", "servicestage", "tree"},
		{"GET", b + "/__admin/health", "", "?"},
	} {
		v, op := load.vendorOp(c.method, c.url)
		id := ""
		if v >= 0 {
			id = load.parts[v].id
		}
		if id != c.vendor || op != c.op {
			t.Errorf("%s %s: %q %s, want %q %s", c.method, c.url, id, op, c.vendor, c.op)
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
		if err := run(context.Background(), defaults(), args, io.Discard, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	// The soak's warm-up defaults to 30 s.
	cfg, err := parseFlags([]string{"--soak", "5m"}, defaults(), io.Discard)
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

// TestSoakDescribesTheVendorsWorkingSets: the report describes each
// vendor's working set as the vendor gives it, those that work alike
// together, and its settings give each working set's size under the
// vendor's name for it, once.
func TestSoakDescribesTheVendorsWorkingSets(t *testing.T) {
	loads, err := vendorLoads(defaults())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(workingSets(loads), "; ")
	want := "Endor 500 keys upserted over and over, with gets and filtered lists; " +
		"CodeArts 256 names and ServiceStage 256 paths, each create → show → delete, out of phase"
	if got != want {
		t.Errorf("working sets:\n%s\nwant\n%s", got, want)
	}
	data, err := json.Marshal(soakSettings{Soak: "5m0s", Warmup: "30s", Rate: 300, MaxWorkers: 128, MaxRSSChange: 10, SampleSeconds: 5,
		workingSets: workingSetSizes(loads)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"soak":"5m0s","warmup":"30s","rate":300,"max_workers":128,"max_rss_change_percent":10,"sample_every_seconds":5,` +
		`"endor_keys":500,"huawei_slots":256}`; string(data) != want {
		t.Errorf("settings %s, want %s", data, want)
	}

	soak := func(set, work string) *vendor.Soak { return &vendor.Soak{Set: set, Work: work} }
	for _, tc := range []struct {
		loads []vendorLoad
		want  []string
	}{
		{[]vendorLoad{{Load: vendor.Load{Name: "A", Soak: soak("1 key upserted", "")}}}, []string{"A 1 key upserted"}},
		{[]vendorLoad{
			{Load: vendor.Load{Name: "A", Soak: soak("2 names", "cycled")}},
			{Load: vendor.Load{Name: "N"}}, // no soak: left out
			{Load: vendor.Load{Name: "B", Soak: soak("3 paths", "cycled")}},
			{Load: vendor.Load{Name: "C", Soak: soak("4 keys", "read")}},
			{Load: vendor.Load{Name: "D", Soak: soak("5 keys", "cycled")}},
		}, []string{"A 2 names and B 3 paths, cycled", "C 4 keys, read", "D 5 keys, cycled"}},
	} {
		if got := workingSets(tc.loads); !slices.Equal(got, tc.want) {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

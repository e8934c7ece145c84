package main

// Soak mode (issue 7, item 7): a bounded, fixed-rate load over loopback
// against all three vendors, with repomock in a process of its own so that
// its resident set is its own. It must end with zero errors and with the
// server's RSS at the end within --max-rss-change (10%) of its RSS after
// the warm-up. The documented command, from the repository root (it is not
// run in CI; the test runs a 3 s one):
//
//	go run ./cmd/repomockload --soak 5m --rate 300
//
// The working set has a steady-state size, so that memory should not grow
// unless something leaks:
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
// of phase and each Huawei store holds about 170 objects at any time.
//
// Every request is valid and is expected to succeed. The Huawei steps run
// per slot: a slot's next request is sent only once its previous one has
// answered, and there are more slots than requests in flight can hold. A
// slot whose step fails is retired (its state is unknown); that failure is
// already an error.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
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
	soakWorkers    = 8
	soakMaxWorkers = 128
	sampleEvery    = 5 * time.Second
	progressEvery  = 30 * time.Second
	endorKeys      = 500
	// huaweiSlots is per Huawei vendor: more than soakMaxWorkers, so a
	// slot is always ready while at most that many requests are in flight.
	huaweiSlots        = 256
	serverStartTimeout = 30 * time.Second
	serverStopTimeout  = 15 * time.Second
	// stepHeader tells the client which slot a request belongs to; it is
	// removed before the request is sent, so the server never sees it.
	stepHeader = "X-Repomock-Soak-Step"
	// rateShortfall: an achieved rate below this share of --rate is flagged.
	rateShortfall = 0.95
)

// What the soak works on (the README's examples).
const (
	soakNamespace = "acme.soak"
	soakParent    = "656e69058032bf0abaaeb600"
	soakProject   = "4838955a48e2492bbe44b31bc4c272f6"
	soakFiles     = "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/soak"
)

// Headers of reads and deletes, which carry no body.
var (
	endorReadHeader    = http.Header{"Authorization": {"Bearer t"}}
	codeartsReadHeader = http.Header{"X-Auth-Token": {"t"}}
	stageReadHeader    = http.Header{"X-Auth-Token": {"t"}, "X-Repo-Auth": {"repomock-load"}}
)

const (
	vEndor = iota
	vCodeArts
	vStage
	nVendors
)

var vendorNames = [nVendors]string{"Endor", "CodeArts", "ServiceStage"}

// soakLoad is the targeter's state: which Endor uuids are known and where
// each Huawei slot is in its cycle. The targeter is called by vegeta's
// workers concurrently; the tracker sees every answer to a slot's request.
type soakLoad struct {
	base   string
	turn   atomic.Uint64 // round robin over the vendors
	endorN atomic.Uint64

	endorMu   sync.RWMutex
	endorUUID [endorKeys]string

	codearts, stage *slotPool

	endorBodies  [endorKeys][]byte
	stageContent [huaweiSlots]string // base64
	stageSHA     [huaweiSlots]string // the SHA-256 of its content, for a cross-check

	anomalies    atomic.Uint64
	anomalyMu    sync.Mutex
	firstAnomaly string
}

// slotPool is one Huawei vendor's slots. A slot taken belongs to the one
// request in flight for it until the tracker puts it back in ready, so
// step and id need no lock (the channel orders the accesses).
//
// Slots join one at a time, on every third take, until all have joined
// (or at once when none is ready), so that their cycles are out of phase:
// the store then holds about two thirds of the slots at any time, rather
// than filling and emptying in waves.
type slotPool struct {
	ready   chan int
	step    []int
	id      []string // CodeArts: repository_uuid; ServiceStage: sha
	retired atomic.Int64
	takes   atomic.Uint64

	mu     sync.Mutex
	active int // slots 0..active-1 have joined
}

func newSlotPool(n int) *slotPool {
	return &slotPool{ready: make(chan int, n), step: make([]int, n), id: make([]string, n)}
}

// take gives a slot for its next step; false when every slot is in flight.
func (p *slotPool) take() (int, bool) {
	if p.takes.Add(1)%3 == 1 {
		if s, ok := p.join(); ok {
			return s, true
		}
	}
	select {
	case s := <-p.ready:
		return s, true
	default:
		return p.join()
	}
}

func (p *slotPool) join() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == len(p.step) {
		return 0, false
	}
	p.active++
	return p.active - 1, true
}

func (p *slotPool) joined() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active
}

func newSoakLoad(base string) *soakLoad {
	l := &soakLoad{base: base, codearts: newSlotPool(huaweiSlots), stage: newSlotPool(huaweiSlots)}
	for k := range endorKeys {
		l.endorBodies[k] = []byte(`{"meta":{"name":"` + endorName(k) + `","parent_uuid":"` + soakParent + `","description":"soak"},` +
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	}
	for s := range huaweiSlots {
		data := []byte(fmt.Sprintf("soak file %03d\n", s))
		l.stageContent[s] = base64.StdEncoding.EncodeToString(data)
		l.stageSHA[s] = contentSHA(data)
	}
	return l
}

func endorName(k int) string    { return fmt.Sprintf("soak-k%03d", k) }
func codeartsName(s int) string { return fmt.Sprintf("soak-r%03d", s) }
func stagePath(s int) string    { return fmt.Sprintf("soak-f%03d.txt", s) }

// contentSHA is ServiceStage's sha of data: its SHA-256, in hex.
func contentSHA(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func tagged(h http.Header, tag string) http.Header {
	c := h.Clone()
	c.Set(stepHeader, tag)
	return c
}

func (l *soakLoad) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		switch (l.turn.Add(1) - 1) % nVendors {
		case vEndor:
			l.endorTarget(t)
		case vCodeArts:
			l.codeartsTarget(t)
		default:
			l.stageTarget(t)
		}
		return nil
	}
}

// endorTarget: of every four requests, two upserts (cycling over the
// keys), one get by uuid and one list filtered by name.
func (l *soakLoad) endorTarget(t *vegeta.Target) {
	i := l.endorN.Add(1) - 1
	base := l.base + "/v1/namespaces/" + soakNamespace + "/repository-versions"
	switch i % 4 {
	case 1:
		// 7 is prime to endorKeys: the gets visit every key.
		if id := l.endorID(int((i/4*7 + 3) % endorKeys)); id != "" {
			t.Method, t.URL, t.Header = http.MethodGet, base+"/"+id, endorReadHeader
			return
		}
		// No uuid known yet (the first round): one more upsert instead.
	case 3:
		k := int((i / 4) % endorKeys)
		t.Method, t.Header = http.MethodGet, endorReadHeader
		t.URL = base + "?" + url.Values{"list_parameters.filter": {"meta.name==" + endorName(k)}}.Encode()
		return
	}
	k := int((i / 2) % endorKeys)
	t.Method, t.URL = http.MethodPost, base
	t.Header = tagged(endorHeader, "e:"+strconv.Itoa(k))
	t.Body = l.endorBodies[k]
}

func (l *soakLoad) endorID(k int) string {
	l.endorMu.RLock()
	defer l.endorMu.RUnlock()
	return l.endorUUID[k]
}

func (l *soakLoad) codeartsTarget(t *vegeta.Target) {
	p := l.codearts
	s, ok := p.take()
	if !ok {
		// Every slot is in flight (the server lags far behind): a read.
		t.Method, t.Header = http.MethodGet, codeartsReadHeader
		t.URL = l.base + "/v1/projects/" + soakProject + "/repositories?page_size=5"
		return
	}
	tag := "c:" + strconv.Itoa(s)
	switch p.step[s] {
	case 0:
		t.Method, t.URL, t.Header = http.MethodPost, l.base+"/v1/repositories", tagged(codeartsHeader, tag)
		t.Body = []byte(`{"project_uuid":"` + soakProject + `","name":"` + codeartsName(s) + `","import_members":0,"visibility_level":20}`)
	case 1:
		t.Method, t.URL, t.Header = http.MethodGet, l.base+"/v2/repositories/"+p.id[s], tagged(codeartsReadHeader, tag)
	default:
		t.Method, t.URL, t.Header = http.MethodDelete, l.base+"/v1/repositories/"+p.id[s], tagged(codeartsReadHeader, tag)
	}
}

func (l *soakLoad) stageTarget(t *vegeta.Target) {
	p := l.stage
	s, ok := p.take()
	if !ok {
		t.Method, t.Header = http.MethodGet, stageReadHeader
		t.URL = l.base + soakFiles + "/trees?ref=master"
		return
	}
	tag := "s:" + strconv.Itoa(s)
	file := l.base + soakFiles + "/" + stagePath(s)
	switch p.step[s] {
	case 0:
		t.Method, t.URL, t.Header = http.MethodPost, file+"?ref=master", tagged(stageHeader, tag)
		t.Body = []byte(`{"message":"soak create","content":"` + l.stageContent[s] + `"}`)
	case 1:
		t.Method, t.URL, t.Header = http.MethodGet, file+"?ref=master", tagged(stageReadHeader, tag)
	default:
		q := url.Values{"ref": {"master"}, "message": {"soak delete"}, "sha": {p.id[s]}}
		t.Method, t.URL, t.Header = http.MethodDelete, file+"?"+q.Encode(), tagged(stageReadHeader, tag)
	}
}

// anomaly records a 2xx answer the cycle cannot go on from (no uuid, a
// wrong sha, an upsert that made a new object). Each counts as an error.
func (l *soakLoad) anomaly(format string, a ...any) {
	l.anomalies.Add(1)
	l.anomalyMu.Lock()
	if l.firstAnomaly == "" {
		l.firstAnomaly = fmt.Sprintf(format, a...)
	}
	l.anomalyMu.Unlock()
}

// done is the tracker's report of the answer to a tagged request: code 0
// for a transport error.
func (l *soakLoad) done(tag string, code int, body []byte) {
	vendor, num, _ := strings.Cut(tag, ":")
	k, err := strconv.Atoi(num)
	if err != nil {
		return
	}
	ok := code >= 200 && code < 300
	switch vendor {
	case "e":
		if !ok {
			return // the result is already an error; the key stays usable
		}
		var r struct {
			UUID string `json:"uuid"`
		}
		if json.Unmarshal(body, &r) != nil || r.UUID == "" {
			l.anomaly("Endor upsert of %s answered %d without a uuid", endorName(k), code)
			return
		}
		l.endorMu.Lock()
		old := l.endorUUID[k]
		l.endorUUID[k] = r.UUID
		l.endorMu.Unlock()
		if old != "" && old != r.UUID {
			l.anomaly("Endor upsert of %s changed its uuid from %s to %s: an update made a new object", endorName(k), old, r.UUID)
		}
	case "c":
		l.codeartsDone(k, ok, code, body)
	case "s":
		l.stageDone(k, ok, code, body)
	}
}

func (l *soakLoad) codeartsDone(s int, ok bool, code int, body []byte) {
	p := l.codearts
	if !ok {
		p.retired.Add(1)
		return
	}
	switch p.step[s] {
	case 0:
		var r struct {
			Result struct {
				UUID string `json:"repository_uuid"`
			} `json:"result"`
		}
		if json.Unmarshal(body, &r) != nil || r.Result.UUID == "" {
			l.anomaly("CodeArts create of %s answered %d without result.repository_uuid", codeartsName(s), code)
			p.retired.Add(1)
			return
		}
		p.id[s], p.step[s] = r.Result.UUID, 1
	case 1:
		p.step[s] = 2
	default:
		p.id[s], p.step[s] = "", 0
	}
	p.ready <- s
}

func (l *soakLoad) stageDone(s int, ok bool, code int, body []byte) {
	p := l.stage
	if !ok {
		p.retired.Add(1)
		return
	}
	switch p.step[s] {
	case 0:
		p.step[s] = 1
	case 1:
		var r struct {
			SHA string `json:"sha"`
		}
		if json.Unmarshal(body, &r) != nil || r.SHA == "" {
			l.anomaly("ServiceStage show of %s answered %d without a sha", stagePath(s), code)
			p.retired.Add(1)
			return
		}
		if r.SHA != l.stageSHA[s] {
			l.anomaly("ServiceStage show of %s gave sha %s, want its SHA-256 %s", stagePath(s), r.SHA, l.stageSHA[s])
		}
		p.id[s], p.step[s] = r.SHA, 2
	default:
		p.id[s], p.step[s] = "", 0
	}
	p.ready <- s
}

// tracker is the soak client's RoundTripper: it strips the step header,
// and hands the answer to a slot's request to the load before vegeta sees
// it, so the slot's next request can be made.
type tracker struct {
	next http.RoundTripper
	load *soakLoad
}

func (tr *tracker) RoundTrip(req *http.Request) (*http.Response, error) {
	tag := req.Header.Get(stepHeader)
	if tag == "" {
		return tr.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Del(stepHeader)
	resp, err := tr.next.RoundTrip(req)
	if err != nil {
		tr.load.done(tag, 0, nil)
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		tr.load.done(tag, 0, nil)
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tr.load.done(tag, resp.StatusCode, body)
	return resp, nil
}

// soakClient is newClient's loopback-only client, with the tracker, for
// up to soakMaxWorkers connections.
func soakClient(l *soakLoad) *http.Client {
	c := newClient(soakMaxWorkers)
	c.Transport = &tracker{next: c.Transport, load: l}
	return c
}

// vendorOp names a result's vendor and operation from its method and URL.
func vendorOp(method, rawURL string) (int, string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return -1, "?"
	}
	p := u.Path
	switch {
	case strings.Contains(p, "/repository-versions"):
		switch {
		case method == http.MethodPost:
			return vEndor, "upsert"
		case method == http.MethodDelete:
			return vEndor, "delete"
		case strings.HasSuffix(p, "/repository-versions"):
			return vEndor, "list"
		}
		return vEndor, "get"
	case strings.Contains(p, "/git/files/"):
		switch method {
		case http.MethodPost:
			return vStage, "create"
		case http.MethodDelete:
			return vStage, "delete"
		case http.MethodPut:
			return vStage, "update"
		}
		if strings.HasSuffix(p, "/trees") {
			return vStage, "tree"
		}
		return vStage, "show"
	case strings.Contains(p, "/repositories"):
		switch {
		case method == http.MethodPost:
			return vCodeArts, "create"
		case method == http.MethodDelete:
			return vCodeArts, "delete"
		case strings.HasPrefix(p, "/v1/projects/"):
			return vCodeArts, "list"
		}
		return vCodeArts, "show"
	}
	return -1, "?"
}

// bucket accumulates the results of one vendor (or all) in one phase.
type bucket struct {
	m      vegeta.Metrics
	errors uint64
	first  string
	ops    map[string]uint64
}

func (b *bucket) add(r *vegeta.Result, op string) {
	b.m.Add(r)
	if b.ops == nil {
		b.ops = map[string]uint64{}
	}
	b.ops[op]++
	if r.Error == "" && r.Code >= 200 && r.Code < 300 {
		return
	}
	b.errors++
	if b.first == "" {
		b.first = r.Method + " " + pathOf(r.URL) + ": " + describe(r)
	}
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}

type phase struct {
	vendors [nVendors]bucket
	all     bucket
}

func (p *phase) add(r *vegeta.Result) {
	v, op := vendorOp(r.Method, r.URL)
	p.all.add(r, op)
	if v >= 0 {
		p.vendors[v].add(r, op)
	}
}

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
	EndorKeys     int     `json:"endor_keys"`
	HuaweiSlots   int     `json:"huawei_slots"`
	MaxRSSChange  float64 `json:"max_rss_change_percent"`
	SampleSeconds float64 `json:"sample_every_seconds"`
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

func (b *bucket) figures(name string) *soakFigures {
	b.m.Close()
	f := &soakFigures{Name: name, Requests: b.m.Requests, Errors: b.errors, FirstError: b.first, ReqPerSec: b.m.Rate,
		P50: dur(b.m.Latencies.P50), P99: dur(b.m.Latencies.P99), Max: dur(b.m.Latencies.Max), Ops: b.ops}
	if f.Ops == nil {
		f.Ops = map[string]uint64{}
	}
	return f
}

func runSoak(ctx context.Context, cfg *config, args []string, stdout, stderr io.Writer) error {
	if _, err := readRSS(os.Getpid()); err != nil {
		return fmt.Errorf("--soak reads RSS from /proc/<pid>/status, which this system lacks: %w", err)
	}
	rep := &soakReport{
		Command: "go run ./cmd/repomockload " + strings.Join(args, " "),
		Machine: thisMachine(),
		Settings: soakSettings{Soak: cfg.soak.String(), Warmup: cfg.warmup.String(), Rate: cfg.rate, MaxWorkers: soakMaxWorkers,
			EndorKeys: endorKeys, HuaweiSlots: huaweiSlots, MaxRSSChange: cfg.maxRSSChange, SampleSeconds: sampleEvery.Seconds()},
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

	load := newSoakLoad(srv.url)
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
	var warm, soak phase
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
	for v := range nVendors {
		rep.Vendors = append(rep.Vendors, soak.vendors[v].figures(vendorNames[v]))
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
	rep.RetiredSlots = load.codearts.retired.Load() + load.stage.retired.Load()

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
	rep.Store, storeErr = storeSizes(srv.url)

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

	printSoakReport(stdout, rep)
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

func printSoakReport(w io.Writer, rep *soakReport) {
	m, s := rep.Machine, rep.Settings
	fmt.Fprintf(w, "soak: %s\n", rep.Command)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs (%s), GOMAXPROCS %d, %s, vegeta %s\n",
		m.OS, m.Arch, m.NumCPU, orUnknown(m.CPU), m.GOMAXPROCS, m.GoVersion, orUnknown(m.Vegeta))
	built := "given by --binary"
	if rep.Server.Built {
		built = "built from ./cmd/repomock by this run"
	}
	fmt.Fprintf(w, "server: repomock in its own process (pid %d, %s), %s, default flags\n", rep.Server.PID, built, rep.Server.URL)
	fmt.Fprintf(w, "load: %d req/s fixed rate (vegeta constant pacer, up to %d workers and connections), the three vendors in turn; %s warm-up, then %s measured\n",
		s.Rate, s.MaxWorkers, s.Warmup, s.Soak)
	fmt.Fprintf(w, "working set: Endor %d keys upserted over and over, with gets and filtered lists; CodeArts %d names and ServiceStage %d paths, each create → show → delete, out of phase\n",
		s.EndorKeys, s.HuaweiSlots, s.HuaweiSlots)
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
		fmt.Fprintf(w, "store at the end: Endor %d repository versions, CodeArts %d repositories, ServiceStage %d files\n",
			rep.Store["endor"], rep.Store["codearts"], rep.Store["servicestage"])
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

// storeSizes counts what each fake holds at the end, through the API.
func storeSizes(base string) (map[string]int, error) {
	client := newClient(1)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	get := func(path string, h http.Header, v any) error {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		req.Header = h.Clone()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return json.Unmarshal(body, v)
	}
	var e struct {
		CountResponse struct {
			Count int `json:"count"`
		} `json:"count_response"`
	}
	var c struct {
		Result struct {
			Total int `json:"total"`
		} `json:"result"`
	}
	var s struct {
		Paths []string `json:"paths"`
	}
	err := errors.Join(
		get("/v1/namespaces/"+soakNamespace+"/repository-versions?list_parameters.count=true", endorReadHeader, &e),
		get("/v1/projects/"+soakProject+"/repositories?page_size=1", codeartsReadHeader, &c),
		get(soakFiles+"/trees?ref=master", stageReadHeader, &s),
	)
	if err != nil {
		return nil, err
	}
	return map[string]int{"endor": e.CountResponse.Count, "codearts": c.Result.Total, "servicestage": len(s.Paths)}, nil
}

// buildRepomock builds ./cmd/repomock into dir, from the module this is
// run in.
func buildRepomock(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build repomock with (%v): give --binary", err)
	}
	bin := filepath.Join(dir, "repomock")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/repomock/repomock/cmd/repomock")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/repomock: %v\n%s(run from inside the repomock module, or give --binary)", err, out.String())
	}
	return bin, nil
}

// serverProc is repomock running as a child process.
type serverProc struct {
	cmd     *exec.Cmd
	pid     int
	url     string
	out     *serverOutput
	exited  chan struct{}
	waitErr error
	stopped bool
}

// serverOutput keeps repomock's output (its last 64 KiB) and finds the
// line that names the address it listens on.
type serverOutput struct {
	mu   sync.Mutex
	buf  []byte
	addr chan string
	sent bool
}

const listeningPrefix = "repomock listening on "

func (o *serverOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	if !o.sent {
		if i := bytes.Index(o.buf, []byte(listeningPrefix)); i >= 0 {
			rest := o.buf[i+len(listeningPrefix):]
			if j := bytes.IndexByte(rest, '\n'); j >= 0 {
				o.addr <- strings.TrimSpace(string(rest[:j]))
				o.sent = true
			}
		}
	}
	if o.sent && len(o.buf) > 64<<10 {
		o.buf = append(o.buf[:0], o.buf[len(o.buf)-64<<10:]...)
	}
	return len(p), nil
}

func (o *serverOutput) tail(n int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buf
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// startRepomock runs the binary on 127.0.0.1:0 with its default flags
// (REPOMOCK_* variables are not passed on) and waits until its health
// check answers 200.
func startRepomock(ctx context.Context, binary string) (*serverProc, error) {
	out := &serverOutput{addr: make(chan string, 1)}
	cmd := exec.Command(binary, "--addr", "127.0.0.1:0")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "REPOMOCK_") })
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	p := &serverProc{cmd: cmd, pid: cmd.Process.Pid, out: out, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	fail := func(format string, a ...any) (*serverProc, error) {
		p.kill()
		return nil, fmt.Errorf("repomock: "+format+"\n%s", append(a, out.tail(4<<10))...)
	}
	deadline := time.NewTimer(serverStartTimeout)
	defer deadline.Stop()
	select {
	case addr := <-out.addr:
		base, err := checkLoopbackURL(addr)
		if err != nil {
			return fail("%v", err)
		}
		p.url = base
	case <-p.exited:
		return fail("exited at start: %v", p.waitErr)
	case <-deadline.C:
		return fail("named no address within %s", serverStartTimeout)
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
	client := newClient(1)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	for {
		resp, err := client.Get(p.url + "/__admin/health")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return fail("exited at start: %v", p.waitErr)
		case <-deadline.C:
			return fail("not healthy within %s", serverStartTimeout)
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGINT and requires exit status 0 within serverStopTimeout.
func (p *serverProc) stop() error {
	p.stopped = true
	select {
	case <-p.exited:
		return fmt.Errorf("repomock had exited before the end: %v", p.waitErr)
	default:
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("SIGINT to repomock: %w", err)
	}
	select {
	case <-p.exited:
	case <-time.After(serverStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("repomock did not exit within %s of SIGINT, and was killed", serverStopTimeout)
	}
	if p.waitErr != nil {
		return fmt.Errorf("repomock exited with %v after SIGINT, want exit status 0", p.waitErr)
	}
	return nil
}

// kill ends the server unless stop already has.
func (p *serverProc) kill() {
	if p.stopped {
		return
	}
	p.stopped = true
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
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

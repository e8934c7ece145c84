package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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

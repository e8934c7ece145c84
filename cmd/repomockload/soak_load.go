package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/mock/vendor"
)

// soakLoad is the targeter's state: the vendors' loads, taken in turn.
// The targeter is called by vegeta's workers concurrently; the tracker
// hands the answer to a step's request to its vendor's load.
type soakLoad struct {
	base  string
	turn  atomic.Uint64 // round robin over the vendors
	parts []soakPart

	anomalies    atomic.Uint64
	anomalyMu    sync.Mutex
	firstAnomaly string
}

// soakPart is one vendor's load in the soak.
type soakPart struct {
	vendorLoad
	run vendor.SoakLoad
}

// newSoakLoad starts the soaks of the vendors that have one, in the order
// they are served.
func newSoakLoad(base string, loads []vendorLoad) *soakLoad {
	l := &soakLoad{base: base}
	for _, v := range loads {
		if v.Soak != nil {
			l.parts = append(l.parts, soakPart{vendorLoad: v, run: v.Soak.Start()})
		}
	}
	return l
}

func tagged(h http.Header, tag string) http.Header {
	c := h.Clone()
	c.Set(stepHeader, tag)
	return c
}

func (l *soakLoad) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		i := (l.turn.Add(1) - 1) % uint64(len(l.parts))
		r, step := l.parts[i].run.Next()
		t.Method, t.URL, t.Header, t.Body = r.Method, l.base+r.Path, r.Header, r.Body
		if step != "" {
			// The step's answer goes back to its vendor's load (tracker).
			t.Header = tagged(r.Header, strconv.FormatUint(i, 10)+":"+step)
		}
		return nil
	}
}

// anomaly records a 2xx answer the vendor's load cannot go on from (no
// uuid, a wrong sha, an upsert that made a new object). Each counts as an
// error.
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
	part, step, _ := strings.Cut(tag, ":")
	i, err := strconv.Atoi(part)
	if err != nil || i < 0 || i >= len(l.parts) {
		return
	}
	if err := l.parts[i].run.Done(step, code, body); err != nil {
		l.anomaly("%s %v", l.parts[i].Name, err)
	}
}

// retired counts the vendors' steps given up on.
func (l *soakLoad) retired() int64 {
	var n int64
	for _, p := range l.parts {
		n += p.run.Retired()
	}
	return n
}

// vendorOp names a result's vendor (its index in parts, -1 for none) and
// operation, from its method and URL.
func (l *soakLoad) vendorOp(method, rawURL string) (int, string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return -1, "?"
	}
	for i, p := range l.parts {
		if op := p.Soak.Op(method, u.Path); op != "" {
			return i, op
		}
	}
	return -1, "?"
}

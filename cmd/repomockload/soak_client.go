package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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

// phase is the results of one phase (warm-up, soak), by vendor and in all.
type phase struct {
	load    *soakLoad
	vendors []bucket
	all     bucket
}

func newPhase(l *soakLoad) *phase { return &phase{load: l, vendors: make([]bucket, len(l.parts))} }

func (p *phase) add(r *vegeta.Result) {
	v, op := p.load.vendorOp(r.Method, r.URL)
	p.all.add(r, op)
	if v >= 0 {
		p.vendors[v].add(r, op)
	}
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

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"

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

func (b *bucket) figures(name string) *soakFigures {
	b.m.Close()
	f := &soakFigures{Name: name, Requests: b.m.Requests, Errors: b.errors, FirstError: b.first, ReqPerSec: b.m.Rate,
		P50: dur(b.m.Latencies.P50), P99: dur(b.m.Latencies.P99), Max: dur(b.m.Latencies.Max), Ops: b.ops}
	if f.Ops == nil {
		f.Ops = map[string]uint64{}
	}
	return f
}

// Package proxy is repomock proxy: it puts the real vendors behind the
// mock's own pipeline. Each vendor's routes are the same routes, with the
// same validation, error shapes, sessions, faults and journal, but the
// handler forwards the request to an upstream and writes its answer back
// as it came (pipeline.Raw). What breaks a spec is reported by default,
// and refused with --strict. A proxy is a server.Server whose vendors are
// proxyVendors; what a vendor's gateway still does in front of the
// upstream (re-signing) is the vendor's Forwarding, and what a recording
// keeps of its objects its Recorder.
package proxy

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
)

// DefaultUpstreamTimeout bounds an upstream exchange when
// ProxyConfig.UpstreamTimeout is 0.
const DefaultUpstreamTimeout = 30 * time.Second

// Config configures New.
type Config struct {
	// Server configures the server as for New: address, admin, journal,
	// body limit (for requests and upstream answers alike), logger, clock,
	// the seed of the ids of the answers the proxy makes itself (a Huawei
	// request id), and the vendors with their settings (a gateway's
	// credentials verify the clients' signatures and sign the forwarded
	// requests again). Its fixtures and state file are not used.
	Server server.Config
	// Upstreams are the base URLs of the vendors, by vendor id (endor,
	// codearts, servicestage). A vendor without one is not proxied: its
	// paths answer its gateway's 404.
	Upstreams map[string]*url.URL
	// Strict answers a request that breaks the spec in the vendor's shape
	// without forwarding it, and replaces an upstream answer that breaks
	// it with a 502 in the vendor's shape. Otherwise both go through,
	// reported in the journal, the X-Repomock-Violation header and the log.
	Strict bool
	// ForwardedHeaders sends X-Forwarded-For, -Host and -Proto upstream.
	ForwardedHeaders bool
	// UpstreamTimeout bounds each upstream exchange, the answer's body
	// included. Default DefaultUpstreamTimeout. The server's write timeout
	// is stretched by it for each forwarded request.
	UpstreamTimeout time.Duration
	// RecordDir, when set, is a new or empty directory that receives the
	// objects seen, as fixture files, and every exchange (the contract
	// suite's --record files) in its ExchangesDir.
	RecordDir string
	// Transport carries the upstream requests; nil means a transport like
	// http.DefaultTransport's (system roots, proxy from the environment)
	// that never asks for a compressed answer on its own.
	Transport http.RoundTripper
}

// New builds a proxy server: a server.Server whose vendor routes forward
// to cfg.Upstreams.
func New(cfg Config) (*server.Server, error) {
	sc := cfg.Server.WithDefaults()
	log := sc.Logger
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = DefaultUpstreamTimeout
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// The answer is checked before it is sent on, so it must come
		// uncompressed: the transport asks for no compression on its own,
		// and rewrite drops the client's Accept-Encoding.
		t.DisableCompression = true
		transport = t
	}
	// The fakes lend their specs, validation, paths, error shapes and
	// gateways; their stores stay empty.
	sc.FixturesDir, sc.StateFile = "", ""
	fakes, err := server.NewVendors(sc)
	if err != nil {
		return nil, err
	}
	p := &shared{cfg: cfg, log: log, maxBody: sc.MaxBodyBytes, writeTimeout: sc.WriteTimeout, transport: transport}
	if cfg.RecordDir != "" {
		if p.rec, err = newRecorder(cfg.RecordDir, sc, fakes, log); err != nil {
			return nil, err
		}
	}
	for id := range cfg.Upstreams {
		if !hasVendor(fakes, id) {
			return nil, fmt.Errorf("proxy: no vendor %q (the vendors are %s)", id, vendorIDs(fakes))
		}
	}
	proxied := make([]vendor.Vendor, len(fakes))
	for i, f := range fakes {
		proxied[i] = p.vendor(f, cfg.Upstreams[f.ID()])
	}
	sc.Vendors = []vendor.Plugin{vendor.Serve(proxied...)}
	sc.LenientResponses = !cfg.Strict
	s, err := server.New(sc)
	if err != nil {
		return nil, err
	}
	s.RouteNotFound(p.unrouted(s))
	return s, nil
}

// Upstream is a vendor the proxy can put in front of its upstream, for a
// command's flags: --<ID>-upstream.
type Upstream struct {
	ID, Name string
	// Example is the base URL of the real API ("https://api.endorlabs.com").
	Example string
}

// Upstreams lists the vendors of cfg (every vendor repomock fakes, when it
// has none), in the order they are served.
func Upstreams(cfg server.Config) ([]Upstream, error) {
	vs, err := server.NewVendors(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Upstream, len(vs))
	for i, v := range vs {
		out[i] = Upstream{ID: v.ID(), Name: v.Name(), Example: v.Upstream()}
	}
	return out, nil
}

func hasVendor(vs []vendor.Vendor, id string) bool {
	for _, v := range vs {
		if v.ID() == id {
			return true
		}
	}
	return false
}

func vendorIDs(vs []vendor.Vendor) string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID()
	}
	return strings.Join(ids, ", ")
}

// shared is what the proxy's vendors share.
type shared struct {
	cfg     Config
	log     *slog.Logger
	maxBody int64
	// writeTimeout is the server's; a wait for the upstream is added to
	// it (pipeline.AllowWait).
	writeTimeout time.Duration
	transport    http.RoundTripper
	rec          *recorder // nil without RecordDir
}

// proxyVendor is a vendor served by forwarding. The embedded fake gives
// the spec, its validation options, the paths the vendor owns, its error
// shapes, and what its gateway still does in front of the upstream
// (Forwarding).
type proxyVendor struct {
	vendor.Vendor
	p        *shared
	fw       vendor.Forwarding
	upstream *url.URL // nil: not proxied
	rp       *httputil.ReverseProxy
}

func (p *shared) vendor(fake vendor.Vendor, upstream *url.URL) *proxyVendor {
	v := &proxyVendor{Vendor: fake, p: p, fw: fake.Forwarding(), upstream: upstream}
	if upstream != nil {
		v.rp = &httputil.ReverseProxy{
			Rewrite:      v.rewrite,
			Transport:    p.transport,
			ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) { w.(*upstreamAnswer).err = err },
			ErrorLog:     slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
		}
	}
	return v
}

// Handlers forwards every operation of the vendor's spec.
func (v *proxyVendor) Handlers() map[string]pipeline.Handler {
	hs := map[string]pipeline.Handler{}
	for id := range v.Vendor.Handlers() {
		hs[id] = v.forward
	}
	return hs
}

// Validation is the fake's, but a request that breaks the spec is
// forwarded, and reported, unless the proxy is strict.
func (v *proxyVendor) Validation() pipeline.Options {
	o := v.Vendor.Validation()
	o.LenientRequests = !v.p.cfg.Strict
	return o
}

// Authenticate leaves the credentials to the upstream, but what the
// vendor's gateway must check before a request can be forwarded at all
// (Forwarding: an AK/SK signature covers the host and the path the client
// used, so the proxy verifies it and signs the request again).
func (v *proxyVendor) Authenticate(c echo.Context) error {
	if v.upstream == nil {
		v.p.log.Info("proxy: vendor not proxied: answering its gateway's 404", "vendor", v.ID(), "path", c.Request().URL.Path,
			"flag", "--"+v.ID()+"-upstream")
		return v.Vendor.ErrorFor(c, http.StatusNotFound, "")
	}
	return v.fw.Authenticate(c)
}

// Gateway: the upstream's gateway does the vendor's work (content
// negotiation, compression, request ids), but what Forwarding's does.
func (v *proxyVendor) Gateway() echo.MiddlewareFunc { return v.fw.Gateway() }

// ErrorFor is the fake's, but a failure after the upstream answered is the
// answer's (it breaks the spec, under --strict): a 502, a bad gateway.
func (v *proxyVendor) ErrorFor(c echo.Context, status int, message string) error {
	if st := pipeline.StateOf(c); st.Upstream && status == http.StatusInternalServerError {
		status = http.StatusBadGateway
		st.Upstream = false // the answer is now the proxy's own
		message = strings.Replace(message, "repomock: ", "repomock proxy: the upstream's answer: ", 1)
	}
	return v.Vendor.ErrorFor(c, status, message)
}

// The proxy keeps no state of its own, and no objects for the console.
func (v *proxyVendor) Reset()                             {}
func (v *proxyVendor) DropSession(string)                 {}
func (v *proxyVendor) SessionObjects() map[string]int     { return map[string]int{} }
func (v *proxyVendor) Snapshot() (json.RawMessage, error) { return json.RawMessage(`{}`), nil }
func (v *proxyVendor) Restore(json.RawMessage) error      { return nil }
func (v *proxyVendor) LogChanges(func(json.RawMessage))   {}
func (v *proxyVendor) Apply(json.RawMessage) error        { return nil }
func (v *proxyVendor) MakeFixtures()                      {}
func (v *proxyVendor) ReloadFixtures(vendor.Fixtures) (func(), error) {
	return func() {}, nil
}
func (v *proxyVendor) Objects(string, int) (string, int, []json.RawMessage) {
	return "", 0, nil
}

package mock

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

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// The proxy (repomock proxy) puts the real vendors behind the mock's own
// pipeline: each vendor's routes are the same routes, with the same
// validation, error shapes, sessions, faults and journal, but the handler
// forwards the request to an upstream and writes its answer back as it
// came (pipeline.Raw). What breaks a spec is reported by default, and
// refused with --strict. It is a Server whose vendors are proxyVendors.

// DefaultUpstreamTimeout bounds an upstream exchange when
// ProxyConfig.UpstreamTimeout is 0.
const DefaultUpstreamTimeout = 30 * time.Second

// ProxyConfig configures NewProxy.
type ProxyConfig struct {
	// Server configures the server as for New: address, admin, journal,
	// body limit (for requests and upstream answers alike), logger, clock,
	// and the seed of the request ids of the Huawei answers the proxy
	// makes itself.
	// Its HuaweiCredentials verify the clients' AK/SK signatures and sign
	// the forwarded requests. Its Vendors, fixtures, seed and state file
	// are not used.
	Server Config
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

// NewProxy builds a proxy server: a Server whose vendor routes forward to
// cfg.Upstreams.
func NewProxy(cfg ProxyConfig) (*Server, error) {
	sc := cfg.Server.withDefaults()
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
	// The fakes lend their specs, validation, paths and error shapes; their
	// stores stay empty.
	fakes, _, err := buildVendors(Config{Clock: sc.Clock, Seed: 1, Logger: log})
	if err != nil {
		return nil, err
	}
	p := &proxy{cfg: cfg, log: log, clock: sc.Clock, maxBody: sc.MaxBodyBytes, transport: transport,
		huawei: huawei.New(huawei.Config{Credentials: sc.HuaweiCredentials, Clock: sc.Clock, RequestID: requestIDs(faker(sc.Seed, 100))}),
		keys:   map[string]string{}}
	for _, c := range sc.HuaweiCredentials {
		p.keys[c.AK] = c.SK
	}
	if cfg.RecordDir != "" {
		if p.rec, err = newRecorder(cfg.RecordDir, log); err != nil {
			return nil, err
		}
	}
	for id := range cfg.Upstreams {
		if !hasVendor(fakes, id) {
			return nil, fmt.Errorf("proxy: no vendor %q (the vendors are %s)", id, vendorIDs(fakes))
		}
	}
	sc.Vendors = nil
	for _, f := range fakes {
		sc.Vendors = append(sc.Vendors, p.vendor(f, cfg.Upstreams[f.ID()]))
	}
	sc.LenientResponses = !cfg.Strict
	sc.FixturesDir, sc.StateFile = "", ""
	s, err := New(sc)
	if err != nil {
		return nil, err
	}
	s.echo.RouteNotFound("/*", p.unrouted(s))
	return s, nil
}

func hasVendor(vs []Vendor, id string) bool {
	for _, v := range vs {
		if v.ID() == id {
			return true
		}
	}
	return false
}

func vendorIDs(vs []Vendor) string {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID()
	}
	return strings.Join(ids, ", ")
}

// proxy is what the proxy's vendors share.
type proxy struct {
	cfg       ProxyConfig
	log       *slog.Logger
	clock     func() time.Time
	maxBody   int64
	transport http.RoundTripper
	huawei    *huawei.Verifier  // checks client signatures against keys
	keys      map[string]string // AK → SK
	rec       *recorder         // nil without RecordDir
}

// Keys of the echo context.
const (
	// signerKey holds the credential a forwarded request is signed with.
	signerKey = "repomock.proxy.signer"
)

// proxyVendor is a vendor served by forwarding. The embedded fake gives
// the spec, its validation options, the paths the vendor owns and its
// error shapes.
type proxyVendor struct {
	Vendor
	p        *proxy
	upstream *url.URL // nil: not proxied
	rp       *httputil.ReverseProxy
	huawei   bool // the vendor is behind Huawei's gateway (AK/SK)
}

func (p *proxy) vendor(fake Vendor, upstream *url.URL) *proxyVendor {
	v := &proxyVendor{Vendor: fake, p: p, upstream: upstream, huawei: fake.ID() != "endor"}
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

// Authenticate leaves the credentials to the upstream, except an AK/SK
// signature: it covers the host and the path the client used, so the
// proxy verifies it and signs the request again for the upstream, or
// refuses it when it has no credentials to do so.
func (v *proxyVendor) Authenticate(c echo.Context) error {
	if v.upstream == nil {
		v.p.log.Info("proxy: vendor not proxied: answering its gateway's 404", "vendor", v.ID(), "path", c.Request().URL.Path,
			"flag", "--"+v.ID()+"-upstream")
		return v.Vendor.ErrorFor(c, http.StatusNotFound, "")
	}
	req := c.Request()
	authz := req.Header.Get(echo.HeaderAuthorization)
	if !v.huawei || req.Header.Get(huawei.HeaderToken) != "" || !strings.HasPrefix(authz, "SDK-") {
		return nil
	}
	if !strings.HasPrefix(authz, sdkhmac.Algorithm+" ") {
		return v.Vendor.ErrorFor(c, http.StatusUnauthorized, "repomock proxy: only "+sdkhmac.Algorithm+" signatures can be verified and signed again")
	}
	if len(v.p.keys) == 0 {
		return v.Vendor.ErrorFor(c, http.StatusUnauthorized, "repomock proxy: the request is signed with AK/SK, and the signature covers "+
			"the host and path the client used, so the upstream would refuse it: start the proxy with --huawei-credentials AK:SK "+
			"to verify it and sign it again for the upstream, or send an X-Auth-Token")
	}
	if err := v.p.huawei.Authenticate(c); err != nil {
		return err
	}
	ak := accessKey(authz)
	c.Set(signerKey, huawei.Credential{AK: ak, SK: v.p.keys[ak]})
	return nil
}

// accessKey reads Access= of a verified SDK-HMAC-SHA256 header.
func accessKey(authz string) string {
	_, rest, _ := strings.Cut(authz, " ")
	for _, part := range strings.Split(rest, ",") {
		if k, val, _ := strings.Cut(strings.TrimSpace(part), "="); k == "Access" {
			return val
		}
	}
	return ""
}

// Gateway: the upstream's gateway does the vendor's work (content
// negotiation, compression, request ids). A Huawei answer the proxy makes
// itself is named in X-Request-Id as the gateway names it; an upstream
// answer keeps the upstream's headers, and is checked with them.
func (v *proxyVendor) Gateway() echo.MiddlewareFunc {
	if !v.huawei {
		return nil
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := v.p.huawei.AssignRequestID(c)
			res := c.Response()
			res.Before(func() {
				if !pipeline.StateOf(c).Upstream {
					res.Header().Set(huawei.HeaderRequestID, id)
				}
			})
			return next(c)
		}
	}
}

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

// The proxy keeps no state of its own.
func (v *proxyVendor) Reset()                             {}
func (v *proxyVendor) DropSession(string)                 {}
func (v *proxyVendor) SessionObjects() map[string]int     { return map[string]int{} }
func (v *proxyVendor) Snapshot() (json.RawMessage, error) { return json.RawMessage(`{}`), nil }
func (v *proxyVendor) Restore(json.RawMessage) error      { return nil }

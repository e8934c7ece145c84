package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/huaweiauth"
	"github.com/repomock/repomock/mock/openapi"
)

// The proxy (repomock proxy) puts the real vendors behind the mock's own
// pipeline: each vendor's routes are the same routes, with the same
// validation, error shapes, sessions, faults and journal, but the handler
// forwards the request to an upstream and writes its answer back as it
// came (openapi.Raw). What breaks a spec is reported by default, and
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
	// included. Default DefaultUpstreamTimeout.
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
	sc := cfg.Server
	if sc.Clock == nil {
		sc.Clock = time.Now
	}
	if sc.MaxBodyBytes <= 0 {
		sc.MaxBodyBytes = DefaultMaxBodyBytes
	}
	log := sc.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
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
	fakes, _, err := buildVendors(Config{Clock: sc.Clock, Seed: 1, Logger: log}, log)
	if err != nil {
		return nil, err
	}
	p := &proxy{cfg: cfg, log: log, clock: sc.Clock, maxBody: sc.MaxBodyBytes, transport: transport,
		huawei: huaweiauth.New(huaweiauth.Config{Credentials: sc.HuaweiCredentials, Clock: sc.Clock, RequestID: requestIDs(faker(sc.Seed, 100))}),
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
	return New(sc)
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
	huawei    *huaweiauth.Verifier // checks client signatures against keys
	keys      map[string]string    // AK → SK
	rec       *recorder            // nil without RecordDir
}

// Keys of the echo context.
const (
	// upstreamAnsweredKey marks a request the upstream answered: a failure
	// after that is the answer's, and becomes a 502.
	upstreamAnsweredKey = "repomock.proxy.answered"
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
func (v *proxyVendor) Handlers() map[string]openapi.Handler {
	hs := map[string]openapi.Handler{}
	for id := range v.Vendor.Handlers() {
		hs[id] = v.forward
	}
	return hs
}

// Validation is the fake's, but a request that breaks the spec is
// forwarded, and reported, unless the proxy is strict.
func (v *proxyVendor) Validation() openapi.Options {
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
	if !v.huawei || req.Header.Get(huaweiauth.HeaderToken) != "" || !strings.HasPrefix(authz, "SDK-") {
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
	c.Set(signerKey, huaweiauth.Credential{AK: ak, SK: v.p.keys[ak]})
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
				if answered, _ := c.Get(upstreamAnsweredKey).(bool); !answered {
					res.Header().Set(huaweiauth.HeaderRequestID, id)
				}
			})
			return next(c)
		}
	}
}

// ErrorFor is the fake's, but a failure after the upstream answered is the
// answer's (it breaks the spec, under --strict): a 502, a bad gateway.
func (v *proxyVendor) ErrorFor(c echo.Context, status int, message string) error {
	if answered, _ := c.Get(upstreamAnsweredKey).(bool); answered && status == http.StatusInternalServerError {
		status = http.StatusBadGateway
		c.Set(upstreamAnsweredKey, false) // the answer is now the proxy's own
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

// forward is every operation's handler: it sends the request upstream and
// answers with what came back, byte for byte, for the Validator to check.
func (v *proxyVendor) forward(c echo.Context, in openapi.Request) (int, any, error) {
	req := c.Request()
	body, err := forwardedBody(req)
	if err != nil {
		return 0, nil, v.Vendor.ErrorFor(c, http.StatusBadRequest, "body: could not be read: "+err.Error())
	}
	if vs := openapi.Violations(c); len(vs) > 0 {
		v.p.log.Warn("proxy: request violates the spec; forwarded", "vendor", v.ID(), "operation", openapi.OperationID(c),
			"violations", joinStrings(vs))
	}
	ctx, cancel := context.WithTimeout(req.Context(), v.p.cfg.UpstreamTimeout)
	defer cancel()
	out := req.Clone(context.WithValue(ctx, forwardKey{}, &forwarding{body: body, signer: c.Get(signerKey)}))
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.RequestURI = ""
	ans := &upstreamAnswer{header: http.Header{}, limit: v.p.maxBody}
	v.serveUpstream(ans, out)
	switch {
	case ans.tooLarge:
		return 0, nil, v.Vendor.ErrorFor(c, http.StatusBadGateway, fmt.Sprintf("repomock proxy: the upstream's answer exceeds --max-body (%d bytes)", v.p.maxBody))
	case errors.Is(ans.err, context.DeadlineExceeded):
		return 0, nil, v.Vendor.ErrorFor(c, http.StatusGatewayTimeout, fmt.Sprintf("repomock proxy: no answer from the upstream within --upstream-timeout (%s)", v.p.cfg.UpstreamTimeout))
	case ans.err != nil:
		v.p.log.Warn("proxy: upstream failed", "vendor", v.ID(), "upstream", v.upstream.Redacted(), "err", ans.err)
		return 0, nil, v.Vendor.ErrorFor(c, http.StatusBadGateway, "repomock proxy: the upstream failed: "+clipMessage(ans.err.Error()))
	}
	c.Set(upstreamAnsweredKey, true)
	raw := &openapi.Raw{Status: ans.status, Header: ans.header, Body: ans.body.Bytes()}
	if vs := openapi.Violations(c); len(vs) > 0 {
		raw.Header.Add(openapi.ViolationHeader, "request: "+clipMessage(joinStrings(vs)))
	}
	if v.p.rec != nil {
		v.p.rec.observe(c, v.Vendor, in.Params, body, raw)
	}
	return raw.Status, raw, nil
}

// serveUpstream runs the reverse proxy into ans. A failure while the
// answer's body is copied aborts the handler in net/http's way
// (http.ErrAbortHandler): it is caught here and reported in ans.
func (v *proxyVendor) serveUpstream(ans *upstreamAnswer, out *http.Request) {
	defer func() {
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler {
				panic(r)
			}
			switch {
			case ans.tooLarge:
			case out.Context().Err() != nil:
				ans.err = out.Context().Err()
			case ans.err == nil:
				ans.err = errors.New("the answer's body could not be read")
			}
		}
	}()
	v.rp.ServeHTTP(ans, out)
}

// forwarding is what rewrite needs of a request beyond its headers.
type forwarding struct {
	body   []byte
	signer any // huaweiauth.Credential, when the request is signed again
}

type forwardKey struct{}

// rewrite makes the upstream request: the upstream's URL and host, no
// X-Forwarded-* unless asked for, no repomock headers, no compression the
// proxy cannot check, and a new signature for the new host and path.
func (v *proxyVendor) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(v.upstream)
	pr.Out.Host = pr.Out.URL.Host
	if v.p.cfg.ForwardedHeaders {
		pr.SetXForwarded()
	}
	h := pr.Out.Header
	h.Del(SessionHeader)
	h.Del(AdminTokenHeader)
	h.Del(echo.HeaderAcceptEncoding)
	fw, _ := pr.Out.Context().Value(forwardKey{}).(*forwarding)
	if fw == nil {
		return
	}
	if cred, ok := fw.signer.(huaweiauth.Credential); ok {
		resign(pr.Out, fw.body, cred, v.p.clock())
	}
}

// resign signs req again over the headers the client signed that are
// still there, the host included, for its new host and path.
func resign(req *http.Request, body []byte, cred huaweiauth.Credential, now time.Time) {
	var signed []string
	_, rest, _ := strings.Cut(req.Header.Get(echo.HeaderAuthorization), " ")
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if k != "SignedHeaders" {
			continue
		}
		for _, name := range strings.Split(val, ";") {
			if name == "host" || name == strings.ToLower(sdkhmac.HeaderDate) || len(req.Header.Values(name)) > 0 {
				signed = append(signed, name)
			}
		}
	}
	date := now.UTC().Format(sdkhmac.DateFormat)
	req.Header.Set(sdkhmac.HeaderDate, date)
	sig := sdkhmac.Signature(req, body, signed, date, cred.SK)
	req.Header.Set(echo.HeaderAuthorization, fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		sdkhmac.Algorithm, cred.AK, strings.Join(signed, ";"), sig))
}

// upstreamAnswer is the ResponseWriter the reverse proxy writes the
// upstream's answer into, within the body limit.
type upstreamAnswer struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	limit    int64
	tooLarge bool
	err      error
}

func (a *upstreamAnswer) Header() http.Header { return a.header }
func (a *upstreamAnswer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *upstreamAnswer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if int64(a.body.Len()+len(p)) > a.limit {
		a.tooLarge = true
		return 0, errors.New("the upstream's answer exceeds the body limit")
	}
	return a.body.Write(p)
}

// Flush is a no-op: the answer is sent once checked.
func (a *upstreamAnswer) Flush() {}

// forwardedBody reads the request's body, which the Validator has left to be
// read again.
func forwardedBody(req *http.Request) ([]byte, error) {
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(req.Body)
}

func joinStrings(vs []openapi.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

func clipMessage(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

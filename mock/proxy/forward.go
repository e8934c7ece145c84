package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendor"
)

// How the proxy sends a request to the upstream and takes its answer.

// forward is every operation's handler: it sends the request upstream and
// answers with what came back, byte for byte, for the Validator to check.
func (v *proxyVendor) forward(c echo.Context, in pipeline.Request) (int, any, error) {
	body, err := forwardedBody(c.Request())
	if err != nil {
		return 0, nil, v.Vendor.ErrorFor(c, http.StatusBadRequest, "body: could not be read: "+err.Error())
	}
	st := pipeline.StateOf(c)
	if vs := st.Violations; len(vs) > 0 {
		v.p.log.Warn("proxy: request violates the spec; forwarded", "vendor", v.ID(), "operation", st.Operation,
			"violations", joinStrings(vs))
	}
	raw, err := v.roundTrip(c, body)
	if err != nil {
		return 0, nil, err
	}
	if vs := st.Violations; len(vs) > 0 {
		raw.Header.Add(pipeline.ViolationHeader, "request: "+clipMessage(joinStrings(vs)))
	}
	if v.p.rec != nil {
		v.p.rec.observe(c, v.Vendor, in.Params, body, raw)
	}
	st.Upstream = true
	return raw.Status, raw, nil
}

// roundTrip sends the request, with body, to the upstream and returns its
// answer, or the vendor's error for an upstream that failed, was too slow
// or answered more than the body limit.
func (v *proxyVendor) roundTrip(c echo.Context, body []byte) (*pipeline.Raw, error) {
	req := c.Request()
	pipeline.AllowWait(c, v.p.cfg.UpstreamTimeout, v.p.writeTimeout)
	ctx, cancel := context.WithTimeout(req.Context(), v.p.cfg.UpstreamTimeout)
	defer cancel()
	out := req.Clone(context.WithValue(ctx, forwardKey{}, body))
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.RequestURI = ""
	ans := &upstreamAnswer{header: http.Header{}, limit: v.p.maxBody}
	v.serveUpstream(ans, out)
	switch {
	case ans.tooLarge:
		return nil, v.Vendor.ErrorFor(c, http.StatusBadGateway, fmt.Sprintf("repomock proxy: the upstream's answer exceeds --max-body (%d bytes)", v.p.maxBody))
	case errors.Is(ans.err, context.DeadlineExceeded):
		return nil, v.Vendor.ErrorFor(c, http.StatusGatewayTimeout, fmt.Sprintf("repomock proxy: no answer from the upstream within --upstream-timeout (%s)", v.p.cfg.UpstreamTimeout))
	case ans.err != nil:
		v.p.log.Warn("proxy: upstream failed", "vendor", v.ID(), "upstream", v.upstream.Redacted(), "err", ans.err)
		return nil, v.Vendor.ErrorFor(c, http.StatusBadGateway, "repomock proxy: the upstream failed: "+clipMessage(ans.err.Error()))
	}
	return &pipeline.Raw{Status: ans.status, Header: ans.header, Body: ans.body.Bytes()}, nil
}

// unrouted forwards a request for a proxied vendor that matches no
// operation of its spec (an endpoint the spec leaves out): unchecked, and
// reported in the journal (verdict unrouted), the X-Repomock-Violation
// header and the log. With --strict, or for a vendor not proxied, it gets
// the vendor's 404 as in the mock. A wrong method on a spec'd path is not
// one: it gets the vendor's answer to that, as in the mock.
func (p *shared) unrouted(s *server.Server) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		// Only a path the vendor owns: the server's fallback owner of other
		// /v1/ and /v2/ paths would send another vendor's credentials there.
		v, ok := s.Owner(req).(*proxyVendor)
		if !ok || v.Owns(req) != vendor.Mine || v.upstream == nil || p.cfg.Strict || strings.HasPrefix(req.URL.Path, admin.Prefix) {
			return echo.ErrNotFound
		}
		if s.RoutedForOtherMethod(req) {
			// echo answers 405 only when no not-found route catches the path.
			return echo.ErrMethodNotAllowed
		}
		st := pipeline.StateOf(c)
		st.Vendor = v.ID()
		var body []byte
		if req.Body != nil && req.Body != http.NoBody {
			var err error
			body, err = io.ReadAll(io.LimitReader(req.Body, p.maxBody+1))
			st.Body, st.BodyRead = body, true // for the journal, which keeps what was read
			if err != nil {
				return v.Vendor.ErrorFor(c, http.StatusBadRequest, "body: could not be read: "+err.Error())
			}
			if int64(len(body)) > p.maxBody {
				return v.Vendor.ErrorFor(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", p.maxBody))
			}
			// An AK/SK signature covers the body: Authenticate reads it again.
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		if err := sessions.AsClientSent(c, v.Authenticate); err != nil {
			return err
		}
		why := fmt.Sprintf("%s %s: no operation of %s's spec; forwarded unchecked", req.Method, clipMessage(req.URL.Path), v.Name())
		p.log.Warn("proxy: "+why, "vendor", v.ID())
		raw, err := v.roundTrip(c, body)
		if err != nil {
			return err
		}
		st.Upstream = true
		h := c.Response().Header()
		for k, vs := range raw.Header {
			h[k] = vs
		}
		h.Add(pipeline.ViolationHeader, why)
		c.Response().WriteHeader(raw.Status)
		_, err = c.Response().Write(raw.Body)
		return err
	}
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

// forwardKey holds, in the forwarded request's context, the body rewrite
// signs again.
type forwardKey struct{}

// rewrite makes the upstream request: the upstream's URL and host, no
// X-Forwarded-* unless asked for, no repomock headers, no compression the
// proxy cannot check, and what the vendor's Forwarding makes of it for
// the new host and path (a new signature).
func (v *proxyVendor) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(v.upstream)
	pr.Out.Host = pr.Out.URL.Host
	if v.p.cfg.ForwardedHeaders {
		pr.SetXForwarded()
	}
	h := pr.Out.Header
	h.Del(sessions.Header)
	h.Del(admin.TokenHeader)
	h.Del(echo.HeaderAcceptEncoding)
	body, _ := pr.Out.Context().Value(forwardKey{}).([]byte)
	v.fw.Rewrite(pr.Out, body)
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

func joinStrings(vs []pipeline.Violation) string {
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

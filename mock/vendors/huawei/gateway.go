// Package huaweiauth is the part of Huawei Cloud's API gateway that both
// Huawei fakes sit behind. It names every request with an id, which each
// answer carries in X-Request-Id, and it checks the credentials the gateway
// asks of every call: an IAM token in X-Auth-Token, or the AK/SK request
// signature (SDK-HMAC-SHA256) that the official SDKs send instead. It also
// makes the answers the gateway gives on its own, in its own body shape
// (Error): no such API, a body too large, a path that names no project. It
// is not IAM: tokens are not verified, only required, and signatures are
// verified only against the credentials it is given.
package huawei

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/vendor"
)

const (
	// HeaderToken carries an IAM token.
	HeaderToken = "X-Auth-Token"
	// HeaderDate carries the signing time of an AK/SK signature.
	HeaderDate = sdkhmac.HeaderDate
	// HeaderRequestID names the request on every answer of the gateway, success
	// or error; the SDKs read an error's request id from it alone (vendors.md §5).
	HeaderRequestID = "X-Request-Id"
	algorithm       = sdkhmac.Algorithm
	dateFormat      = sdkhmac.DateFormat
	// DefaultMaxSkew is how far X-Sdk-Date may be from the server's clock, as
	// the real gateway allows.
	DefaultMaxSkew = 15 * time.Minute
	// maxTokenLen is the documented range of X-Auth-Token: 1–100,000 characters.
	maxTokenLen = 100000
)

// Credential is an access key and its secret.
type Credential struct {
	AK, SK string
}

// ParseCredentials reads "AK:SK[,AK:SK…]".
func ParseCredentials(s string) ([]Credential, error) {
	var out []Credential
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ak, sk, ok := strings.Cut(part, ":")
		if !ok || ak == "" || sk == "" {
			return nil, fmt.Errorf("huawei credential %q: want AK:SK", clipAK(ak))
		}
		out = append(out, Credential{AK: ak, SK: sk})
	}
	return out, nil
}

// clipAK shows no more of an access key than needed to find it.
func clipAK(ak string) string {
	if len(ak) > 8 {
		return ak[:8] + "…"
	}
	return ak
}

// Config configures a Verifier.
type Config struct {
	// Credentials, when not empty, are the access keys whose signatures are
	// verified; any other access key is refused. When empty, a well-formed
	// signature with a signing date within MaxSkew is accepted without
	// verification.
	Credentials []Credential
	// Clock gives the time the signing date is compared with; nil means time.Now.
	Clock func() time.Time
	// RequestID makes the id of each request (X-Request-Id and the
	// request_id of a gateway error body); nil gives a fixed one.
	RequestID func() string
	// MaxSkew bounds the signing date's distance from Clock; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verifier checks requests. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	keys map[string]string // AK → SK
}

// New returns a Verifier for cfg.
func New(cfg Config) *Verifier {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RequestID == nil {
		cfg.RequestID = func() string { return "00000000000000000000000000000000" }
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	v := &Verifier{cfg: cfg, keys: make(map[string]string)}
	for _, c := range cfg.Credentials {
		v.keys[c.AK] = c.SK
	}
	return v
}

// requestIDKey is where the request's id is kept in the echo context.
const requestIDKey = "repomock.huaweiauth.request_id"

// AssignRequestID gives the request its id, once: a request that has one
// keeps it. It returns the id. Call it when the request arrives, so that
// every answer, even one the router or a body limit makes, can carry it.
func (v *Verifier) AssignRequestID(c echo.Context) string {
	if id := RequestID(c); id != "" {
		return id
	}
	id := v.cfg.RequestID()
	c.Set(requestIDKey, id)
	return id
}

// RequestID returns the id AssignRequestID gave the request, or "" when it
// has none (the request is not the gateway's). Whoever writes an answer to
// the request puts it in X-Request-Id, and in the body's request_id where
// the body has one.
func RequestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// Authenticate accepts a request with a token or a valid signature and
// returns *Error otherwise. It reads the body (to hash it) and leaves it to
// be read again. Its signature fits openapi.Options.Authenticate.
//
// Its 401 names the request in request_id; Gateway names every answer in
// X-Request-Id.
func (v *Verifier) Authenticate(c echo.Context) error {
	id := v.AssignRequestID(c)
	why := v.check(c.Request())
	if why == "" {
		return nil
	}
	e := authError(why)
	e.RequestID = id
	return e
}

// check says why the gateway refuses req's credentials, or "" when it
// accepts them.
func (v *Verifier) check(req *http.Request) string {
	if tokens := req.Header.Values(HeaderToken); len(tokens) > 0 {
		switch tok := tokens[0]; {
		case tok == "":
			return "X-Auth-Token is empty"
		case len(tok) > maxTokenLen:
			return "X-Auth-Token is longer than 100000 characters"
		}
		return ""
	}
	authz := req.Header.Get(echo.HeaderAuthorization)
	if authz == "" {
		return "no X-Auth-Token and no signed Authorization header"
	}
	sig, err := parseAuthorization(authz)
	if err != nil {
		return "malformed Authorization header: " + err.Error()
	}
	date := req.Header.Get(HeaderDate)
	signedAt, err := time.Parse(dateFormat, date)
	if err != nil {
		return "X-Sdk-Date is missing or not of the form 20060102T150405Z"
	}
	// The gateway checks the signing time before it looks the key up, so
	// it refuses a stale signature whatever the key (vendors.md §7).
	if skew := v.cfg.Clock().Sub(signedAt); skew > v.cfg.MaxSkew || skew < -v.cfg.MaxSkew {
		return "X-Sdk-Date is more than 15 minutes off the server's time"
	}
	if len(v.keys) == 0 {
		return "" // nothing to verify against
	}
	sk, ok := v.keys[sig.access]
	if !ok {
		return "unknown access key " + clipAK(sig.access)
	}
	want, err := signature(req, sig.signedHeaders, date, sk)
	if err != nil {
		return "the request body could not be read"
	}
	if !hmac.Equal([]byte(want), []byte(sig.signature)) {
		return "signature does not match"
	}
	return ""
}

type authorization struct {
	access        string
	signedHeaders []string
	signature     string
}

// parseAuthorization reads
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != algorithm {
		return a, fmt.Errorf("want %s Access=…, SignedHeaders=…, Signature=…", algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Access":
			a.access = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.access == "" || len(a.signedHeaders) == 0 || a.signedHeaders[0] == "" || a.signature == "" {
		return a, fmt.Errorf("want Access, SignedHeaders and Signature")
	}
	return a, nil
}

// signature computes what the SDK's signer computes for req.
func signature(req *http.Request, signedHeaders []string, date, sk string) (string, error) {
	body, err := readBody(req)
	if err != nil {
		return "", err
	}
	return sdkhmac.Signature(req, body, signedHeaders, date, sk), nil
}

// readBody returns the body and leaves the request able to read it again.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, nil
}

// Gateway is the gateway's first step on every request of a Huawei API,
// routed or not: it names the request, and every answer carries the name
// in X-Request-Id whoever writes it (a handler, the router, a body limit,
// the validator that replaces a broken answer), set as its header is
// written, so that response validation sees it too.
func (v *Verifier) Gateway() echo.MiddlewareFunc { return v.gateway }

func (v *Verifier) gateway(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := v.AssignRequestID(c)
		res := c.Response()
		res.Before(func() { res.Header().Set(HeaderRequestID, id) })
		return next(c)
	}
}

// Secrets are the gateway's credential headers, for the services behind
// it (vendor.Serving.Secrets): an IAM token, a temporary credential's
// security token, and the signature in Authorization.
func (v *Verifier) Secrets() vendor.Secrets {
	return vendor.Secrets{Headers: []string{echo.HeaderAuthorization, HeaderToken, "X-Security-Token", "X-Subject-Token"}}
}

// LongHeaders: an X-Auth-Token of up to 100,000 characters.
func (v *Verifier) LongHeaders() []string { return []string{HeaderToken} }

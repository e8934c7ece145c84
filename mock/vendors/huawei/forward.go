package huawei

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/sdkhmac"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendor"
)

// Forwarding is what the gateway still does in front of the upstream of a
// service behind it (repomock proxy). An AK/SK signature covers the host
// and the path the client used, so the upstream would refuse it: the
// gateway verifies it with its credentials, and the request is signed
// again for the upstream's host and path. An IAM token is the upstream's
// to check. The gateway names the answers the proxy makes itself in
// X-Request-Id, as it names its own; an upstream's answer keeps the
// upstream's headers.
func (v *Verifier) Forwarding() vendor.Forwarding { return forwarding{v} }

type forwarding struct{ v *Verifier }

func (fw forwarding) Authenticate(c echo.Context) error {
	req := c.Request()
	authz := req.Header.Get(echo.HeaderAuthorization)
	if req.Header.Get(HeaderToken) != "" || !strings.HasPrefix(authz, "SDK-") {
		return nil
	}
	if !strings.HasPrefix(authz, algorithm+" ") {
		return fw.v.refuse(c, "repomock proxy: only "+algorithm+" signatures can be verified and signed again")
	}
	if len(fw.v.keys) == 0 {
		return fw.v.refuse(c, "repomock proxy: the request is signed with AK/SK, and the signature covers "+
			"the host and path the client used, so the upstream would refuse it: start the proxy with --huawei-credentials AK:SK "+
			"to verify it and sign it again for the upstream, or send an X-Auth-Token")
	}
	return fw.v.Authenticate(c)
}

// refuse is the gateway's 401 for why, naming the request.
func (v *Verifier) refuse(c echo.Context, why string) error {
	e := authError(why)
	e.RequestID = v.AssignRequestID(c)
	return e
}

// Rewrite signs out again, when it carries a signature Authenticate
// verified: one with no IAM token, of a known access key.
func (fw forwarding) Rewrite(out *http.Request, body []byte) {
	authz := out.Header.Get(echo.HeaderAuthorization)
	if out.Header.Get(HeaderToken) != "" || !strings.HasPrefix(authz, algorithm+" ") {
		return
	}
	ak := accessKey(authz)
	sk, ok := fw.v.keys[ak]
	if !ok {
		return
	}
	resign(out, body, Credential{AK: ak, SK: sk}, fw.v.cfg.Clock())
}

func (fw forwarding) Gateway() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := fw.v.AssignRequestID(c)
			res := c.Response()
			res.Before(func() {
				if !pipeline.StateOf(c).Upstream {
					res.Header().Set(HeaderRequestID, id)
				}
			})
			return next(c)
		}
	}
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

// resign signs req again over the headers the client signed that are
// still there, the host included, for its new host and path.
func resign(req *http.Request, body []byte, cred Credential, now time.Time) {
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

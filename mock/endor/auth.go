package endor

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/openapi"
)

// authInfo is GET /v1/auth, the token check Endor's SDK makes before it
// uses a bearer token: 200 with what the token is, or (from Authenticate)
// the vendor's verbatim 401, which makes the SDK drop the token.
func (f *Fake) authInfo(c echo.Context, _ openapi.Request) (int, any, error) {
	g := grantOf(c)
	exp := g.expires
	if exp.IsZero() {
		// Assumption: a configured token (or any token, when none is
		// configured) is reported as valid for one more token lifetime.
		exp = f.now().Add(f.cfg.TokenTTL)
	}
	user, source := splitPrincipal(g.principal)
	var info authInfoResponse
	info.ExpirationTime = exp
	info.AuthenticationSource = source
	info.User.Meta.Name = user
	return http.StatusOK, info, nil
}

// splitPrincipal reads user@idp@source (key@repomock@api-key) as its user
// and its authentication source.
func splitPrincipal(p string) (user, source string) {
	rest, source, ok := cutLast(p, "@")
	if !ok {
		return p, ""
	}
	user, _, _ = cutLast(rest, "@")
	return user, source
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

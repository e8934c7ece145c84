package endor

import (
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Token is a bearer token the fake accepts. A token with a Namespace may
// only reach that namespace and its children; elsewhere it gets 403 code 7.
//
// A bearer token is what a person's login gives, so it stands for a user
// of a login provider: GET /v1/auth reports Provider as its
// authentication_source and the user as Email and Email@Provider, from
// which Endor's SDK learns how the token is refreshed (vendors.md §7).
type Token struct {
	Value     string
	Namespace string
	// Provider is the login provider (see Providers); "" means DefaultProvider.
	Provider string
	// Email is the user's address; "" means token-<hash>@example.com, a
	// name made from the token that does not reveal it.
	Email string
}

// DefaultProvider is the login of a bearer token that names none.
// Assumption: a Google login, the commonest in Endor's docs.
const DefaultProvider = "google"

// Providers are the logins a bearer token may name: those Endor's SDK
// knows an authentication_source by (env_resolution.
// browser_method_from_authentication_source): Google, GitHub and GitLab,
// endor for an e-mail link, an SSO login (sso, saml, oidc, azureadv2), or
// the 24 hex digits of a tenant's IdP object.
func Providers() []string {
	return []string{"google", "github", "gitlab", "endor", "sso", "saml", "oidc", "azureadv2"}
}

// ParseTokens reads the --endor-tokens syntax: comma-separated tokens, each
// TOKEN[=[NAMESPACE][:PROVIDER[:EMAIL]]]. NAMESPACE limits the token to a
// namespace and its children (empty: every namespace); PROVIDER and EMAIL
// are the login GET /v1/auth reports (empty: DefaultProvider, and a made-up
// address). For example: "ci=acme.prod,alice=acme:github:alice@example.com".
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		value, rest, _ := strings.Cut(part, "=")
		if value == "" {
			return nil, fmt.Errorf("endor token %q: empty token", part)
		}
		// The token itself is never quoted back: a flag's error is printed.
		named := fmt.Sprintf("endor token %s…", value[:min(4, len(value))])
		t := Token{Value: value}
		var extra string
		t.Namespace, rest, _ = strings.Cut(rest, ":")
		t.Provider, t.Email, _ = strings.Cut(rest, ":")
		if t.Email, extra, _ = strings.Cut(t.Email, ":"); extra != "" {
			return nil, fmt.Errorf("%s: want TOKEN=NAMESPACE:PROVIDER:EMAIL, with no more colons", named)
		}
		if t.Namespace != "" {
			if err := checkNamespace(t.Namespace); err != nil {
				return nil, fmt.Errorf("%s: %s", named, err.Message)
			}
		}
		if t.Provider != "" && !slices.Contains(Providers(), t.Provider) && !store.IsUUID(t.Provider) {
			return nil, fmt.Errorf("%s: login provider %q is not one of %s, or an IdP object id (24 lowercase hex digits)",
				named, t.Provider, strings.Join(Providers(), ", "))
		}
		if t.Email != "" {
			if a, err := mail.ParseAddress(t.Email); err != nil || a.Address != t.Email {
				return nil, fmt.Errorf("%s: %q is not an e-mail address", named, t.Email)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// grant is what the token allows and who it stands for: the user of its
// login, user@domain@provider in created_by and updated_by, as Endor
// writes a person (vendors.md §1).
func (t Token) grant() grant {
	provider := t.Provider
	if provider == "" {
		provider = DefaultProvider
	}
	email := t.Email
	if email == "" {
		var h uint32 = 2166136261 // FNV-1a: a stable name that does not reveal the token
		for i := 0; i < len(t.Value); i++ {
			h = (h ^ uint32(t.Value[i])) * 16777619
		}
		var hex [8]byte
		hexDigits(hex[:], uint64(h))
		email = "token-" + string(hex[:]) + "@example.com"
	}
	return grant{principal: email + "@" + provider, login: provider, email: email, namespace: t.Namespace}
}

// authInfo is GET /v1/auth, the token check Endor's SDK makes before it
// uses a bearer token: 200 with what the token is, or (from Authenticate)
// the vendor's verbatim 401, which makes the SDK drop the token.
func (f *Fake) authInfo(c echo.Context, _ pipeline.Request) (int, any, error) {
	g := grantOf(c)
	exp := g.expires
	if exp.IsZero() {
		// Assumption: a configured token (or any token, when none is
		// configured) is reported as valid for one more token lifetime.
		exp = f.now().Add(f.cfg.TokenTTL)
	}
	var info authInfoResponse
	info.ExpirationTime = exp
	if g.login != "" {
		// A person's login: the provider, and the user as Endor names one.
		info.AuthenticationSource = g.login
		info.User.Meta.Name = g.principal
		info.User.Spec = &authUserSpec{Email: g.email}
	} else {
		// A token issued for an API key: key@repomock@api-key.
		info.User.Meta.Name, info.AuthenticationSource = splitPrincipal(g.principal)
	}
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

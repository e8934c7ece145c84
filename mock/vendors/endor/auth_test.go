package endor_test

import (
	"reflect"
	"testing"

	"github.com/repomock/repomock/mock/vendors/endor"
)

// The --endor-tokens syntax: TOKEN[=[NAMESPACE][:PROVIDER[:EMAIL]]], the
// older TOKEN and TOKEN=NAMESPACE included.
func TestParseTokens(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []endor.Token
	}{
		{"", nil},
		{"a, b ,", []endor.Token{{Value: "a"}, {Value: "b"}}},
		{"ci=acme.prod", []endor.Token{{Value: "ci", Namespace: "acme.prod"}}},
		{"alice=acme:github:alice@example.com", []endor.Token{{Value: "alice", Namespace: "acme", Provider: "github", Email: "alice@example.com"}}},
		{"bob=:gitlab", []endor.Token{{Value: "bob", Provider: "gitlab"}}},
		{"carol=::carol@example.com", []endor.Token{{Value: "carol", Email: "carol@example.com"}}},
		{"dave=:656e69058032bf0abaaeb6aa:dave@corp.example", []endor.Token{{Value: "dave", Provider: "656e69058032bf0abaaeb6aa", Email: "dave@corp.example"}}},
		{"erin=", []endor.Token{{Value: "erin"}}},
	} {
		got, err := endor.ParseTokens(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTokens(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"=acme", `endor token "=acme": empty token`},
		{"secret-token=Acme", `endor token secr…: tenant_meta.namespace: "Acme" may contain only a-z, 0-9, '_', '-' and '.'`},
		{"secret-token=:gogle", `endor token secr…: login provider "gogle" is not one of google, github, gitlab, endor, sso, saml, oidc, azureadv2, or an IdP object id (24 lowercase hex digits)`},
		{"secret-token=:google:alice", `endor token secr…: "alice" is not an e-mail address`},
		{"secret-token=:google:Alice <alice@example.com>", `endor token secr…: "Alice <alice@example.com>" is not an e-mail address`},
		{"secret-token=acme:google:alice@example.com:x", `endor token secr…: want TOKEN=NAMESPACE:PROVIDER:EMAIL, with no more colons`},
	} {
		if _, err := endor.ParseTokens(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("ParseTokens(%q): error %v, want %s", tc.in, err, tc.want)
		}
	}
}

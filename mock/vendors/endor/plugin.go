package endor

import (
	"flag"
	"fmt"

	"github.com/repomock/repomock/mock/vendor"
)

// Plugin is Endor's entry in the list of vendors: its settings, which its
// flags set, and how it is built for a server. The zero value accepts any
// bearer token.
type Plugin struct {
	// Tokens, when not empty, are the only bearer tokens accepted
	// (--endor-tokens).
	Tokens []Token
	// MaxIssuedTokens bounds the tokens POST /v1/auth/api-key has issued
	// and the fake holds (--endor-max-issued-tokens); 0 means
	// DefaultMaxIssuedTokens.
	MaxIssuedTokens int
}

var _ vendor.Plugin = (*Plugin)(nil)

// Flags adds --endor-tokens and --endor-max-issued-tokens; the proxy
// takes neither (the upstream checks the tokens).
func (p *Plugin) Flags(fs *flag.FlagSet, proxy bool) {
	if proxy {
		return
	}
	fs.Func("endor-tokens", "comma-separated Endor bearer `tokens` to accept, each TOKEN[=[NAMESPACE][:PROVIDER[:EMAIL]]]: NAMESPACE limits it to a namespace and its children, PROVIDER and EMAIL are the login GET /v1/auth reports (default google and a made-up address); empty accepts any token",
		vendor.Parse(&p.Tokens, ParseTokens))
	fs.Func("endor-max-issued-tokens", fmt.Sprintf("`number` of tokens from Endor's POST /v1/auth/api-key held at once, all sessions together (default %d); past it the oldest is dropped, and its client gets 401", DefaultMaxIssuedTokens),
		vendor.Parse(&p.MaxIssuedTokens, ParseMaxIssuedTokens))
}

// Vendors builds the fake from env, with its fixtures (endor.yaml). It
// draws its ids and tokens from the seed's stream 0.
func (p *Plugin) Vendors(env vendor.Env) ([]vendor.Vendor, error) {
	fx, err := vendor.ReadFixtures(env, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return []vendor.Vendor{New(Config{
		Tokens:          p.Tokens,
		Fixtures:        fx,
		Clock:           env.Clock,
		Faker:           env.Faker(0),
		MaxIssuedTokens: p.MaxIssuedTokens,
		Log:             env.Log,
	})}, nil
}

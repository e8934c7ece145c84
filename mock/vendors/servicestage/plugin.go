package servicestage

import (
	"flag"

	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// Plugin is ServiceStage's entry in the list of vendors, behind Huawei's
// gateway (huawei.Plugin). The zero value accepts any well-formed
// X-Repo-Auth name.
type Plugin struct {
	// RepoAuths, when not empty, are the only X-Repo-Auth names accepted
	// (--repo-auths).
	RepoAuths []string
}

var _ huawei.Service = (*Plugin)(nil)

// Flags adds --repo-auths; the proxy leaves the names to the upstream.
func (p *Plugin) Flags(fs *flag.FlagSet, proxy bool) {
	if proxy {
		return
	}
	fs.Func("repo-auths", "comma-separated ServiceStage X-Repo-Auth `names` to accept; empty accepts any well-formed name",
		vendor.Parse(&p.RepoAuths, ParseRepoAuths))
}

// Vendor builds the fake from env behind gw, with its fixtures
// (servicestage.yaml). Its answers depend on the requests alone: it takes
// the seed's stream 2, as the others take theirs, and draws nothing.
func (p *Plugin) Vendor(env vendor.Env, gw *huawei.Verifier) (vendor.Vendor, error) {
	fx, err := vendor.ReadFixtures(env, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return New(Config{RepoAuths: p.RepoAuths, Fixtures: fx, Clock: env.Clock, Faker: env.Faker(2), Gateway: gw}), nil
}

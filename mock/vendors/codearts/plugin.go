package codearts

import (
	"flag"

	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// Plugin is CodeArts Repo's entry in the list of vendors, behind Huawei's
// gateway (huawei.Plugin). It has no settings of its own.
type Plugin struct{}

var _ huawei.Service = Plugin{}

// Flags: none.
func (Plugin) Flags(*flag.FlagSet, bool) {}

// Vendor builds the fake from env behind gw, with its fixtures
// (codearts.yaml). It draws its uuids from the seed's stream 1.
func (Plugin) Vendor(env vendor.Env, gw *huawei.Verifier) (vendor.Vendor, error) {
	fx, err := vendor.ReadFixtures(env, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return New(Config{Fixtures: fx, Clock: env.Clock, Faker: env.Faker(1), Gateway: gw}), nil
}

// Package vendors is the one list of the vendors repomock fakes. Adding a
// vendor is its package (mock/vendors/<name>, whose fake is a
// vendor.Vendor) and its entry here; nothing else names it.
package vendors

import (
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/codearts"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// List returns the vendors repomock fakes, in the order they are served,
// each with its settings at their defaults: Endor Labs, then Huawei's API
// gateway with CodeArts Repo and ServiceStage behind it.
func List() []vendor.Plugin {
	return []vendor.Plugin{
		&endor.Plugin{},
		&huawei.Plugin{Services: []huawei.Service{codearts.Plugin{}, &servicestage.Plugin{}}},
	}
}

package contractstest_test

import (
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/contracts/vendors/codearts"
	"github.com/repomock/repomock/contracts/vendors/endor"
	"github.com/repomock/repomock/contracts/vendors/huawei"
	"github.com/repomock/repomock/contracts/vendors/servicestage"
)

// A test of your own that certifies a running repomock (or, with real URLs
// and credentials, the vendors). A vendor without a URL is skipped. Select
// one check with go test -run 'TestContract/read_after_write'.
func ExampleRun() {
	testContract := func(t *testing.T) {
		iam := huawei.Auth{Token: "any-token"}
		contractstest.Run(t, contracts.Target{
			Name: "repomock",
			Vendors: []*contracts.Vendor{
				endor.New(endor.Config{URL: "http://127.0.0.1:8080", Token: "any-token"}),
				codearts.New(codearts.Config{URL: "http://127.0.0.1:8080", Auth: iam}),
				servicestage.New(servicestage.Config{URL: "http://127.0.0.1:8080", Auth: iam}),
			},
		})
	}
	_ = testContract // func TestContract(t *testing.T) in a _test.go file
}

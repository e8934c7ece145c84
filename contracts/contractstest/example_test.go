package contractstest_test

import (
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
)

// A test of your own that certifies a running repomock (or, with real URLs
// and credentials, the vendors). A vendor without a URL is skipped. Select
// one check with go test -run 'TestContract/read_after_write'.
func ExampleRun() {
	testContract := func(t *testing.T) {
		contractstest.Run(t, contracts.Target{
			Name:         "repomock",
			Endor:        contracts.Endor{URL: "http://127.0.0.1:8080", Token: "any-token"},
			CodeArts:     contracts.CodeArts{URL: "http://127.0.0.1:8080", Auth: contracts.Huawei{Token: "any-token"}},
			ServiceStage: contracts.ServiceStage{URL: "http://127.0.0.1:8080", Auth: contracts.Huawei{Token: "any-token"}},
		})
	}
	_ = testContract // func TestContract(t *testing.T) in a _test.go file
}

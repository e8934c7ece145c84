package vendors_test

import (
	"os"
	"testing"

	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/contracts/vendors"
)

// TestSuiteAgainstVendors runs the suite against the real vendors named by
// REPOMOCK_CONTRACT_* variables (see the README). Without them it is skipped.
func TestSuiteAgainstVendors(t *testing.T) {
	target, ok, err := vendors.TargetFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Skip("no vendor configured: set REPOMOCK_CONTRACT_ENDOR_URL, REPOMOCK_CONTRACT_CODEARTS_URL or " +
			"REPOMOCK_CONTRACT_SERVICESTAGE_URL with their credentials to run the suite against the real vendors")
	}
	contractstest.Run(t, target)
}

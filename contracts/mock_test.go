package contracts_test

import (
	"net/http/httptest"
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/mock"
	"github.com/repomock/repomock/mock/huaweiauth"
)

const (
	testAK = "HPUACONTRACTSUITE000"
	testSK = "contract-suite-secret"
)

// newMock starts repomock in-process, verifying Huawei signatures against
// the suite's credential, and returns its URL.
func newMock(t *testing.T) string {
	t.Helper()
	srv, err := mock.New(mock.Config{
		Seed:              1,
		HuaweiCredentials: []huaweiauth.Credential{{AK: testAK, SK: testSK}},
		RepoAuths:         []string{"repomock-contract"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// mockTarget points every vendor of the suite at url. Endor gets an API key
// pair (exchanged for a token), CodeArts an AK/SK pair (every request
// signed), ServiceStage an IAM token: each way of authenticating is used.
func mockTarget(url string) contracts.Target {
	return contracts.Target{
		Name:         "repomock",
		Endor:        contracts.Endor{URL: url, APIKey: "endr+contract", APISecret: "endr+contract-secret"},
		CodeArts:     contracts.CodeArts{URL: url, Auth: contracts.Huawei{AK: testAK, SK: testSK}},
		ServiceStage: contracts.ServiceStage{URL: url, Auth: contracts.Huawei{Token: "an-iam-token"}},
	}
}

// The suite certifies repomock: every check on every operation passes.
func TestSuiteAgainstRepomock(t *testing.T) {
	contracts.Run(t, mockTarget(newMock(t)))
}

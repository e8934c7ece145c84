package vendors_test

import (
	"net/http/httptest"
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/contractstest"
	"github.com/repomock/repomock/contracts/vendors/codearts"
	"github.com/repomock/repomock/contracts/vendors/endor"
	"github.com/repomock/repomock/contracts/vendors/huawei"
	"github.com/repomock/repomock/contracts/vendors/servicestage"
	"github.com/repomock/repomock/mock/server"
	mockhuawei "github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	testAK = "HPUACONTRACTSUITE000"
	testSK = "contract-suite-secret"
)

// newMock starts repomock in-process, verifying Huawei signatures against
// the suite's credential, and returns its URL.
func newMock(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Config{
		Seed: 1,
		Vendors: vendorstest.Settings{
			HuaweiCredentials: []mockhuawei.Credential{{AK: testAK, SK: testSK}},
			RepoAuths:         []string{"repomock-contract"},
		}.Vendors(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// configs are the vendors' configurations of a target, for a test to
// edit before it makes the target.
type configs struct {
	endor        endor.Config
	codearts     codearts.Config
	servicestage servicestage.Config
}

// mockConfigs point every vendor of the suite at url. Endor gets an API
// key pair (exchanged for a token), CodeArts an AK/SK pair (every request
// signed), ServiceStage an IAM token: each way of authenticating is used.
func mockConfigs(url string) configs {
	return configs{
		endor:        endor.Config{URL: url, APIKey: "endr+contract", APISecret: "endr+contract-secret"},
		codearts:     codearts.Config{URL: url, Auth: huawei.Auth{AK: testAK, SK: testSK}},
		servicestage: servicestage.Config{URL: url, Auth: huawei.Auth{Token: "an-iam-token"}},
	}
}

func (c configs) target() contracts.Target {
	return contracts.Target{
		Name:    "repomock",
		Vendors: []*contracts.Vendor{endor.New(c.endor), codearts.New(c.codearts), servicestage.New(c.servicestage)},
	}
}

// mockTarget points every vendor of the suite at url (mockConfigs).
func mockTarget(url string) contracts.Target { return mockConfigs(url).target() }

// The suite certifies repomock: every check on every operation passes.
func TestSuiteAgainstRepomock(t *testing.T) {
	contractstest.Run(t, mockTarget(newMock(t)))
}

// Traffic generated from the published specs still passes under the
// vendors' decoding rules (protobuf JSON for Endor, integer strings for
// CodeArts): 25 seeds give 125 generated bodies per create, and every
// check passes for each.
func TestSuiteAgainstRepomockManySeeds(t *testing.T) {
	url := newMock(t)
	for seed := uint64(2); seed <= 26; seed++ {
		target := mockTarget(url)
		target.Seed = seed
		rep, err := contracts.Evaluate(t.Context(), target)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Status == contracts.Fail {
				t.Errorf("seed %d: %s/%s: %s", seed, r.Check, r.Operation, r.Reason)
			}
		}
	}
}

// A check that is skipped says why (issue 25: a run with an Endor token
// showed five SKIP rows, "no response observed", and no more): with a
// token, the API key exchange is never called, and its five conformance
// checks say so; with an API key and secret, nothing is skipped.
func TestSkipsSayWhy(t *testing.T) {
	url := newMock(t)
	c := mockConfigs(url)
	c.endor = endor.Config{URL: url, Token: "a-token"}
	rep, err := contracts.Evaluate(t.Context(), c.target())
	if err != nil {
		t.Fatal(err)
	}
	const why = "no response observed: the credentials are a token, so no API key is exchanged for one; " +
		"with an API key and secret instead (--endor-api-key, --endor-api-secret), the suite calls it"
	var skipped []string
	for _, r := range rep.Results {
		if r.Status != contracts.Skip {
			continue
		}
		skipped = append(skipped, r.Check)
		if r.Vendor != "Endor Labs" || r.Operation != "AuthenticationService_GetAPIKeyToken" || r.Reason != why {
			t.Errorf("%s / %s / %s skipped: %q; want only the API key exchange's, saying %q", r.Vendor, r.Operation, r.Check, r.Reason, why)
		}
	}
	if len(skipped) != 5 {
		t.Errorf("skipped %v, want the five conformance checks of the API key exchange", skipped)
	}
	rep, err = contracts.Evaluate(t.Context(), mockTarget(url))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Status == contracts.Skip {
			t.Errorf("with an API key: %s / %s / %s skipped: %s", r.Vendor, r.Operation, r.Check, r.Reason)
		}
	}
}

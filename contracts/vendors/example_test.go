package vendors_test

import (
	"fmt"

	"github.com/repomock/repomock/contracts/vendors"
)

// One repomock for every vendor of the list, as REPOMOCK_CONTRACT_URL
// names it; a vendor's own URL wins.
func ExampleTargetFromEnv() {
	env := map[string]string{
		"REPOMOCK_CONTRACT_URL":              "http://127.0.0.1:8080",
		"REPOMOCK_CONTRACT_SERVICESTAGE_URL": "http://127.0.0.1:8081",
		"REPOMOCK_CONTRACT_ENDOR_TOKEN":      "any-token",
		"REPOMOCK_CONTRACT_HUAWEI_TOKEN":     "any-token",
	}
	target, ok, err := vendors.TargetFromEnv(func(name string) string { return env[name] })
	fmt.Println(ok, err)
	for _, v := range target.Vendors {
		fmt.Printf("%s at %s\n", v.Name, v.URL)
	}
	// Output:
	// true <nil>
	// Endor Labs at http://127.0.0.1:8080
	// Huawei CodeArts Repo at http://127.0.0.1:8080
	// Huawei ServiceStage at http://127.0.0.1:8081
}

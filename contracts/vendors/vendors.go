// Package vendors is the one list of the vendors the contract suite knows
// by name, each a package beside this one, and the configuration that
// makes a target of them: the REPOMOCK_CONTRACT_* variables, which
// repomock contract also takes as flags. A vendor joins the suite with its
// package and one entry in List.
package vendors

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/vendors/codearts"
	"github.com/repomock/repomock/contracts/vendors/endor"
	"github.com/repomock/repomock/contracts/vendors/servicestage"
)

// Entry is one vendor as its package offers it to the list.
type Entry struct {
	// Settings names the variables the vendor reads (after EnvPrefix),
	// with what each sets. The first is its base URL, which the shared
	// URL stands in for when unset. Two vendors may read one variable
	// (one set of Huawei credentials serves two).
	Settings [][2]string
	// New makes the vendor from the settings get reads.
	New func(get func(name string) string) *contracts.Vendor
}

// List is every vendor of the suite, in the order its results list them.
func List() []Entry {
	return []Entry{
		{endor.Settings(), endor.FromSettings},
		{codearts.Settings(), codearts.FromSettings},
		{servicestage.Settings(), servicestage.FromSettings},
	}
}

// EnvPrefix starts every environment variable TargetFromEnv reads.
const EnvPrefix = "REPOMOCK_CONTRACT_"

// EnvVars names each variable TargetFromEnv reads (after EnvPrefix), with
// what it sets: the shared URL, each vendor's, and the seed.
func EnvVars() [][2]string {
	out := [][2]string{{"URL", "base URL of all " + Count() + " vendors (one repomock); the per-vendor URLs override it"}}
	seen := map[string]bool{}
	for _, e := range List() {
		for _, s := range e.Settings {
			if !seen[s[0]] {
				seen[s[0]] = true
				out = append(out, s)
			}
		}
	}
	return append(out, [2]string{"SEED", "seed for generated data"})
}

// URLVars names each vendor's URL variable (after EnvPrefix), in the
// order of List.
func URLVars() []string {
	var out []string
	for _, e := range List() {
		out = append(out, e.Settings[0][0])
	}
	return out
}

// TargetFromEnv reads a target of every vendor of List from
// REPOMOCK_CONTRACT_* variables (see EnvVars). ok is false when no
// vendor's URL is set.
func TargetFromEnv(getenv func(string) string) (t contracts.Target, ok bool, err error) {
	get := func(name string) string { return strings.TrimSpace(getenv(EnvPrefix + name)) }
	t = contracts.Target{Name: "vendor"}
	for _, e := range List() {
		url := e.Settings[0][0]
		// One URL for every vendor (one repomock), each overridable.
		v := e.New(func(name string) string {
			if value := get(name); value != "" || name != url {
				return value
			}
			return get("URL")
		})
		ok = ok || v.URL != ""
		t.Vendors = append(t.Vendors, v)
	}
	if s := get("SEED"); s != "" {
		if t.Seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			return t, false, fmt.Errorf("%sSEED: %q is not a whole number", EnvPrefix, s)
		}
	}
	return t, ok, nil
}

// Count is how many vendors List holds, as a word ("three"), for help
// text.
func Count() string {
	n := len(List())
	if words := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}; n < len(words) {
		return words[n]
	}
	return strconv.Itoa(n)
}

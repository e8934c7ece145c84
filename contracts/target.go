package contracts

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/repomock/repomock/mock/recording"
)

// Target is what the suite certifies: the vendors, each with its base URL
// and credentials, and the run's settings. A vendor whose URL is empty is
// not checked (Report.Unconfigured names it).
type Target struct {
	// Name labels reports, for example "repomock" or "vendor".
	Name string
	// Vendors are the APIs to check, in the order the results list them:
	// the packages under contracts/vendors make repomock's, and package
	// vendors reads them all from the environment.
	Vendors []*Vendor
	// Seed makes generated data repeatable; 0 means 1.
	Seed uint64
	// Prefix starts the name of everything the suite creates, so that its
	// objects are recognisable on a real account. Default "repomock-contract-".
	Prefix string
	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Observe, when set, sees every exchange as it completes (the
	// command's --verbose and --record).
	Observe func(recording.Exchange)
}

func (t *Target) defaults() {
	if t.Name == "" {
		t.Name = "target"
	}
	if t.Seed == 0 {
		t.Seed = 1
	}
	if t.Prefix == "" {
		t.Prefix = "repomock-contract-"
	}
}

// validate refuses a target that cannot be run, before anything is sent:
// a vendor without a name or a spec, or twice, a URL that is not an
// absolute http(s) URL, a vendor whose configuration lacks something.
func (t *Target) validate() error {
	var out, bad []string
	// A URL shared by several vendors (--url) is named once.
	names := map[string][]string{}
	keys := map[string]bool{}
	for _, v := range t.Vendors {
		switch {
		case v == nil || v.Name == "" || v.Spec == "":
			return fmt.Errorf("contracts: a vendor needs a Name and a Spec")
		case keys[v.key()]:
			return fmt.Errorf("contracts: two vendors have the key %q (the start of their scenario names): give each its own Key", v.key())
		}
		keys[v.key()] = true
		if checkURL(v.URL) != nil {
			if names[v.URL] == nil {
				bad = append(bad, v.URL)
			}
			names[v.URL] = append(names[v.URL], v.short())
		}
	}
	for _, u := range bad {
		out = append(out, fmt.Sprintf("%s URL %q: %v", strings.Join(names[u], ", "), u, checkURL(u)))
	}
	for _, v := range t.Vendors {
		if v.URL != "" && v.Missing != "" {
			out = append(out, v.Missing)
		}
	}
	if len(out) > 0 {
		return fmt.Errorf("contracts: %s", strings.Join(out, "; "))
	}
	return nil
}

// checkURL accepts "" (not configured) or an absolute http(s) URL with a
// host and no query.
func checkURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("want an absolute URL starting with http:// or https://")
	case u.Host == "":
		return fmt.Errorf("names no host")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("want a base URL, without a query or fragment")
	}
	return nil
}

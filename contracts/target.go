package contracts

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/repomock/repomock/mock/recording"
)

// Target is what the suite certifies: a base URL per vendor, with the
// credentials and the place to work in. A vendor whose URL is empty is not
// checked (its results are skipped, saying why).
type Target struct {
	// Name labels reports, for example "repomock" or "vendor".
	Name         string
	Endor        Endor
	CodeArts     CodeArts
	ServiceStage ServiceStage
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

// Endor is an Endor Labs target.
type Endor struct {
	URL string
	// Token is a bearer token; or APIKey and APISecret, exchanged for one.
	Token             string
	APIKey, APISecret string
	// Namespace to work in, for example "acme.prod". Default "repomock-contract".
	Namespace string
	// ProjectUUID is the parent of the repository versions the suite
	// creates: an existing project on a real account. Default a fixed uuid.
	ProjectUUID string
}

// Huawei holds the credentials for a Huawei Cloud API: an IAM token, or an
// access key pair that signs each request (SDK-HMAC-SHA256).
type Huawei struct {
	Token  string
	AK, SK string
	// ProjectID is the tenant project id (sent as X-Project-Id, and in
	// ServiceStage paths).
	ProjectID string
}

// CodeArts is a Huawei Cloud CodeArts Repo target.
type CodeArts struct {
	URL  string
	Auth Huawei
	// ProjectUUID is the CodeArts project repositories are created in.
	ProjectUUID string
}

// ServiceStage is a Huawei Cloud ServiceStage repository-file target.
type ServiceStage struct {
	URL  string
	Auth Huawei
	// RepoAuth is the name of a git repository authorization (X-Repo-Auth).
	RepoAuth string
	// Namespace, Project and Ref locate the repository files are written to.
	Namespace, Project, Ref string
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
	if t.Endor.Namespace == "" {
		t.Endor.Namespace = "repomock-contract"
	}
	if t.Endor.ProjectUUID == "" {
		t.Endor.ProjectUUID = "6560c0de0000000000000001"
	}
	if t.CodeArts.ProjectUUID == "" {
		t.CodeArts.ProjectUUID = "c0de0000000000000000000000000001"
	}
	for _, a := range []*Huawei{&t.CodeArts.Auth, &t.ServiceStage.Auth} {
		if a.ProjectID == "" {
			a.ProjectID = "0123456789abcdef0123456789abcdef"
		}
	}
	s := &t.ServiceStage
	if s.RepoAuth == "" {
		s.RepoAuth = "repomock-contract"
	}
	if s.Namespace == "" {
		s.Namespace = "repomock-contract"
	}
	if s.Project == "" {
		s.Project = "repomock-contract"
	}
	if s.Ref == "" {
		s.Ref = "master"
	}
}

// EnvPrefix starts every environment variable TargetFromEnv reads.
const EnvPrefix = "REPOMOCK_CONTRACT_"

// EnvVars names each variable TargetFromEnv reads (after EnvPrefix), with
// what it sets.
func EnvVars() [][2]string {
	return [][2]string{
		{"URL", "base URL of all three vendors (one repomock); the per-vendor URLs override it"},
		{"ENDOR_URL", "Endor Labs base URL, e.g. https://api.endorlabs.com"},
		{"ENDOR_TOKEN", "Endor bearer token"},
		{"ENDOR_API_KEY", "Endor API key (with ENDOR_API_SECRET, instead of a token)"},
		{"ENDOR_API_SECRET", "Endor API secret"},
		{"ENDOR_NAMESPACE", "Endor namespace to work in"},
		{"ENDOR_PROJECT_UUID", "Endor project that parents the created repository versions"},
		{"CODEARTS_URL", "CodeArts Repo base URL"},
		{"CODEARTS_PROJECT_UUID", "CodeArts project to create repositories in"},
		{"SERVICESTAGE_URL", "ServiceStage base URL"},
		{"SERVICESTAGE_REPO_AUTH", "ServiceStage git authorization name (X-Repo-Auth)"},
		{"SERVICESTAGE_NAMESPACE", "ServiceStage repository namespace"},
		{"SERVICESTAGE_PROJECT", "ServiceStage repository (group/name)"},
		{"SERVICESTAGE_REF", "ServiceStage branch to write to"},
		{"HUAWEI_TOKEN", "Huawei IAM token (X-Auth-Token)"},
		{"HUAWEI_AK", "Huawei access key (with HUAWEI_SK, instead of a token)"},
		{"HUAWEI_SK", "Huawei secret key"},
		{"HUAWEI_PROJECT_ID", "Huawei tenant project id"},
		{"SEED", "seed for generated data"},
	}
}

// TargetFromEnv reads a target from REPOMOCK_CONTRACT_* variables (see
// EnvVars). ok is false when no vendor URL is set.
func TargetFromEnv(getenv func(string) string) (t Target, ok bool, err error) {
	get := func(name string) string { return strings.TrimSpace(getenv(EnvPrefix + name)) }
	// One URL for all three vendors (one repomock), each overridable.
	or := func(name string) string {
		if v := get(name); v != "" {
			return v
		}
		return get("URL")
	}
	huawei := Huawei{Token: get("HUAWEI_TOKEN"), AK: get("HUAWEI_AK"), SK: get("HUAWEI_SK"), ProjectID: get("HUAWEI_PROJECT_ID")}
	t = Target{
		Name: "vendor",
		Endor: Endor{URL: or("ENDOR_URL"), Token: get("ENDOR_TOKEN"), APIKey: get("ENDOR_API_KEY"),
			APISecret: get("ENDOR_API_SECRET"), Namespace: get("ENDOR_NAMESPACE"), ProjectUUID: get("ENDOR_PROJECT_UUID")},
		CodeArts: CodeArts{URL: or("CODEARTS_URL"), Auth: huawei, ProjectUUID: get("CODEARTS_PROJECT_UUID")},
		ServiceStage: ServiceStage{URL: or("SERVICESTAGE_URL"), Auth: huawei, RepoAuth: get("SERVICESTAGE_REPO_AUTH"),
			Namespace: get("SERVICESTAGE_NAMESPACE"), Project: get("SERVICESTAGE_PROJECT"), Ref: get("SERVICESTAGE_REF")},
	}
	if s := get("SEED"); s != "" {
		if t.Seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			return t, false, fmt.Errorf("%sSEED: %q is not a whole number", EnvPrefix, s)
		}
	}
	ok = t.Endor.URL != "" || t.CodeArts.URL != "" || t.ServiceStage.URL != ""
	return t, ok, nil
}

// validate refuses a target that cannot be run, before anything is sent:
// a URL that is not an absolute http(s) URL, a vendor without credentials.
func (t *Target) validate() error {
	// A URL shared by several vendors (--url) is named once.
	var out, bad []string
	names := map[string][]string{}
	for _, u := range []struct{ name, url string }{
		{"Endor Labs", t.Endor.URL}, {"CodeArts Repo", t.CodeArts.URL}, {"ServiceStage", t.ServiceStage.URL},
	} {
		if checkURL(u.url) != nil {
			if names[u.url] == nil {
				bad = append(bad, u.url)
			}
			names[u.url] = append(names[u.url], u.name)
		}
	}
	for _, u := range bad {
		out = append(out, fmt.Sprintf("%s URL %q: %v", strings.Join(names[u], ", "), u, checkURL(u)))
	}
	out = append(out, t.missingCredentials()...)
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

// missingCredentials says what a configured vendor lacks.
func (t *Target) missingCredentials() []string {
	var out []string
	if t.Endor.URL != "" && t.Endor.Token == "" && (t.Endor.APIKey == "" || t.Endor.APISecret == "") {
		out = append(out, "Endor Labs needs a token, or an API key and secret")
	}
	for _, v := range []struct {
		name, url string
		auth      Huawei
	}{{"CodeArts Repo", t.CodeArts.URL, t.CodeArts.Auth}, {"ServiceStage", t.ServiceStage.URL, t.ServiceStage.Auth}} {
		if v.url != "" && v.auth.Token == "" && (v.auth.AK == "" || v.auth.SK == "") {
			out = append(out, v.name+" needs a Huawei token, or an AK and SK")
		}
	}
	return out
}

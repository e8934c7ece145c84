// Package endor is the contract suite's Endor Labs: the checks of the
// behaviour the vendor documents (its upsert key, masked updates, the list
// query and filter rules of its gateway, its gRPC error codes), and how to
// authenticate (a bearer token, or an API key pair exchanged for one).
package endor

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/specs"
)

// Endor Labs operationIds.
const (
	opCreate = "RepositoryVersionService_CreateRepositoryVersion"
	opList   = "RepositoryVersionService_ListRepositoryVersions"
	opGet    = "RepositoryVersionService_GetRepositoryVersion"
	opDelete = "RepositoryVersionService_DeleteRepositoryVersion"
	opUpdate = "RepositoryVersionService_UpdateRepositoryVersion"
	opNS     = "NamespaceService_ListNamespaces"
	opAPIKey = "AuthenticationService_GetAPIKeyToken"
	opAuth   = "AuthenticationService_GetAuthenticationInfo"
)

// Config is an Endor Labs target.
type Config struct {
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

// Settings names the variables FromSettings reads, with what each sets;
// the first is the base URL.
func Settings() [][2]string {
	return [][2]string{
		{"ENDOR_URL", "Endor Labs base URL, e.g. https://api.endorlabs.com"},
		{"ENDOR_TOKEN", "Endor bearer token"},
		{"ENDOR_API_KEY", "Endor API key (with the API secret, instead of a token)"},
		{"ENDOR_API_SECRET", "Endor API secret"},
		{"ENDOR_NAMESPACE", "Endor namespace to work in"},
		{"ENDOR_PROJECT_UUID", "Endor project that parents the created repository versions"},
	}
}

// FromSettings makes the vendor from the settings get reads.
func FromSettings(get func(name string) string) *contracts.Vendor {
	return New(Config{URL: get("ENDOR_URL"), Token: get("ENDOR_TOKEN"), APIKey: get("ENDOR_API_KEY"),
		APISecret: get("ENDOR_API_SECRET"), Namespace: get("ENDOR_NAMESPACE"), ProjectUUID: get("ENDOR_PROJECT_UUID")})
}

// New makes the Endor Labs vendor of the suite.
func New(c Config) *contracts.Vendor {
	if c.Namespace == "" {
		c.Namespace = "repomock-contract"
	}
	if c.ProjectUUID == "" {
		c.ProjectUUID = "6560c0de0000000000000001"
	}
	v := &contracts.Vendor{Name: "Endor Labs", Key: "endor", Spec: specs.Endor, URL: c.URL}
	if c.Token == "" && (c.APIKey == "" || c.APISecret == "") {
		v.Missing = "Endor Labs needs a token, or an API key and secret"
	}
	if c.Token != "" {
		v.Uncalled = map[string]string{opAPIKey: "the credentials are a token, so no API key is exchanged for one; " +
			"with an API key and secret instead (--endor-api-key, --endor-api-secret), the suite calls it"}
	}
	v.Authorize = func(s *contracts.Suite, req *http.Request, _ []byte) error {
		tok, err := bearer(req.Context(), s, v, c)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	v.Envelope = envelope
	v.Code = func(b map[string]any) string { return contracts.Field(b, "code") }
	v.Invalid = invalid
	v.Gone = contracts.VendorError(http.StatusNotFound, "5", "not found (NOT_FOUND)")
	v.Preflight = func(ctx context.Context, s *contracts.Suite) (*contracts.Exchange, error) {
		return s.Call(ctx, s.Op(v, opAuth), contracts.Request{Unseen: true})
	}
	on := func(f func(e endor, r contracts.Reporter)) func(*contracts.Suite, contracts.Reporter) {
		return func(s *contracts.Suite, r contracts.Reporter) { f(endorOn(s, v, c), r) }
	}
	v.Checks = map[string]func(*contracts.Suite, contracts.Reporter){
		contracts.CheckPositiveData:   on(endor.positive),
		contracts.CheckNegativeData:   on(endor.negative),
		contracts.CheckMissingAuth:    on(endor.missingAuth),
		contracts.CheckUpsert:         on(endor.upsert),
		contracts.CheckReadAfterWrite: on(endor.readAfterWrite),
		contracts.CheckUseAfterFree:   on(endor.useAfterFree),
		contracts.CheckUnsupported:    on(endor.unsupported),
		contracts.CheckQueryRules:     on(endor.queryRules),
	}
	return v
}

// invalid checks x is the vendor's rejection of invalid input: HTTP 400
// with gRPC's INVALID_ARGUMENT.
func invalid(x *contracts.Exchange) error {
	return contracts.VendorError(http.StatusBadRequest, "3", "the validation rejection (INVALID_ARGUMENT)")(x)
}

// ciRunID makes a CI_RUN context id, a PR scan's UUID (the vendor's
// docs give ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a), out of a unique name.
func ciRunID(name string) string {
	h := sha256.Sum256([]byte(name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// envelope checks a googlerpcStatus: an integer code and a message,
// with Endor's HTTPErrorInfo detail carrying the status when present.
func envelope(status int, body []byte) error {
	var e struct {
		Code    *float64 `json:"code"`
		Message *string  `json:"message"`
		Details []struct {
			Type       string   `json:"@type"`
			StatusCode *float64 `json:"status_code"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if e.Code == nil || *e.Code != float64(int(*e.Code)) || *e.Code == 0 {
		return fmt.Errorf(`"code" is missing or not a gRPC code`)
	}
	if e.Message == nil {
		return fmt.Errorf(`"message" is missing`)
	}
	for _, d := range e.Details {
		if d.StatusCode != nil && int(*d.StatusCode) != status {
			return fmt.Errorf("details[].status_code %v is not the HTTP status %d", *d.StatusCode, status)
		}
	}
	return nil
}

// unauthenticated checks a 401 body is gRPC's UNAUTHENTICATED.
func unauthenticated(b map[string]any) error {
	if code := contracts.Field(b, "code"); code != "16" {
		return fmt.Errorf("want code 16 (UNAUTHENTICATED), got %s", orNone(code))
	}
	return nil
}

// bearer returns the bearer token, exchanging the API key pair for one on
// first use in a run (an exchange recorded like any other call).
func bearer(ctx context.Context, s *contracts.Suite, v *contracts.Vendor, c Config) (string, error) {
	if c.Token != "" {
		return c.Token, nil
	}
	return s.Remember("endor.token", func() (string, error) {
		x, err := s.Call(ctx, s.Op(v, opAPIKey), contracts.Request{Body: map[string]string{"key": c.APIKey, "secret": c.APISecret}, NoAuth: true})
		if err != nil {
			return "", err
		}
		tok := contracts.Field(x.JSON(), "token")
		if x.Status == http.StatusUnauthorized || x.Status == http.StatusForbidden {
			return "", &contracts.CredentialsError{Vendor: v.Name, Status: x.Status, Body: string(x.Body)}
		}
		if x.Status != http.StatusOK || tok == "" {
			return "", fmt.Errorf("the Endor API key exchange gave no token: %s", x)
		}
		return tok, nil
	})
}

// endor is Endor in one run: the operations its checks call and the
// target they work in. Each check creates the repository versions it needs
// and deletes them when it ends.
type endor struct {
	s                                        *contracts.Suite
	t                                        Config
	create, get, list, del, update, authInfo *contracts.Operation
	namespaces                               *contracts.Operation
}

func endorOn(s *contracts.Suite, v *contracts.Vendor, c Config) endor {
	return endor{s: s, t: c,
		create: s.Op(v, opCreate), get: s.Op(v, opGet), list: s.Op(v, opList), del: s.Op(v, opDelete),
		update: s.Op(v, opUpdate), authInfo: s.Op(v, opAuth), namespaces: s.Op(v, opNS)}
}

func (e endor) ns() map[string]string {
	return map[string]string{"tenant_meta.namespace": e.t.Namespace}
}

func (e endor) at(uuid string) map[string]string {
	return map[string]string{"tenant_meta.namespace": e.t.Namespace, "uuid": uuid}
}

func (e endor) post(body any) contracts.Request { return contracts.Request{Params: e.ns(), Body: body} }

// script is the body the vendor's own scripts send.
func (e endor) script(name string) map[string]any {
	return map[string]any{
		"meta":    map[string]any{"name": name, "parent_uuid": e.t.ProjectUUID},
		"context": map[string]any{"id": name, "type": "CONTEXT_TYPE_REF"},
		"spec":    map[string]any{"version": map[string]any{"ref": name}},
	}
}

// tagged is an update through the SDK's PATCH with a mask: only meta.tags
// is to change.
func (e endor) tagged(uuid string, tags ...string) map[string]any {
	return map[string]any{
		"object":  map[string]any{"uuid": uuid, "meta": map[string]any{"tags": tags, "description": "not in the mask"}},
		"request": map[string]any{"update_mask": "meta.tags"},
	}
}

// deleteLater deletes what x created when the check ends.
func (e endor) deleteLater(x *contracts.Exchange) {
	if id := contracts.Field(x.JSON(), "uuid"); id != "" {
		e.s.OnCleanup(func(ctx context.Context) { _, _ = e.s.Call(ctx, e.del, contracts.Request{Params: e.at(id)}) })
	}
}

// made creates a repository version from body for a check to work on,
// deleted when the check ends. When the target refuses it or names no
// uuid, x is nil and why says so. Which 2xx is status_code_conformance's
// to judge.
func (e endor) made(ctx context.Context, body map[string]any) (x *contracts.Exchange, why string) {
	x, err := e.s.Call(ctx, e.create, e.post(body))
	switch {
	case err != nil:
		return nil, fmt.Sprintf("a valid create got no answer: %v", err)
	case x.Status/100 != 2 || contracts.Field(x.JSON(), "uuid") == "":
		return nil, fmt.Sprintf("a valid create was refused or named no uuid: %s", x)
	}
	e.deleteLater(x)
	return x, ""
}

// orNone is s quoted, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return strconv.Quote(s)
}

// Package huawei is what the contract suite's Huawei Cloud vendors
// (CodeArts Repo, ServiceStage) share: one set of credentials, and the API
// gateway in front of both, with its authentication and its own error
// envelope. It is no vendor of its own.
package huawei

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/internal/sdkhmac"
)

// Auth holds the credentials for a Huawei Cloud API: an IAM token, or an
// access key pair that signs each request (SDK-HMAC-SHA256).
type Auth struct {
	Token  string
	AK, SK string
	// ProjectID is the tenant project id (sent as X-Project-Id, and in
	// ServiceStage paths). Default a fixed id.
	ProjectID string
}

// Settings names the variables AuthFrom reads, with what each sets.
func Settings() [][2]string {
	return [][2]string{
		{"HUAWEI_TOKEN", "Huawei IAM token (X-Auth-Token)"},
		{"HUAWEI_AK", "Huawei access key (AK, with the secret key, instead of a token)"},
		{"HUAWEI_SK", "Huawei secret key (SK)"},
		{"HUAWEI_PROJECT_ID", "Huawei tenant project id"},
	}
}

// AuthFrom reads the credentials from the settings.
func AuthFrom(get func(name string) string) Auth {
	return Auth{Token: get("HUAWEI_TOKEN"), AK: get("HUAWEI_AK"), SK: get("HUAWEI_SK"), ProjectID: get("HUAWEI_PROJECT_ID")}
}

// WithDefaults is a with its project id defaulted.
func (a Auth) WithDefaults() Auth {
	if a.ProjectID == "" {
		a.ProjectID = "0123456789abcdef0123456789abcdef"
	}
	return a
}

// Missing says what a lacks for the vendor product to be checked ("" when
// nothing).
func (a Auth) Missing(product string) string {
	if a.Token == "" && (a.AK == "" || a.SK == "") {
		return product + " needs a Huawei token, or an AK and SK"
	}
	return ""
}

// Authorize adds the IAM token, or signs the request with the AK/SK.
func (a Auth) Authorize(_ *contracts.Suite, req *http.Request, body []byte) error {
	req.Header.Set("X-Project-Id", a.ProjectID)
	if a.Token != "" {
		req.Header.Set("X-Auth-Token", a.Token)
		return nil
	}
	sdkhmac.Sign(req, body, a.AK, a.SK, time.Now())
	return nil
}

// GatewayEnvelope checks an answer of the API gateway itself (a 401, or
// the 400 for a path that names no project): an APIGW code and a message.
func GatewayEnvelope(b map[string]any) error {
	if !strings.HasPrefix(contracts.Field(b, "error_code"), "APIGW.") {
		return fmt.Errorf(`want the gateway's {"error_code":"APIGW.…","error_msg":…}, got %v`, b)
	}
	if s, ok := b["error_msg"].(string); !ok || s == "" {
		return fmt.Errorf("%q is missing or not a string", "error_msg")
	}
	return nil
}

// Code reads a Huawei error code: CodeArts' error.code, or the error_code
// of ServiceStage and of the gateway.
func Code(b map[string]any) string {
	if c := contracts.Field(b, "error", "code"); c != "" {
		return c
	}
	return contracts.Field(b, "error_code")
}

// GatewayNoAPI checks x is the gateway's answer to a method the path does
// not serve.
// Assumption: with HTTP 404 and APIGW.0101 ("The API does not exist"), as
// for an unknown path.
func GatewayNoAPI(x *contracts.Exchange) error {
	return contracts.StatusIs(http.StatusNotFound, func(b map[string]any) error {
		if err := GatewayEnvelope(b); err != nil {
			return err
		}
		if code := contracts.Field(b, "error_code"); code != "APIGW.0101" {
			return fmt.Errorf("error_code %q, want APIGW.0101", code)
		}
		return nil
	})(x)
}

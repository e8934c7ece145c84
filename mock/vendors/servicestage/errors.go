package servicestage

import (
	"fmt"
	"net/http"
)

// Error is a ServiceStage error body with its HTTP status. Handlers return
// it; the server's one error handler writes it with StatusCode and
// encoding/json. The official SDK reads error_code and error_msg into
// ServiceResponseError.ErrorCode and ErrorMessage. The API gateway's own
// answers (APIGW.*) are not ServiceStage's: mock/vendors/huawei makes them.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
}

// Error codes the fake answers with. ServiceStage also documents
// SVCSTG.REPO.0401 (repository not implemented), 0402 (oauth code or state
// invalid) and 0452 (clone url invalid); nothing in these operations
// leads to them in the fake.
const (
	// CodeParameterInvalid (HTTP 400): a parameter, the body, or a
	// repository, ref, file or sha that does not exist or does not match.
	CodeParameterInvalid = "SVCSTG.REPO.0400"
	// CodeAlreadyExists (HTTP 400): CreateFile on a file that exists.
	CodeAlreadyExists = "SVCSTG.REPO.0403"
	// CodeNoAuthorization (HTTP 400): no X-Repo-Auth header.
	CodeNoAuthorization = "SVCSTG.REPO.0450"
	// CodeAuthorizationInvalid (HTTP 400): an X-Repo-Auth name that is
	// malformed or not configured.
	CodeAuthorizationInvalid = "SVCSTG.REPO.0451"
	// CodeInternal (HTTP 500): a fault of the fake itself.
	// Assumption: ServiceStage documents no internal-error code; the mock extends the SVCSTG.REPO family with 0500.
	CodeInternal = "SVCSTG.REPO.0500"
)

// The vendor's descriptions of its codes (servicestage_06_0162), which
// start every message of that code.
const (
	descParameterInvalid     = "parameter invalid"
	descAlreadyExists        = "resource already exist"
	descNoAuthorization      = "no repository authorization"
	descAuthorizationInvalid = "repository authorization invalid"
)

func (e *Error) Error() string {
	return fmt.Sprintf("servicestage: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// StatusCode is the HTTP status of the error.
func (e *Error) StatusCode() int { return e.Status }

// repoError makes a ServiceStage error: the vendor documents HTTP 400 for
// every SVCSTG.REPO code.
func repoError(code, desc, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: desc + ": " + fmt.Sprintf(format, args...)}
}

func paramInvalid(format string, args ...any) *Error {
	return repoError(CodeParameterInvalid, descParameterInvalid, format, args...)
}

// ErrorFor makes the error for a failure found outside the handlers: a
// request that breaks the spec, a fault of the fake itself. status is the
// HTTP status the server suggests. What the API gateway answers on its own
// (bad credentials, no such API, a body over the limit) never reaches
// ServiceStage: the server asks huaweiauth.ErrorFor first. An empty
// message is the status's text: the vendor documents no words of its own.
func ErrorFor(status int, message string) *Error {
	if status > 599 {
		status = http.StatusInternalServerError
	}
	if message == "" {
		message = http.StatusText(status)
	}
	if status >= http.StatusInternalServerError {
		// A 5xx keeps its number (503, 504 of a fault) and the service's envelope.
		return &Error{Status: status, Code: CodeInternal, Message: message}
	}
	// The vendor answers every malformed request with 400 SVCSTG.REPO.0400.
	// Assumption: so does any other client error that reaches it.
	return paramInvalid("%s", message)
}

// codes are the vendor's error codes with their words
// (servicestage_06_0162), each answered with HTTP 400, and the mock's own
// 0500 (CodeInternal), answered with 500.
var codes = []Error{
	{Status: http.StatusBadRequest, Code: CodeParameterInvalid, Message: descParameterInvalid},
	{Status: http.StatusBadRequest, Code: "SVCSTG.REPO.0401", Message: "repository not implemented"},
	{Status: http.StatusBadRequest, Code: "SVCSTG.REPO.0402", Message: "oauth code or state invalid"},
	{Status: http.StatusBadRequest, Code: CodeAlreadyExists, Message: descAlreadyExists},
	{Status: http.StatusBadRequest, Code: CodeNoAuthorization, Message: descNoAuthorization},
	{Status: http.StatusBadRequest, Code: CodeAuthorizationInvalid, Message: descAuthorizationInvalid},
	{Status: http.StatusBadRequest, Code: "SVCSTG.REPO.0452", Message: "clone url invalid"},
	{Status: http.StatusInternalServerError, Code: CodeInternal, Message: http.StatusText(http.StatusInternalServerError)},
}

// ErrorByCode is the vendor's answer with code ("SVCSTG.REPO.0403"), with
// message or, when it is "", the vendor's words; ok is false for a code
// the vendor does not document.
func ErrorByCode(code, message string) (e *Error, ok bool) {
	for _, c := range codes {
		if c.Code == code {
			if message != "" {
				c.Message = message
			}
			return &c, true
		}
	}
	return nil, false
}

// Codes lists the vendor's error codes.
func Codes() []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.Code
	}
	return out
}

package servicestage

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a ServiceStage or API Gateway error body with its HTTP status.
// Handlers return it; the server's one error handler writes it with
// StatusCode and encoding/json. The official SDK reads error_code and
// error_msg into ServiceResponseError.ErrorCode and ErrorMessage.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"error_code"`
	Message string `json:"error_msg"`
	// RequestID is the gateway's request_id, which only its own bodies
	// (APIGW.*) have; see SetRequestID.
	RequestID string `json:"request_id,omitempty"`
}

// SetRequestID names the request in a gateway body (APIGW.*), whose
// request_id is the X-Request-Id of the answer. ServiceStage's own bodies
// (SVCSTG.REPO.*) have no request_id, and are left as they are.
func (e *Error) SetRequestID(id string) {
	if strings.HasPrefix(e.Code, gatewayPrefix) {
		e.RequestID = id
	}
}

// gatewayPrefix starts the codes of the API gateway's own errors.
const gatewayPrefix = "APIGW."

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
	// CodeGatewayNoAPI (HTTP 404): no API at this method and path.
	CodeGatewayNoAPI = "APIGW.0101"
	// CodeGatewayTooLarge (HTTP 413): the request body is over the limit.
	CodeGatewayTooLarge = "APIGW.0201"
	// CodeGatewayAuth (HTTP 401): the gateway refused the credentials.
	CodeGatewayAuth = "APIGW.0301"
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
// request that breaks the spec, an unknown route, a body over the limit, a
// fault of the fake itself. status is the HTTP status the server suggests.
func ErrorFor(status int, message string) *Error {
	switch {
	case status == http.StatusBadRequest, status == http.StatusUnsupportedMediaType:
		// The vendor answers every malformed request with 400 SVCSTG.REPO.0400.
		return paramInvalid("%s", message)
	case status == http.StatusUnauthorized:
		return &Error{Status: status, Code: CodeGatewayAuth, Message: "Incorrect IAM authentication information: " + message}
	case status == http.StatusNotFound:
		// Assumption: ServiceStage's gateway answers an unknown path as API Gateway documents, 404 APIGW.0101.
		return &Error{Status: status, Code: CodeGatewayNoAPI, Message: "The API does not exist or has not been published in the environment"}
	case status == http.StatusMethodNotAllowed:
		// Assumption: a method the API does not have is API Gateway's 404 APIGW.0101 "The API does not exist", not 405.
		return &Error{Status: http.StatusNotFound, Code: CodeGatewayNoAPI, Message: "The API does not exist"}
	case status == http.StatusRequestEntityTooLarge:
		// Assumption: an oversized body is API Gateway's 413 APIGW.0201, in the gateway's body shape.
		return &Error{Status: status, Code: CodeGatewayTooLarge, Message: "Request entity too large"}
	case status >= http.StatusInternalServerError:
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: message}
	default:
		// Assumption: any other client error is a parameter the vendor refuses with 400 SVCSTG.REPO.0400.
		return paramInvalid("%s", message)
	}
}

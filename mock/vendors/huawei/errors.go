package huawei

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Error is an answer of the API gateway itself, in its own body shape
// {"error_code":"APIGW.…","error_msg":"…","request_id":"…"}: what a
// client gets before, or instead of, the service behind the gateway
// (API Gateway user guide, "Error Codes"). Both Huawei fakes answer
// through it, so their gateway answers are the same.
type Error struct {
	Status    int    `json:"-"`
	Code      string `json:"error_code"`
	Message   string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// The gateway's codes the mock answers with (API Gateway user guide,
// "Error Codes"; the shared gateway in front of these APIs writes APIGW.
// where a dedicated one writes APIG.).
const (
	// CodeNoAPI (HTTP 404): no API at this path, or not with this method.
	CodeNoAPI = "APIGW.0101"
	// CodeBadRequest: the request itself is bad (HTTP 400), or its body is
	// over the limit (HTTP 413). The gateway uses the one code for both.
	CodeBadRequest = "APIGW.0201"
	// CodeAuth (HTTP 401): the credentials are missing or wrong.
	CodeAuth = "APIGW.0301"
	// CodeThrottled (HTTP 429): a throttling policy's limit is reached.
	CodeThrottled = "APIGW.0308"
)

// The gateway's messages for those codes (API Gateway user guide, "Error
// Codes").
const (
	msgNoAPI              = "The API does not exist or has not been published in the environment"
	msgNoMethod           = "The API does not exist"
	msgTooLarge           = "Request entity too large"
	msgBadRequest         = "Bad request"
	msgAuthPrefix         = "Incorrect IAM authentication information: "
	msgThrottled          = "The throttling threshold has been reached: policy user over ratelimit,time:1 second"
	sdkProjectPlaceholder = "{project_id}"
)

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int { return e.Status }

func authError(why string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeAuth, Message: msgAuthPrefix + why}
}

// ErrorFor returns the gateway's answer to a failure that is the gateway's
// to answer, or nil when it is the service's. The gateway answers, before
// any service sees the request: bad credentials (401), a path or a method
// no API has (404; the gateway has no 405), and a body over its limit
// (413), and throttling (429). status is the HTTP status the server
// suggests; message says what went wrong (used for 401, and for 429 when
// not empty: the other messages are the gateway's own).
func ErrorFor(status int, message string) *Error {
	switch status {
	case http.StatusTooManyRequests:
		if message == "" {
			message = msgThrottled
		}
		return &Error{Status: http.StatusTooManyRequests, Code: CodeThrottled, Message: message}
	case http.StatusUnauthorized:
		return authError(message)
	case http.StatusNotFound:
		return &Error{Status: http.StatusNotFound, Code: CodeNoAPI, Message: msgNoAPI}
	case http.StatusMethodNotAllowed:
		return &Error{Status: http.StatusNotFound, Code: CodeNoAPI, Message: msgNoMethod}
	case http.StatusRequestEntityTooLarge:
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeBadRequest, Message: msgTooLarge}
	}
	return nil
}

// CheckProjectID refuses, as the gateway does, a request whose path
// parameter param is not a project id: HTTP 400 APIGW.0201. A project id
// is what IAM issues, 32 lowercase hexadecimal digits. The official SDK
// sends the literal "{project_id}" (percent-encoded on the wire) when its
// credentials have none, and the gateway refuses that (vendors.md §6).
// Call it after Authenticate on the APIs whose path names the project.
//
// Assumption: upper-case hex digits are refused too; IAM never issues them.
func (v *Verifier) CheckProjectID(c echo.Context, param string) error {
	id := c.Param(param)
	if c.Request().URL.RawPath != "" { // echo routed on the raw path: the value is still escaped
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
	}
	if isProjectID(id) {
		return nil
	}
	msg := fmt.Sprintf("%s: %s %q is not a project id (32 lowercase hexadecimal digits)", msgBadRequest, param, clipValue(id))
	if id == sdkProjectPlaceholder {
		msg += "; the SDK sends it when its credentials have no project id"
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: msg, RequestID: v.AssignRequestID(c)}
}

func isProjectID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// clipValue keeps a client's value short enough to quote in a message.
func clipValue(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Answer is the answer to a failure that no handler of a Huawei service
// made: the gateway's own (ErrorFor), naming the request as the gateway
// does, or else the service's (service).
func (v *Verifier) Answer(c echo.Context, status int, message string, service func(int, string) error) error {
	if gw := ErrorFor(status, message); gw != nil {
		gw.RequestID = v.AssignRequestID(c)
		return gw
	}
	return service(status, message)
}

// gatewayCodes are the gateway's own codes with their status and words,
// for AnswerCode. Assumption: the gateway's words for a refused credential
// end with the reason; a stub that names no reason gets a general one.
var gatewayCodes = map[string]Error{
	CodeNoAPI:      {Status: http.StatusNotFound, Message: msgNoAPI},
	CodeBadRequest: {Status: http.StatusBadRequest, Message: msgBadRequest},
	CodeAuth:       {Status: http.StatusUnauthorized, Message: msgAuthPrefix + "the token or the signature is not valid"},
	CodeThrottled:  {Status: http.StatusTooManyRequests, Message: msgThrottled},
}

// AnswerCode is the answer with the error code named by code, for a stub
// of a service behind the gateway: the gateway's own (APIGW.…), naming
// the request as the gateway does, or else the service's (service, which
// reports whether the code is one of serviceCodes). message replaces the
// vendor's words when it is not "". An unknown code is an error that
// lists both sets of codes.
func (v *Verifier) AnswerCode(c echo.Context, code, message string, service func(code, message string) (error, bool), serviceCodes []string) (error, error) {
	if gw, ok := gatewayCodes[code]; ok {
		gw.Code, gw.RequestID = code, v.AssignRequestID(c)
		if message != "" {
			gw.Message = message
		}
		return &gw, nil
	}
	if e, ok := service(code, message); ok {
		return e, nil
	}
	gateway := slices.Sorted(maps.Keys(gatewayCodes))
	return nil, fmt.Errorf("%q is not an error code of this API: its codes are %s, and the API gateway's %s",
		clipValue(code), strings.Join(serviceCodes, ", "), strings.Join(gateway, ", "))
}

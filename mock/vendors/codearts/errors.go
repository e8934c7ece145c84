package codearts

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Error is a CodeArts Repo error: an HTTP status and the body
// {"error":{"code":"CH.010001","message":"…"},"status":"failed"}
// (API reference, "Error Codes"). Handlers return it; the server's one
// error handler writes it with StatusCode and encoding/json.
type Error struct {
	Status  int
	Code    string
	Message string
}

// The vendor's error codes (API reference, "Error Codes").
const (
	CodeParamInvalid = "CH.010001" // 400
	CodeNoPermission = "CH.080401" // 401
	CodeForbidden    = "CH.080403" // 403
	CodeNotFound     = "CH.000404" // 404
	CodeUnknown      = "CH.000001" // 500
	CodeTimeout      = "CH.080504" // 504
)

// statusFailed is the envelope's status on every error.
const statusFailed = "failed"

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorEnvelope struct {
	Error  errorBody `json:"error"`
	Status string    `json:"status"`
}

// MarshalJSON writes the vendor's error envelope.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorEnvelope{Error: errorBody{Code: e.Code, Message: e.Message}, Status: statusFailed})
}

func (e *Error) Error() string {
	return fmt.Sprintf("codearts: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// StatusCode is the HTTP status of the error.
func (e *Error) StatusCode() int { return e.Status }

func newError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func paramInvalid(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, CodeParamInvalid, format, args...)
}

func notFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, CodeNotFound, format, args...)
}

// The vendor's messages (API reference, "Error Codes"), for failures that
// come with no message of their own.
const (
	msgParamInvalid = "Param invalid"
	msgNoPermission = "No Permission"
	msgForbidden    = "Forbidden"
	msgNotFound     = "Not Found"
	msgUnknown      = "Unknown error"
	msgTimeout      = "Gateway Timeout"
)

// ErrorFor makes the CodeArts error for a failure found outside the
// handlers: a request that breaks the spec, a fault of the fake itself.
// status is the HTTP status the server suggests; message says what went
// wrong and becomes the error's message (the vendor's own text for the
// code when it is empty). What the API gateway answers on its own (bad
// credentials, no such API, a body over the limit) never reaches CodeArts:
// the server asks huaweiauth.ErrorFor first.
func ErrorFor(status int, message string) *Error {
	or := func(fallback string) string {
		if message == "" {
			return fallback
		}
		return message
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType:
		// Every bad parameter, content type included, is CH.010001.
		return newError(http.StatusBadRequest, CodeParamInvalid, "%s", or(msgParamInvalid))
	case http.StatusUnauthorized:
		return newError(http.StatusUnauthorized, CodeNoPermission, "%s", or(msgNoPermission))
	case http.StatusForbidden:
		return newError(http.StatusForbidden, CodeForbidden, "%s", or(msgForbidden))
	case http.StatusNotFound:
		return newError(http.StatusNotFound, CodeNotFound, "%s", or(msgNotFound))
	case http.StatusGatewayTimeout:
		return newError(http.StatusGatewayTimeout, CodeTimeout, "%s", or(msgTimeout))
	case http.StatusInternalServerError:
		return newError(http.StatusInternalServerError, CodeUnknown, "%s", or(msgUnknown))
	}
	// Assumption: any other status keeps its number; a client fault is
	// CH.010001 and a server fault CH.000001.
	if status >= 400 && status < 500 {
		return newError(status, CodeParamInvalid, "%s", or(msgParamInvalid))
	}
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	return newError(status, CodeUnknown, "%s", or(msgUnknown))
}

// codes are the vendor's error codes with their status and words (API
// reference, "Error Codes"), in the order it lists them.
var codes = []Error{
	{Status: http.StatusBadRequest, Code: CodeParamInvalid, Message: msgParamInvalid},
	{Status: http.StatusUnauthorized, Code: CodeNoPermission, Message: msgNoPermission},
	{Status: http.StatusForbidden, Code: CodeForbidden, Message: msgForbidden},
	{Status: http.StatusNotFound, Code: CodeNotFound, Message: msgNotFound},
	{Status: http.StatusInternalServerError, Code: CodeUnknown, Message: msgUnknown},
	{Status: http.StatusGatewayTimeout, Code: CodeTimeout, Message: msgTimeout},
}

// ErrorByCode is the vendor's answer with code ("CH.000404"), with message
// or, when it is "", the vendor's words; ok is false for a code the vendor
// does not document.
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

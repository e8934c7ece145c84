package endor

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// Error is an Endor Labs error: the body of a googlerpcStatus with the HTTP
// status that grpc-gateway gives its code. Handlers return it; the server's
// one error handler writes it with StatusCode, ResponseHeader and
// MarshalJSON.
type Error struct {
	Status  int
	Code    int
	Message string
	// Details is left out of the body when nil, and written [] when empty.
	Details []Detail
}

// MarshalJSON writes the body: {"code","message","details"}, details left
// out when nil (the gateway's "Not Found" has none) and [] when empty (its
// deadline error's "details":[]).
func (e *Error) MarshalJSON() ([]byte, error) {
	body := struct {
		Code    int       `json:"code"`
		Message string    `json:"message"`
		Details *[]Detail `json:"details,omitempty"`
	}{Code: e.Code, Message: e.Message}
	if e.Details != nil {
		body.Details = &e.Details
	}
	return jsonvalue.Marshal(body)
}

// ResponseHeader is what the answer carries besides the body: a 429 says
// when to retry, in Retry-After, which Endor's SDK reads before its retry
// (vendors.md §7). Assumption: one second, the window of the mock's
// throttle; the vendor documents no value.
func (e *Error) ResponseHeader() http.Header {
	if e.Status != http.StatusTooManyRequests {
		return nil
	}
	return http.Header{"Retry-After": {"1"}}
}

// Detail is the HTTPErrorInfo detail Endor puts in its error bodies.
type Detail struct {
	Type       string `json:"@type"`
	StatusCode int    `json:"status_code"`
}

const httpErrorInfo = "type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo"

// gRPC codes used by the fake, with the HTTP status grpc-gateway maps them to.
const (
	codeUnknown          = 2
	codeDeadlineExceeded = 4
	codeInvalidArgument  = 3
	codeNotFound         = 5
	codeAlreadyExists    = 6
	codePermissionDenied = 7
	codeResourceExhaust  = 8
	codeUnimplemented    = 12
	codeInternal         = 13
	codeUnavailable      = 14
	codeUnauthenticated  = 16
)

func (e *Error) Error() string {
	return fmt.Sprintf("endor: HTTP %d code %d: %s", e.Status, e.Code, e.Message)
}

// StatusCode is the HTTP status of the error.
func (e *Error) StatusCode() int { return e.Status }

func newError(status, code int, format string, args ...any) *Error {
	return &Error{
		Status:  status,
		Code:    code,
		Message: fmt.Sprintf(format, args...),
		Details: []Detail{{Type: httpErrorInfo, StatusCode: status}},
	}
}

func invalidArgument(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, codeInvalidArgument, format, args...)
}

func notFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, codeNotFound, format, args...)
}

// The vendor's verbatim bodies (docs: rest-api/using-the-rest-api/troubleshooting).
func errUnauthenticated() *Error {
	return newError(http.StatusUnauthorized, codeUnauthenticated, "Invalid authorization header: Bearer")
}

func errPermissionDenied() *Error {
	return newError(http.StatusForbidden, codePermissionDenied, "Unauthorized request for given endpoint")
}

// ErrorFor makes the Endor error for a failure found outside the handlers:
// a request that breaks the spec, an unknown route, a body over the limit, a
// fault of the fake itself. status is the HTTP status the server suggests;
// message is "" when the vendor's own words are wanted.
func ErrorFor(status int, message string) *Error {
	switch status {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType:
		// grpc-gateway answers every bad argument with 400 code 3.
		return invalidArgument("%s", message)
	case http.StatusUnauthorized:
		return errUnauthenticated()
	case http.StatusForbidden:
		return errPermissionDenied()
	case http.StatusNotFound:
		// Verbatim for an unknown route: {"code":5,"message":"Not Found"}.
		return &Error{Status: http.StatusNotFound, Code: codeNotFound, Message: "Not Found"}
	case http.StatusMethodNotAllowed:
		// Verbatim: HTTP 501 {"code":12,"message":"Method Not Allowed"}.
		return &Error{Status: http.StatusNotImplemented, Code: codeUnimplemented, Message: "Method Not Allowed"}
	case http.StatusRequestEntityTooLarge:
		// Assumption: gRPC reports an oversized message as RESOURCE_EXHAUSTED.
		return newError(http.StatusRequestEntityTooLarge, codeResourceExhaust, "%s", message)
	case http.StatusTooManyRequests:
		return newError(http.StatusTooManyRequests, codeResourceExhaust, "%s", message)
	case http.StatusInternalServerError:
		return newError(http.StatusInternalServerError, codeInternal, "%s", message)
	case http.StatusServiceUnavailable:
		return newError(http.StatusServiceUnavailable, codeUnavailable, "%s", message)
	case http.StatusGatewayTimeout:
		// Verbatim when no message is given (vendors.md §7): grpc-gateway's
		// answer to a passed deadline, {"code":4,"message":"context deadline
		// exceeded","details":[]}.
		if message == "" {
			message = "context deadline exceeded"
		}
		return &Error{Status: http.StatusGatewayTimeout, Code: codeDeadlineExceeded, Message: message, Details: []Detail{}}
	default:
		return newError(status, codeUnknown, "%s", message)
	}
}

// grpcCode is a gRPC code's name and its HTTP status.
type grpcCode struct {
	name   string
	status int
}

// grpcCodes are the gRPC codes by name, with the HTTP status grpc-gateway
// answers each with (runtime.HTTPStatusFromCode, the mapping of
// google/rpc/code.proto; vendors.md §1 quotes the codes Endor's SDK
// confirms).
var grpcCodes = []grpcCode{
	1:  {"CANCELLED", 499},
	2:  {"UNKNOWN", http.StatusInternalServerError},
	3:  {"INVALID_ARGUMENT", http.StatusBadRequest},
	4:  {"DEADLINE_EXCEEDED", http.StatusGatewayTimeout},
	5:  {"NOT_FOUND", http.StatusNotFound},
	6:  {"ALREADY_EXISTS", http.StatusConflict},
	7:  {"PERMISSION_DENIED", http.StatusForbidden},
	8:  {"RESOURCE_EXHAUSTED", http.StatusTooManyRequests},
	9:  {"FAILED_PRECONDITION", http.StatusBadRequest},
	10: {"ABORTED", http.StatusConflict},
	11: {"OUT_OF_RANGE", http.StatusBadRequest},
	12: {"UNIMPLEMENTED", http.StatusNotImplemented},
	13: {"INTERNAL", http.StatusInternalServerError},
	14: {"UNAVAILABLE", http.StatusServiceUnavailable},
	15: {"DATA_LOSS", http.StatusInternalServerError},
	16: {"UNAUTHENTICATED", http.StatusUnauthorized},
}

// ErrorByCode is Endor's answer with the gRPC code named by code, its
// number ("5") or its name ("NOT_FOUND"), at the HTTP status grpc-gateway
// gives it. Without a message it is the vendor's own body where the
// vendor's words are known (5, 12, 16, 7, 4: testdata/endor), else the
// status's text. An unknown code is an error that lists the codes.
func ErrorByCode(code, message string) (*Error, error) {
	n, err := strconv.Atoi(code)
	if err != nil {
		n = slices.IndexFunc(grpcCodes, func(c grpcCode) bool { return c.name != "" && c.name == code })
	}
	if n < 1 || n >= len(grpcCodes) {
		names := make([]string, 0, len(grpcCodes))
		for i, c := range grpcCodes[1:] {
			names = append(names, fmt.Sprintf("%d %s", i+1, c.name))
		}
		return nil, fmt.Errorf("%q is not an Endor error code: a gRPC code, by number or name: %s", code, strings.Join(names, ", "))
	}
	status := grpcCodes[n].status
	if message == "" {
		switch n {
		case codeNotFound, codeUnimplemented, codeUnauthenticated, codePermissionDenied, codeDeadlineExceeded:
			// The vendor's verbatim bodies (ErrorFor's), each for its code.
			if status == http.StatusNotImplemented {
				return ErrorFor(http.StatusMethodNotAllowed, ""), nil
			}
			return ErrorFor(status, ""), nil
		}
		// Assumption: the vendor's words for the other codes are
		// undocumented; the HTTP status's text stands in.
		message = http.StatusText(status)
		if status == 499 {
			message = "Client Closed Request"
		}
	}
	return newError(status, n, "%s", message), nil
}

package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// ErrFunc writes the answer to a failure into c.Response() (see
// Options.ErrFunc).
type ErrFunc func(c echo.Context, err error)

// DefaultErrFunc answers {"message": …} with the failure's status: a
// RequestError's, 500 for a ResponseError, an echo.HTTPError's, that of an
// error with a StatusCode method, else 500.
func DefaultErrFunc(c echo.Context, err error) {
	status := http.StatusInternalServerError
	var (
		reqErr *RequestError
		he     *echo.HTTPError
		sc     interface{ StatusCode() int }
	)
	switch {
	case errors.As(err, &reqErr):
		status = reqErr.Status
	case errors.As(err, &he):
		status = he.Code
	case errors.As(err, &sc):
		status = sc.StatusCode()
	}
	data, _ := jsonvalue.Marshal(map[string]any{"message": err.Error()}) // a string: never fails
	_ = c.JSONBlob(status, data)
}

// Violation is one way a message breaks its spec: where (a dot path into the
// body, a parameter name, or a header) and why, in words a person can act on.
type Violation struct {
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (v Violation) String() string {
	if v.Field == "" {
		return v.Reason
	}
	return v.Field + ": " + v.Reason
}

func joinViolations(vs []Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// RequestError reports a request that breaks the spec. Status is the HTTP
// status this package suggests (400, 413 for a body over the limit, 415 for
// a content type the operation does not take); the vendor decides the body
// and may keep or change the status.
type RequestError struct {
	Status     int
	Violations []Violation
}

func (e *RequestError) Error() string { return joinViolations(e.Violations) }

// ResponseError reports a response that breaks the spec: a bug in the
// handler that wrote it, never the client's fault.
type ResponseError struct {
	OperationID string
	Status      int // the status the handler wrote
	Violations  []Violation
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("response of %s (HTTP %d) violates the spec: %s", e.OperationID, e.Status, joinViolations(e.Violations))
}

// maxReason bounds any message taken from a library error, so that no
// schema or value dump reaches a client.
const maxReason = 200

// violations turns a kin-openapi validation error into short, located
// messages. kin-openapi's own Error() text dumps the schema and the value;
// this reads the structured fields instead.
func violations(err error) []Violation {
	var out []Violation
	collect(err, "", &out)
	if len(out) == 0 {
		out = append(out, Violation{Reason: clip(err.Error())})
	}
	return out
}

// collect walks err one layer at a time, so that the outermost error that
// names a place (a parameter, the body) sets the field for what it wraps.
func collect(err error, field string, out *[]Violation) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collect(inner, field, out)
		}
	case *openapi3filter.RequestError:
		if e.Parameter != nil {
			field = e.Parameter.Name
		}
		switch {
		case e.Err == nil:
			*out = append(*out, Violation{Field: orBody(field), Reason: clip(e.Reason)})
		case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
			what := "value is required"
			if e.RequestBody != nil {
				what = "request body is required"
			}
			*out = append(*out, Violation{Field: orBody(field), Reason: what})
		default:
			collect(e.Err, field, out)
		}
	case *openapi3filter.ResponseError:
		// A header's failure names the header, not the body.
		var name string
		if _, err := fmt.Sscanf(e.Reason, "response header %q", &name); err == nil && name != "" {
			field = "header " + name
		}
		if e.Err == nil {
			reason := e.Reason
			if name != "" && strings.HasSuffix(reason, " missing") {
				reason = "is required"
			}
			*out = append(*out, Violation{Field: orBody(field), Reason: clip(reason)})
			return
		}
		collect(e.Err, field, out)
	case *openapi3.SchemaError:
		pointer := e.JSONPointer()
		reason := schemaReason(e)
		// additionalProperties: false names the property in its reason
		// only: name it as the field, as RejectUnknownFields does.
		var name string
		if _, err := fmt.Sscanf(e.Reason, "property %q is unsupported", &name); err == nil && e.SchemaField == "properties" {
			pointer, reason = append(pointer, name), "unknown field"
		}
		*out = append(*out, Violation{Field: joinPath(field, pointer), Reason: reason})
	case *openapi3filter.ParseError:
		*out = append(*out, Violation{Field: orBody(field), Reason: parseReason(e)})
	default:
		if inner := errors.Unwrap(err); inner != nil {
			collect(inner, field, out)
			return
		}
		*out = append(*out, Violation{Field: field, Reason: clip(err.Error())})
	}
}

func orBody(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

func joinPath(prefix string, pointer []string) string {
	path := strings.Join(pointer, ".")
	switch {
	case prefix == "":
		if path == "" {
			return "body"
		}
		return path
	case path == "":
		return prefix
	default:
		return prefix + "." + path
	}
}

func schemaReason(e *openapi3.SchemaError) string {
	switch e.SchemaField {
	case "required":
		return "value is required"
	case "enum":
		if e.Schema != nil && len(e.Schema.Enum) > 0 {
			vals := make([]string, len(e.Schema.Enum))
			for i, v := range e.Schema.Enum {
				vals[i] = fmt.Sprint(v)
			}
			return clip("must be one of " + strings.Join(vals, ", "))
		}
	}
	return clip(e.Reason)
}

func parseReason(e *openapi3filter.ParseError) string {
	var syntax *json.SyntaxError
	if errors.As(e, &syntax) {
		return fmt.Sprintf("invalid JSON at offset %d: %s", syntax.Offset, syntax.Error())
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(e, &typeErr) {
		return "invalid JSON: " + typeErr.Error()
	}
	reason := e.Reason
	if e.Cause != nil {
		var inner *openapi3filter.ParseError
		if errors.As(e.Cause, &inner) && inner != e {
			return parseReason(inner)
		}
		if reason == "" {
			reason = e.Cause.Error()
		} else {
			reason += ": " + e.Cause.Error()
		}
	}
	if e.Value != nil && e.Kind == openapi3filter.KindInvalidFormat {
		reason = fmt.Sprintf("%q is %s", fmt.Sprint(e.Value), reason)
	}
	if strings.Contains(reason, "unexpected EOF") || strings.Contains(reason, "unexpected end of JSON") {
		return "invalid JSON: unexpected end of input"
	}
	return clip(reason)
}

func clip(s string) string {
	if len(s) <= maxReason {
		return s
	}
	return s[:maxReason] + "…"
}

package pipeline

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// Handler serves one operation. It is given what the Validator decoded
// of the request, once, and returns the answer's status and body, or an
// error, which Options.ErrFunc writes.
//
// The body is a JSON value that the Validator checks against the spec and
// writes, once, with jsonvalue.Marshal (after Options.Codec for a 2xx): the
// values encoding/json decodes to with UseNumber (map[string]any and []any
// holding only such values, string, json.Number, bool), a json.RawMessage,
// or any other value encoding/json can write, which costs an encode and a
// decode more. A nil body answers
// with the status alone (a 204). The handler may set response headers
// through c; a Content-Type it sets is kept (a JSON media type under
// another name).
type Handler func(c echo.Context, in Request) (status int, body any, err error)

// Request is what a Handler is given.
type Request struct {
	// Body is the JSON request body as Options.Codec read it, in the
	// values encoding/json decodes to with UseNumber; nil when the
	// request has none, or its operation declares no JSON body.
	Body any
	// Params are the path parameters, percent-decoded.
	Params Params
	// Query is the query as Options.Query read it (as it came without
	// one): what the handler should read, not echo's QueryParams.
	Query url.Values
	// Operation is the spec's operation, for a handler that reads its
	// schemas.
	Operation *openapi3.Operation
	// Session is the request's session ("" for the default one): a vendor
	// keeps each session's state apart.
	Session string
}

// Params are a request's path parameters by name, percent-decoded.
type Params map[string]string

// Param returns the path parameter name of a request routed by a
// Validator, percent-decoded, for whoever runs before the handler
// (Options.Authenticate); "" when there is none.
func Param(c echo.Context, name string) string { return StateOf(c).Params[name] }

// WriteJSON answers with status and v as application/json, written by
// jsonvalue.Marshal: the pipeline's writing, for a handler served bare.
func WriteJSON(c echo.Context, status int, v any) error {
	data, err := jsonvalue.Marshal(v)
	if err != nil {
		return err
	}
	return c.JSONBlob(status, data)
}

// jsonValue returns body as the values encoding/json decodes to, which a
// schema visits and a Codec reads. The handlers' usual bodies pass as
// they are; any other value is written, and its JSON returned too (a
// struct's fields in their order), and read back.
func jsonValue(body any) (value any, data []byte, err error) {
	switch b := body.(type) {
	case map[string]any, []any, string, bool, json.Number:
		return body, nil, nil
	case json.RawMessage:
		value, err = jsonvalue.Decode(context.Background(), b)
		return value, b, err
	}
	if data, err = jsonvalue.Marshal(body); err != nil {
		return nil, nil, err
	}
	value, err = jsonvalue.Decode(context.Background(), data)
	return value, data, err
}

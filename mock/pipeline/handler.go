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
// error, which the echo instance's error handler renders.
//
// The body is a JSON value that the Validator checks against the spec and
// writes, once, with MarshalJSON (after Options.Codec for a 2xx): the
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
}

// Params are a request's path parameters by name, percent-decoded.
type Params map[string]string

// Param returns the path parameter name of a request routed by a
// Validator, percent-decoded, for whoever runs before the handler
// (Options.Authenticate); "" when there is none.
func Param(c echo.Context, name string) string {
	p, _ := c.Get(paramsKey).(Params)
	return p[name]
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
	if data, err = MarshalJSON(body); err != nil {
		return nil, nil, err
	}
	value, err = jsonvalue.Decode(context.Background(), data)
	return value, data, err
}

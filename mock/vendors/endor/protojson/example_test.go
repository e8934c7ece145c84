package protojson_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/vendors/endor/protojson"
)

const schema = `
openapi: 3.0.3
info: {title: ex, version: '1'}
paths: {}
components:
  schemas:
    Context:
      type: object
      required: [type]
      properties:
        id: {type: string}
        type: {type: string, enum: [CONTEXT_TYPE_UNSPECIFIED, CONTEXT_TYPE_MAIN, CONTEXT_TYPE_REF]}
        tags: {type: array, items: {type: string}}
        will_be_deleted_at: {type: string, format: date-time}
`

func decode(s string) any {
	var v any
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

// A body as protojson reads it, and an answer as grpc-gateway's default
// marshaler writes it.
func ExampleCodec() {
	doc, _ := openapi3.NewLoader().LoadFromData([]byte(schema))
	_ = doc.Validate(context.Background())
	ctx := doc.Components.Schemas["Context"].Value

	// Unchecked here (nil): the pipeline passes the compiled validator's
	// check of the schema, which the walk applies as it goes.
	body := protojson.Codec{}.Body(ctx, nil)

	in, _, _ := body.Read(decode(`{"id":"","type":2,"willBeDeletedAt":"2026-11-25T12:00:00+02:00","tags":null}`))
	read, _ := json.Marshal(in)
	fmt.Println(string(read))

	out, _, _ := body.Append(nil, nil, decode(`{"type":"CONTEXT_TYPE_REF"}`))
	fmt.Println(string(out))
	// Output:
	// {"type":"CONTEXT_TYPE_REF","will_be_deleted_at":"2026-11-25T10:00:00Z"}
	// {"id":"","tags":[],"type":"CONTEXT_TYPE_REF"}
}

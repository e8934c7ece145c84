package gen_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/contracts/gen"
)

// A body valid against its schema, then every way to break it one rule at
// a time.
func ExampleMutations() {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Widget:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: {type: string, minLength: 1, maxLength: 8}
        size: {type: integer, minimum: 1, maximum: 10}
`))
	if err == nil {
		err = doc.Validate(context.Background())
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := doc.Components.Schemas["Widget"].Value
	valid := map[string]any{"name": "bolt", "size": 3}
	fmt.Println(schema.VisitJSON(gen.New(1).Value(schema), openapi3.VisitAsRequest()) == nil)
	for _, m := range gen.Mutations(schema, valid, true) {
		body, _ := json.Marshal(m.Value)
		fmt.Printf("%s: %s\n", m.Rule, body)
	}
	// Output:
	// true
	// name: maxLength: {"name":"boltttttt","size":3}
	// name: minLength: {"name":"","size":3}
	// name: required: {"size":3}
	// name: type: {"name":1,"size":3}
	// repomock_unknown_field: unknown field: {"name":"bolt","repomock_unknown_field":"repomock","size":3}
	// size: maximum: {"name":"bolt","size":11}
	// size: minimum: {"name":"bolt","size":0}
	// size: type: {"name":"bolt","size":"repomock"}
}

package schemacheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// kinOptions are the kin-openapi options that visit a value as m does
// (the unknown-field rule aside): what the pipeline passes kin-openapi.
func kinOptions(m schemacheck.Mode) []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
	switch m.Direction {
	case schemacheck.Request:
		opts = append(opts, openapi3.VisitAsRequest())
	case schemacheck.Response:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	if m.ReadOnlyAllowed {
		opts = append(opts, openapi3.DisableReadOnlyValidation())
	}
	return opts
}

// modes are every combination the pipeline could ask for.
var modes = []schemacheck.Mode{
	{},
	{Direction: schemacheck.Request},
	{Direction: schemacheck.Request, ReadOnlyAllowed: true},
	{Direction: schemacheck.Response},
}

// loadSchemas loads the component schemas of a small 3.0 document.
func loadSchemas(t testing.TB, schemas string) openapi3.Schemas {
	t.Helper()
	doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n" + indent(schemas, "    ")
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d.Components.Schemas
}

func indent(s, by string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i := range lines {
		lines[i] = by + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

// decode reads a JSON text as the pipeline does (numbers as json.Number).
func decode(t testing.TB, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return v
}

// TestValidAgreesWithKin holds the compiled verdict to kin-openapi's, in
// every mode, on the corners of each keyword: the values are chosen on
// both sides of every bound and rule.
func TestValidAgreesWithKin(t *testing.T) {
	schemas := loadSchemas(t, `
Nullable: {type: string, nullable: true}
Empty: {}
Described: {description: anything}
Str:
  type: string
  minLength: 2
  maxLength: 4
Pattern: {type: string, pattern: '^\u00E9[a-c]+$'}
DateTime: {type: string, format: date-time}
Date: {type: string, format: date}
Byte: {type: string, format: byte}
Unregistered: {type: string, format: uuid}
Int32: {type: integer, format: int32}
Int64: {type: integer, format: int64}
Int: {type: integer, minimum: 1, maximum: 10}
ExclusiveNumber: {type: number, minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true}
Float: {type: number, format: float}
Bool: {type: boolean}
NumEnum: {type: integer, enum: [0, 20]}
StrEnum: {type: string, enum: [a, b]}
Untyped: {enum: [1, x, true]}
Array:
  type: array
  minItems: 1
  maxItems: 2
  items: {type: string}
Closed:
  type: object
  additionalProperties: false
  properties:
    a: {type: string}
Map:
  type: object
  additionalProperties: {type: integer}
Open:
  type: object
  additionalProperties: true
  properties:
    a: {type: string}
Counted:
  type: object
  minProperties: 1
  maxProperties: 2
Person:
  type: object
  required: [name, id, secret]
  properties:
    name: {type: string}
    id: {type: string, readOnly: true}
    secret: {type: string, writeOnly: true}
    meta:
      type: object
      properties:
        tag: {type: string}
WithBase:
  allOf:
    - $ref: '#/components/schemas/Base'
    - type: object
      required: [id, name]
      properties:
        name: {type: string}
Base:
  type: object
  properties:
    id: {type: string, readOnly: true}
OneOf:
  oneOf:
    - {type: string, maxLength: 3}
    - {type: string, minLength: 2}
    - {type: integer}
AnyOf:
  anyOf:
    - {type: string, maxLength: 1}
    - {type: integer}
Not:
  not: {type: string}
NullableAllOf:
  nullable: true
  allOf:
    - {type: object}
Tree:
  type: object
  properties:
    children:
      type: array
      items:
        $ref: '#/components/schemas/Tree'
    name: {type: string, maxLength: 2}
`)
	values := []string{
		`null`, `true`, `false`, `0`, `1`, `-1`, `1.5`, `10`, `11`, `20`, `2147483647`, `2147483648`, `-2147483649`,
		`9223372036854775807`, `9223372036854775808`, `1e400`, `1e308`, `0.0`, `1.0`, `2e1`,
		`""`, `"a"`, `"ab"`, `"abcd"`, `"abcde"`, `"ééé"`, `"ééééé"`, `"éab"`, `"éad"`, `"x"`, `"1"`,
		`"2017-07-21T17:32:28Z"`, `"2016-02-29T00:00:00.5+05:30"`, `"2017-02-29T00:00:00Z"`, `"2017-07-21"`, `"2017-04-31"`,
		`"U3dhZ2dlciByb2Nrcw=="`, `"a b"`, `"not-a-uuid"`,
		`[]`, `["a"]`, `["a","b"]`, `["a","b","c"]`, `[1]`, `[null]`,
		`{}`, `{"a":"x"}`, `{"a":1}`, `{"b":"x"}`, `{"a":"x","b":2}`, `{"x":1,"y":2,"z":3}`, `{"x":"1"}`,
		`{"name":"n","id":"i","secret":"s"}`, `{"name":"n","secret":"s"}`, `{"name":"n","id":"i"}`, `{"name":"n"}`,
		`{"name":"n","id":null,"secret":"s"}`, `{"name":"n","id":"i","secret":"s","meta":{"tag":"t","x":1}}`,
		`{"name":"n","meta":{"tag":1}}`, `{"id":"i","name":"n"}`,
		`{"children":[{"name":"ab"},{"children":[{"name":"abc"}]}]}`, `{"children":[{"name":"ab"},{"children":[{"name":"a"}]}]}`,
	}
	checked := 0
	for name, ref := range schemas {
		s := ref.Value
		for _, mode := range modes {
			c, err := schemacheck.Compile(s, mode)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, text := range values {
				v := decode(t, text)
				want := s.VisitJSON(v, kinOptions(mode)...)
				if got := c.Valid(v); got != (want == nil) {
					t.Errorf("%s %+v, %s: compiled says valid=%v, kin-openapi: %v", name, mode, text, got, want)
				}
				checked++
			}
		}
	}
	t.Logf("%d verdicts compared", checked)
}

// TestValidUnknownFields holds the unknown-field rule to mock/pipeline's
// unknownFields: an object that declares properties refuses any other,
// unless it allows additional ones; one that declares none takes anything;
// an additionalProperties schema applies to the rest; lists are checked
// item by item. The rule follows properties, additionalProperties and
// items only: what allOf adds is not declared for it.
func TestValidUnknownFields(t *testing.T) {
	schemas := loadSchemas(t, `
Obj:
  type: object
  properties:
    a: {type: object, properties: {b: {type: string}}}
    free: {type: object}
    open: {type: object, additionalProperties: true, properties: {x: {type: string}}}
    tags: {type: object, additionalProperties: {type: object, properties: {v: {type: string}}}}
    list: {type: array, items: {type: object, properties: {v: {type: string}}}}
    composed:
      allOf:
        - {type: object, properties: {c: {type: object, properties: {d: {type: string}}}}}
`)
	s := schemas["Obj"].Value
	for _, tc := range []struct {
		body  string
		known bool
	}{
		{`{"composed":{"c":{"d":"1"}}}`, true},
		{`{"composed":{"c":{"e":"1"},"f":2}}`, true},
		{`{"a":{"b":"x"}}`, true},
		{`{"c":1}`, false},
		{`{"a":{"c":1}}`, false},
		{`{"free":{"anything":1}}`, true},
		{`{"open":{"x":"1","y":2}}`, true},
		{`{"tags":{"k":{"v":"1"}}}`, true},
		{`{"tags":{"k":{"w":"1"}}}`, false},
		{`{"list":[{"v":"1"},{"v":"2"}]}`, true},
		{`{"list":[{"v":"1"},{"w":"2"}]}`, false},
	} {
		for _, mode := range modes {
			mode.RejectUnknown = true
			c, err := schemacheck.Compile(s, mode)
			if err != nil {
				t.Fatal(err)
			}
			v := decode(t, tc.body)
			if got := c.Valid(v); got != tc.known {
				t.Errorf("%s %+v: valid=%v, want %v", tc.body, mode, got, tc.known)
			}
			mode.RejectUnknown = false
			c, _ = schemacheck.Compile(s, mode)
			if !c.Valid(v) {
				t.Errorf("%s %+v: refused without the unknown-field rule", tc.body, mode)
			}
		}
	}
}

// TestCompileRefuses shows what stays on kin-openapi, with why.
func TestCompileRefuses(t *testing.T) {
	schemas := loadSchemas(t, `
MultipleOf: {type: integer, multipleOf: 3}
Unique: {type: array, uniqueItems: true, items: {type: string}}
Deep:
  type: object
  properties:
    n: {type: integer, multipleOf: 2}
Pet:
  oneOf:
    - $ref: '#/components/schemas/Cat'
    - $ref: '#/components/schemas/Dog'
  discriminator: {propertyName: kind}
Cat: {type: object, properties: {kind: {type: string}}}
Dog: {type: object, properties: {kind: {type: string}}}
`)
	for name, want := range map[string]string{
		"MultipleOf": "multipleOf",
		"Unique":     "uniqueItems",
		"Deep":       "properties.n: multipleOf",
		"Pet":        "discriminator",
	} {
		_, err := schemacheck.Compile(schemas[name].Value, schemacheck.Mode{})
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

// TestValidDoesNotAllocate: checking a valid value allocates nothing.
func TestValidDoesNotAllocate(t *testing.T) {
	schemas := loadSchemas(t, `
Obj:
  type: object
  required: [name, when]
  properties:
    name: {type: string, pattern: '^[a-z]+$', maxLength: 10}
    when: {type: string, format: date-time}
    n: {type: integer, format: int32, enum: [1, 2]}
    tags: {type: array, items: {type: string}}
    meta: {type: object, additionalProperties: {type: string}}
    id: {type: string, readOnly: true}
`)
	v := decode(t, `{"name":"abc","when":"2026-11-25T10:00:00.123Z","n":2,"tags":["a","b"],"meta":{"k":"v"},"id":"x"}`)
	c, err := schemacheck.Compile(schemas["Obj"].Value, schemacheck.Mode{Direction: schemacheck.Request, ReadOnlyAllowed: true, RejectUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Valid(v) {
		t.Fatal("refused a valid value")
	}
	if n := testing.AllocsPerRun(100, func() { c.Valid(v) }); n != 0 {
		t.Errorf("%v allocations per check, want 0", n)
	}
}

// ExampleCompile shows the fast path: kin-openapi runs only to word a refusal.
func ExampleCompile() {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Repo:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 5}
`))
	if err != nil {
		panic(err)
	}
	schema := doc.Components.Schemas["Repo"].Value
	check, err := schemacheck.Compile(schema, schemacheck.Mode{Direction: schemacheck.Request})
	if err != nil {
		panic(err) // a real caller leaves this schema to kin-openapi
	}
	for _, body := range []any{
		map[string]any{"name": "demo"},
		map[string]any{"name": "too long"},
	} {
		if check.Valid(body) {
			fmt.Println("valid")
			continue
		}
		err := schema.VisitJSON(body, openapi3.VisitAsRequest(), openapi3.MultiErrors())
		fmt.Println("refused:", err.(openapi3.MultiError)[0].(*openapi3.SchemaError).Reason)
	}
	// Output:
	// valid
	// refused: maximum string length is 5
}

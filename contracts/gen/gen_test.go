package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/getkin/kin-openapi/openapi3"
)

const generateTestDoc = `
openapi: 3.0.3
info: {title: generate test, version: "1"}
paths: {}
components:
  schemas:
    Thing:
      type: object
      required: [meta, context, count]
      properties:
        id: {type: string, format: uuid, readOnly: true}
        create_time: {type: string, format: date-time, readOnly: true}
        meta:
          type: object
          required: [name]
          properties:
            name:
              type: string
              maxLength: 256
              pattern: '^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$'
            token: {type: string, pattern: '^[A-Za-z0-9]{32}$'}
            short: {type: string, pattern: '^[A-Za-z0-9._-]{4,63}$'}
            description: {type: string, minLength: 3, maxLength: 20}
            tags:
              type: array
              maxItems: 5
              items: {type: string, pattern: '^[A-Za-z0-9._-]{4,63}$'}
            annotations:
              type: object
              additionalProperties: {type: string, maxLength: 63}
            uid: {type: string, readOnly: true}
        context:
          type: object
          required: [type]
          properties:
            type: {type: string, enum: [CONTEXT_TYPE_REF, CONTEXT_TYPE_CI_RUN]}
            priority: {type: integer, enum: [1, 2, 3]}
        count: {type: integer, format: int32, minimum: 1, maximum: 10}
        offset: {type: integer, minimum: -5, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true}
        ratio: {type: number, minimum: 0, maximum: 1, exclusiveMaximum: true}
        step: {type: integer, minimum: 0, maximum: 100, multipleOf: 5}
        enabled: {type: boolean}
        update_time: {type: string, format: date-time}
        day: {type: string, format: date}
        blob: {type: string, format: byte}
        mail: {type: string, format: email}
        link: {type: string, format: uri}
        ref: {type: string, format: uuid}
        scores:
          type: array
          minItems: 1
          maxItems: 4
          uniqueItems: true
          items: {type: integer, minimum: 0, maximum: 1000}
        tree: {$ref: '#/components/schemas/Node'}
    Node:
      type: object
      required: [label]
      properties:
        label: {type: string, minLength: 1, maxLength: 10}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        parent: {$ref: '#/components/schemas/Node'}
    Composite:
      allOf:
        - $ref: '#/components/schemas/Named'
        - type: object
          required: [size]
          properties:
            size: {type: integer, minimum: 1}
    Named:
      type: object
      required: [name]
      properties:
        name: {type: string, pattern: '^[0-9a-f]{32}$'}
    Choice:
      oneOf:
        - type: object
          required: [kind, http]
          properties:
            kind: {type: string, enum: [http]}
            http: {type: string, format: uri}
          additionalProperties: false
        - type: object
          required: [kind, ssh]
          properties:
            kind: {type: string, enum: [ssh]}
            ssh: {type: string}
          additionalProperties: false
    Strict:
      type: object
      additionalProperties: false
      required: [code]
      properties:
        code: {type: string, pattern: '^SVCSTG\.REPO\.[0-9]{4}$'}
        level: {type: number, minimum: 0.5, maximum: 2.5}
    Order:
      type: object
      required: [name, context]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string, pattern: '^[A-Za-z0-9._-]{4,63}$'}
        qty: {type: integer, minimum: 1, maximum: 10}
        context:
          type: object
          required: [type]
          properties:
            type: {type: string, enum: [user, service]}
        tags:
          type: array
          minItems: 1
          maxItems: 2
          items: {type: string, maxLength: 5}
        labels:
          type: object
          additionalProperties: {type: string}
    Bounds:
      type: object
      properties:
        level: {type: integer, enum: [1, 2, 3]}
        gt: {type: integer, minimum: 0, exclusiveMinimum: true}
        lt: {type: number, maximum: 10, exclusiveMaximum: true}
        on: {type: boolean, enum: [true]}
        code: {type: string, minLength: 2, maxLength: 4, pattern: '^[a-z]+$'}
      additionalProperties: {type: integer}
`

func loadGenerateSchemas(t testing.TB) map[string]*openapi3.Schema {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(generateTestDoc))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	out := map[string]*openapi3.Schema{}
	for name, ref := range doc.Components.Schemas {
		out[name] = ref.Value
	}
	return out
}

func visitRequest(s *openapi3.Schema, v any) error {
	return s.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors())
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return string(b)
}

// at returns the value at a dot path, and whether it is there.
func at(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func TestGenerateValuesAreValid(t *testing.T) {
	schemas := loadGenerateSchemas(t)
	names := sortedKeys(schemas)
	for _, name := range names {
		s := schemas[name]
		t.Run(name, func(t *testing.T) {
			for seed := uint64(0); seed < 200; seed++ {
				v := New(seed).Value(s)
				if err := visitRequest(s, v); err != nil {
					t.Fatalf("seed %d: %s: %v", seed, mustJSON(t, v), err)
				}
				raw := mustJSON(t, v)
				var back any
				if err := json.Unmarshal([]byte(raw), &back); err != nil {
					t.Fatalf("seed %d: unmarshal %s: %v", seed, raw, err)
				}
				if err := visitRequest(s, back); err != nil {
					t.Fatalf("seed %d: after a JSON round trip: %s: %v", seed, raw, err)
				}
				if again := mustJSON(t, back); again != raw {
					t.Fatalf("seed %d: JSON round trip changed\n%s\nto\n%s", seed, raw, again)
				}
			}
		})
	}
}

func TestGenerateValueShapes(t *testing.T) {
	s := loadGenerateSchemas(t)["Thing"]
	seenOptional := map[string]int{}
	seenTags, seenAnnotations, seenTree := false, false, false
	for seed := uint64(1); seed <= 200; seed++ {
		v := New(seed).Value(s).(map[string]any)
		raw := mustJSON(t, v)
		for _, ro := range []string{"id", "create_time", "meta.uid"} {
			if _, ok := at(v, ro); ok {
				t.Fatalf("seed %d: readOnly %s generated: %s", seed, ro, raw)
			}
		}
		if c, ok := v["count"].(int64); !ok || c < 1 || c > 10 {
			t.Fatalf("seed %d: count %#v is not an int64 in [1, 10]", seed, v["count"])
		}
		if strings.Contains(raw, `"count":`+strconv.FormatInt(v["count"].(int64), 10)+".") {
			t.Fatalf("seed %d: integer written with a decimal point: %s", seed, raw)
		}
		if ts, ok := v["update_time"].(string); ok {
			p, err := time.Parse(time.RFC3339, ts)
			if err != nil || p.Location() != time.UTC || !strings.HasSuffix(ts, "Z") {
				t.Fatalf("seed %d: update_time %q is not RFC 3339 UTC (%v)", seed, ts, err)
			}
		}
		if ok := uuidish(v["ref"]); !ok {
			t.Fatalf("seed %d: ref %#v is not a uuid", seed, v["ref"])
		}
		for _, opt := range []string{"offset", "ratio", "enabled", "meta.token", "meta.description"} {
			if _, ok := at(v, opt); ok {
				seenOptional[opt]++
			}
		}
		if tags, ok := at(v, "meta.tags"); ok && len(tags.([]any)) > 0 {
			seenTags = true
		}
		if ann, ok := at(v, "meta.annotations"); ok && len(ann.(map[string]any)) > 0 {
			seenAnnotations = true
		}
		if _, ok := at(v, "tree.children.0.label"); ok {
			seenTree = true
		}
	}
	for _, opt := range []string{"offset", "ratio", "enabled", "meta.token", "meta.description"} {
		// Each optional property with probability 1/2: 200 draws land well inside [50, 150].
		if n := seenOptional[opt]; n < 50 || n > 150 {
			t.Errorf("optional %s present in %d of 200 values, want about half", opt, n)
		}
	}
	if !seenTags || !seenAnnotations || !seenTree {
		t.Errorf("never generated non-empty tags (%v), annotations (%v) or nested tree children (%v)", seenTags, seenAnnotations, seenTree)
	}
}

func uuidish(v any) bool {
	s, ok := v.(string)
	if !ok {
		return v == nil // optional, absent
	}
	return len(s) == 36 && strings.Count(s, "-") == 4
}

func TestGenerateRecursiveAndOddSchemasEnd(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Loop:
      type: object
      required: [next]
      properties:
        next: {$ref: '#/components/schemas/Loop'}
    Impossible: {type: string, pattern: '^[a-z]+$', minLength: 40}
    Empty: {}
    Range: {type: integer, minimum: 10, maximum: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := New(7)
	for name, ref := range doc.Components.Schemas {
		done := make(chan any, 1)
		go func() { done <- g.Value(ref.Value) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: value did not return", name)
		}
	}
	if v := g.Value(nil); v == nil {
		t.Errorf("value(nil) = nil, want some value")
	}
	// Depth is bounded: the value nests at most genHardDepth objects.
	v := g.Value(doc.Components.Schemas["Loop"].Value)
	depth := 0
	for m, ok := v.(map[string]any); ok; m, ok = m["next"].(map[string]any) {
		depth++
	}
	if depth == 0 || depth > genHardDepth+1 {
		t.Errorf("Loop nested %d deep", depth)
	}
}

func TestGenerateSameSeedSameValues(t *testing.T) {
	schemas := loadGenerateSchemas(t)
	for _, name := range []string{"Thing", "Node", "Composite", "Strict"} {
		s := schemas[name]
		a, b := New(42), New(42)
		for i := range 20 {
			va, vb := a.Value(s), b.Value(s)
			if !reflect.DeepEqual(va, vb) {
				t.Fatalf("%s: value %d differs for the same seed:\n%s\n%s", name, i, mustJSON(t, va), mustJSON(t, vb))
			}
		}
		distinct := map[string]bool{}
		for seed := uint64(1); seed <= 20; seed++ {
			distinct[mustJSON(t, New(seed).Value(s))] = true
		}
		if len(distinct) < 10 {
			t.Errorf("%s: 20 seeds gave only %d distinct values", name, len(distinct))
		}
	}
	// Seed 0 is a seed like any other, not "random".
	if a, b := New(0).Value(schemas["Thing"]), New(0).Value(schemas["Thing"]); !reflect.DeepEqual(a, b) {
		t.Errorf("seed 0 is not repeatable")
	}
}

func TestOverrideUsedAtPaths(t *testing.T) {
	s := loadGenerateSchemas(t)["Thing"]
	var gotFaker bool
	base := New(3)
	g := base.WithOverrides(map[string]func(*gofakeit.Faker) any{
		"meta.name": func(f *gofakeit.Faker) any {
			gotFaker = f != nil
			return "pinned-name"
		},
		"meta.tags.*":        func(*gofakeit.Faker) any { return "pinned-tag" },
		"meta.annotations.*": func(*gofakeit.Faker) any { return "pinned-annotation" },
		"context":            func(*gofakeit.Faker) any { return map[string]any{"type": "CONTEXT_TYPE_REF"} },
	})
	sawTag, sawAnnotation := false, false
	for range 100 {
		v := g.Value(s).(map[string]any)
		if name, _ := at(v, "meta.name"); name != "pinned-name" {
			t.Fatalf("meta.name = %#v, want the override", name)
		}
		if c := v["context"]; !reflect.DeepEqual(c, map[string]any{"type": "CONTEXT_TYPE_REF"}) {
			t.Fatalf("context = %#v, want the override", c)
		}
		if tags, ok := at(v, "meta.tags"); ok {
			for _, tag := range tags.([]any) {
				sawTag = true
				if tag != "pinned-tag" {
					t.Fatalf("meta.tags item = %#v, want the override", tag)
				}
			}
		}
		if ann, ok := at(v, "meta.annotations"); ok {
			for _, a := range ann.(map[string]any) {
				sawAnnotation = true
				if a != "pinned-annotation" {
					t.Fatalf("meta.annotations value = %#v, want the override", a)
				}
			}
		}
	}
	if !sawTag || !sawAnnotation {
		t.Errorf("overrides for items (%v) or map values (%v) never exercised", sawTag, sawAnnotation)
	}
	if !gotFaker {
		t.Errorf("override was not given the Faker")
	}
	if name, _ := at(base.Value(s), "meta.name"); name == "pinned-name" {
		t.Errorf("withOverrides changed the generator it was called on")
	}
}

// nesting counts the levels of objects and arrays in v.
func nesting(v any) int {
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, nesting(e))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, nesting(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

func TestGenerateDepthLimited(t *testing.T) {
	s := loadGenerateSchemas(t)["Node"]
	deepest := 0
	for seed := uint64(1); seed <= 200; seed++ {
		deepest = max(deepest, nesting(New(seed).Value(s)))
	}
	// Optional properties, items and map entries stop at genMaxDepth; only
	// the required label remains below it.
	if deepest > genMaxDepth+1 || deepest < 4 {
		t.Errorf("recursive Node values nest %d deep, want 4..%d", deepest, genMaxDepth+1)
	}
}

// diffPaths lists the dot paths where a and b differ, stopping at the first
// difference on each branch (arrays of different lengths differ as a whole).
func diffPaths(a, b any, path string) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		keys := sortedKeys(x)
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			xv, xok := x[k]
			yv, yok := y[k]
			if xok != yok {
				out = append(out, joinPath(path, k))
				continue
			}
			out = append(out, diffPaths(xv, yv, joinPath(path, k))...)
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{path}
		}
		var out []string
		for i := range x {
			out = append(out, diffPaths(x[i], y[i], joinPath(path, strconv.Itoa(i)))...)
		}
		return out
	}
	if mustJSONNoFail(a) != mustJSONNoFail(b) {
		return []string{path}
	}
	return nil
}

func mustJSONNoFail(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%T:%s", v, b)
}

func rulePath(rule string) string {
	p, _, _ := strings.Cut(rule, ": ")
	if p == rootRulePath {
		return ""
	}
	return p
}

func TestMutationsBreakExactlyTheirRule(t *testing.T) {
	schemas := loadGenerateSchemas(t)
	for _, name := range sortedKeys(schemas) {
		s := schemas[name]
		t.Run(name, func(t *testing.T) {
			total := 0
			for seed := uint64(1); seed <= 15; seed++ {
				valid := New(seed).Value(s)
				before := mustJSON(t, valid)
				ms := Mutations(s, valid, true)
				if after := mustJSON(t, valid); after != before {
					t.Fatalf("mutations modified its input:\n%s\n%s", before, after)
				}
				if err := visitRequest(s, valid); err != nil {
					t.Fatalf("valid value no longer valid after mutations: %v", err)
				}
				if !slices.IsSortedFunc(ms, func(a, b Mutation) int { return strings.Compare(a.Rule, b.Rule) }) {
					t.Fatalf("mutations not sorted by Rule")
				}
				rules := map[string]bool{}
				for _, m := range ms {
					total++
					if rules[m.Rule] {
						t.Errorf("rule %q twice", m.Rule)
					}
					rules[m.Rule] = true
					unknown := strings.HasSuffix(m.Rule, ": unknown field")
					if err := visitRequest(s, m.Value); err == nil && !unknown {
						t.Errorf("seed %d: %s: schema accepts the mutated value %s", seed, m.Rule, mustJSON(t, m.Value))
					}
					diffs := diffPaths(valid, m.Value, "")
					if want := rulePath(m.Rule); len(diffs) != 1 || diffs[0] != want {
						t.Errorf("seed %d: %s: value differs at %q, want exactly %q\nvalid: %s\nmutated: %s",
							seed, m.Rule, diffs, want, before, mustJSON(t, m.Value))
					}
				}
				// Mutating the same input twice gives the same result.
				if again := Mutations(s, valid, true); !reflect.DeepEqual(again, ms) {
					t.Fatalf("mutations not deterministic")
				}
			}
			if total == 0 {
				t.Fatalf("no mutations at all")
			}
		})
	}
}

func TestMutationsStrictUnknownFieldRejected(t *testing.T) {
	s := loadGenerateSchemas(t)["Strict"]
	valid := map[string]any{"code": "SVCSTG.REPO.0001"}
	for _, m := range Mutations(s, valid, true) {
		if m.Rule == "repomock_unknown_field: unknown field" {
			if visitRequest(s, m.Value) == nil {
				t.Fatalf("additionalProperties false, yet the unknown field is accepted")
			}
			return
		}
	}
	t.Fatalf("no unknown field mutation for an additionalProperties: false object")
}

func TestMutationRuleSets(t *testing.T) {
	schemas := loadGenerateSchemas(t)
	cases := []struct {
		schema  string
		valid   string
		unknown bool
		want    []string
	}{
		{
			schema:  "Order",
			valid:   `{"name": "abcd", "qty": 5, "context": {"type": "user"}, "tags": ["a", "b"], "labels": {"k": "v"}}`,
			unknown: true,
			want: []string{
				"repomock_unknown_field: unknown field",
				"context: required",
				"context: type",
				"context.type: required",
				"context.type: type",
				"context.type: enum",
				"context.repomock_unknown_field: unknown field",
				"labels: type",
				"labels.k: type",
				"name: required",
				"name: type",
				"name: pattern",
				"qty: type",
				"qty: minimum",
				"qty: maximum",
				"tags: type",
				"tags: minItems",
				"tags: maxItems",
				"tags.0: type",
				"tags.0: maxLength",
			},
		},
		{
			schema:  "Order",
			valid:   `{"name": "abcd", "context": {"type": "user"}}`,
			unknown: false,
			want: []string{
				"context: required",
				"context: type",
				"context.type: required",
				"context.type: type",
				"context.type: enum",
				"name: required",
				"name: type",
				"name: pattern",
			},
		},
		{
			schema:  "Bounds",
			valid:   `{"level": 2, "gt": 1, "lt": 9.5, "on": true, "code": "abc", "extra": 3}`,
			unknown: true,
			want: []string{
				"code: type",
				"code: pattern",
				"code: minLength",
				"code: maxLength",
				"extra: type",
				"gt: type",
				"gt: exclusiveMinimum",
				"level: type",
				"level: enum",
				"lt: type",
				"lt: exclusiveMaximum",
				"on: type",
				"on: enum",
			},
		},
		{
			schema:  "Strict",
			valid:   `{"code": "SVCSTG.REPO.0001", "level": 1}`,
			unknown: true,
			want: []string{
				"repomock_unknown_field: unknown field",
				"code: required",
				"code: type",
				"code: pattern",
				"level: type",
				"level: minimum",
				"level: maximum",
			},
		},
		{
			schema:  "Composite",
			valid:   `{"name": "0123456789abcdef0123456789abcdef", "size": 3}`,
			unknown: false,
			want: []string{
				"name: required",
				"name: type",
				"name: pattern",
				"size: required",
				"size: type",
				"size: minimum",
			},
		},
		{
			schema:  "Choice",
			valid:   `{"kind": "ssh", "ssh": "git@example.com:a/b.git"}`,
			unknown: true,
			want: []string{
				"kind: required",
				"kind: type",
				"kind: enum",
				"repomock_unknown_field: unknown field",
				"ssh: required",
				"ssh: type",
			},
		},
		{
			schema:  "Node",
			valid:   `{"label": "root", "children": [{"label": "a"}, {"label": "b", "children": []}]}`,
			unknown: false,
			want: []string{
				"children: type",
				"children.0: type",
				"children.0.label: required",
				"children.0.label: type",
				"children.0.label: minLength",
				"children.0.label: maxLength",
				"children.1.children: type",
				"label: required",
				"label: type",
				"label: minLength",
				"label: maxLength",
			},
		},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.schema), func(t *testing.T) {
			var valid any
			if err := json.Unmarshal([]byte(c.valid), &valid); err != nil {
				t.Fatal(err)
			}
			s := schemas[c.schema]
			if err := visitRequest(s, valid); err != nil {
				t.Fatalf("the test's valid value is invalid: %v", err)
			}
			var got []string
			for _, m := range Mutations(s, valid, c.unknown) {
				got = append(got, m.Rule)
			}
			want := slices.Clone(c.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("rules\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

func TestMutationValues(t *testing.T) {
	s := loadGenerateSchemas(t)["Thing"]
	valid := map[string]any{
		"meta": map[string]any{
			"name":  "my_repo-1",
			"token": "0123456789abcdefABCDEF0123456789",
			"short": "abcd",
			"tags":  []any{"tag1"},
		},
		"context": map[string]any{"type": "CONTEXT_TYPE_REF", "priority": int64(2)},
		"count":   int64(1),
		"offset":  int64(0),
		"ratio":   0.5,
	}
	if err := visitRequest(s, valid); err != nil {
		t.Fatal(err)
	}
	byRule := map[string]any{}
	for _, m := range Mutations(s, valid, false) {
		byRule[m.Rule] = m.Value
	}
	check := func(rule, path string, want func(v any) bool) {
		t.Helper()
		m, ok := byRule[rule]
		if !ok {
			t.Errorf("no mutation %q", rule)
			return
		}
		got, _ := at(m, path)
		if !want(got) {
			t.Errorf("%s: %s = %#v", rule, path, got)
		}
	}
	strLen := func(n int) func(any) bool {
		return func(v any) bool { s, ok := v.(string); return ok && len(s) == n }
	}
	check("meta.name: maxLength", "meta.name", strLen(257))
	check("meta.name: pattern", "meta.name", strLen(len("my_repo-1")))
	check("meta.token: pattern", "meta.token", strLen(32))
	check("meta.short: pattern", "meta.short", strLen(4))
	check("meta.tags: maxItems", "meta.tags", func(v any) bool { a, ok := v.([]any); return ok && len(a) == 6 })
	check("context.type: enum", "context.type", func(v any) bool {
		s, ok := v.(string)
		return ok && s != "CONTEXT_TYPE_REF" && s != "CONTEXT_TYPE_CI_RUN"
	})
	check("context.priority: enum", "context.priority", func(v any) bool { n, ok := v.(int64); return ok && (n < 1 || n > 3) })
	check("count: minimum", "count", func(v any) bool { return v == int64(0) })
	check("count: maximum", "count", func(v any) bool { return v == int64(11) })
	check("offset: exclusiveMinimum", "offset", func(v any) bool { return v == int64(-5) })
	check("offset: exclusiveMaximum", "offset", func(v any) bool { return v == int64(5) })
	check("ratio: exclusiveMaximum", "ratio", func(v any) bool { return v == 1.0 })
	check("ratio: minimum", "ratio", func(v any) bool { f, ok := v.(float64); return ok && f < 0 })
	check("count: type", "count", func(v any) bool { _, ok := v.(string); return ok })
	check("meta.name: type", "meta.name", func(v any) bool { _, ok := v.(int64); return ok })
	for rule := range byRule {
		if strings.HasPrefix(rule, "id:") || strings.HasPrefix(rule, "create_time:") || strings.HasPrefix(rule, "meta.uid:") {
			t.Errorf("rule on a readOnly property: %s", rule)
		}
	}
}

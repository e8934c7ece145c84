package openapi

import (
	"strings"
	"testing"
)

func TestStrictJSON(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 500)
	cases := []struct {
		body, want string // want "" for no violation
	}{
		{`{"meta":{"name":"a","tags":["x","y"]},"n":1.5e3,"t":true,"f":false,"z":null}`, ""},
		{`{"name":"a","name":"b"}`, "name: duplicate field"},
		{`{"meta":{"name":"a","name":"a"}}`, "meta.name: duplicate field"},
		{`{"a":[{"k":1},{"k":2,"k":3}]}`, "a.k: duplicate field"},
		{`{"n\u0061me":"a","name":"b"}`, "name: duplicate field"},
		{`{"a":1,"A":2}`, ""}, // JSON keys are case-sensitive
		{`{"a":1} xyz`, "body: unexpected data after the JSON value"},
		{`{"a":1}{}`, "body: unexpected data after the JSON value"},
		{`{"a":1}` + " \n\t", ""},
		{`{"a":`, ""},   // a syntax error: the validator reports it
		{`{"a" 1}`, ""}, // likewise
		{`{"s":"\"}\"","s":1}`, "s: duplicate field"},
		{deep, ""},
		{`[1,2,{"x":1,"x":2}]`, "x: duplicate field"},
	}
	for _, tc := range cases {
		v := strictJSON([]byte(tc.body))
		got := ""
		if v != nil {
			got = v.String()
		}
		if got != tc.want {
			t.Errorf("strictJSON(%.60q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	// More than 16 keys: the small buffer grows and still finds the duplicate.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	b.WriteString(`"k":2}`)
	if v := strictJSON([]byte(b.String())); v == nil || v.Field != "k" {
		t.Errorf("a duplicate after 40 keys: %v", v)
	}
}

func TestStrictJSONDoesNotAllocate(t *testing.T) {
	body := []byte(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600","tags":["a","b"]},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	if n := testing.AllocsPerRun(100, func() { _ = strictJSON(body) }); n != 0 {
		t.Errorf("strictJSON allocates %v times per well-formed body", n)
	}
}

package jsonvalue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// describe is what a scan found, as one line: the duplicate or the data
// after the value, or "" for neither.
func describe(d Doc) string {
	switch {
	case d.Duplicate:
		return d.Path + ": duplicate"
	case d.Trailing:
		return "trailing"
	}
	return ""
}

func TestScanFindsDuplicatesAndTrailingData(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 500)
	var many strings.Builder // more keys than smallObject, the duplicate last
	many.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&many, `"k%s":1,`, strings.Repeat("x", i))
	}
	many.WriteString(`"k":2}`)
	cases := []struct {
		body, want string
		valid      bool
	}{
		{`{"meta":{"name":"a","tags":["x","y"]},"n":1.5e3,"t":true,"f":false,"z":null}`, "", true},
		{`{"name":"a","name":"b"}`, "name: duplicate", true},
		{`{"meta":{"name":"a","name":"a"}}`, "meta.name: duplicate", true},
		{`{"a":[{"k":1},{"k":2,"k":3}]}`, "a.k: duplicate", true},
		{`{"n\u0061me":"a","name":"b"}`, "name: duplicate", true},
		{`{"\u006b0":1,"k0":2}`, "k0: duplicate", true},
		{`{"\ud83d\ude00":1,"😀":2}`, "😀: duplicate", true},
		{`{"\ud800":1,"\ufffd":2}`, "\ufffd: duplicate", true}, // a lone surrogate reads as U+FFFD, as encoding/json reads it
		{"{\"\xff\":1,\"\\ufffd\":2}", "\ufffd: duplicate", true},
		{`{"a":1,"A":2}`, "", true}, // JSON keys are case-sensitive
		{`{"a":{"x":1},"b":{"x":1}}`, "", true},
		{`{"a":1,"b":{"a":1}}`, "", true},
		{`{"a":1} xyz`, "trailing", false},
		{`{"a":1}{}`, "trailing", false},
		{`{"a":1}` + " \n\t", "", true},
		{`{"a":`, "", false},
		{`{"a" 1}`, "", false},
		{`{"s":"\"}\"","s":1}`, "s: duplicate", true},
		{`{"a":{"b":1,"b":2},"c":{"d":1,"d":2}}`, "a.b: duplicate", true}, // the first one
		{`{"a":1,"a":2,`, "a: duplicate", false},                          // found before the syntax error
		{deep, "", true},
		{`[1,2,{"x":1,"x":2}]`, "x: duplicate", true},
		{many.String(), "k: duplicate", true},
		{`{"":1,"":2}`, ": duplicate", true},
	}
	for _, tc := range cases {
		for _, decode := range []bool{false, true} {
			d := Scan(context.Background(), []byte(tc.body), decode)
			if got := describe(d); got != tc.want || d.Valid() != tc.valid || Valid([]byte(tc.body)) != tc.valid {
				t.Errorf("Scan(%.60q, decode=%v) = %q, valid %v; want %q, valid %v (err %v)", tc.body, decode, got, d.Valid(), tc.want, tc.valid, d.Err)
			}
		}
	}
}

// Of a duplicate key the last value stands, as encoding/json has it.
func TestDecodeLastDuplicateWins(t *testing.T) {
	got, err := Decode(context.Background(), []byte(`{"a":1,"b":{"c":1,"c":[2]},"a":"x"}`))
	want := map[string]any{"a": "x", "b": map[string]any{"c": []any{json.Number("2")}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Decode = %#v, %v; want %#v", got, err, want)
	}
}

func TestScanDoesNotAllocate(t *testing.T) {
	body := []byte(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600","tags":["a","b"]},"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	if n := testing.AllocsPerRun(100, func() { _ = Scan(context.Background(), body, false) }); n != 0 {
		t.Errorf("Scan without decoding allocates %v times per well-formed body", n)
	}
	escaped := []byte(`{"\u006b0":1,"\u006b1":1,"\u006b2":1}`)
	if n := testing.AllocsPerRun(100, func() { _ = Valid(escaped) }); n != 0 {
		t.Errorf("Valid allocates %v times", n)
	}
}

// The scanner must read exactly what encoding/json reads, to the same
// value: the fallback to encoding/json is for its error's words, and is
// kept out of this test.
func TestScannerIsEncodingJSON(t *testing.T) {
	texts := []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+3`, `true`, `null`, ` {"a" : [1, 2 ,{"b":null}], "c":"\u00e9\n\/\"\\"} `,
		`{"a":1}x`, `truex`, `1x`, `1-2`, `01`, `{"a":1,}`, `[1,]`, `{"a"}`, `"\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`,
		`"\udc00\ud800"`, `"\ud83d\ud83d\ude00"`, `"\ud83d\u"`, `"a` + "\x01" + `"`, "\"\xff\"", "\"\xf0\x9f\x98\"", "\"a\xc3\"",
		`"\u0000"`, `{"a":1,"a":2}`, `[` + strings.Repeat("[", 1200) + `]`, ``, ` `, `"\x"`, `"\u12"`, `-`, `1.`, `1e`, `nul`,
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	}
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{`{`, `}`, `[`, `]`, `,`, `:`, `"k"`, `"é\t"`, `"\u2028"`, `1`, `-2.5E-3`, `true`, `null`, ` `, `"\\"`, `"\ud83d\ude00"`, `"\ud800"`, "\"\xff\""}
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for range 500 { // well-formed ones, written by encoding/json from random values
		data, _ := json.Marshal(randomValue(r, 0))
		texts = append(texts, string(data))
	}
	for _, text := range texts {
		s := scanner{data: []byte(text), build: true, dupAt: -1}
		got, ok := s.value(0)
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var want any
		err := dec.Decode(&want)
		switch {
		case ok != (err == nil):
			t.Errorf("%.80q: scanner reads it: %v; encoding/json says %v", text, ok, err)
		case ok && !reflect.DeepEqual(got, want):
			t.Errorf("%.80q: scanner %#v, encoding/json %#v", text, got, want)
		}
	}
}

func randomValue(r *rand.Rand, depth int) any {
	strs := []string{"", "a", "é", "\u2028", "\"\\/", "\n\t\x01", "日本", "<&>"}
	switch n := r.IntN(7); {
	case n == 0:
		return nil
	case n == 1:
		return r.IntN(2) == 0
	case n == 2:
		return r.NormFloat64() * 1e6
	case n < 5 || depth > 3:
		return strs[r.IntN(len(strs))]
	case n == 5:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	default:
		m := map[string]any{}
		for range r.IntN(5) {
			m[strs[r.IntN(len(strs))]] = randomValue(r, depth+1)
		}
		return m
	}
}

func TestAppendUnquote(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`"\u0073ecret"`, "secret", true},
		{`"a\"b"`, `a"b`, true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"abc`, "", false},
		{`"a"b"`, "", false},
		{`abc`, "", false},
		{`"\q"`, "", false},
	} {
		got, ok := AppendUnquote([]byte("x"), []byte(tc.in))
		if want := "x" + tc.want; string(got) != want || ok != tc.ok {
			t.Errorf("AppendUnquote(x, %q) = %q, %v; want %q, %v", tc.in, got, ok, want, tc.ok)
		}
	}
}

// A scan stops soon after its context is done.
func TestScanStopsWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := []byte("[" + strings.Repeat(`"x",`, 100_000) + `"x"]`)
	for _, decode := range []bool{false, true} {
		if d := Scan(ctx, body, decode); !errors.Is(d.Err, context.Canceled) {
			t.Errorf("decode=%v: err = %v, want context.Canceled", decode, d.Err)
		}
	}
	if d := Scan(ctx, []byte(`{"small":1}`), true); d.Err != nil {
		t.Errorf("a body under 64 KiB is read whole: %v", d.Err)
	}
}

// ValidUTF8 is utf8.Valid of the document, from the scan when it read the
// whole document: a string that is not UTF-8 anywhere (a key, a value, the
// last one), and data after the value or a syntax error read again.
func TestValidUTF8(t *testing.T) {
	for _, data := range []string{
		`{"a":"plain"}`, `{"a":"é","b":["ü"]}`, "{\"a\":\"\xff\"}", "{\"\xc3\":1}", "[\"ok\",\"\xed\xa0\x80\"]",
		"{\"a\":1} \xff", "{\"a\":\xff}", "{\"a\":\"\xff", `"\u00ff"`,
	} {
		for _, decode := range []bool{false, true} {
			if got, want := Scan(context.Background(), []byte(data), decode).ValidUTF8([]byte(data)), utf8.Valid([]byte(data)); got != want {
				t.Errorf("%q (decode %v): ValidUTF8 %v, utf8.Valid %v", data, decode, got, want)
			}
		}
	}
}

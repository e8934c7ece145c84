package openapi

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// encodingJSON is what MarshalJSON must write: encoding/json without HTML
// escaping and without the newline.
func encodingJSON(t *testing.T, v any) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// The writer of JSON values must write every value byte for byte as
// encoding/json does: the harness replays bytes on the wire.
func TestAppendValueIsEncodingJSON(t *testing.T) {
	var odd []string
	for b := range 256 {
		odd = append(odd, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	odd = append(odd, "\u2028", "\u2029", "é", "日本", "\xf0\x9f\x98", "😀", "<&>", `"\`, "", "\u007f", "\ufffd")
	numbers := []string{"0", "-0", "1.50", "2e10", "-3.1E-7", "12345678901234567890", ""}
	r := rand.New(rand.NewPCG(1, 2))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch n := r.IntN(8); {
		case n == 0:
			return nil
		case n == 1:
			return r.IntN(2) == 0
		case n == 2:
			return json.Number(numbers[r.IntN(len(numbers))])
		case n < 5 || depth > 3:
			return odd[r.IntN(len(odd))] + odd[r.IntN(len(odd))]
		case n == 5:
			a := make([]any, r.IntN(4))
			for i := range a {
				a[i] = gen(depth + 1)
			}
			return a
		default:
			m := make(map[string]any)
			for range r.IntN(12) {
				m[odd[r.IntN(len(odd))]+odd[r.IntN(len(odd))]] = gen(depth + 1)
			}
			return m
		}
	}
	for i := range 2000 {
		v := gen(0)
		want, err := encodingJSON(t, v)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendValue(nil, v)
		if !ok {
			t.Fatalf("value %d: not written", i)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("value %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, v := range []any{map[string]any(nil), []any(nil), map[string]any{}, []any{}} {
		got, err := MarshalJSON(v)
		want, _ := encodingJSON(t, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s, %v; want %s", v, got, err, want)
		}
	}
}

// Values that are not JSON values of encoding/json's decoding go to
// encoding/json, which writes them or says why not.
func TestMarshalJSONFallsBack(t *testing.T) {
	got, err := MarshalJSON(map[string]any{"f": 1.5, "s": struct {
		B string `json:"b"`
		A int    `json:"a"`
	}{"<", 1}})
	if err != nil || string(got) != `{"f":1.5,"s":{"b":"<","a":1}}` {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := MarshalJSON(map[string]any{"n": json.Number("1x")}); err == nil || !strings.Contains(err.Error(), "invalid number literal") {
		t.Errorf("invalid json.Number: err = %v", err)
	}
}

// decoder must give what encoding/json gives, or leave the body to it.
func TestDecoderIsEncodingJSON(t *testing.T) {
	texts := []string{
		`{}`, `[]`, `""`, `0`, `-0.5e+3`, `true`, `null`, ` {"a" : [1, 2 ,{"b":null}], "c":"\u00e9\n\/\"\\"} `,
		`{"a":1}x`, `truex`, `1x`, `1-2`, `01`, `{"a":1,}`, `[1,]`, `{"a"}`, `"\ud83d\ude00"`, `"\ud800"`, `"a` + "\x01" + `"`,
		"\"\xff\"", `"\u0000"`, `{"a":1,"a":2}`, `[` + strings.Repeat("[", 1200) + `]`, ``, ` `, `"\x"`, `"\u12"`, `-`, `1.`, `1e`, `nul`,
	}
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{`{`, `}`, `[`, `]`, `,`, `:`, `"k"`, `"é\t"`, `"\u2028"`, `1`, `-2.5E-3`, `true`, `null`, ` `, `"\\"`, `"\ud83d\ude00"`}
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for range 500 { // well-formed ones, written by encoding/json from random values
		v := randomValue(r, 0)
		data, _ := json.Marshal(v)
		texts = append(texts, string(data))
	}
	for _, text := range texts {
		d := decoder{data: []byte(text)}
		got, ok := d.value(0)
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var want any
		err := dec.Decode(&want)
		if !ok {
			continue // left to encoding/json
		}
		if err != nil {
			t.Errorf("%q: decoder took it, encoding/json says %v", text, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: decoder %#v, encoding/json %#v", text, got, want)
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

package jsonvalue

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// encodingJSON is what Marshal must write: encoding/json without HTML
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
		got, err := Marshal(v)
		want, _ := encodingJSON(t, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s, %v; want %s", v, got, err, want)
		}
	}
}

// Values that are not JSON values of encoding/json's decoding go to
// encoding/json, which writes them or says why not.
func TestMarshalFallsBack(t *testing.T) {
	got, err := Marshal(map[string]any{"f": 1.5, "s": struct {
		B string `json:"b"`
		A int    `json:"a"`
	}{"<", 1}})
	if err != nil || string(got) != `{"f":1.5,"s":{"b":"<","a":1}}` {
		t.Errorf("got %s, %v", got, err)
	}
	if _, err := Marshal(map[string]any{"n": json.Number("1x")}); err == nil || !strings.Contains(err.Error(), "invalid number literal") {
		t.Errorf("invalid json.Number: err = %v", err)
	}
}

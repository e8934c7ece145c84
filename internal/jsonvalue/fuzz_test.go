package jsonvalue

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan builds objects of many keys, some written with escapes, some
// repeated under another spelling, with a fuzzed value inside, and holds
// Scan to encoding/json (what is JSON, and its value) and to a naive
// reference for duplicates (each key compared with every other one of its
// object, after encoding/json has decoded it). The fuzzed bytes are also
// scanned alone. CI runs it briefly:
//
//	go test ./internal/jsonvalue -run '^$' -fuzz '^FuzzScan$' -fuzztime 5s
func FuzzScan(f *testing.F) {
	f.Add(uint16(40), uint8(1), uint16(7), []byte(`{"a":[1,{"b":2,"\u0062":3}]}`))
	f.Add(uint16(3), uint8(0), uint16(999), []byte(`"\ud83d\ude00"`))
	f.Add(uint16(1000), uint8(2), uint16(500), []byte(`1} x`))
	f.Add(uint16(17), uint8(255), uint16(16), []byte("\"\xff\""))
	f.Fuzz(func(t *testing.T, keys uint16, escapeEvery uint8, dupAt uint16, value []byte) {
		n := int(keys % 2048)
		var b bytes.Buffer
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(&b, i, escapeEvery > 0 && i%int(escapeEvery) == 0, i)
			if i == 0 {
				b.Write(value)
			} else {
				b.WriteByte('1')
			}
		}
		if int(dupAt) < n {
			b.WriteByte(',')
			writeKey(&b, int(dupAt), !(escapeEvery > 0 && int(dupAt)%int(escapeEvery) == 0), int(dupAt)+n)
			b.WriteString("2")
		}
		b.WriteByte('}')
		checkScan(t, b.Bytes())
		checkScan(t, value)
	})
}

// writeKey writes "k<i>": with an escape, one of several spellings.
func writeKey(b *bytes.Buffer, i int, escaped bool, variant int) {
	switch {
	case !escaped:
		fmt.Fprintf(b, `"k%d":`, i)
	case variant%3 == 0:
		fmt.Fprintf(b, `"\u006b%d":`, i)
	case variant%3 == 1:
		fmt.Fprintf(b, `"\u006B%d":`, i)
	default:
		s := fmt.Sprintf("k%d", i)
		fmt.Fprintf(b, `"k\u00%x%s":`, s[1], s[2:])
	}
}

func checkScan(t *testing.T, data []byte) {
	t.Helper()
	check, decoded := Scan(context.Background(), data, false), Scan(context.Background(), data, true)
	if check.Duplicate != decoded.Duplicate || check.Path != decoded.Path || check.Trailing != decoded.Trailing || (check.Err == nil) != (decoded.Err == nil) {
		t.Fatalf("%.200q: without decoding %+v, decoding %+v", data, check, decoded)
	}
	if decoded.Valid() != json.Valid(data) || Valid(data) != json.Valid(data) {
		t.Fatalf("%.200q: Doc.Valid %v, Valid %v, json.Valid %v (%+v)", data, decoded.Valid(), Valid(data), json.Valid(data), decoded)
	}
	if check.ValidUTF8(data) != utf8.Valid(data) || decoded.ValidUTF8(data) != utf8.Valid(data) {
		t.Fatalf("%.200q: Doc.ValidUTF8 %v (%v decoding), utf8.Valid %v", data, check.ValidUTF8(data), decoded.ValidUTF8(data), utf8.Valid(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); (err == nil) != (decoded.Err == nil) {
		t.Fatalf("%.200q: Scan err %v, encoding/json %v", data, decoded.Err, err)
	} else if err == nil && !reflect.DeepEqual(decoded.Value, want) {
		t.Fatalf("%.200q: Scan %#v, encoding/json %#v", data, decoded.Value, want)
	}
	if decoded.Err != nil {
		return
	}
	dup, path := naiveDuplicate(t, data)
	if dup != decoded.Duplicate || path != decoded.Path {
		t.Fatalf("%.200q: Scan finds duplicate %v %q; the naive reference %v %q", data, decoded.Duplicate, decoded.Path, dup, path)
	}
}

// naiveDuplicate finds the first duplicate key of data's first value with
// encoding/json's tokens, comparing each key with every earlier one of its
// object.
func naiveDuplicate(t *testing.T, data []byte) (bool, string) {
	type frame struct {
		object bool
		keys   []string
		key    bool // the next string is a key
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false, ""
		}
		if err != nil {
			t.Fatalf("%.200q: encoding/json's tokens: %v", data, err)
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}
		if k, ok := tok.(string); ok && top() != nil && top().object && top().key {
			fr := top()
			for _, prev := range fr.keys {
				if prev == k {
					var path []string
					for _, f := range stack {
						if f.object {
							path = append(path, f.keys[len(f.keys)-1])
						}
					}
					path[len(path)-1] = k
					return true, strings.Join(path, ".")
				}
			}
			fr.keys = append(fr.keys, k)
			fr.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if fr := top(); fr != nil && fr.object {
			fr.key = true // a value ended: a key comes next
		}
		if len(stack) == 0 {
			return false, "" // the first value is read
		}
	}
}

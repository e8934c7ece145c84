package recording_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/recording"
)

// A file is indented, its keys sorted, its bodies as written (no \u003c),
// and it reads back as the exchange written, but for its URL.
func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	x := recording.Exchange{
		Scenario: "acme.read_after_write/x.Get.001", Vendor: "Acme", Operation: "Get", Method: "GET", Path: "/things/{id}",
		PathParams: map[string]string{"id": "7"}, Query: map[string][]string{"q": {"a", "b"}},
		Status: 200, Headers: map[string]string{"Content-Type": "application/json"},
		ResponseBody: recording.Body([]byte(`{"z":1.50,"a":"<b>"}`)), URL: "http://127.0.0.1:1/things/7",
	}
	if err := recording.Write(dir, x); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "acme.read_after_write_x.Get.001.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "scenario": "acme.read_after_write/x.Get.001",
  "vendor": "Acme",
  "operation": "Get",
  "method": "GET",
  "path": "/things/{id}",
  "path_params": {
    "id": "7"
  },
  "query": {
    "q": [
      "a",
      "b"
    ]
  },
  "status": 200,
  "headers": {
    "Content-Type": "application/json"
  },
  "response_body": {
    "a": "<b>",
    "z": 1.50
  }
}
`
	if string(data) != want {
		t.Errorf("file:\n%s\nwant:\n%s", data, want)
	}
	got, err := recording.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	back := got[x.Scenario]
	x.URL = ""
	// The body is indented in the file; compare it as JSON.
	if !jsonEqual(back.ResponseBody, x.ResponseBody) {
		t.Errorf("body read back %s, want %s", back.ResponseBody, x.ResponseBody)
	}
	back.ResponseBody, x.ResponseBody = nil, nil
	if len(got) != 1 || !reflect.DeepEqual(back, x) {
		t.Errorf("read back %+v, want %+v", got, x)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	return json.Compact(&x, a) == nil && json.Compact(&y, b) == nil && x.String() == y.String()
}

func TestBody(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" \n", ""},
		{`{"b":[1,2.0],"a":{"d":null,"c":true}}`, `{"a":{"c":true,"d":null},"b":[1,2.0]}`},
		{`not json <`, `"not json <"`},
		{`{"a":1} {"b":2}`, `"{\"a\":1} {\"b\":2}"`},
	} {
		if got := string(recording.Body([]byte(tc.in))); got != tc.want {
			t.Errorf("Body(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Observed takes both bodies through the redactor, each with its own
// Content-Type and the operation's credentials flag, and keeps of the
// answer's headers Content-Type and the declared ones, masked.
func TestObserved(t *testing.T) {
	type call struct {
		body, contentType string
		credentials       bool
	}
	var calls []call
	r := recording.Redactor{
		Body: func(body []byte, contentType string, credentials bool) ([]byte, bool) {
			calls = append(calls, call{string(body), contentType, credentials})
			return bytes.ReplaceAll(body, []byte("s3cret"), []byte("[redacted]")), true
		},
		Headers: func(h http.Header) http.Header {
			out := h.Clone()
			if out.Get("X-Token") != "" {
				out.Set("X-Token", "[redacted]")
			}
			return out
		},
	}
	reqHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Bearer s3cret"}}
	header := http.Header{"Content-Type": {"application/json"}, "X-Token": {"s3cret"}, "X-Request-Id": {"r1"}, "X-Other": {"o"}}
	x := recording.Observed(recording.Exchange{Scenario: "s"}, r, true, reqHeader, []byte("key=s3cret"),
		header, []byte(`{"token":"s3cret"}`), []string{"x-token", "X-Request-Id", "X-Missing"})
	wantCalls := []call{{"key=s3cret", "application/x-www-form-urlencoded", true}, {`{"token":"s3cret"}`, "application/json", true}}
	if !reflect.DeepEqual(calls, wantCalls) {
		t.Errorf("redactor calls %+v, want %+v", calls, wantCalls)
	}
	if string(x.RequestBody) != `"key=[redacted]"` || string(x.ResponseBody) != `{"token":"[redacted]"}` {
		t.Errorf("bodies %s and %s", x.RequestBody, x.ResponseBody)
	}
	wantHeaders := map[string]string{"Content-Type": "application/json", "X-Token": "[redacted]", "X-Request-Id": "r1"}
	if !reflect.DeepEqual(x.Headers, wantHeaders) || x.Scenario != "s" {
		t.Errorf("headers %v, want %v (scenario %q)", x.Headers, wantHeaders, x.Scenario)
	}
}

func TestReadRefuses(t *testing.T) {
	write := func(files map[string]string) string {
		dir := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty", map[string]string{"notes.txt": "x"}, "holds no recorded exchange (*.json)"},
		{"not JSON", map[string]string{"a.json": "{"}, "a.json: not a recorded exchange: "},
		{"no scenario", map[string]string{"a.json": `{"status":200}`}, "a.json: not a recorded exchange: no scenario"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recording.Read(write(tc.files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := recording.Read(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a directory that does not exist was read")
	}
}

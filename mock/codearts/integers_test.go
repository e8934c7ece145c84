package codearts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/codearts"
)

// docExample is seed 002's example request, as the page prints it, but for
// its trailing comma (which no JSON reader takes).
const docExample = `{
"project_uuid": "4838955a48e2492bbe44b31bc4c272f6",
"name": "demotest1",
"import_members": "0",
"visibility_level": "20"
}`

func TestCoerceIntegers(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // the body returned
		err        string // "" for none
	}{
		{"the doc's example", docExample, `{
"project_uuid": "4838955a48e2492bbe44b31bc4c272f6",
"name": "demotest1",
"import_members": 0,
"visibility_level": 20
}`, ""},
		{"numbers as the SDK sends them", `{"visibility_level":20,"import_members":0,"license_id":-3}`, `{"visibility_level":20,"import_members":0,"license_id":-3}`, ""},
		{"every integer field", `{"import_members":"1","visibility_level":"0","license_id":"5","enable_readme":"1","group_id":"12"}`,
			`{"import_members":1,"visibility_level":0,"license_id":5,"enable_readme":1,"group_id":12}`, ""},
		{"leading zeros and signs", `{"license_id":"007","group_id":"-0","enable_readme":"-012"}`, `{"license_id":7,"group_id":0,"enable_readme":-12}`, ""},
		{"whole numbers written otherwise", `{"visibility_level":20.0,"license_id":1E2,"group_id":-2e1}`, `{"visibility_level":20,"license_id":100,"group_id":-20}`, ""},
		{"an escaped digit string", `{"visibility_level":"\u0032\u0030"}`, `{"visibility_level":20}`, ""},
		{"digits beyond int64", `{"license_id":"99999999999999999999"}`, `{"license_id":99999999999999999999}`, ""},
		{"spacing kept", "{ \"visibility_level\" :\t\"20\" , \"name\" : \"a\" }", "{ \"visibility_level\" :\t20 , \"name\" : \"a\" }", ""},
		{"other fields keep their strings", `{"name":"123","template_id":"7","description":"20"}`, `{"name":"123","template_id":"7","description":"20"}`, ""},
		{"nested names are not fields", `{"caller":{"visibility_level":"20"}}`, `{"caller":{"visibility_level":"20"}}`, ""},
		{"a key twice stays twice", `{"visibility_level":"20","visibility_level":"0"}`, `{"visibility_level":20,"visibility_level":0}`, ""},
		{"not an object", `["20"]`, `["20"]`, ""},
		{"not JSON", `{"visibility_level":"20"`, `{"visibility_level":"20"`, ""},
		{"empty", ``, ``, ""},
		{"a word", `{"visibility_level":"public"}`, "", "visibility_level: must be an integer"},
		{"a fraction", `{"license_id":1.5}`, "", "license_id: must be an integer"},
		{"a decimal string", `{"license_id":"1.0"}`, "", "license_id: must be an integer"},
		{"an exponent string", `{"license_id":"1e3"}`, "", "license_id: must be an integer"},
		{"a lone minus", `{"group_id":"-"}`, "", "group_id: must be an integer"},
		{"beyond float64", `{"license_id":1e400}`, "", "license_id: must be an integer"},
		{"true, null, [], {}", `{"import_members":true,"visibility_level":null,"enable_readme":[],"group_id":{}}`, "",
			"import_members: must be an integer; visibility_level: must be an integer; enable_readme: must be an integer; group_id: must be an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := codearts.CoerceIntegers([]byte(tt.body))
			if tt.err != "" {
				var ce *codearts.Error
				if !errors.As(err, &ce) || ce.StatusCode() != http.StatusBadRequest || ce.Code != codearts.CodeParamInvalid || ce.Message != tt.err {
					t.Fatalf("err = %v, want 400 CH.010001 %q", err, tt.err)
				}
				if string(got) != tt.body {
					t.Errorf("a refused body came back changed: %s", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("body\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// withBodyHook stands in for the hook the server still lacks (see
// CheckIntegers): the validator reads the body CoerceIntegers returns.
func withBodyHook(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/repositories" {
			data, _ := io.ReadAll(r.Body)
			if coerced, err := codearts.CoerceIntegers(data); err == nil {
				data = coerced
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		}
		h.ServeHTTP(w, r)
	})
}

// Seed 002's own example is accepted once CoerceIntegers runs before the
// validator, and its digit strings are stored as numbers.
func TestDocExampleBody(t *testing.T) {
	fake := newFake(nil)
	h := withBodyHook(serve(t, fake))
	r := do(t, h, http.MethodPost, "/v1/repositories", docExample)
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d %s, want 200", r.status, r.body)
	}
	var created struct {
		Result struct {
			RepositoryUUID string `json:"repository_uuid"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.body), &created); err != nil {
		t.Fatal(err)
	}
	shown := do(t, h, http.MethodGet, "/v2/repositories/"+created.Result.RepositoryUUID, "")
	if !strings.Contains(shown.body, `"visibility_level":20,`) {
		t.Errorf("read back %s, want visibility_level the number 20", shown.body)
	}
	snap, err := fake.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(snap), `"visibility_level":20,`) {
		t.Errorf("stored %s, want visibility_level the number 20", snap)
	}
	// Without the hook, the server's wiring today: only the verdict.
	if r := do(t, serve(t, newFake(nil)), http.MethodPost, "/v1/repositories", strings.Replace(docExample, `"20"`, `"twenty"`, 1)); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, "visibility_level: must be an integer") {
		t.Errorf("a word for visibility_level: HTTP %d %s, want 400 must be an integer", r.status, r.body)
	}
}

func ExampleCoerceIntegers() {
	body, err := codearts.CoerceIntegers([]byte(`{"name":"demotest1","import_members":"0","visibility_level":"20"}`))
	fmt.Println(string(body), err)
	_, err = codearts.CoerceIntegers([]byte(`{"name":"demotest1","visibility_level":"public"}`))
	fmt.Println(err)
	// Output:
	// {"name":"demotest1","import_members":0,"visibility_level":20} <nil>
	// codearts: HTTP 400 CH.010001: visibility_level: must be an integer
}

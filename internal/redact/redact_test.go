package redact_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/specs"
)

func TestBody(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	cases := []struct {
		name        string
		body, ct    string
		credentials bool
		want        string
		isJSON      bool
	}{
		{"no secret", `{"meta":{"name":"main"},"next_page_token":"p2"}`, "", false, `{"meta":{"name":"main"},"next_page_token":"p2"}`, true},
		{"the API key pair", `{"key":"endr+k1","secret":"s3cr3t"}`, "", true, `{"key":"[redacted]","secret":"[redacted]"}`, true},
		{"the token", `{"token":"eyJhbGciOi","expiration_time":"x"}`, "", true, `{"token":"[redacted]","expiration_time":"x"}`, true},
		{"names compared without case, _ or -", `{"API_KEY":"a","clientSecret":"b","Access-Token":"c","password":"d"}`, "", false,
			`{"API_KEY":"[redacted]","clientSecret":"[redacted]","Access-Token":"[redacted]","password":"[redacted]"}`, true},
		{"an escaped name", `{"\u0073ecret":"s3cr3t","k\u0065y":"k1"}`, "", true, `{"\u0073ecret":"[redacted]","k\u0065y":"[redacted]"}`, true},
		{"the Kelvin sign folds to k", "{\"\u212aey\":\"k1\"}", "", false, "{\"\u212aey\":\"[redacted]\"}", true},
		{"an array", `{"secret":["s3","cr3t"],"n":1}`, "", false, `{"secret":"[redacted]","n":1}`, true},
		{"an object", `{"password":{"user":"u","value":"p"},"n":1}`, "", false, `{"password":"[redacted]","n":1}`, true},
		{"a number and a literal", `{"key":12345, "token" : true}`, "", false, `{"key":"[redacted]", "token" : "[redacted]"}`, true},
		{"nested, and twice", `{"a":[{"token":"t1"},{"b":{"token":"t2"}}],"token":"t3","token":"t4"}`, "", false,
			`{"a":[{"token":"[redacted]"},{"b":{"token":"[redacted]"}}],"token":"[redacted]","token":"[redacted]"}`, true},
		{"a secret name as a value is not a field", `{"name":"secret","note":"key: x"}`, "", false, `{"name":"secret","note":"key: x"}`, true},
		{"a quote inside a string", `{"note":"a\":\"secret\":\"b","secret":"s"}`, "", false, `{"note":"a\":\"secret\":\"b","secret":"[redacted]"}`, true},
		{"JSON with data after it", `{"key":"k1","secret":"s3cr3t"}x`, "", false, `{"key":"[redacted]","secret":"[redacted]"}x`, false},
		{"JSON with a syntax error", `{"secret":"s3cr3t",}`, "", false, `{"secret":"[redacted]",}`, false},
		{"the start of a body, cut in a secret", `{"n":1,"secret":"s3cr`, "", false, `{"n":1,"secret":"[redacted]"`, false},
		{"cut in an array", `{"secret":["s3cr3t","ot`, "", false, `{"secret":"[redacted]"`, false},
		{"cut after the colon", `{"secret": `, "", false, `{"secret": `, false},
		{"a form", "key=endr%2Bk1&secret=s3cr3t&name=x", form, false, "key=[redacted]&secret=[redacted]&name=x", false},
		{"a form, escaped name", "n=1&s%65cret=s3cr3t&", form, false, "n=1&s%65cret=[redacted]&", false},
		{"a form sent as JSON", "key=k1&secret=s3cr3t", "application/json", false, "key=[redacted]&secret=[redacted]", false},
		{"a form without secrets", "a=1&b=2", form, false, "a=1&b=2", false},
		{"an auth body that is not JSON", "key=k1&secret=s3cr3t", form, true, "<redacted: 20 bytes>", false},
		{"an auth body with data after the JSON", `{"key":"k1","secret":"s3cr3t"}x`, "", true, "<redacted: 31 bytes>", false},
		{"an auth body that is text", "k1:s3cr3t", "text/plain", true, "<redacted: 9 bytes>", false},
		{"text", "hello", "text/plain", false, "hello", false},
	}
	for _, tc := range cases {
		got, isJSON := redact.Body([]byte(tc.body), tc.ct, tc.credentials)
		if string(got) != tc.want || isJSON != tc.isJSON {
			t.Errorf("%s: Body(%q) = %q, JSON %v; want %q, JSON %v", tc.name, tc.body, got, isJSON, tc.want, tc.isJSON)
		}
		// Redact gives the same, reading the body to tell whether it is
		// JSON only where that decides how it is redacted.
		got, isJSON, known := (*redact.Rules)(nil).Redact([]byte(tc.body), tc.ct, tc.credentials)
		if string(got) != tc.want || known && isJSON != tc.isJSON || !known && (tc.credentials || tc.ct == form) {
			t.Errorf("%s: Redact(%q) = %q, JSON %v (known %v); want %q, JSON %v", tc.name, tc.body, got, isJSON, known, tc.want, tc.isJSON)
		}
	}
}

// Redact reads a body that exchanges no credentials once: it does not
// check that it is JSON (nor allocate, when it holds no secret).
func TestRedactReadsOnce(t *testing.T) {
	body := []byte(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`)
	if _, _, known := (*redact.Rules)(nil).Redact(body, "application/json", false); known {
		t.Error("Redact read a JSON body to tell that it is JSON: not needed to redact it")
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = (*redact.Rules)(nil).Redact(body, "application/json", false) }); n != 0 {
		t.Errorf("Redact allocates %v times for a body without secrets", n)
	}
}

// A body without secrets is returned as it is, without a copy.
func TestBodyWithoutSecretsIsNotCopied(t *testing.T) {
	body := []byte(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = redact.Body(body, "application/json", false) }); n != 0 {
		t.Errorf("Body allocates %v times for a body without secrets", n)
	}
}

func TestHeaders(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer t"}, "X-Auth-Token": {"iam"}, "X-Api-Key": {"k"}, "Content-Type": {"application/json"}}
	got := redact.Headers(h)
	for k, want := range map[string]string{"Authorization": redact.Mark, "X-Auth-Token": redact.Mark, "X-Api-Key": redact.Mark, "Content-Type": "application/json"} {
		if got.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, got.Get(k), want)
		}
	}
	if h.Get("Authorization") != "Bearer t" {
		t.Error("Headers changed the headers it was given")
	}
	plain := http.Header{"Content-Type": {"application/json"}}
	if got := redact.Headers(plain); got.Get("Content-Type") != "application/json" {
		t.Errorf("no credentials: %v", got)
	}
}

// Of the operations the vendors' specs declare, the API-key exchange is
// the one that exchanges credentials.
func TestCredentials(t *testing.T) {
	var found []string
	for _, name := range specs.All() {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if redact.Credentials(op) {
					found = append(found, op.OperationID)
				}
			}
		}
	}
	if strings.Join(found, ",") != "AuthenticationService_GetAPIKeyToken" {
		t.Errorf("operations that exchange credentials: %v, want AuthenticationService_GetAPIKeyToken", found)
	}
}

// Rules add a vendor's secret names to the built-in ones, compared as
// those are (any case for a header; no case, _ or - for a field), and
// take nothing away from them.
func TestRules(t *testing.T) {
	r := redact.NewRules([]string{"x-toy-key"}, []string{"pin_code"})
	h := http.Header{"X-Toy-Key": {"k"}, "Authorization": {"Bearer t"}, "X-Other": {"o"}}
	got := r.Headers(h)
	if got.Get("X-Toy-Key") != redact.Mark || got.Get("Authorization") != redact.Mark || got.Get("X-Other") != "o" {
		t.Errorf("Headers = %v", got)
	}
	if redact.Headers(h).Get("X-Toy-Key") != "k" {
		t.Error("the package's Headers redacts a vendor's header")
	}
	body, isJSON := r.Body([]byte(`{"PinCode":"1234","password":"p","name":"n"}`), "application/json", false)
	if want := `{"PinCode":"[redacted]","password":"[redacted]","name":"n"}`; string(body) != want || !isJSON {
		t.Errorf("Body = %s %v, want %s", body, isJSON, want)
	}
	if got := r.KnownBody([]byte(`pin-code=1&x=2`), "application/x-www-form-urlencoded", false, false); string(got) != "pin-code=[redacted]&x=2" {
		t.Errorf("KnownBody(form) = %s", got)
	}
	if redact.Name("pin_code") || !r.Name("PIN-CODE") {
		t.Error("Name: a vendor's field is the vendor's rules' alone")
	}
}

package vendorstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// JSONEqual compares two JSON texts as values, so that a vendor body is
// compared whole.
func JSONEqual(t testing.TB, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got: %s\nwant: %s", gb, wb)
	}
}

// Get reads a dot path out of a decoded JSON object.
func Get(m map[string]any, path string) any {
	var v any = m
	for _, seg := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[seg]
	}
	return v
}

// WriteFile writes content to dir/name.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Want fails unless r has the status.
func Want(t testing.TB, what string, r Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d, want %d: %.500s", what, r.Status, status, r.Raw)
	}
}

// Want4xx fails unless r is a client error in one of the vendors' error
// envelopes kinds (Envelope).
func Want4xx(t testing.TB, what string, r Response, kinds ...string) {
	t.Helper()
	if r.Status < 400 || r.Status > 499 && r.Status != http.StatusNotImplemented {
		t.Fatalf("%s: %d, want a 4xx: %.500s", what, r.Status, r.Raw)
	}
	got := Envelope([]byte(r.Raw))
	for _, k := range kinds {
		if got == k {
			return
		}
	}
	t.Fatalf("%s: %d body is not in the %v envelope: %.500s", what, r.Status, kinds, r.Raw)
}

// EscapeRisk reports whether a fuzzed path value may be read otherwise
// than sent: it holds a '%' or is not UTF-8.
func EscapeRisk(s string) bool { return strings.Contains(s, "%") || !utf8.ValidString(s) }

// FuzzStrict is REPOMOCK_FUZZ_STRICT=1: a path parameter must reach the
// fake exactly as the client encoded it (no second percent-decoding, no
// invalid UTF-8 accepted).
func FuzzStrict() bool { return os.Getenv("REPOMOCK_FUZZ_STRICT") == "1" }

// secretBodies are the ways issue 21 (finding 5) got a secret past the
// redaction, each sent to Endor's API-key exchange: an escaped field name,
// a secret sent as an array, a form, a JSON body with data after it, and a
// secret across the journal's cut (4 KiB with JournalMaxBytes 64 KiB).
// Every secret holds "leak".
func SecretBodies() []struct{ ContentType, Body string } {
	return []struct{ ContentType, Body string }{
		{"application/json", `{"key":"k-leak-1","\u0073ecret":"s-leak-1"}`},
		{"application/json", `{"key":"k-leak-2","secret":["s-leak-2a","s-leak-2b"]}`},
		{"application/x-www-form-urlencoded", `key=k-leak-3&secret=s-leak-3`},
		{"application/json", `{"key":"k-leak-4","secret":"s-leak-4"}x`},
		{"application/json", `{"key":"k5","secret":"` + strings.Repeat("x", 4070) + `s-leak-5-across-the-cut"}`},
	}
}

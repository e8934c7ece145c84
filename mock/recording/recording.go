// Package recording is the format of a recording: one JSON file per
// exchange, a request and its answer, in a directory. repomock contract
// --record writes one of every request the contract suite sends; repomock
// proxy --record writes one of every request it forwards; repomock contract
// diff compares two of them, scenario by scenario.
//
// A file is indented with its keys sorted and its bodies canonical, so that
// two recordings diff line by line. A recording holds no secret: Observed
// takes the bodies and headers through the caller's redaction rules. The
// package imports nothing of repomock's, so that the proxy and the contract
// suite share it without depending on each other; the rules are passed in
// (repomock passes internal/redact's, the journal's own).
package recording

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Exchange is one request and its answer, as a recording holds it.
type Exchange struct {
	// Scenario names the exchange stably across runs of one seed:
	// vendor.check.operation.NNN (NNN counts within the scope).
	Scenario string `json:"scenario"`
	// Seed is the seed of the contract suite's run that sent it (its
	// generated requests, its names); 0 for the proxy's. Two recordings
	// of different seeds differ wherever a generated value is sent.
	Seed      uint64 `json:"seed,omitempty"`
	Vendor    string `json:"vendor"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	// Path is the spec's path template, PathParams its values.
	Path        string              `json:"path"`
	PathParams  map[string]string   `json:"path_params,omitempty"`
	Query       map[string][]string `json:"query,omitempty"`
	RequestBody json.RawMessage     `json:"request_body,omitempty"`
	// Status is 0 when no answer came (Error says why).
	Status int `json:"status"`
	// Headers are the response headers the spec declares, and Content-Type.
	Headers      map[string]string `json:"headers,omitempty"`
	ResponseBody json.RawMessage   `json:"response_body,omitempty"`
	Error        string            `json:"error,omitempty"`
	// URL is the request's full URL (not recorded: the host differs
	// between targets).
	URL string `json:"-"`
}

// Redactor takes the secrets out of what a recording keeps. Both functions
// must be set; their signatures are internal/redact's Body and Headers.
type Redactor struct {
	// Body returns body without its secret values. credentials says the
	// operation exchanges credentials, so that a body of it that is not
	// JSON goes whole. Its second result is not used.
	Body func(body []byte, contentType string, credentials bool) ([]byte, bool)
	// Headers returns h with the values of its credential headers masked.
	Headers func(h http.Header) http.Header
}

// Observed completes x with its bodies and headers as a recording holds
// them: both bodies redacted and canonical (Body), and of the answer's
// headers only Content-Type and those named in declared (the ones the spec
// declares), their credentials masked.
func Observed(x Exchange, r Redactor, credentials bool, requestHeader http.Header, requestBody []byte,
	header http.Header, responseBody []byte, declared []string) Exchange {
	x.RequestBody = redactedBody(r, requestBody, requestHeader, credentials)
	x.ResponseBody = redactedBody(r, responseBody, header, credentials)
	x.Headers = map[string]string{}
	masked := r.Headers(header)
	for _, name := range append([]string{"Content-Type"}, declared...) {
		if v := masked.Get(name); v != "" {
			x.Headers[http.CanonicalHeaderKey(name)] = v
		}
	}
	return x
}

func redactedBody(r Redactor, body []byte, header http.Header, credentials bool) json.RawMessage {
	redacted, _ := r.Body(body, header.Get("Content-Type"), credentials)
	return Body(redacted)
}

// Body is body as a recording holds it: JSON with its keys sorted and its
// numbers as written, or, when body is not one JSON value, body as a JSON
// string; nil when body is empty.
func Body(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		if out, err := marshal(v, ""); err == nil {
			return out
		}
	}
	out, _ := marshal(string(body), "")
	return out
}

// marshal encodes v as written (no \u003c for <), indented when indent is
// set, without a final newline.
func marshal(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Write writes x to dir as <scenario>.json: indented, keys sorted, so that
// two recordings diff line by line. A '/', '\' or ' ' of the scenario is
// written '_'.
func Write(dir string, x Exchange) error {
	data, err := marshal(x, "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fileName(x.Scenario)), append(data, '\n'), 0o644)
}

func fileName(scenario string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' {
			return '_'
		}
		return r
	}, scenario) + ".json"
}

// Read reads every exchange of the recording in dir, by scenario. A *.json
// file that is not an exchange, or a directory with none, is an error.
func Read(dir string) (map[string]Exchange, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]Exchange{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var x Exchange
		if err := json.Unmarshal(data, &x); err != nil {
			return nil, fmt.Errorf("%s: not a recorded exchange: %v", filepath.Join(dir, e.Name()), err)
		}
		if x.Scenario == "" {
			return nil, fmt.Errorf("%s: not a recorded exchange: no scenario", filepath.Join(dir, e.Name()))
		}
		out[x.Scenario] = x
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no recorded exchange (*.json)", dir)
	}
	return out, nil
}

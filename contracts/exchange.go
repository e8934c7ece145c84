package contracts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/repomock/repomock/internal/redact"
)

// Exchange is one request of a run and its answer, as --record writes it:
// what a fidelity diff compares between the vendor and repomock.
type Exchange struct {
	// Scenario names the exchange stably across runs of one seed:
	// vendor.check.operation.NNN (NNN counts within the scope).
	Scenario  string `json:"scenario"`
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

// scenario names the next exchange of op in the current scope.
func (s *suite) scenario(op *operation) string {
	parts := append([]string{op.vendor.key}, s.scope...)
	if len(s.scope) < 2 || s.scope[len(s.scope)-1] != op.id {
		parts = append(parts, op.id)
	}
	prefix := strings.Join(parts, ".")
	s.scenarios[prefix]++
	return fmt.Sprintf("%s.%03d", prefix, s.scenarios[prefix])
}

// observe hands an exchange to Target.Observe.
func (s *suite) observe(scenario string, op *operation, req request, hr *http.Request, body []byte, x *exchange, err error) {
	if s.target.Observe == nil {
		return
	}
	credentials := redact.Credentials(op.route.Operation)
	e := Exchange{
		Scenario: scenario, Vendor: op.vendor.name, Operation: op.id, Method: hr.Method, Path: op.path,
		PathParams: req.params, RequestBody: recordedBody(body, hr.Header, credentials), URL: hr.URL.String(),
	}
	if len(req.query) > 0 {
		e.Query = req.query
	}
	if err != nil {
		e.Error = err.Error()
	}
	if x != nil {
		e.Status = x.status
		e.ResponseBody = recordedBody(x.body, x.header, credentials)
		var names []string
		if resp, ok := declared(x); ok {
			for name := range resp.Headers {
				names = append(names, name)
			}
		}
		e.Headers = recordedHeaders(x.header, names)
	}
	s.target.Observe(e)
}

// canonicalJSON is body with sorted keys and numbers as written, or body
// as a JSON string when it is not JSON; nil when empty.
func canonicalJSON(body []byte) json.RawMessage {
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

// recordedBody is a body as a recording holds it: its secrets redacted
// (the same rules as the journal's: internal/redact), canonical. A
// recording of the real vendors is meant to be kept as a CI artifact.
func recordedBody(body []byte, header http.Header, credentials bool) json.RawMessage {
	redacted, _ := redact.Body(body, header.Get("Content-Type"), credentials)
	return canonicalJSON(redacted)
}

// recordedHeaders are the answer's Content-Type and the headers named, as
// a recording holds them: a credential header's value redacted.
func recordedHeaders(header http.Header, names []string) map[string]string {
	out := map[string]string{}
	for _, name := range append([]string{"Content-Type"}, names...) {
		if v := header.Get(name); v != "" {
			if redact.Header(name) {
				v = redact.Mark
			}
			out[http.CanonicalHeaderKey(name)] = v
		}
	}
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

// WriteExchange writes x to dir as <scenario>.json: indented, keys sorted,
// so that two recordings diff line by line.
func WriteExchange(dir string, x Exchange) error {
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

// ReadRecording reads every exchange a --record run wrote to dir.
func ReadRecording(dir string) (map[string]Exchange, error) {
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

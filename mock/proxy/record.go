package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v4"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/recording"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
)

// recorder writes what went through the proxy to a directory, in two
// forms: one exchange file per request in its exchanges/ directory, as
// `repomock contract --record` writes them (so `repomock contract diff`
// compares the vendor's answers with the mock's to the same requests; a
// directory of their own, so that the fixture loader finds only fixtures
// beside them), and each vendor's fixtures file (endor.yaml, …) of the
// objects the upstream created or returned, which `repomock --fixtures
// DIR` loads: what each vendor keeps is its own Recorder's. Neither holds
// a credential: no request header is kept, and the bodies are redacted as
// the journal's are (recording.Observed, internal/redact).
type recorder struct {
	dir     string // the fixtures
	exchDir string // the exchange files
	log     *slog.Logger
	ops     map[operation]recordedOp

	mu      sync.Mutex
	counts  map[string]int
	vendors map[string]vendor.Recorder // by vendor id
}

// operation names an operation: its vendor's id and its operationId.
type operation struct{ vendor, id string }

// recordedOp is what the recorder needs of an operation's spec.
type recordedOp struct {
	declared    []string      // the response headers the spec declares
	credentials bool          // it exchanges credentials (redact.Credentials)
	rules       *redact.Rules // its vendor's: the usual secrets and the vendor's own
}

// ExchangesDir is the directory of a proxy recording that holds its
// exchange files, for repomock contract diff.
const ExchangesDir = "exchanges"

func newRecorder(dir string, cfg server.Config, vs []vendor.Vendor, log *slog.Logger) (*recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("--record: %s is not empty: give a new or empty directory, so that a recording never mixes two runs", dir)
	}
	r := &recorder{dir: dir, exchDir: filepath.Join(dir, ExchangesDir), log: log, ops: map[operation]recordedOp{},
		counts: map[string]int{}, vendors: map[string]vendor.Recorder{}}
	if err := os.Mkdir(r.exchDir, 0o755); err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	for _, v := range vs {
		r.vendors[v.ID()] = v.Recorder(log)
		sec := v.Secrets()
		rules := redact.NewRules(sec.Headers, sec.Fields)
		doc, err := server.LoadSpec(cfg, v.Spec())
		if err != nil {
			return nil, err
		}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				ro := recordedOp{credentials: rules.Credentials(op), rules: rules}
				seen := map[string]bool{}
				for _, resp := range op.Responses.Map() {
					if resp.Value == nil {
						continue
					}
					for h := range resp.Value.Headers {
						if !seen[h] {
							seen[h] = true
							ro.declared = append(ro.declared, h)
						}
					}
				}
				r.ops[operation{v.ID(), op.OperationID}] = ro
			}
		}
	}
	return r, nil
}

// observe records one forwarded request and the upstream's answer.
func (r *recorder) observe(c echo.Context, v vendor.Vendor, params pipeline.Params, reqBody []byte, raw *pipeline.Raw) {
	req := c.Request()
	st := pipeline.StateOf(c)
	op := st.Operation
	ro := r.ops[operation{v.ID(), op}]
	r.mu.Lock()
	defer r.mu.Unlock()
	scope := v.ID() + ".proxy."
	if st.Session != "" {
		scope += st.Session + "."
	}
	scope += op
	r.counts[scope]++
	x := recording.Exchange{
		Scenario:  fmt.Sprintf("%s.%03d", scope, r.counts[scope]),
		Vendor:    v.Name(),
		Operation: op,
		Method:    req.Method,
		Path:      specPath(c.Path()),
		Status:    raw.Status,
	}
	if len(params) > 0 {
		x.PathParams = params
	}
	if q := req.URL.Query(); len(q) > 0 {
		x.Query = q
	}
	x = recording.Observed(x, recording.Redactor{Body: ro.rules.Body, Headers: ro.rules.Headers}, ro.credentials, req.Header, reqBody, raw.Header, raw.Body, ro.declared)
	if err := recording.Write(r.exchDir, x); err != nil {
		r.log.Error("proxy --record: cannot write the exchange", "err", err)
	}
	if raw.Status/100 != 2 {
		return
	}
	vr := r.vendors[v.ID()]
	if vr.Observe(vendor.Observed{Operation: op, Params: params, Query: req.URL.Query(), RequestBody: reqBody, ResponseBody: raw.Body}) {
		if err := r.writeFixtures(v.ID(), vr.Fixtures()); err != nil {
			r.log.Error("proxy --record: cannot write the fixtures", "vendor", v.ID(), "err", err)
		}
	}
}

// specPath is the spec's path template of an echo route: /a/:b → /a/{b}.
func specPath(echoPath string) string {
	segs := strings.Split(echoPath, "/")
	for i, s := range segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + name + "}"
		}
	}
	return strings.Join(segs, "/")
}

// writeFixtures writes the vendor's fixture file afresh, atomically.
func (r *recorder) writeFixtures(id string, fx any) error {
	data, err := fixtureYAML(fx, id)
	if err != nil {
		return err
	}
	path := filepath.Join(r.dir, server.FixtureName(id))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fixtureYAML writes fx as YAML in its JSON field order, behind a comment
// that says where it came from.
func fixtureYAML(fx any, id string) ([]byte, error) {
	data, err := json.Marshal(fx)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	blockStyle(&doc)
	doc.HeadComment = "Recorded by repomock proxy --record: the " + id + " objects the upstream created or returned.\n" +
		"Load with: repomock --fixtures <this directory>"
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// blockStyle drops the flow style and quotes JSON gave every node, so that
// the file reads as YAML (the encoder quotes what needs it), and the
// fields that are null: absent, as a client leaves them.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		kept := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v := n.Content[i+1]; v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue
			}
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
		n.Content = kept
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode || n.Kind == yaml.ScalarNode {
		n.Style = 0
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 0 || n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		n.Style = yaml.FlowStyle // {} and []
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

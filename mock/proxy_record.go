package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v4"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/codearts"
	"github.com/repomock/repomock/mock/endor"
	"github.com/repomock/repomock/mock/openapi"
	"github.com/repomock/repomock/mock/recording"
	"github.com/repomock/repomock/mock/servicestage"
	"github.com/repomock/repomock/specs"
)

// recorder writes what went through the proxy to a directory, in two
// forms: one exchange file per request in its exchanges/ directory, as
// `repomock contract --record` writes them (so `repomock contract diff`
// compares the vendor's answers with the mock's to the same requests; a
// directory of their own, so that the fixture loader finds only fixtures
// beside them), and the fixture files
// (endor.yaml, codearts.yaml, servicestage.yaml) of the objects the
// upstream created or returned, which `repomock --fixtures DIR` loads.
// Neither holds a credential: no request header is kept, and the bodies
// are redacted as the journal's are (recording.Observed, internal/redact).
type recorder struct {
	dir      string // the fixtures
	exchDir  string // the exchange files
	log      *slog.Logger
	declared map[string][]string // response headers the spec declares, by operationId
	// credentials are the operations that exchange credentials, by
	// operationId (redact.Credentials).
	credentials map[string]bool

	mu       sync.Mutex
	counts   map[string]int
	endor    keyed[endor.FixtureVersion]       // by uuid
	codearts keyed[codearts.FixtureRepository] // by repository_uuid
	stage    keyed[proxiedFile]                // by project, ref and path
}

// ExchangesDir is the directory of a proxy recording that holds its
// exchange files, for repomock contract diff.
const ExchangesDir = "exchanges"

// proxiedFile is a ServiceStage file seen through the proxy.
type proxiedFile struct {
	projectID, namespace, project, ref, path string
	content                                  string // base64
}

func newRecorder(dir string, log *slog.Logger) (*recorder, error) {
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
	r := &recorder{dir: dir, exchDir: filepath.Join(dir, ExchangesDir), log: log, declared: map[string][]string{},
		credentials: map[string]bool{}, counts: map[string]int{}}
	if err := os.Mkdir(r.exchDir, 0o755); err != nil {
		return nil, fmt.Errorf("--record: %w", err)
	}
	for _, name := range []string{specs.Endor, specs.CodeArts, specs.ServiceStage} {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			return nil, err
		}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				r.credentials[op.OperationID] = redact.Credentials(op)
				seen := map[string]bool{}
				for _, resp := range op.Responses.Map() {
					if resp.Value == nil {
						continue
					}
					for h := range resp.Value.Headers {
						if !seen[h] {
							seen[h] = true
							r.declared[op.OperationID] = append(r.declared[op.OperationID], h)
						}
					}
				}
			}
		}
	}
	return r, nil
}

// observe records one forwarded request and the upstream's answer.
func (r *recorder) observe(c echo.Context, v Vendor, params openapi.Params, reqBody []byte, raw *openapi.Raw) {
	req := c.Request()
	op := openapi.OperationID(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	scope := v.ID() + ".proxy."
	if s := sessionOf(c); s != "" {
		scope += s + "."
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
	x = recording.Observed(x, recording.Redactor{Body: redact.Body, Headers: redact.Headers}, r.credentials[op], req.Header, reqBody, raw.Header, raw.Body, r.declared[op])
	if err := recording.Write(r.exchDir, x); err != nil {
		r.log.Error("proxy --record: cannot write the exchange", "err", err)
	}
	if raw.Status/100 != 2 {
		return
	}
	var changed bool
	switch v.ID() {
	case "endor":
		changed = r.endorObjects(op, params, raw.Body)
	case "codearts":
		changed = r.codeartsObjects(op, params, reqBody, raw.Body)
	case "servicestage":
		changed = r.stageObjects(op, params, req.URL.Query(), reqBody, raw.Body)
	}
	if changed {
		if err := r.writeFixtures(v.ID()); err != nil {
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

// endorObjects keeps the repository versions an answer holds, and drops
// a deleted one.
func (r *recorder) endorObjects(op string, params openapi.Params, body []byte) bool {
	var objects []json.RawMessage
	switch op {
	case endor.OpCreate, endor.OpGet, endor.OpUpdate:
		objects = []json.RawMessage{body}
	case endor.OpList:
		var page struct {
			List struct {
				Objects []json.RawMessage `json:"objects"`
			} `json:"list"`
		}
		if json.Unmarshal(body, &page) != nil {
			return false
		}
		objects = page.List.Objects
	case endor.OpDelete:
		return r.endor.del(params["uuid"])
	}
	changed := false
	for _, o := range objects {
		var rv endor.RepositoryVersion
		if json.Unmarshal(o, &rv) != nil || rv.UUID == "" {
			continue
		}
		fv := endor.FixtureVersion{Namespace: rv.TenantMeta.Namespace, UUID: rv.UUID}
		fv.Meta = rv.Meta.WritableMeta
		fv.Context = rv.Context
		fv.Context.WillBeDeletedAt = nil // server-set
		fv.Spec, fv.ScanObject = rv.Spec, rv.ScanObject
		// A fixture is held to a create's rules: an object that breaks them
		// (a list's masked object) is not one.
		if !fixtureLoads(endor.Fixtures{RepositoryVersions: []endor.FixtureVersion{fv}}, endor.ParseFixtures) {
			r.log.Warn("proxy --record: repository version not kept as a fixture: it does not pass a create's rules", "uuid", rv.UUID)
			continue
		}
		r.endor.put(rv.UUID, fv)
		changed = true
	}
	return changed
}

// codeartsObjects keeps the repositories a create made (with what the
// request said of them) or an answer describes, and drops a deleted one.
func (r *recorder) codeartsObjects(op string, params openapi.Params, reqBody, body []byte) bool {
	var repo codearts.FixtureRepository
	switch op {
	case codearts.OpCreate:
		var req struct {
			Name            string      `json:"name"`
			ProjectUUID     string      `json:"project_uuid"`
			VisibilityLevel json.Number `json:"visibility_level"`
			Description     *string     `json:"description"`
		}
		var resp struct {
			Result struct {
				RepositoryUUID string `json:"repository_uuid"`
			} `json:"result"`
		}
		if !decodeNumbers(reqBody, &req) || json.Unmarshal(body, &resp) != nil || resp.Result.RepositoryUUID == "" {
			return false
		}
		repo = codearts.FixtureRepository{Name: req.Name, ProjectUUID: req.ProjectUUID, RepositoryUUID: resp.Result.RepositoryUUID,
			Description: req.Description, VisibilityLevel: visibility(req.VisibilityLevel)}
	case codearts.OpShow:
		var resp struct {
			Result struct {
				RepositoryUUID  string      `json:"repository_uuid"`
				RepositoryName  string      `json:"repository_name"`
				ProjectUUID     string      `json:"project_uuid"`
				VisibilityLevel json.Number `json:"visibility_level"`
			} `json:"result"`
		}
		if !decodeNumbers(body, &resp) || resp.Result.RepositoryUUID == "" {
			return false
		}
		res := resp.Result
		repo = codearts.FixtureRepository{Name: res.RepositoryName, ProjectUUID: res.ProjectUUID, RepositoryUUID: res.RepositoryUUID,
			VisibilityLevel: visibility(res.VisibilityLevel)}
		if old, ok := r.codearts.get(res.RepositoryUUID); ok {
			repo.Description = old.Description // the read-back has none
		}
	case codearts.OpDelete:
		return r.codearts.del(params["repository_uuid"])
	default:
		return false
	}
	if !fixtureLoads(codearts.Fixtures{Repositories: []codearts.FixtureRepository{repo}}, codearts.ParseFixtures) {
		// Assumption: a vendor uuid that is not 32 lowercase hex digits
		// (the mock's form) is left for the mock to generate.
		repo.RepositoryUUID = ""
		if !fixtureLoads(codearts.Fixtures{Repositories: []codearts.FixtureRepository{repo}}, codearts.ParseFixtures) {
			r.log.Warn("proxy --record: repository not kept as a fixture: it does not pass a create's rules", "name", repo.Name)
			return false
		}
	}
	key := repo.RepositoryUUID
	if key == "" {
		key = repo.ProjectUUID + "/" + strings.ToLower(repo.Name)
	}
	r.codearts.put(key, repo)
	return true
}

func visibility(n json.Number) *int32 {
	v, err := n.Int64()
	if err != nil || (v != 0 && v != 20) {
		return nil
	}
	out := int32(v)
	return &out
}

// stageObjects keeps the files a create or update wrote, or a read
// returned, and drops a deleted one.
func (r *recorder) stageObjects(op string, params openapi.Params, query url.Values, reqBody, body []byte) bool {
	f := proxiedFile{projectID: params["project_id"], namespace: params["namespace"],
		project: strings.ReplaceAll(params["project"], ":", "/"), ref: query.Get("ref"),
		path: strings.ReplaceAll(params["path"], ":", "/")}
	key := strings.Join([]string{f.projectID, f.namespace, f.project, f.ref, f.path}, "\x00")
	var content struct {
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	}
	switch op {
	case servicestage.OpCreateFile, servicestage.OpUpdateFile:
		if json.Unmarshal(reqBody, &content) != nil {
			return false
		}
	case servicestage.OpShowContent:
		if json.Unmarshal(body, &content) != nil || (content.Encoding != "" && content.Encoding != "base64") {
			return false
		}
	case servicestage.OpDeleteFile:
		return r.stage.del(key)
	default:
		return false
	}
	f.content = content.Content
	if !fixtureLoads(stageFixtures([]proxiedFile{f}), servicestage.ParseFixtures) {
		r.log.Warn("proxy --record: file not kept as a fixture: it does not pass a create's rules", "path", f.path)
		return false
	}
	r.stage.put(key, f)
	return true
}

// stageFixtures groups files by repository, in the order first seen.
func stageFixtures(files []proxiedFile) servicestage.Fixtures {
	fx := servicestage.Fixtures{Repositories: []servicestage.FixtureRepository{}}
	index := map[string]int{}
	for _, f := range files {
		k := f.projectID + "\x00" + f.namespace + "\x00" + f.project
		i, ok := index[k]
		if !ok {
			i = len(fx.Repositories)
			index[k] = i
			fx.Repositories = append(fx.Repositories, servicestage.FixtureRepository{ProjectID: f.projectID, Namespace: f.namespace, Project: f.project})
		}
		content := f.content
		fx.Repositories[i].Files = append(fx.Repositories[i].Files, servicestage.FixtureFile{Ref: f.ref, Path: f.path, ContentBase64: &content})
	}
	return fx
}

// fixtureLoads reports whether fx passes its vendor's fixture parser.
func fixtureLoads[F, T any](fx F, parse func([]byte) (*T, error)) bool {
	data, err := json.Marshal(fx)
	if err != nil {
		return false
	}
	_, err = parse(data)
	return err == nil
}

func decodeNumbers(data []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v) == nil
}

// writeFixtures writes the vendor's fixture file afresh, atomically.
func (r *recorder) writeFixtures(id string) error {
	var fx any
	switch id {
	case "endor":
		fx = endor.Fixtures{APIKeys: []endor.APIKey{}, RepositoryVersions: r.endor.values()}
	case "codearts":
		fx = codearts.Fixtures{Repositories: r.codearts.values()}
	case "servicestage":
		fx = stageFixtures(r.stage.values())
	}
	data, err := fixtureYAML(fx, id)
	if err != nil {
		return err
	}
	path := filepath.Join(r.dir, fixtureName(id))
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

// keyed is a map that keeps the order keys were first put in.
type keyed[T any] struct {
	keys []string
	vals map[string]T
}

func (k *keyed[T]) put(key string, v T) {
	if k.vals == nil {
		k.vals = map[string]T{}
	}
	if _, ok := k.vals[key]; !ok {
		k.keys = append(k.keys, key)
	}
	k.vals[key] = v
}

func (k *keyed[T]) get(key string) (T, bool) {
	v, ok := k.vals[key]
	return v, ok
}

func (k *keyed[T]) del(key string) bool {
	if _, ok := k.vals[key]; !ok {
		return false
	}
	delete(k.vals, key)
	for i, kk := range k.keys {
		if kk == key {
			k.keys = append(k.keys[:i], k.keys[i+1:]...)
			break
		}
	}
	return true
}

func (k *keyed[T]) values() []T {
	out := make([]T, 0, len(k.keys))
	for _, key := range k.keys {
		out = append(out, k.vals[key])
	}
	return out
}

package servicestage

import (
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/repomock/repomock/mock/vendor"
)

// What repomock proxy needs to put the real API behind the fake's pipeline
// (vendor.Proxying).

// Upstream is the real API, in the client's region.
func (f *Fake) Upstream() string { return "https://servicestage.<region>.myhuaweicloud.com" }

// Forwarding is the gateway's; the repository authorization is the
// upstream's to check.
func (f *Fake) Forwarding() vendor.Forwarding { return f.cfg.Gateway.Forwarding() }

// Recorder keeps the files a create or update wrote, or a read returned,
// and drops a deleted one.
func (f *Fake) Recorder(log *slog.Logger) vendor.Recorder { return &recorder{log: log} }

type recorder struct {
	log   *slog.Logger
	files vendor.Recorded[recordedFile] // by project, ref and path
}

// recordedFile is a file seen through the proxy.
type recordedFile struct {
	projectID, namespace, project, ref, path string
	content                                  string // base64
}

func (r *recorder) Observe(x vendor.Observed) bool {
	f := recordedFile{projectID: x.Params["project_id"], namespace: x.Params["namespace"],
		project: strings.ReplaceAll(x.Params["project"], ":", "/"), ref: x.Query.Get("ref"),
		path: strings.ReplaceAll(x.Params["path"], ":", "/")}
	key := strings.Join([]string{f.projectID, f.namespace, f.project, f.ref, f.path}, "\x00")
	var content struct {
		Content  string `json:"content"`
		Encoding string `json:"encoding"`
	}
	switch x.Operation {
	case OpCreateFile, OpUpdateFile:
		if json.Unmarshal(x.RequestBody, &content) != nil {
			return false
		}
	case OpShowContent:
		if json.Unmarshal(x.ResponseBody, &content) != nil || (content.Encoding != "" && content.Encoding != "base64") {
			return false
		}
	case OpDeleteFile:
		return r.files.Delete(key)
	default:
		return false
	}
	f.content = content.Content
	if !vendor.FixturesLoad(recordedFixtures([]recordedFile{f}), ParseFixtures) {
		r.log.Warn("proxy --record: file not kept as a fixture: it does not pass a create's rules", "path", f.path)
		return false
	}
	r.files.Put(key, f)
	return true
}

func (r *recorder) Fixtures() any { return recordedFixtures(r.files.Values()) }

// recordedFixtures groups files by repository, in the order first seen.
func recordedFixtures(files []recordedFile) Fixtures {
	fx := Fixtures{Repositories: []FixtureRepository{}}
	index := map[string]int{}
	for _, f := range files {
		k := f.projectID + "\x00" + f.namespace + "\x00" + f.project
		i, ok := index[k]
		if !ok {
			i = len(fx.Repositories)
			index[k] = i
			fx.Repositories = append(fx.Repositories, FixtureRepository{ProjectID: f.projectID, Namespace: f.namespace, Project: f.project})
		}
		content := f.content
		fx.Repositories[i].Files = append(fx.Repositories[i].Files, FixtureFile{Ref: f.ref, Path: f.path, ContentBase64: &content})
	}
	return fx
}

package servicestage

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// What the web console's state view needs (GET /__admin/objects).

// object is one stored file as the console shows it: where it is, its sha
// and size, and its content as text when it is UTF-8, else in base64.
type object struct {
	ProjectID     string `json:"project_id"`
	Namespace     string `json:"namespace"`
	Project       string `json:"project"`
	Ref           string `json:"ref"`
	Path          string `json:"path"`
	Sha           string `json:"sha"`
	Size          int    `json:"size"`
	Content       string `json:"content,omitempty"`
	ContentBase64 string `json:"content_base64,omitempty"`
	// ContentCut says the content shown is the first part only.
	ContentCut bool `json:"content_cut,omitempty"`
}

// maxShownContent bounds the content shown of one file: the console shows
// state, it is not a file browser.
const maxShownContent = 4 << 10

// Objects returns up to limit of a session's files (by repository, ref
// and path), and how many it holds. A session not in use holds none, and
// stays unused.
func (f *Fake) Objects(session string, limit int) (kind string, total int, objects []json.RawMessage) {
	kind = "files"
	s, ok := f.sessions.Lookup(session)
	if !ok {
		return kind, 0, nil
	}
	for _, r := range s.snapshot() {
		for _, ref := range r.Refs {
			for _, file := range ref.Files {
				total++
				if len(objects) >= limit {
					continue
				}
				data, _ := base64.StdEncoding.DecodeString(file.ContentBase64) // the snapshot encoded it
				o := object{ProjectID: r.ProjectID, Namespace: r.Namespace, Project: r.Project, Ref: ref.Ref, Path: file.Path, Sha: file.Sha, Size: len(data)}
				shown := data[:min(len(data), maxShownContent)]
				o.ContentCut = len(shown) < len(data)
				// A cut may split the last character of a text.
				for i := 0; i < utf8.UTFMax-1 && o.ContentCut && !utf8.Valid(shown); i++ {
					shown = shown[:len(shown)-1]
				}
				if utf8.Valid(shown) {
					o.Content = string(shown)
				} else {
					o.ContentBase64 = base64.StdEncoding.EncodeToString(shown)
				}
				if b, err := json.Marshal(o); err == nil {
					objects = append(objects, b)
				}
			}
		}
	}
	return kind, total, objects
}

package servicestage

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
)

// The changes the fake logs for --state-durability fsync, and replays on a
// state restored from an earlier snapshot. Each sets a whole file or
// removes one, so that replaying a change the snapshot already holds,
// before the later changes, ends in the same state. The fixtures' state
// is not logged: it is made from the fixtures alone, the same every time.
//
//	{"op":"put","session":"s","project_id":"…","namespace":"repomock","project":"group/app",
//	 "ref":"master","path":"a.txt","content_base64":"…"}
//	{"op":"delete","session":"s","project_id":…,"namespace":…,"project":…,"ref":…,"path":…}
//	{"op":"drop","session":"s"}
//	{"op":"reset"}
type change struct {
	Op            string `json:"op"`
	Session       string `json:"session,omitempty"`
	ProjectID     string `json:"project_id,omitempty"`
	Namespace     string `json:"namespace,omitempty"`
	Project       string `json:"project,omitempty"`
	Ref           string `json:"ref,omitempty"`
	Path          string `json:"path,omitempty"`
	ContentBase64 string `json:"content_base64,omitempty"`
}

func fileChange(op string, loc location, path string) change {
	return change{Op: op, ProjectID: loc.projectID, Namespace: loc.namespace, Project: loc.project, Ref: loc.ref, Path: path}
}

// LogChanges hands every change from now on to log (mock.durableVendor).
func (f *Fake) LogChanges(log func(change json.RawMessage)) {
	f.changes.Set(log)
	f.sessions.LogResetsAndDrops(func(op, name string) { f.changes.Add(change{Op: op, Session: name}) })
}

// logTo makes a session's store log its changes, named by the session.
func (f *Fake) logTo(s *Store, name string) *Store {
	s.log = func(c change) {
		c.Session = name
		f.changes.Add(c)
	}
	return s
}

// MakeFixtures makes the fixtures' state now, if a Reset left it to be
// made on first use (mock.durableVendor), so that its generated values are
// logged, or saved, before anyone reads them.
func (f *Fake) MakeFixtures() { f.sessions.Shared() }

// Apply makes a logged change again (mock.durableVendor).
func (f *Fake) Apply(data json.RawMessage) error {
	var c change
	if err := session.DecodeStrict(data, &c); err != nil {
		return fmt.Errorf("servicestage: change: %w", err)
	}
	loc := location{repoKey: repoKey{projectID: c.ProjectID, namespace: c.Namespace, project: c.Project}, ref: c.Ref}
	switch c.Op {
	case "put", "delete":
		if c.ProjectID == "" || c.Namespace == "" || c.Project == "" || c.Ref == "" || c.Path == "" {
			return fmt.Errorf("servicestage: change %s: project_id, namespace, project, ref and path are required", c.Op)
		}
		content, err := base64.StdEncoding.Strict().DecodeString(c.ContentBase64)
		if err != nil {
			return fmt.Errorf("servicestage: change %s: content_base64: %w", c.Op, err)
		}
		s := f.sessions.Write(c.Session)
		s.mu.Lock()
		defer s.mu.Unlock()
		// The change was made, so its repository and ref existed (or, in
		// permissive mode, came to exist); the ref outlives a delete.
		files := s.ensure(loc)
		if c.Op == "put" {
			files[c.Path] = newFile(content)
		} else {
			delete(files, c.Path)
		}
	case "drop":
		f.DropSession(c.Session)
	case "reset":
		f.Reset()
	default:
		return fmt.Errorf("servicestage: change: unknown op %q", c.Op)
	}
	return nil
}

// ReloadFixtures reads servicestage.yaml again with fx (vendor.State): the
// returned use makes it the fixtures of the next Reset.
func (f *Fake) ReloadFixtures(fx vendor.Fixtures) (use func(), err error) {
	read, err := vendor.ReadFixtures(vendor.Env{Fixtures: fx}, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return func() { f.fixtures.Store(read) }, nil
}

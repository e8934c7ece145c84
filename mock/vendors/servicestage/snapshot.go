package servicestage

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/repomock/repomock/mock/session"
)

// SnapshotVersion is the version of the JSON that Snapshot writes and
// Restore reads. Restore also reads version 1, written before sha became
// the SHA-256 of the content: there sha is the git blob SHA-1, which is
// checked against the content and then recomputed.
const SnapshotVersion = 2

// snapshotV1 is the version whose sha is the git blob SHA-1.
const snapshotV1 = 1

// The snapshot, version 2:
//
//	{
//	  "version": 2,
//	  "sessions": [                    // by name; "" is the default session
//	    {"name": "",
//	     "repositories": [             // by project_id, namespace, project
//	       {"project_id": "…", "namespace": "repomock", "project": "group/app",   // slashes, not colons
//	        "refs": [                  // by name; a ref may have no files
//	          {"ref": "master",
//	           "files": [              // by path
//	             {"path": "app/project.rb", "sha": "…SHA-256 of the content…", "content_base64": "…"}
//	           ]}
//	        ]}
//	     ]}
//	  ]
//	}
//
// The same state always gives the same bytes. Content is standard base64,
// so binary files come back byte for byte; sha is checked against it on
// restore. Strict mode is not state: it comes from the fixtures given at
// start, and applies to restored sessions too.
type snapshot struct {
	Version  int               `json:"version"`
	Sessions []snapshotSession `json:"sessions"`
}

type snapshotSession struct {
	Name         string               `json:"name"`
	Repositories []snapshotRepository `json:"repositories"`
}

type snapshotRepository struct {
	ProjectID string        `json:"project_id"`
	Namespace string        `json:"namespace"`
	Project   string        `json:"project"`
	Refs      []snapshotRef `json:"refs"`
}

type snapshotRef struct {
	Ref   string         `json:"ref"`
	Files []snapshotFile `json:"files"`
}

type snapshotFile struct {
	Path          string `json:"path"`
	Sha           string `json:"sha"`
	ContentBase64 string `json:"content_base64"`
}

// Snapshot returns every session's repositories, refs and files as JSON
// (see SnapshotVersion). Each session is copied under its store's lock, so
// a session is never seen half-written.
func (f *Fake) Snapshot() (json.RawMessage, error) {
	// The fixtures' state is not saved: it is made from the fixtures
	// alone (no generated value), the same on every start.
	stores, _, _ := f.sessions.Own()
	snap := snapshot{Version: SnapshotVersion, Sessions: []snapshotSession{}}
	for _, name := range slices.Sorted(maps.Keys(stores)) {
		snap.Sessions = append(snap.Sessions, snapshotSession{Name: name, Repositories: stores[name].snapshot()})
	}
	return json.Marshal(snap)
}

func (s *Store) snapshot() []snapshotRepository {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := slices.SortedFunc(maps.Keys(s.repos), func(a, b repoKey) int {
		return cmp.Or(cmp.Compare(a.projectID, b.projectID), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.project, b.project))
	})
	out := make([]snapshotRepository, 0, len(keys))
	for _, k := range keys {
		repo := snapshotRepository{ProjectID: k.projectID, Namespace: k.namespace, Project: k.project, Refs: []snapshotRef{}}
		refs := s.repos[k].refs
		for _, ref := range slices.Sorted(maps.Keys(refs)) {
			files := refs[ref]
			r := snapshotRef{Ref: ref, Files: make([]snapshotFile, 0, len(files))}
			for _, path := range slices.Sorted(maps.Keys(files)) {
				file := files[path]
				r.Files = append(r.Files, snapshotFile{Path: path, Sha: file.sha, ContentBase64: base64.StdEncoding.EncodeToString(file.data)})
			}
			repo.Refs = append(repo.Refs, r)
		}
		out = append(out, repo)
	}
	return out
}

// Restore replaces every session with those of a Snapshot. Restored
// sessions keep their repositories, refs and files and do not get the
// fixtures again; a session the snapshot does not name starts from the
// fixtures, as usual. Sessions that never wrote are not in the snapshot:
// they read the fixtures, which hold nothing generated. On any error nothing changes.
func (f *Fake) Restore(data json.RawMessage) error {
	var snap snapshot
	if err := session.DecodeStrict(data, &snap); err != nil {
		return fmt.Errorf("servicestage: %w", err)
	}
	if snap.Version != SnapshotVersion && snap.Version != snapshotV1 {
		return fmt.Errorf("servicestage: version %d: only versions %d and %d are understood", snap.Version, snapshotV1, SnapshotVersion)
	}
	shaOf := contentSHA
	if snap.Version == snapshotV1 {
		shaOf = gitBlobSHA
	}
	fx := f.fixtures.Load()
	strict := fx != nil && fx.Strict
	stores := make(map[string]*Store, len(snap.Sessions))
	for i, sess := range snap.Sessions {
		if _, dup := stores[sess.Name]; dup {
			return fmt.Errorf("servicestage: sessions[%d]: session %q is listed twice", i, sess.Name)
		}
		s, err := restoreStore(sess.Repositories, shaOf)
		if err != nil {
			return fmt.Errorf("servicestage: sessions[%d] (%q): %w", i, sess.Name, err)
		}
		s.strict = strict
		stores[sess.Name] = f.logTo(s, sess.Name)
	}
	f.sessions.Replace(stores, nil, false)
	return nil
}

// restoreStore builds a store from a snapshot's repositories; shaOf is how
// the snapshot's version computed each file's sha.
func restoreStore(repos []snapshotRepository, shaOf func([]byte) string) (*Store, error) {
	s := newStore()
	for i, r := range repos {
		at := fmt.Sprintf("repositories[%d]", i)
		if r.ProjectID == "" || r.Namespace == "" {
			return nil, fmt.Errorf("%s: project_id and namespace are required", at)
		}
		if err := checkProjectID(r.ProjectID); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		if err := checkStoredPath("project", r.Project); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		key := repoKey{projectID: r.ProjectID, namespace: r.Namespace, project: r.Project}
		if s.repos[key] != nil {
			return nil, fmt.Errorf("%s: repository %q of namespace %q and project %q is listed twice", at, r.Project, r.Namespace, r.ProjectID)
		}
		repo := &repository{refs: make(map[string]map[string]*file, len(r.Refs))}
		s.repos[key] = repo
		for j, ref := range r.Refs {
			at := fmt.Sprintf("%s.refs[%d]", at, j)
			if ref.Ref == "" {
				return nil, fmt.Errorf("%s: ref: value is required", at)
			}
			if repo.refs[ref.Ref] != nil {
				return nil, fmt.Errorf("%s: ref %q is listed twice", at, ref.Ref)
			}
			files := make(map[string]*file, len(ref.Files))
			repo.refs[ref.Ref] = files
			for k, fl := range ref.Files {
				at := fmt.Sprintf("%s.files[%d]", at, k)
				if err := checkStoredPath("path", fl.Path); err != nil {
					return nil, fmt.Errorf("%s: %w", at, err)
				}
				if files[fl.Path] != nil {
					return nil, fmt.Errorf("%s: file %q is listed twice", at, fl.Path)
				}
				data, err := base64.StdEncoding.Strict().DecodeString(fl.ContentBase64)
				if err != nil {
					return nil, fmt.Errorf("%s: content_base64: %w", at, err)
				}
				if want := shaOf(data); fl.Sha != want {
					return nil, fmt.Errorf("%s: sha %q is not the sha of the content (%s)", at, clip(fl.Sha), want)
				}
				stored := newFile(data)
				files[fl.Path] = stored
			}
		}
	}
	return s, nil
}

// gitBlobSHA is what `git hash-object` gives for data, the sha of a
// version 1 snapshot: the SHA-1 of "blob <size>\x00" and the bytes.
func gitBlobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// checkStoredPath accepts a project or file path as the store keeps it:
// slash-separated, no empty segment, no colon.
func checkStoredPath(field, p string) error {
	got, err := slashPath(field, p)
	if err != nil {
		return errors.New(detail(err))
	}
	if got != p {
		return fmt.Errorf("%s: %q must use '/', not ':'", field, clip(p))
	}
	return nil
}

package servicestage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Fixtures is the ServiceStage seed data a server loads at start and on
// every reset: repositories, their refs and their files, and whether only
// these repositories and refs exist. The server reads it from
// fixtures/servicestage.yaml; this package takes its JSON form so that it
// needs no YAML library.
type Fixtures struct {
	// Strict makes the listed repositories and refs the only ones: any
	// other is refused with SVCSTG.REPO.0400. Otherwise every repository
	// and ref exists implicitly.
	Strict       bool                `json:"strict"`
	Repositories []FixtureRepository `json:"repositories"`
}

// FixtureRepository is a repository with its refs and files. Project may
// be written with slashes or with the vendor's colons.
type FixtureRepository struct {
	ProjectID string        `json:"project_id"`
	Namespace string        `json:"namespace"`
	Project   string        `json:"project"`
	Refs      []string      `json:"refs"`
	Files     []FixtureFile `json:"files"`
}

// FixtureFile is a file of a ref. Its content is given either as text
// (Content, stored as its UTF-8 bytes) or as base64 (ContentBase64, for
// binary files), never both.
type FixtureFile struct {
	Ref           string  `json:"ref"`
	Path          string  `json:"path"`
	Content       *string `json:"content,omitempty"`
	ContentBase64 *string `json:"content_base64,omitempty"`
}

// fixtureFile is a checked file: its place and its bytes.
type fixtureFile struct {
	loc  location
	path string
	data []byte
}

// ParseFixtures reads fixtures from JSON, holding each file to the same
// rules as a CreateFile request, so that a fixture never stores what a
// client could not.
func ParseFixtures(data []byte) (*Fixtures, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixtures
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("servicestage fixtures: %w", err)
	}
	if _, _, err := fx.check(); err != nil {
		return nil, err
	}
	return &fx, nil
}

// check validates the fixtures and returns the refs to declare and the
// files to store, in the order written.
func (fx *Fixtures) check() ([]location, []fixtureFile, error) {
	var refs []location
	var files []fixtureFile
	var repos []repoKey
	for i, r := range fx.Repositories {
		at := fmt.Sprintf("servicestage fixtures: repositories[%d]", i)
		if r.ProjectID == "" || r.Namespace == "" {
			return nil, nil, fmt.Errorf("%s: project_id and namespace are required", at)
		}
		if err := checkProjectID(r.ProjectID); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", at, err)
		}
		project, err := slashPath("project", r.Project)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s", at, detail(err))
		}
		key := repoKey{projectID: r.ProjectID, namespace: r.Namespace, project: project}
		if slices.Contains(repos, key) {
			return nil, nil, fmt.Errorf("%s: repository %q of namespace %q and project %q is listed twice", at, project, r.Namespace, r.ProjectID)
		}
		repos = append(repos, key)
		if fx.Strict && len(r.Refs) == 0 {
			return nil, nil, fmt.Errorf("%s: refs: a strict repository needs at least one ref", at)
		}
		for j, ref := range r.Refs {
			if ref == "" || slices.Contains(r.Refs[:j], ref) {
				return nil, nil, fmt.Errorf("%s: refs[%d]: %q is empty or listed twice", at, j, ref)
			}
			refs = append(refs, location{repoKey: key, ref: ref})
		}
		for j, file := range r.Files {
			f, err := checkFixtureFile(key, r.Refs, file)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: files[%d]: %s", at, j, err)
			}
			if slices.ContainsFunc(files, func(o fixtureFile) bool { return o.loc == f.loc && o.path == f.path }) {
				return nil, nil, fmt.Errorf("%s: files[%d]: file %q of ref %q is listed twice", at, j, f.path, f.loc.ref)
			}
			files = append(files, f)
		}
	}
	return refs, files, nil
}

func checkFixtureFile(key repoKey, refs []string, file FixtureFile) (fixtureFile, error) {
	if file.Ref == "" {
		return fixtureFile{}, fmt.Errorf("ref: value is required")
	}
	if len(refs) > 0 && !slices.Contains(refs, file.Ref) {
		return fixtureFile{}, fmt.Errorf("ref %q is not one of the repository's refs", file.Ref)
	}
	path, perr := slashPath("path", file.Path)
	if perr != nil {
		return fixtureFile{}, fmt.Errorf("%s", detail(perr))
	}
	var data []byte
	switch {
	case file.Content != nil && file.ContentBase64 != nil:
		return fixtureFile{}, fmt.Errorf("give content or content_base64, not both")
	case file.Content != nil:
		data = []byte(*file.Content)
	case file.ContentBase64 != nil:
		var derr *Error
		if data, derr = decodeContent(*file.ContentBase64); derr != nil {
			return fixtureFile{}, fmt.Errorf("content_base64: %s", strings.TrimPrefix(detail(derr), "content: "))
		}
	default:
		return fixtureFile{}, fmt.Errorf("content or content_base64 is required")
	}
	return fixtureFile{loc: location{repoKey: key, ref: file.Ref}, path: path, data: data}, nil
}

// apply loads the fixtures into a new store. ParseFixtures checked them,
// so nothing here can fail.
func (fx *Fixtures) apply(s *Store) {
	refs, files, _ := fx.check()
	s.strict = fx.Strict
	for _, loc := range refs {
		s.ensure(loc)
	}
	for _, f := range files {
		s.ensure(f.loc)[f.path] = newFile(f.data)
	}
}

// checkProjectID holds a stored project_id to the rule the API gateway
// applies to every request (huaweiauth.CheckProjectID): a repository under
// any other project id could never be reached.
func checkProjectID(id string) error {
	ok := len(id) == 32
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	if !ok {
		return fmt.Errorf("project_id %q: must be 32 lowercase hexadecimal digits, as the gateway requires of every request", clip(id))
	}
	return nil
}

// detail is an error's message without the vendor's description of its code.
func detail(e *Error) string {
	return strings.TrimPrefix(e.Message, descParameterInvalid+": ")
}

// Summary counts what the fixtures hold, for the start-up banner.
func (fx *Fixtures) Summary() string {
	var refs, files int
	for _, r := range fx.Repositories {
		refs, files = refs+len(r.Refs), files+len(r.Files)
	}
	s := count(len(fx.Repositories), "repository", "repositories") + ", " + count(refs, "ref", "refs") + ", " + count(files, "file", "files")
	if fx.Strict {
		s += ", strict"
	}
	return s
}

// count writes n and the noun, in the plural unless n is 1.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

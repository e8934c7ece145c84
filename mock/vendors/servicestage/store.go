package servicestage

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"sync"
)

// Store holds the repositories of one session. A file lives at (project
// id, namespace, project, ref, path); nothing is shared between refs or
// repositories. It is safe for concurrent use.
//
// Assumption: in the default, permissive mode every repository and every ref exists:
// reads of one never written find no files, and the first write creates
// it. In strict mode (declared by the fixtures) only the repositories and
// refs the fixtures list exist.
type Store struct {
	mu     sync.RWMutex
	strict bool
	repos  map[repoKey]*repository
	// log, when set, is given each change under mu (a session's own store
	// logs; the fixtures' never changes).
	log func(change)
}

// repoKey names a repository. project has slashes, not colons.
type repoKey struct{ projectID, namespace, project string }

// location is a ref of a repository.
type location struct {
	repoKey
	ref string
}

type repository struct {
	refs map[string]map[string]*file // ref → path → file
}

type file struct {
	data []byte
	sha  string
}

func newFile(data []byte) *file {
	return &file{data: bytes.Clone(data), sha: contentSHA(data)}
}

// contentSHA is a file's sha as ShowContent answers it and UpdateFile and
// DeleteFile take it back: 64 lowercase hex digits, as the vendor's
// example (servicestage_06_0111) has it.
//
// Assumption: it is the SHA-256 of the content, the form of GitLab's content_sha256 (vendors.md §6).
func contentSHA(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func newStore() *Store {
	return &Store{repos: make(map[repoKey]*repository)}
}

// clone copies s for a session's first write. The files are shared: a
// write puts a new one in the map, it never changes one.
func (s *Store) clone() *Store {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &Store{strict: s.strict, repos: make(map[repoKey]*repository, len(s.repos))}
	for k, r := range s.repos {
		refs := make(map[string]map[string]*file, len(r.refs))
		for name, files := range r.refs {
			refs[name] = maps.Clone(files)
		}
		out.repos[k] = &repository{refs: refs}
	}
	return out
}

// Assumption: in strict mode an undeclared repository or ref is a parameter the vendor refuses (0400), not 0401.
func errRepoNotFound(k repoKey) *Error {
	return paramInvalid("repository %q not found in namespace %q of project %q", k.project, k.namespace, k.projectID)
}

func errRefNotFound(loc location) *Error {
	return paramInvalid("ref %q not found in repository %q", loc.ref, loc.project)
}

// Assumption: the vendor does not document a missing file; the mock answers 0400, like every other bad parameter.
func errFileNotFound(loc location, path string) *Error {
	return paramInvalid("file %q not found in ref %q", path, loc.ref)
}

// Assumption: a sha that is not the file's current sha (a stale one, or a git blob SHA-1) is refused with 0400 and changes nothing.
func errShaMismatch(sha, path string) *Error {
	return paramInvalid("sha %q is not the current sha of file %q (the SHA-256 of its content, as ShowContent gives it)", clip(sha), path)
}

// files returns the files of loc: nil (no files) when the repository or
// the ref was never written, or an error in strict mode when it was not
// declared. The caller holds the lock.
func (s *Store) files(loc location) (map[string]*file, *Error) {
	repo := s.repos[loc.repoKey]
	if repo == nil {
		if s.strict {
			return nil, errRepoNotFound(loc.repoKey)
		}
		return nil, nil
	}
	files, ok := repo.refs[loc.ref]
	if !ok && s.strict {
		return nil, errRefNotFound(loc)
	}
	return files, nil
}

// ensure makes the repository and the ref of loc exist and returns the
// ref's files. The caller holds the lock.
func (s *Store) ensure(loc location) map[string]*file {
	repo := s.repos[loc.repoKey]
	if repo == nil {
		repo = &repository{refs: make(map[string]map[string]*file)}
		s.repos[loc.repoKey] = repo
	}
	files := repo.refs[loc.ref]
	if files == nil {
		files = make(map[string]*file)
		repo.refs[loc.ref] = files
	}
	return files
}

func (s *Store) create(loc location, path string, data []byte) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, err := s.files(loc)
	if err != nil {
		return err
	}
	if files == nil {
		files = s.ensure(loc)
	}
	if files[path] != nil {
		return repoError(CodeAlreadyExists, descAlreadyExists, "file %q already exists in ref %q", path, loc.ref)
	}
	files[path] = newFile(data)
	s.logPut(loc, path, data)
	return nil
}

// logPut logs that path of loc now holds data. The lock is held.
func (s *Store) logPut(loc location, path string, data []byte) {
	if s.log != nil {
		c := fileChange("put", loc, path)
		c.ContentBase64 = base64.StdEncoding.EncodeToString(data)
		s.log(c)
	}
}

func (s *Store) get(loc location, path string) (*file, *Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	files, err := s.files(loc)
	if err != nil {
		return nil, err
	}
	f := files[path]
	if f == nil {
		return nil, errFileNotFound(loc, path)
	}
	return f, nil
}

func (s *Store) update(loc location, path, sha string, data []byte) *Error {
	return s.modify(loc, path, sha, func(files map[string]*file) {
		files[path] = newFile(data)
		s.logPut(loc, path, data)
	})
}

// Assumption: the ref outlives its last file; git would keep the branch with an empty tree.
func (s *Store) delete(loc location, path, sha string) *Error {
	return s.modify(loc, path, sha, func(files map[string]*file) {
		delete(files, path)
		if s.log != nil {
			s.log(fileChange("delete", loc, path))
		}
	})
}

// modify applies apply to the files of loc once the file at path exists
// and sha is its current sha (the check update and delete share).
func (s *Store) modify(loc location, path, sha string, apply func(files map[string]*file)) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, err := s.files(loc)
	if err != nil {
		return err
	}
	f := files[path]
	if f == nil {
		return errFileNotFound(loc, path)
	}
	if sha != f.sha {
		return errShaMismatch(sha, path)
	}
	apply(files)
	return nil
}

// list returns the paths of loc's files in byte order.
func (s *Store) list(loc location) ([]string, *Error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	files, err := s.files(loc)
	if err != nil {
		return nil, err
	}
	paths := slices.Sorted(maps.Keys(files))
	if paths == nil {
		paths = []string{}
	}
	return paths, nil
}

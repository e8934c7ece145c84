package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/repomock/repomock/mock/server/admin"
)

// DefaultWatchInterval is how often Config.Watch looks at the fixture
// files when Config.WatchInterval is not set.
const DefaultWatchInterval = 500 * time.Millisecond

// FixturesReport is GET /__admin/fixtures: the fixtures in use, and why
// the last reload, if it failed, did not replace them.
type FixturesReport struct {
	// Dir is Config.FixturesDir ("" for none).
	Dir string `json:"dir"`
	// Watch says that the files are reloaded when they change (--watch).
	Watch bool `json:"watch"`
	// Files are the files of the fixtures in use.
	Files []FixtureFile `json:"files"`
	// LoadedAt is when they were read: at start, or by the last reload
	// that succeeded.
	LoadedAt time.Time `json:"loaded_at"`
	// Error is the last reload's failure, until a reload succeeds.
	Error *FixturesError `json:"error,omitempty"`
}

// FixturesError is a reload that failed: the fixtures in use stayed.
type FixturesError struct {
	// File is the file that could not be loaded (or the directory).
	File string `json:"file"`
	// Message says why, at which line, as the start does.
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// fixturesReport is what GET /__admin/fixtures answers.
func (s *Server) fixturesReport() FixturesReport {
	s.fixturesMu.Lock()
	defer s.fixturesMu.Unlock()
	files := s.fixtureFiles
	if files == nil {
		files = []FixtureFile{}
	}
	return FixturesReport{Dir: s.cfg.FixturesDir, Watch: s.cfg.Watch, Files: files, LoadedAt: s.fixturesLoadedAt, Error: s.fixturesErr}
}

// ReloadFixtures reads the fixture files in Config.FixturesDir again, and
// makes them the fixtures the next reset loads; it does nothing without a
// directory. When a file cannot be loaded (it does not parse, or holds
// what a client could not store), every vendor keeps the fixtures in use,
// and the error, naming the file and the line, is logged, reported by
// GET /__admin/fixtures, and returned.
func (s *Server) ReloadFixtures() error {
	if s.cfg.FixturesDir == "" {
		return nil
	}
	fx := &fixtureReader{dir: s.cfg.FixturesDir}
	uses := make([]func(), 0, len(s.vendors))
	for _, v := range s.vendors {
		use, err := v.ReloadFixtures(fx)
		if err != nil {
			s.fixturesMu.Lock()
			s.fixturesErr = &FixturesError{File: fx.failed, Message: err.Error(), At: s.cfg.Clock().UTC()}
			s.fixturesMu.Unlock()
			s.log.Error("fixtures not reloaded: the fixtures in use stay until the file is fixed", "file", fx.failed, "err", err)
			return err
		}
		uses = append(uses, use)
	}
	fx.warnUnread(s.log)
	for _, use := range uses {
		use()
	}
	s.fixturesMu.Lock()
	s.fixtureFiles, s.fixturesLoadedAt, s.fixturesErr = fx.files, s.cfg.Clock().UTC(), nil
	s.fixturesMu.Unlock()
	return nil
}

// resetFromDisk is POST /__admin/reset: the fixtures read again, then the
// reset. When they cannot be read, nothing is reset.
func (s *Server) resetFromDisk() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if err := s.ReloadFixtures(); err != nil {
		return &admin.Error{Status: http.StatusConflict, Message: "nothing was reset: the fixtures cannot be loaded (fix the file, then reset again; the fixtures in use stay): " + err.Error()}
	}
	s.Reset()
	if err := s.syncChanges(); err != nil {
		return &admin.Error{Status: http.StatusInternalServerError, Message: "reset, but the change log cannot be written: " + err.Error()}
	}
	return nil
}

// reloadChanged is Config.Watch's reload of files that changed: the
// fixtures read again and every vendor reset to them, as POST
// /__admin/reset resets them, so that what every session reads is the
// files; the journal, the faults and the stubs stay, as a test set them.
// What the sessions held is logged.
func (s *Server) reloadChanged() {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.ReloadFixtures() != nil {
		return // logged, and reported
	}
	var held []any
	for _, v := range s.vendors {
		var counts []string
		objects := v.SessionObjects()
		for _, name := range slices.Sorted(maps.Keys(objects)) {
			if name == "" {
				name = "(default)"
			}
			counts = append(counts, fmt.Sprintf("%s=%d", name, objects[name]))
		}
		if len(counts) > 0 {
			held = append(held, v.ID(), strings.Join(counts, " "))
		}
	}
	for _, v := range s.vendors {
		v.Reset()
	}
	s.makeFixtures()
	if err := s.syncChanges(); err != nil {
		s.log.Error("fixtures reloaded, but the change log cannot be written", "err", err)
	}
	files := []any{"dir", s.cfg.FixturesDir}
	for _, f := range s.Fixtures() {
		files = append(files, filepath.Base(f.Path), f.Summary)
	}
	s.log.Info("fixtures reloaded (--watch): every session starts afresh from them", files...)
	if len(held) > 0 {
		s.log.Info("fixtures reloaded: the objects the sessions held were dropped (by vendor: session=objects)", held...)
	}
}

// fileState is what the watch knows of a fixture file.
type fileState struct {
	exists bool
	size   int64
	mod    time.Time
	sum    [sha256.Size]byte
}

// watchFixtures looks at the fixture files every Config.WatchInterval
// until the returned stop is called, and reloads them once a change has
// held still for an interval (an editor may write a file in steps). A
// file's content is read and hashed only when its size or time changed,
// or its time is too recent to tell one write from the next (file systems
// that keep times to the second or two).
func (s *Server) watchFixtures() (stop func()) {
	if !s.cfg.Watch {
		return func() {}
	}
	loaded := s.fixtureStates(nil)
	seen := loaded
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(s.cfg.WatchInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			now := s.fixtureStates(seen)
			if !sameFiles(now, loaded) && sameFiles(now, seen) {
				s.reloadChanged()
				loaded = now // a file that failed is tried again when it changes again
			}
			seen = now
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// fixtureStates reads what is known of each fixture file, reusing the
// sum in before when the file looks unchanged.
func (s *Server) fixtureStates(before map[string]fileState) map[string]fileState {
	out := make(map[string]fileState, len(s.vendors))
	for _, name := range s.FixtureNames() {
		path := filepath.Join(s.cfg.FixturesDir, name)
		info, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
			out[name] = fileState{}
			continue
		}
		st := fileState{exists: true}
		if err == nil {
			st.size, st.mod = info.Size(), info.ModTime()
		}
		if prev, ok := before[name]; ok && prev.exists && prev.size == st.size && prev.mod.Equal(st.mod) && time.Since(st.mod) > 2*time.Second {
			st.sum = prev.sum
		} else if data, err := os.ReadFile(path); err == nil {
			st.sum = sha256.Sum256(data)
		}
		out[name] = st
	}
	return out
}

// sameFiles reports whether a and b hold the same content in each file.
func sameFiles(a, b map[string]fileState) bool {
	if len(a) != len(b) {
		return false
	}
	for name, x := range a {
		y, ok := b[name]
		if !ok || x.exists != y.exists || x.sum != y.sum {
			return false
		}
	}
	return true
}

package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// StateFormat is the "format" of a state file this version writes and reads.
const StateFormat = "repomock-state/1"

// DefaultStateInterval is how often the state is saved when Config.StateFile
// is set and Config.StateInterval is not.
const DefaultStateInterval = 30 * time.Second

// The state file (Config.StateFile) is one JSON object:
//
//	{"format": "repomock-state/1",
//	 "saved_at": "2026-11-25T10:00:00Z",
//	 "endor": {…}, "codearts": {…}, "servicestage": {…}}
//
// Each vendor's part is its fake's Snapshot, versioned on its own and
// documented there (endor.SnapshotVersion, codearts.SnapshotVersion,
// servicestage.SnapshotVersion). A part that is missing leaves that vendor
// as the fixtures make it. The file is written with mode 0600: it holds
// issued Endor tokens.
//
// A save never changes the file in place: it writes a temporary file next
// to it (<name>.tmp-<random>), syncs it, renames it over the file and syncs
// the directory. A crash at any moment leaves the old file or the new one;
// it may also leave a temporary file, which is never read.

// loadState restores every fake from Config.StateFile when the file exists.
// A missing file is no error, but its directory must exist and be
// writable, since every save writes there. Any other problem is an error
// naming the file; the file is never changed here.
func (s *Server) loadState() error {
	path := s.cfg.StateFile
	if path == "" {
		return nil
	}
	if err := checkWritableDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("state file does not exist yet; starting from the fixtures", "file", path)
	case err != nil:
		return fmt.Errorf("state file %s: %w", path, err)
	default:
		if err := s.restoreState(data); err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
		s.log.Info("state loaded", "file", path, "bytes", len(data))
	}
	// Change logs are replayed whatever the durability now: they hold
	// answered writes. Once the state file holds them, they go.
	replayed, err := s.replayLogs()
	if err != nil {
		return err
	}
	if !replayed && s.cfg.StateDurability != DurabilityFsync {
		return nil
	}
	s.makeFixtures()
	if err := s.SaveState(); err != nil {
		return err
	}
	if err := s.removeLogs(s.logPaths()...); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if s.cfg.StateDurability == DurabilityFsync {
		return s.startChangeLog()
	}
	return nil
}

// restoreState restores every fake from the bytes of a state file.
func (s *Server) restoreState(data []byte) error {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return fmt.Errorf("not a repomock state file: %w", err)
	}
	if parts == nil {
		return errors.New("not a repomock state file: null")
	}
	var format string
	if err := json.Unmarshal(parts["format"], &format); err != nil || format != StateFormat {
		return fmt.Errorf("format is %s, want %q", clipJSON(parts["format"]), StateFormat)
	}
	known := []string{"format", "saved_at"}
	for _, v := range s.vendors {
		known = append(known, v.ID())
	}
	for key := range parts {
		if !slices.Contains(known, key) {
			return fmt.Errorf("unknown field %q", key)
		}
	}
	for _, v := range s.vendors {
		part, ok := parts[v.ID()]
		if !ok || string(part) == "null" {
			continue
		}
		if err := v.Restore(part); err != nil {
			return err
		}
	}
	return nil
}

func clipJSON(raw json.RawMessage) string {
	if raw == nil {
		return "missing"
	}
	if len(raw) > 40 {
		return string(raw[:40]) + "…"
	}
	return string(raw)
}

// encodeState snapshots every fake into the bytes of a state file, and
// returns with them a digest of the state alone (saved_at left out).
func (s *Server) encodeState() ([]byte, [sha256.Size]byte, error) {
	var body bytes.Buffer
	for _, v := range s.vendors {
		part, err := v.Snapshot()
		if err != nil {
			return nil, [sha256.Size]byte{}, fmt.Errorf("%s: %w", v.ID(), err)
		}
		fmt.Fprintf(&body, ",%q:", v.ID())
		body.Write(part)
	}
	sum := sha256.Sum256(body.Bytes())
	savedAt, err := json.Marshal(s.cfg.Clock().UTC())
	if err != nil {
		return nil, sum, err
	}
	var out bytes.Buffer
	out.Grow(body.Len() + 80)
	fmt.Fprintf(&out, `{"format":%q,"saved_at":%s`, StateFormat, savedAt)
	out.Write(body.Bytes())
	out.WriteString("}\n")
	return out.Bytes(), sum, nil
}

// SaveState writes the state of every fake to Config.StateFile, atomically
// (see the state file above). It does nothing without a StateFile, or when
// the state has not changed since the last save. Serve calls it every
// Config.StateInterval and once more after shutdown; it is safe to call at
// any time. With DurabilityFsync, it folds the change log into the file.
func (s *Server) SaveState() error {
	path := s.cfg.StateFile
	if path == "" {
		return nil
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.changes != nil {
		return s.fold()
	}
	start := time.Now()
	data, sum, err := s.encodeState()
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if s.saved && sum == s.savedSum {
		return nil
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	s.saved, s.savedSum = true, sum
	s.log.Debug("state saved", "file", path, "bytes", len(data), "took", time.Since(start))
	return nil
}

// fold folds the change log into the state file (see the change log in
// durable.go): the log is moved aside, the state written, the old log
// removed. It does nothing when no change was made since the last fold.
// saveMu is held.
func (s *Server) fold() error {
	path := s.cfg.StateFile
	if s.saved && s.changes.mark() == s.foldedAt {
		return nil
	}
	start := time.Now()
	upTo, err := s.changes.rotate()
	if err != nil {
		return fmt.Errorf("change log %s: %w", s.changes.path, err)
	}
	data, sum, err := s.encodeState()
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	s.changes.folded(upTo)
	s.saved, s.savedSum, s.foldedAt = true, sum, upTo
	if err := s.removeLogs(s.changes.path + ".old"); err != nil {
		return fmt.Errorf("change log %s.old: %w", s.changes.path, err)
	}
	s.log.Debug("change log folded into the state file", "file", path, "bytes", len(data), "changes", upTo, "took", time.Since(start))
	return nil
}

// saveStateEvery saves the state every Config.StateInterval until the
// returned stop is called; stop returns once no save is running. A failed
// save is logged and tried again at the next tick.
func (s *Server) saveStateEvery() (stop func()) {
	if s.cfg.StateFile == "" {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(s.cfg.StateInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if err := s.SaveState(); err != nil {
					s.log.Error("saving state failed; trying again at the next interval", "err", err, "interval", s.cfg.StateInterval)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// finalSave stops the periodic saves and saves once more. With
// DurabilityFsync, the change log is then empty (no request is left to
// change anything): it is closed and removed.
func (s *Server) finalSave(stop func()) error {
	stop()
	if err := s.SaveState(); err != nil {
		s.log.Error("saving state at shutdown failed", "err", err)
		return err
	}
	if s.changes != nil && s.changes.mark() == s.foldedAt {
		if err := errors.Join(s.changes.close(), s.removeLogs(s.changes.path)); err != nil {
			s.log.Error("removing the change log at shutdown failed; the next start replays it", "err", err)
			return err
		}
	}
	return nil
}

// writeFileAtomic replaces path with data so that, whenever the process or
// the machine stops, path holds either its old bytes or data: a temporary
// file in the same directory, written, synced, closed and renamed over
// path, then the directory synced so that the rename itself is durable.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. File systems that cannot sync a
// directory (EINVAL, ENOTSUP) are let be: the rename has happened.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// checkWritableDir makes sure a save can create its temporary file in dir.
func checkWritableDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".repomock-probe-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

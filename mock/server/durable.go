package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
)

// What Config.StateDurability promises of the state file.
const (
	// DurabilityInterval saves the state every Config.StateInterval and at
	// shutdown. A crash (kill -9, a power cut) loses what was written since
	// the last save; SIGTERM loses nothing.
	DurabilityInterval = "interval"
	// DurabilityFsync also appends every change to a log beside the state
	// file (<file>.log), written and fsynced before the request that made
	// it is answered; the log is folded into the state file every
	// Config.StateInterval and at shutdown. A write that was answered
	// survives kill -9, and a machine crash as far as the disk keeps what
	// fsync wrote. Concurrent writes share one fsync.
	DurabilityFsync = "fsync"
)

// The change log (DurabilityFsync). Each line is one change to one
// vendor's state, as the vendor wrote it (its package documents its
// changes), in the order it made them:
//
//	{"vendor":"endor","change":{"op":"put","session":"s","object":{…}}}
//
// At start, the state file is loaded, then <file>.log.old and <file>.log
// (in that order, when they exist) are replayed on it, and the result is
// saved as the state file before the logs are removed. Every change sets
// or removes a whole value, so a change replayed on a state file that
// already holds it (a fold stopped half-way) ends in the same state. A
// last line cut short (the process died while writing it: its request was
// never answered) is left out, with a warning; any other line that cannot
// be read stops the server, naming the file and the line.
//
// Folding the log into the state file moves it aside as <file>.log.old
// and starts a new <file>.log, writes the state file, then removes
// <file>.log.old. Changes made meanwhile go to the new log.

// logLine is one line of the change log.
type logLine struct {
	Vendor string          `json:"vendor"`
	Change json.RawMessage `json:"change"`
}

// changeLog appends the vendors' changes to <state file>.log. A change is
// added to a buffer; the first request that waits for it to be durable
// writes and fsyncs everything added so far, for every request waiting
// (group commit).
type changeLog struct {
	path string
	log  *slog.Logger

	mu       sync.Mutex
	flushed  sync.Cond // a flush ended
	file     *os.File
	pending  []byte // added, not written yet
	spare    []byte
	added    uint64 // changes added since the start
	durable  uint64 // of which written and synced
	flushing bool
	err      error // the write or sync that failed; cleared by the next rotation
}

// openChangeLog creates a new, empty log at path.
func openChangeLog(path string, log *slog.Logger) (*changeLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	l := &changeLog{path: path, log: log, file: f}
	l.flushed.L = &l.mu
	return l, nil
}

// add appends one change of a vendor. It never waits for the disk.
func (l *changeLog) add(vendor string, change json.RawMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The vendor id is a plain word and the change is JSON from
	// encoding/json, on one line: the line needs no encoding of its own.
	l.pending = fmt.Appendf(l.pending, `{"vendor":%q,"change":`, vendor)
	l.pending = append(l.pending, change...)
	l.pending = append(l.pending, "}\n"...)
	l.added++
}

// mark is how many changes have been added.
func (l *changeLog) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.added
}

// sync returns once the first n changes are written and synced, or the
// log has failed.
func (l *changeLog) sync(n uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.durable < n && l.err == nil {
		if l.flushing {
			l.flushed.Wait()
			continue
		}
		l.flushLocked()
	}
	if l.durable >= n {
		return nil
	}
	return l.err
}

// flushLocked writes and syncs what is pending, with the lock released
// meanwhile, so that changes go on being added. l.mu is held and no flush
// is running.
func (l *changeLog) flushLocked() {
	l.flushing = true
	buf, upTo, f := l.pending, l.added, l.file
	l.pending = l.spare[:0]
	l.mu.Unlock()
	_, err := f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	l.mu.Lock()
	l.spare = buf[:0]
	l.flushing = false
	if err != nil {
		if l.err == nil {
			l.log.Error("the change log cannot be written: writes are answered 500 until the state file is saved", "file", l.path, "err", err)
		}
		l.err = err
	} else {
		l.durable = max(l.durable, upTo)
	}
	l.flushed.Broadcast()
}

// rotate moves the log aside to <path>.old and starts a new one, and
// returns how many changes had been added then: the state file written
// next holds all of them. When an earlier fold left a <path>.old, the log
// stays where it is: that state file will hold the changes of both, and
// replaying the log on it is harmless. The changes pending are written
// and synced first, so that the requests that wait for them are answered.
func (l *changeLog) rotate() (upTo uint64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.flushed.Wait()
	}
	if len(l.pending) > 0 {
		l.flushLocked()
	}
	old := l.path + ".old"
	if _, err := os.Lstat(old); err == nil {
		return l.added, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	if err := os.Rename(l.path, old); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	if err := syncDir(filepath.Dir(l.path)); err != nil {
		f.Close()
		return 0, err
	}
	l.file.Close()
	l.file = f
	return l.added, nil
}

// folded records that the state file now holds the first upTo changes:
// they are durable, written to the log or not, and a failure of the log
// before is behind.
func (l *changeLog) folded(upTo uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.durable, l.err = max(l.durable, upTo), nil
	l.flushed.Broadcast()
}

// close writes what is pending and closes the file.
func (l *changeLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.flushed.Wait()
	}
	if len(l.pending) > 0 {
		l.flushLocked()
	}
	return errors.Join(l.err, l.file.Close())
}

// logPaths are the change logs of the state file, in the order they are
// replayed.
func (s *Server) logPaths() []string {
	return []string{s.cfg.StateFile + ".log.old", s.cfg.StateFile + ".log"}
}

// replayLogs replays the change logs found beside the state file on the
// state just loaded, and says whether there were any.
func (s *Server) replayLogs() (found bool, err error) {
	vendors := map[string]vendor.Vendor{}
	for _, v := range s.vendors {
		vendors[v.ID()] = v
	}
	for _, path := range s.logPaths() {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return found, err
		}
		found = true
		n, err := replay(f, vendors, s.log)
		f.Close()
		if err != nil {
			return found, fmt.Errorf("change log %s: %w", path, err)
		}
		s.log.Info("change log replayed", "file", path, "changes", n)
	}
	return found, nil
}

// replay applies each change of a log, and returns how many it applied.
func replay(r io.Reader, vendors map[string]vendor.Vendor, log *slog.Logger) (int, error) {
	br := bufio.NewReader(r)
	for n := 0; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				log.Warn("change log: the last line was cut short (the server stopped while writing it, before its request was answered); it is left out", "line", n+1, "bytes", len(line))
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
		var l logLine
		if err := session.DecodeStrict(line, &l); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
		v, ok := vendors[l.Vendor]
		if !ok {
			return n, fmt.Errorf("line %d: vendor %q is not served", n+1, l.Vendor)
		}
		if err := v.Apply(l.Change); err != nil {
			return n, fmt.Errorf("line %d: %w", n+1, err)
		}
	}
}

// removeLogs removes the change logs once the state file holds them.
func (s *Server) removeLogs(paths ...string) error {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return syncDir(filepath.Dir(s.cfg.StateFile))
}

// startChangeLog starts the change log of DurabilityFsync, once the state
// is loaded and saved, and has every vendor log its changes to it.
func (s *Server) startChangeLog() error {
	l, err := openChangeLog(s.cfg.StateFile+".log", s.log)
	if err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	for _, v := range s.vendors {
		id := v.ID()
		v.LogChanges(func(change json.RawMessage) { l.add(id, change) })
	}
	s.changes = l
	return nil
}

// makeFixtures has every vendor make its fixtures' state now
// (DurabilityFsync): at start, before the state file is written, and after
// a reset, before it is answered.
func (s *Server) makeFixtures() {
	if s.cfg.StateDurability != DurabilityFsync {
		return
	}
	for _, v := range s.vendors {
		v.MakeFixtures()
	}
}

// syncChanges makes every change made so far durable (DurabilityFsync).
func (s *Server) syncChanges() error {
	if s.changes == nil {
		return nil
	}
	return s.changes.sync(s.changes.mark())
}

// durably wraps a vendor's handlers so that, with DurabilityFsync, a
// request that changed state is answered only once the change is durable.
// A request that cannot change state (GET, HEAD) never waits.
func (s *Server) durably(handlers map[string]pipeline.Handler) map[string]pipeline.Handler {
	if s.changes == nil {
		return handlers
	}
	out := make(map[string]pipeline.Handler, len(handlers))
	for op, h := range handlers {
		out[op] = func(c echo.Context, in pipeline.Request) (int, any, error) {
			if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
				return h(c, in)
			}
			before := s.changes.mark()
			status, body, err := h(c, in)
			if after := s.changes.mark(); after > before {
				if serr := s.changes.sync(after); serr != nil {
					return 0, nil, echo.NewHTTPError(http.StatusInternalServerError, fmt.Sprintf(
						"the change was made in memory but could not be written to %s (%v): it is kept only if the next save of the state file succeeds", s.changes.path, serr))
				}
			}
			return status, body, err
		}
	}
	return out
}

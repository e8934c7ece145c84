package mock

import (
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/openapi"
)

// Entry is one request in the journal. It holds no headers and no body, so
// no credential ever reaches it.
type Entry struct {
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Query       string    `json:"query,omitempty"`
	Status      int       `json:"status"`
	OperationID string    `json:"operation_id,omitempty"`
	Violations  []string  `json:"violations,omitempty"`
	DurationMS  float64   `json:"duration_ms"`
}

// journal keeps the last size requests in a ring.
type journal struct {
	mu      sync.Mutex
	entries []Entry
	next    int
	full    bool
}

func newJournal(size int) *journal { return &journal{entries: make([]Entry, size)} }

func (j *journal) add(e Entry) {
	j.mu.Lock()
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	j.full = j.full || j.next == 0
	j.mu.Unlock()
}

// newest returns up to limit entries, newest first; limit ≤ 0 means all.
func (j *journal) newest(limit int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	if limit > 0 && limit < n {
		n = limit
	}
	out := make([]Entry, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, j.entries[(j.next-i+len(j.entries))%len(j.entries)])
	}
	return out
}

func (j *journal) reset() {
	j.mu.Lock()
	clear(j.entries)
	j.next, j.full = 0, false
	j.mu.Unlock()
}

// record writes every vendor request to the journal once its response,
// error or not, has been written.
func (s *Server) record(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, adminPrefix) {
			return next(c)
		}
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		var vs []string
		for _, v := range openapi.Violations(c) {
			vs = append(vs, v.String())
		}
		entry := Entry{
			Time:        s.cfg.Clock().UTC(),
			Method:      req.Method,
			Path:        req.URL.Path,
			Query:       req.URL.RawQuery,
			Status:      c.Response().Status,
			OperationID: openapi.OperationID(c),
			Violations:  vs,
			DurationMS:  float64(time.Since(start).Microseconds()) / 1000,
		}
		s.journal.add(entry)
		// Like the journal, the log line holds no header and no body.
		s.log.Debug("request", "method", entry.Method, "path", entry.Path, "status", entry.Status,
			"operation", entry.OperationID, "violations", entry.Violations, "duration_ms", entry.DurationMS)
		return nil
	}
}

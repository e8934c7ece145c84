package journal

import (
	"bytes"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
)

// teeWriter passes on what is written to the client, and keeps it for
// the journal: the pipeline's answer (State.Answer) as it is, written in
// one piece, and anything else (an error echo writes, an upstream's
// answer) as a copy of its first limit bytes. total counts it all.
type teeWriter struct {
	http.ResponseWriter
	st    *pipeline.State
	limit int
	kept  []byte
	owned bool // kept is the pipeline's answer, not a copy
	total int64
}

func (w *teeWriter) Write(p []byte) (int, error) {
	switch a := w.st.Answer; {
	case w.total == 0 && len(p) > 0 && len(p) == len(a) && &p[0] == &a[0]:
		w.kept, w.owned = p, true
	case w.owned:
		// More after the answer: from here on, a copy.
		w.kept, w.owned = bytes.Clone(w.kept[:min(len(w.kept), w.limit)]), false
		fallthrough
	default:
		if room := w.limit - len(w.kept); room > 0 {
			w.kept = append(w.kept, p[:min(room, len(p))]...)
		}
	}
	w.total += int64(len(p))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flush, hijack,
// deadlines).
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Recording is what Record needs of the server.
type Recording struct {
	// Clock gives the entries' times.
	Clock func() time.Time
	// Log receives a line per request, with no header and no body.
	Log *slog.Logger
	// Secrets are the vendors' secret names, redacted besides the usual
	// ones.
	Secrets *redact.Rules
	// Credentials reports whether an operation of a vendor exchanges
	// credentials: its bodies that are not JSON are redacted whole.
	Credentials func(vendor, operation string) bool
	// WriteError writes the answer to an error the handlers returned.
	WriteError func(c echo.Context, err error)
}

// Record returns the middleware that writes every vendor request to the
// journal once its answer, error or not, has been written: its session
// and vendor, the bodies both ways (cut at the per-body limit), and the
// verdict, as the request's pipeline.State has them. A request the faults
// reset (State.Reset) is recorded with no status, then its connection
// closed, so that a client that sees the reset finds it in the journal.
func (j *Journal) Record(r Recording) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			return j.record(c, next, &r)
		}
	}
}

func (j *Journal) record(c echo.Context, next echo.HandlerFunc, r *Recording) error {
	req := c.Request()
	if admin.Owns(req.URL.Path) {
		return next(c)
	}
	start := time.Now()
	// The request's body is the one the pipeline read (State.Body); the
	// answer is kept as it is written.
	st := pipeline.StateOf(c)
	res := c.Response()
	out := &teeWriter{ResponseWriter: res.Writer, st: st, limit: j.keep}
	res.Writer = out

	if err := next(c); err != nil {
		r.WriteError(c, err)
	}
	var vs []string
	for _, v := range st.Violations {
		vs = append(vs, v.String())
	}
	credentials := st.Vendor != "" && r.Credentials(st.Vendor, st.Operation)
	// A copy of the answer's headers: the vendor's gateway may still
	// change those of an answer with no body (Endor's gzip step) after
	// this.
	resHeader := maps.Clone(res.Header())
	entry := held{Entry: Entry{
		Time:         r.Clock().UTC(),
		Session:      st.Session,
		Vendor:       st.Vendor,
		Method:       req.Method,
		Path:         req.URL.Path,
		Query:        req.URL.RawQuery,
		IgnoredQuery: st.IgnoredQuery,
		Status:       res.Status,
		OperationID:  st.Operation,
		Violations:   vs,
		Fault:        st.Fault,
		Stub:         st.Stub,
		DurationMS:   float64(time.Since(start).Microseconds()) / 1000,
		Request:      Message{Header: r.Secrets.Headers(req.Header), BodyBytes: int64(len(st.Body))},
		Response:     Message{Header: r.Secrets.Headers(resHeader), BodyBytes: out.total},
	}}
	if st.BodyRead {
		entry.req = store(r.Secrets, st.Body, int64(len(st.Body)), req.Header.Get(echo.HeaderContentType), credentials, j.bodyCut, st.BodyScanned, st.BodyJSON)
	}
	entry.res = store(r.Secrets, out.kept, out.total, resHeader.Get(echo.HeaderContentType), credentials, j.bodyCut, false, false)
	if st.Reset || (!res.Committed && req.Context().Err() != nil) {
		entry.Status = 0 // no answer: a reset, or the client went first
	}
	if entry.Verdict = st.Verdict(entry.Status); entry.Verdict == VerdictRejected {
		entry.Reason = st.Reason
	}
	j.add(entry)
	// Like the journal, the log line holds no header and no body.
	if r.Log.Enabled(req.Context(), slog.LevelDebug) {
		r.Log.Debug("request", "method", entry.Method, "path", entry.Path, "session", entry.Session, "status", entry.Status,
			"operation", entry.OperationID, "violations", entry.Violations, "duration_ms", entry.DurationMS)
	}
	if st.Reset {
		return resetConnection(c)
	}
	return nil
}

// resetConnection closes the request's connection without an answer; with
// TCP, with a reset (RST) rather than an orderly close.
func resetConnection(c echo.Context) error {
	conn, _, err := http.NewResponseController(c.Response().Writer).Hijack()
	if err != nil {
		// net/http closes the connection of a handler that aborts.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
	return nil
}

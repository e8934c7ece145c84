package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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

// capture keeps the first limit bytes written to it and counts them all.
type capture struct {
	buf   bytes.Buffer
	limit int
	total int64
}

func (c *capture) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.limit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// message makes the journal's Message of a captured body and its headers:
// redacted whole with rules (credentials: the body of an operation that
// exchanges them), then cut at cut bytes. scanned says that the pipeline's
// one scan of the body found whether it is JSON (isJSON): the body is not
// read again to find out.
func (c *capture) message(rules *redact.Rules, h http.Header, credentials bool, cut int, scanned, isJSON bool) Message {
	m := Message{Header: rules.Headers(h), BodyBytes: c.total}
	if c.total == 0 {
		return m
	}
	var body []byte
	if scanned && int64(c.buf.Len()) == c.total {
		body = rules.KnownBody(c.buf.Bytes(), h.Get(echo.HeaderContentType), credentials, isJSON)
	} else {
		body, isJSON = rules.Body(c.buf.Bytes(), h.Get(echo.HeaderContentType), credentials)
	}
	switch {
	case len(body) > cut || int64(c.buf.Len()) < c.total:
		m.BodyText = string(body[:min(len(body), cut)]) + fmt.Sprintf("…[repomock: body cut at %d of %d bytes]", min(len(body), cut), c.total)
	case isJSON:
		m.Body = json.RawMessage(body)
	default:
		m.BodyText = string(body)
	}
	return m
}

// teeWriter copies what is written to the client into a capture.
type teeWriter struct {
	http.ResponseWriter
	c *capture
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.c.Write(p)
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
	// Bodies are kept whole (within the body limit) until redacted,
	// then cut: a secret across the cut is redacted all the same.
	reqBody := &capture{limit: j.keep}
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(req.Body, reqBody), req.Body}
	}
	resBody := &capture{limit: j.keep}
	res := c.Response()
	res.Writer = &teeWriter{ResponseWriter: res.Writer, c: resBody}

	if err := next(c); err != nil {
		r.WriteError(c, err)
	}
	st := pipeline.StateOf(c)
	var vs []string
	for _, v := range st.Violations {
		vs = append(vs, v.String())
	}
	credentials := st.Vendor != "" && r.Credentials(st.Vendor, st.Operation)
	entry := Entry{
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
		Request:      reqBody.message(r.Secrets, req.Header, credentials, j.bodyCut, st.BodyScanned, st.BodyJSON),
		// A copy: the vendor's gateway may still change the headers
		// of an answer with no body (Endor's gzip step) after this.
		Response: resBody.message(r.Secrets, maps.Clone(res.Header()), credentials, j.bodyCut, false, false),
	}
	if st.Reset || (!res.Committed && req.Context().Err() != nil) {
		entry.Status = 0 // no answer: a reset, or the client went first
	}
	if entry.Verdict = st.Verdict(entry.Status); entry.Verdict == VerdictRejected {
		entry.Reason = st.Reason
	}
	j.add(entry)
	// Like the journal, the log line holds no header and no body.
	r.Log.Debug("request", "method", entry.Method, "path", entry.Path, "session", entry.Session, "status", entry.Status,
		"operation", entry.OperationID, "violations", entry.Violations, "duration_ms", entry.DurationMS)
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

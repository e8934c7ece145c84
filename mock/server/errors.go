package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

// headerError is a vendor error whose answer carries headers of its own
// (Endor's Retry-After on a 429).
type headerError interface {
	ResponseHeader() http.Header
}

// handleError is echo's error handler: the server's one, writeError.
func (s *Server) handleError(err error, c echo.Context) { s.writeError(c, err) }

// writeError is the server's one error writer: echo's error handler, and
// the pipeline's ErrFunc. A vendor error is written as it is; any other
// failure (a request or response that breaks the spec, an unknown route, a
// panic) becomes the vendor's error for its status.
func (s *Server) writeError(c echo.Context, err error) {
	if c.Response().Committed {
		s.log.Error("error after the response was sent", "path", c.Request().URL.Path, "err", err)
		return
	}
	if c.Request().Context().Err() != nil {
		// The client has gone: there is no one to answer (the journal
		// records no status).
		s.log.Debug("client gone before the answer", "method", c.Request().Method, "path", c.Request().URL.Path)
		return
	}
	var out vendor.Error
	reason := err.Error()
	if !errors.As(err, &out) {
		status, message := classify(err)
		if status >= http.StatusInternalServerError {
			s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		}
		out, reason = s.errorFor(c, status, message), message
	}
	if len(reason) > maxReason {
		reason = reason[:maxReason] + "…"
	}
	pipeline.StateOf(c).Reason = reason
	body, merr := jsonvalue.Marshal(out)
	if merr != nil {
		s.log.Error("cannot encode error body", "err", merr)
		body, _ = json.Marshal(&admin.Error{Message: "internal error"})
	}
	if h, ok := out.(headerError); ok {
		for name, values := range h.ResponseHeader() {
			c.Response().Header()[name] = values
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(out.StatusCode())
		return
	}
	if werr := c.JSONBlob(out.StatusCode(), body); werr != nil {
		s.log.Warn("writing error response", "err", werr)
	}
}

// maxReason bounds the reason the journal keeps of a refusal.
const maxReason = 1000

// errorFor is the error of the request's vendor for a failure no handler
// of its made, or a plain {"message": …} outside every vendor.
func (s *Server) errorFor(c echo.Context, status int, message string) vendor.Error {
	if v := s.vendorOf(c); v != nil {
		var out vendor.Error
		if errors.As(v.ErrorFor(c, status, message), &out) {
			return out
		}
	}
	return &admin.Error{Status: status, Message: message}
}

// classify gives the status and the client-facing message of a failure
// that is not already a vendor error.
func classify(err error) (int, string) {
	var (
		reqErr  *pipeline.RequestError
		respErr *pipeline.ResponseError
		httpErr *echo.HTTPError
	)
	switch {
	case errors.As(err, &reqErr):
		return reqErr.Status, reqErr.Error()
	case errors.As(err, &respErr):
		return http.StatusInternalServerError, "repomock: " + respErr.Error()
	case errors.As(err, &httpErr):
		return httpErr.Code, fmt.Sprint(httpErr.Message)
	default:
		return http.StatusInternalServerError, "internal error"
	}
}

// panicError is a recovered handler panic.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverPanics turns a panic in a handler into a logged 500 in the
// vendor's shape; the server goes on serving.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				p := &panicError{value: r, stack: debug.Stack()}
				s.log.Error("handler panicked", "path", c.Request().URL.Path, "panic", fmt.Sprint(r), "stack", string(p.stack))
				err = p
			}
		}()
		return next(c)
	}
}

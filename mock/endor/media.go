package endor

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// The media types Endor's grpc-gateway registers a marshaler for. Endor's
// official SDK sends application/jsoncompact on every request by default.
const (
	MediaTypeJSON        = "application/json"
	MediaTypeJSONCompact = "application/jsoncompact"
)

// JSONMediaTypes are the request and response media types, other than
// application/json, that Endor reads and writes as JSON.
func JSONMediaTypes() []string { return []string{MediaTypeJSONCompact} }

// registered reports whether Endor's gateway has a marshaler for mt.
func registered(mt string) bool { return mt == MediaTypeJSON || mt == MediaTypeJSONCompact }

// ResponseMediaType is the Content-Type Endor answers r with, chosen as
// grpc-gateway's MarshalerForRequest chooses the outbound marshaler: the
// first Accept value that names a registered type, else the request's
// Content-Type when registered, else application/json.
//
// Assumption (vendors.md §5): the jsoncompact marshaler answers with its
// own name, application/jsoncompact, and the same JSON.
func ResponseMediaType(r *http.Request) string {
	// grpc-gateway looks each Accept header value up as a whole, so
	// "application/jsoncompact, */*" names no registered type.
	for _, accept := range r.Header.Values(echo.HeaderAccept) {
		if mt := strings.ToLower(strings.TrimSpace(accept)); registered(mt) {
			return mt
		}
	}
	for _, ct := range r.Header.Values(echo.HeaderContentType) {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && registered(mt) {
			return mt
		}
	}
	return MediaTypeJSON
}

// Negotiate makes every answer to the request, whoever writes it (a
// handler, the server's error handler, a validation failure), carry the
// media type ResponseMediaType chooses in place of application/json.
func Negotiate(c echo.Context) {
	mt := ResponseMediaType(c.Request())
	if mt == MediaTypeJSON {
		return
	}
	res := c.Response()
	res.Before(func() {
		h := res.Header()
		if ct, _, err := mime.ParseMediaType(h.Get(echo.HeaderContentType)); err == nil && ct == MediaTypeJSON {
			h.Set(echo.HeaderContentType, mt)
		}
	})
}

// gateway is what Endor's gateway does to every request before a service
// sees it: it picks the answer's media type (Negotiate), and compresses the
// answer with gzip when the client accepts it (vendors.md §6).
func gateway() echo.MiddlewareFunc {
	gz := middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper: func(c echo.Context) bool { return !AcceptsGzip(c.Request().Header.Values(echo.HeaderAcceptEncoding)) },
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		compressed := gz(next)
		return func(c echo.Context) error {
			Negotiate(c)
			return compressed(c)
		}
	}
}

// AcceptsGzip reads Accept-Encoding values: gzip named with a q-value
// above 0. (A bare * is not read as gzip.)
func AcceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" {
				continue
			}
			q := 1.0
			if name, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(name) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

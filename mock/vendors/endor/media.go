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
// Both answer as application/json.
const (
	MediaTypeJSON        = "application/json"
	MediaTypeJSONCompact = "application/jsoncompact"
)

// JSONMediaTypes are the request media types, other than
// application/json, that Endor reads as JSON.
func JSONMediaTypes() []string { return []string{MediaTypeJSONCompact} }

// registered reports whether Endor's gateway has a marshaler for mt.
func registered(mt string) bool { return mt == MediaTypeJSON || mt == MediaTypeJSONCompact }

// Compact reports whether Endor answers r with its jsoncompact marshaler,
// which leaves unpopulated fields out. grpc-gateway's MarshalerForRequest
// chooses the outbound marshaler: the first Accept value that names a
// registered type, else the request's Content-Type when registered, else
// the default JSON marshaler.
//
// Whichever it chooses, the answer is labelled application/json: that is
// what grpc-gateway's JSON marshalers give as their ContentType, whatever
// type they are registered under (vendors.md §7).
func Compact(r *http.Request) bool {
	// grpc-gateway looks each Accept header value up as a whole, so
	// "application/jsoncompact, */*" names no registered type.
	for _, accept := range r.Header.Values(echo.HeaderAccept) {
		if mt := strings.ToLower(strings.TrimSpace(accept)); registered(mt) {
			return mt == MediaTypeJSONCompact
		}
	}
	for _, ct := range r.Header.Values(echo.HeaderContentType) {
		if ct == MediaTypeJSON {
			return false // most requests: not parsed
		}
		if mt, _, err := mime.ParseMediaType(ct); err == nil && registered(mt) {
			return mt == MediaTypeJSONCompact
		}
	}
	return false
}

// gateway is what Endor's gateway does to every request before a service
// sees it: it compresses the answer with gzip when the client accepts it
// (vendors.md §6).
func gateway() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper: func(c echo.Context) bool { return !AcceptsGzip(c.Request().Header.Values(echo.HeaderAcceptEncoding)) },
	})
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

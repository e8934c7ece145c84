package endor

import (
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
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

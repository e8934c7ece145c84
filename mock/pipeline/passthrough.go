package pipeline

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// Raw is a Handler's answer written as it is, byte for byte: an
// upstream's status, headers and body (repomock proxy, which sets
// State.Upstream), or a file's (the admin API's). The Validator checks
// it as it checks an error body the error handler wrote: kin-openapi
// checks the status and the headers, and the body is decoded once and
// visited against the schema the spec declares for its status and
// content type. The vendor's codec never rewrites it.
type Raw struct {
	Status int
	Header http.Header
	Body   []byte
}

// writeRaw writes r, headers first, into the response the Validator
// buffers until it is checked.
func writeRaw(c echo.Context, r *Raw) error {
	res := c.Response()
	h := res.Header()
	for k, vs := range r.Header {
		h[k] = slices.Clone(vs)
	}
	res.WriteHeader(r.Status)
	if len(r.Body) == 0 {
		return nil
	}
	_, err := res.Write(r.Body)
	return err
}

package openapi

import (
	"bytes"
	"encoding/json"

	"github.com/labstack/echo/v4"
)

// MarshalJSON is how every answer's JSON is written, for every vendor:
// encoding/json without HTML escaping (no vendor writes <, > or & as
// \u003c on the wire: not protojson, not Jackson) and without a trailing
// newline.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WriteJSON answers with status and v as application/json, written by
// MarshalJSON.
func WriteJSON(c echo.Context, status int, v any) error {
	data, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	return c.JSONBlob(status, data)
}

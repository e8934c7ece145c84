package faults

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

// Prism's Prefer header, for quick manual tests: "Prefer: code=429" answers
// the vendor's error for 429, when the operation documents it, without
// touching state; a documented 2xx is the normal answer. Other
// preferences are ignored (RFC 7240).

// statuses are the answers an operation's spec documents.
type statuses struct {
	codes      []int // in order
	anyFailure bool  // a default response: any 4xx or 5xx
}

// documented holds the statuses of a vendor's operations, by operationId.
type documented map[string]statuses

// documentedStatuses reads every operation's responses from doc.
func documentedStatuses(doc *openapi3.T) documented {
	out := documented{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			var st statuses
			for key := range op.Responses.Map() {
				if key == "default" {
					st.anyFailure = true
					continue
				}
				if n, err := strconv.Atoi(key); err == nil {
					st.codes = append(st.codes, n)
				}
			}
			slices.Sort(st.codes)
			out[op.OperationID] = st
		}
	}
	return out
}

func (st statuses) allows(code int) bool {
	return slices.Contains(st.codes, code) || (st.anyFailure && code >= 400 && code <= 599)
}

func (st statuses) String() string {
	parts := make([]string, 0, len(st.codes)+1)
	for _, c := range st.codes {
		parts = append(parts, strconv.Itoa(c))
	}
	if st.anyFailure {
		parts = append(parts, "any 4xx or 5xx")
	}
	return strings.Join(parts, ", ")
}

// preferredCode reads code=NNN from the Prefer header values; ok is false
// when none names a code.
func preferredCode(values []string) (code int, ok bool, err error) {
	for _, v := range values {
		for _, pref := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "code") {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"`)
			n, err := strconv.Atoi(val)
			if err != nil || n < 100 || n > 599 {
				return 0, true, fmt.Errorf("code=%s is not an HTTP status", admin.Clip(val))
			}
			return n, true, nil
		}
	}
	return 0, false, nil
}

// prefer answers the request's Prefer: code=NNN, if any: nil for a
// documented 2xx (the normal answer follows), the vendor's error for a
// documented failure, and a 400 naming the documented statuses otherwise.
func prefer(c echo.Context, v vendor.Vendor, st statuses) error {
	code, ok, err := preferredCode(c.Request().Header.Values("Prefer"))
	if !ok {
		return nil
	}
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Prefer: "+err.Error())
	}
	if !st.allows(code) {
		return echo.NewHTTPError(http.StatusBadRequest,
			fmt.Sprintf("Prefer: code=%d is not documented for this operation; documented: %s", code, st))
	}
	if code < 400 {
		return nil
	}
	return v.ErrorFor(c, code, failureMessage(code))
}

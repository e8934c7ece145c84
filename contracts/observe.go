package contracts

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/recording"
)

// scenario names the next exchange of op in the current scope.
func (s *suite) scenario(op *operation) string {
	parts := append([]string{op.vendor.key}, s.scope...)
	if len(s.scope) < 2 || s.scope[len(s.scope)-1] != op.id {
		parts = append(parts, op.id)
	}
	prefix := strings.Join(parts, ".")
	s.scenarios[prefix]++
	return fmt.Sprintf("%s.%03d", prefix, s.scenarios[prefix])
}

// observe hands an exchange to Target.Observe.
func (s *suite) observe(scenario string, op *operation, req request, hr *http.Request, body []byte, x *exchange, err error) {
	if s.target.Observe == nil {
		return
	}
	e := recording.Exchange{
		Scenario: scenario, Vendor: op.vendor.name, Operation: op.id, Method: hr.Method, Path: op.path,
		PathParams: req.params, URL: hr.URL.String(),
	}
	if len(req.query) > 0 {
		e.Query = req.query
	}
	if err != nil {
		e.Error = err.Error()
	}
	var header http.Header
	var respBody []byte
	var names []string
	if x != nil {
		e.Status = x.status
		header, respBody = x.header, x.body
		if resp, ok := declared(x); ok {
			for name := range resp.Headers {
				names = append(names, name)
			}
		}
	}
	e = recording.Observed(e, recording.Redactor{Body: redact.Body, Headers: redact.Headers}, redact.Credentials(op.route.Operation),
		hr.Header, body, header, respBody, names)
	s.target.Observe(e)
}

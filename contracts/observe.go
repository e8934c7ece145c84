package contracts

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/repomock/repomock/internal/redact"
	"github.com/repomock/repomock/mock/recording"
)

// scenario names the next exchange of op in the current scope.
func (s *Suite) scenario(op *Operation) string {
	parts := append([]string{op.Vendor.key()}, s.scope...)
	if len(s.scope) < 2 || s.scope[len(s.scope)-1] != op.ID {
		parts = append(parts, op.ID)
	}
	prefix := strings.Join(parts, ".")
	s.scenarios[prefix]++
	return fmt.Sprintf("%s.%03d", prefix, s.scenarios[prefix])
}

// observe hands an exchange to Target.Observe.
func (s *Suite) observe(scenario string, op *Operation, req Request, hr *http.Request, body []byte, x *Exchange, err error) {
	if s.target.Observe == nil {
		return
	}
	e := recording.Exchange{
		Scenario: scenario, Seed: s.target.Seed, Vendor: op.Vendor.Name, Operation: op.ID, Method: hr.Method, Path: op.Path,
		PathParams: req.Params, URL: hr.URL.String(),
	}
	if len(req.Query) > 0 {
		e.Query = req.Query
	}
	if err != nil {
		e.Error = err.Error()
	}
	var header http.Header
	var respBody []byte
	var names []string
	if x != nil {
		e.Status = x.Status
		header, respBody = x.Header, x.Body
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

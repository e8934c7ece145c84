package pipeline

import (
	"github.com/labstack/echo/v4"
)

// Try writes what h answers as the handler of the operation operationID,
// as a request's answer is written (the vendor's codec, Options.ErrFunc
// for an error), into a buffer that goes nowhere, and returns how that
// answer breaks the spec, in the words of a response check. A server
// checks an answer given in advance (a stub's) with it, before any request
// gets it. c is a request the caller made up for the operation, with its
// path parameters in its State. ok is false when the document has no
// operation operationID.
func (v *Validator) Try(c echo.Context, operationID string, h Handler) (vs []Violation, ok bool) {
	var rt *route
	for _, op := range v.ops {
		if op.ID == operationID {
			rt = v.routes[op.Method+" "+op.EchoPath]
			break
		}
	}
	if rt == nil {
		return nil, false
	}
	st := StateOf(c)
	st.Operation = rt.op.ID
	res := c.Response()
	out := res.Writer
	buf := newBufferedWriter(out)
	res.Writer = buf
	defer func() { res.Writer = out }()

	var written *answer
	status, value, err := h(c, Request{Params: st.Params, Query: c.QueryParams(), Operation: rt.kin.Operation, Session: st.Session})
	if err == nil {
		written, err = v.write(c, st, rt, buf, status, value)
	}
	if err != nil {
		v.opts.ErrFunc(c, err)
	}
	if err := v.validateResponse(c, rt, st.Params, buf, written); err != nil {
		return violations(err), true
	}
	return nil, true
}

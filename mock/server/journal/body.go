package journal

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/internal/redact"
)

// stored is a body as the journal keeps it: redacted when it was written
// to the journal, in one pass, and otherwise the very bytes the pipeline
// read or wrote (State.Body, State.Answer), not a copy. Whether it is
// JSON, and its cut form, are worked out when it is read: the journal is
// written on every request and read seldom.
type stored struct {
	// data is the body, redacted: whole, or, when it was longer than the
	// journal's cut (or not read whole), a copy of its first bytes, so
	// that the journal holds no more than it shows.
	data  []byte
	cut   bool
	total int64 // the whole body's size
	// json is whether data is one well-formed JSON value, when that was
	// known as it was written (the pipeline's scan of a request, or the
	// redaction of a body that exchanges credentials): 1 yes, -1 no, 0
	// unknown (read it to tell).
	json int8
}

// store makes the journal's copy of a body of which data was read (or
// written) out of total bytes. known says that the pipeline's one scan
// found whether it is JSON (isJSON).
func store(rules *redact.Rules, data []byte, total int64, contentType string, credentials bool, cut int, known, isJSON bool) stored {
	if len(data) == 0 {
		return stored{total: total}
	}
	// Bodies are redacted whole (within the body limit), then cut: a
	// secret across the cut is redacted all the same.
	var b stored
	if known && int64(len(data)) == total {
		b.data, b.json = rules.KnownBody(data, contentType, credentials, isJSON), verdict(isJSON)
	} else {
		var knows bool
		if b.data, isJSON, knows = rules.Redact(data, contentType, credentials); knows {
			b.json = verdict(isJSON)
		}
	}
	b.total = total
	if len(b.data) > cut || int64(len(data)) < total {
		b.data, b.cut = bytes.Clone(b.data[:min(len(b.data), cut)]), true
	}
	return b
}

func verdict(isJSON bool) int8 {
	if isJSON {
		return 1
	}
	return -1
}

// show is the body as a Message has it: Body when it is whole JSON,
// BodyText otherwise, and a body cut at the journal's limit ends with a
// marker saying so.
func (b stored) show() (json.RawMessage, string) {
	switch {
	case len(b.data) == 0:
		return nil, ""
	case b.cut:
		return nil, string(b.data) + fmt.Sprintf("…[repomock: body cut at %d of %d bytes]", len(b.data), b.total)
	case b.json > 0 || b.json == 0 && jsonvalue.Valid(b.data):
		return json.RawMessage(b.data), ""
	}
	return nil, string(b.data)
}

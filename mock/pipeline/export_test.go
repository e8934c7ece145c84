package pipeline

import "github.com/getkin/kin-openapi/openapi3"

// What the tests of package pipeline_test read of a Validator, to hold a
// Codec's one-pass check to kin-openapi (onepass_test.go).

// BodySchemas lists the request bodies' schemas of v, or its answers'.
func (v *Validator) BodySchemas(response bool) []*openapi3.Schema {
	free := v.reqFree
	if response {
		free = v.respFree
	}
	out := make([]*openapi3.Schema, 0, len(free))
	for s := range free {
		out = append(out, s)
	}
	return out
}

// BodyCodec is the Codec's BodyCodec of s, as v reads (or writes) s.
func (v *Validator) BodyCodec(s *openapi3.Schema, response bool) BodyCodec {
	if response {
		return v.respCodec[s]
	}
	return v.reqCodec[s]
}

// KinBody is v's verdict on value, a body of schema s as the codec read
// or wrote it, without the compiled validator: kin-openapi's, visiting s
// as v does, and, for a request, the unknown-field rule's.
func (v *Validator) KinBody(s *openapi3.Schema, response bool, value any) error {
	if response {
		opts, _ := v.responseBody(s)
		return s.VisitJSON(value, opts...)
	}
	opts, _ := v.requestBody(s)
	if err := s.VisitJSON(value, opts...); err != nil {
		return err
	}
	var vs []Violation
	if v.opts.RejectUnknownFields {
		if unknownFields(s, value, nil, &vs); len(vs) > 0 {
			return &RequestError{Violations: vs}
		}
	}
	return nil
}

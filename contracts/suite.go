// Package contracts is a contract suite for the three repository APIs that
// repomock fakes. It certifies any target, repomock or the real vendor, with
// the same checks: conformance of every response to specs/, rejection of
// invalid and acceptance of valid generated requests, and the vendors'
// documented behaviour (upserts, duplicate names, read-after-write, auth).
//
// Run(t, target) runs it inside go test; Evaluate returns the results for
// other reporters (the repomock contract command). It imports the specs and
// kin-openapi, never the fakes, so it runs from any checkout against any URL.
package contracts

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/repomock/repomock/specs"
)

// The checks, named as Schemathesis names them where it has one.
const (
	CheckStatusCode       = "status_code_conformance"
	CheckContentType      = "content_type_conformance"
	CheckResponseSchema   = "response_schema_conformance"
	CheckResponseHeaders  = "response_headers_conformance"
	CheckNegativeData     = "negative_data_rejection"
	CheckPositiveData     = "positive_data_acceptance"
	CheckUpsert           = "upsert_idempotency"
	CheckReadAfterWrite   = "read_after_write"
	CheckDuplicateName    = "duplicate_name_rejection"
	CheckCreateTwice      = "create_twice_rejection"
	CheckMissingAuth      = "missing_auth_rejection"
	maxFailuresPerResult  = 20
	positiveCasesPerOp    = 5
	conformanceCheckCount = 4
)

// Status is the outcome of one check on one operation.
type Status string

// The outcomes.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is one check on one operation.
type Result struct {
	Vendor    string
	Check     string
	Operation string
	Status    Status
	// Reason is the first failure, or why the check was skipped.
	Reason string
	// Failures lists every failure (up to 20).
	Failures []string
	// Cases counts the requests or responses the check looked at.
	Cases int
}

// Report is the outcome of a whole run.
type Report struct {
	Target   string
	Results  []Result
	Duration time.Duration
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Results, func(x Result) bool { return x.Status == Fail })
}

// Run runs the suite against target with one sub-test per check and
// operation, named check/operation (status_code_conformance/CreateRepository).
func Run(t *testing.T, target Target) {
	t.Helper()
	rep, err := Evaluate(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		t.Run(r.Check+"/"+r.Operation, func(t *testing.T) {
			switch r.Status {
			case Fail:
				for _, f := range r.Failures {
					t.Error(f)
				}
			case Skip:
				t.Skip(r.Reason)
			}
		})
	}
}

// Evaluate runs the suite against target and returns every result. Objects
// it creates on the target are named with target.Prefix and deleted at the
// end where the API offers a delete. An error means the suite could not run
// at all (a spec did not load, credentials are missing).
func Evaluate(ctx context.Context, target Target) (*Report, error) {
	target.defaults()
	if missing := target.missingCredentials(); len(missing) > 0 {
		return nil, fmt.Errorf("contracts: %s", strings.Join(missing, "; "))
	}
	start := time.Now()
	s, err := newSuite(ctx, target)
	if err != nil {
		return nil, err
	}
	for _, v := range s.vendors {
		if v.url == "" {
			continue
		}
		v.scenarios(s)
	}
	s.cleanup()
	s.conformance()
	return &Report{Target: target.Name, Results: s.sortedResults(), Duration: time.Since(start)}, nil
}

// operation is one operation of a spec, ready to call.
type operation struct {
	vendor *vendor
	id     string
	method string
	path   string
	route  *routers.Route
}

// requestSchema is the JSON body schema of the operation, or nil.
func (op *operation) requestSchema() *openapi3.Schema {
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// vendor is one API under test: its spec's operations, its base URL, how
// it authenticates, what its error envelope is, and its scenarios.
type vendor struct {
	name string
	spec string
	url  string
	ops  map[string]*operation
	// authorize adds credentials to a request about to be sent.
	authorize func(s *suite, req *http.Request, body []byte) error
	// envelope checks a 4xx body is the vendor's error envelope.
	envelope func(status int, body []byte) error
	// scenarios exercise the vendor's operations and record behaviour checks.
	scenarios func(s *suite)
}

func (v *vendor) op(id string) *operation {
	op := v.ops[id]
	if op == nil {
		panic(fmt.Sprintf("contracts: %s has no operation %s", v.spec, id))
	}
	return op
}

type resultKey struct{ check, op string }

// suite is one run.
type suite struct {
	ctx      context.Context
	target   Target
	client   *http.Client
	vendors  []*vendor
	seen     map[*operation][]*exchange
	results  map[resultKey]*Result
	order    []resultKey
	cleanups []func()
	seq      int
	// endorToken is the bearer token, once exchanged from an API key.
	endorToken string
}

func newSuite(ctx context.Context, target Target) (*suite, error) {
	s := &suite{
		ctx:     ctx,
		target:  target,
		client:  target.HTTPClient,
		seen:    map[*operation][]*exchange{},
		results: map[resultKey]*Result{},
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	for _, v := range []*vendor{endorVendor(target), codeartsVendor(target), servicestageVendor(target)} {
		doc, err := specs.Load(ctx, specs.FS(), v.spec)
		if err != nil {
			return nil, fmt.Errorf("contracts: %w", err)
		}
		v.ops = map[string]*operation{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				v.ops[op.OperationID] = &operation{
					vendor: v, id: op.OperationID, method: method, path: path,
					route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				}
			}
		}
		s.vendors = append(s.vendors, v)
	}
	return s, nil
}

// result returns the result of check on op, creating it as a pass.
func (s *suite) result(check string, op *operation) *Result {
	k := resultKey{check, op.id}
	r := s.results[k]
	if r == nil {
		r = &Result{Vendor: op.vendor.name, Check: check, Operation: op.id, Status: Pass}
		s.results[k] = r
		s.order = append(s.order, k)
	}
	return r
}

// pass counts a case of check on op that passed.
func (s *suite) pass(check string, op *operation) { s.result(check, op).Cases++ }

// fail records a failed case of check on op.
func (s *suite) fail(check string, op *operation, format string, args ...any) {
	r := s.result(check, op)
	r.Cases++
	msg := fmt.Sprintf(format, args...)
	if r.Status != Fail {
		r.Status, r.Reason = Fail, msg
	}
	if len(r.Failures) < maxFailuresPerResult {
		r.Failures = append(r.Failures, msg)
	}
}

// skip records that check could not run on op, unless it already has cases.
func (s *suite) skip(check string, op *operation, why string) {
	r := s.result(check, op)
	if r.Cases == 0 && r.Status == Pass {
		r.Status, r.Reason = Skip, why
	}
}

// outcome records one case: a failure when err is not nil.
func (s *suite) outcome(check string, op *operation, err error) {
	if err != nil {
		s.fail(check, op, "%v", err)
		return
	}
	s.pass(check, op)
}

// name makes a recognisable, unique name for an object the suite creates.
func (s *suite) name(kind string) string {
	s.seq++
	return fmt.Sprintf("%s%s-%d-%04x", s.target.Prefix, kind, s.seq, s.target.Seed*7919%65536)
}

// onCleanup registers a deletion to run after the scenarios.
func (s *suite) onCleanup(f func()) { s.cleanups = append(s.cleanups, f) }

func (s *suite) cleanup() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}

func (s *suite) sortedResults() []Result {
	vendorRank := map[string]int{}
	for i, v := range s.vendors {
		vendorRank[v.name] = i
	}
	out := make([]Result, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, *s.results[k])
	}
	slices.SortStableFunc(out, func(a, b Result) int {
		if d := vendorRank[a.Vendor] - vendorRank[b.Vendor]; d != 0 {
			return d
		}
		if c := strings.Compare(a.Operation, b.Operation); c != 0 {
			return c
		}
		return strings.Compare(a.Check, b.Check)
	})
	return out
}

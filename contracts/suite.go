// Package contracts is a contract suite for the three repository APIs that
// repomock fakes. It certifies any target, repomock or the real vendor, with
// the same checks: conformance of every response to specs/, rejection of
// invalid and acceptance of valid generated requests (bodies and
// parameters), and the vendors' documented behaviour (upserts, duplicate
// names, read-after-write, use after free, auth). A preflight call per
// vendor first makes sure the credentials work, so that no refusal of them
// passes for a rejection.
//
// Target.Observe sees every exchange as package recording holds it
// (recording.Write records one), and Diff compares two recordings: the
// fidelity of repomock to the vendor.
//
// Run drives the checks through a Reporter, one sub-test per check and in it
// one per operation, each doing its own work when it runs; package
// contractstest hands it a *testing.T, so that this package, and the
// repomock binary that uses it, need not link testing. Evaluate records the
// results for other reporters (the repomock contract command). It imports
// the specs and kin-openapi, never the fakes, so it runs from any checkout
// against any URL.
package contracts

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/repomock/repomock/specs"
)

// The checks, named as Schemathesis names them where it has one.
const (
	CheckStatusCode      = "status_code_conformance"
	CheckContentType     = "content_type_conformance"
	CheckResponseSchema  = "response_schema_conformance"
	CheckResponseHeaders = "response_headers_conformance"
	CheckNegativeData    = "negative_data_rejection"
	CheckPositiveData    = "positive_data_acceptance"
	CheckUpsert          = "upsert_idempotency"
	CheckReadAfterWrite  = "read_after_write"
	CheckDuplicateName   = "duplicate_name_rejection"
	CheckCreateTwice     = "create_twice_rejection"
	CheckMissingAuth     = "missing_auth_rejection"
	CheckServerError     = "not_a_server_error"
	CheckUseAfterFree    = "use_after_free"
	CheckUnsupported     = "unsupported_method"
	CheckMissingHeader   = "missing_required_header"
	CheckQueryRules      = "query_rules"
	maxFailuresPerResult = 50
	positiveCasesPerOp   = 5
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
	// Failures lists every failure, each in full (up to 50; Dropped
	// counts the rest).
	Failures []string
	Dropped  int
	// Cases counts the requests or responses the check looked at.
	Cases int
}

// Report is the outcome of a whole run.
type Report struct {
	Target  string
	Results []Result
	// Unconfigured names the vendors that were not checked (no URL).
	Unconfigured []string
	Duration     time.Duration
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Results, func(x Result) bool { return x.Status == Fail })
}

// Reporter is what the checks report through: the methods of *testing.T
// that the suite uses, with a Run whose sub-test is a Reporter too.
// contractstest adapts a *testing.T; Evaluate records Results.
type Reporter interface {
	// Context is the sub-test's; the requests it makes use it.
	Context() context.Context
	Helper()
	// Errorf reports one failed case.
	Errorf(format string, args ...any)
	// Skipf says why the check cannot run on the operation. The check
	// returns right after it: a *testing.T stops there, Evaluate's
	// recorder cannot.
	Skipf(format string, args ...any)
	// Run runs f as the sub-test name and reports whether it did not
	// fail. go test -run may leave f out.
	Run(name string, f func(Reporter)) bool
}

// Run runs the suite against target through r: one sub-test per check, and
// in it one per operation, named check/operation
// (read_after_write/ShowRepositoryByUuid). Each sub-test does its own work
// when it runs, creating the objects it needs, so that go test -run selects
// work. The behaviour checks run first; the four conformance checks run last,
// over every response the behaviour checks got. Objects are named with
// target.Prefix and deleted at the end of the check that made them, where
// the API offers a delete. An error means the suite could not start (a spec
// did not load, credentials are missing); failures go to r.
func Run(r Reporter, target Target) error {
	_, err := run(r, target)
	return err
}

// Evaluate runs the whole suite against target and returns every result.
// An error means the suite could not run at all.
func Evaluate(ctx context.Context, target Target) (*Report, error) {
	start := time.Now()
	rec := newRecorder(ctx)
	s, err := run(rec, target)
	if err != nil {
		return nil, err
	}
	return &Report{Target: s.target.Name, Results: s.sorted(rec.results()), Unconfigured: s.unconfigured(),
		Duration: time.Since(start)}, nil
}

// unconfigured names the vendors without a URL.
func (s *suite) unconfigured() []string {
	var out []string
	for _, v := range s.vendors {
		if v.url == "" {
			out = append(out, v.name)
		}
	}
	return out
}

func run(r Reporter, target Target) (*suite, error) {
	target.defaults()
	if err := target.validate(); err != nil {
		return nil, err
	}
	s, err := newSuite(r.Context(), target)
	if err != nil {
		return nil, err
	}
	// Nothing is checked with credentials the vendor refuses: every
	// refusal would pass for a rejection.
	if err := s.preflight(r.Context()); err != nil {
		return nil, err
	}
	// The behaviour checks, each vendor's that apply to it, then the
	// conformance checks over the responses they got.
	for _, name := range []string{CheckPositiveData, CheckNegativeData, CheckMissingAuth, CheckMissingHeader,
		CheckUnsupported, CheckUpsert, CheckDuplicateName, CheckCreateTwice, CheckReadAfterWrite, CheckUseAfterFree, CheckQueryRules} {
		s.subtest(r, name, func(r Reporter) {
			for _, v := range s.vendors {
				if check := v.checks[name]; check != nil && v.url != "" {
					check(s, r)
					s.cleanup(r.Context())
				}
			}
		})
	}
	for _, c := range conformanceChecks() {
		r.Run(c.name, func(r Reporter) { s.conformance(r, c.fn) })
	}
	return s, nil
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
// it authenticates, what its error envelope is, and its behaviour checks.
type vendor struct {
	name string
	// key starts the vendor's scenario names (endor, codearts, servicestage).
	key  string
	spec string
	url  string
	ops  map[string]*operation
	// authorize adds credentials to a request about to be sent.
	authorize func(s *suite, req *http.Request, body []byte) error
	// envelope checks a 4xx body is the vendor's error envelope.
	envelope func(status int, body []byte) error
	// invalid checks x is the vendor's documented rejection of invalid
	// input (for Endor HTTP 400 code 3), nothing else: not a 401, a 404 or
	// a 5xx in the same envelope.
	invalid func(x *exchange) error
	// gone checks x is the vendor's answer for an object that does not
	// exist (for Endor HTTP 404 code 5).
	gone func(x *exchange) error
	// code reads the vendor's error code from an error body ("" if none).
	code func(body map[string]any) string
	// mediaAliases maps a media type the vendor answers with to the one
	// its spec declares (Endor's application/jsoncompact is JSON).
	mediaAliases map[string]string
	// preflight makes one harmless authenticated call; refusesAuth, when
	// set, recognises a refusal of credentials that is not a 401 or 403.
	preflight   func(s *suite, ctx context.Context) (*exchange, error)
	refusesAuth func(x *exchange) bool
	// checks are the behaviour checks that apply to the vendor, by name.
	// Each makes its own objects and reports per operation (s.check).
	checks map[string]func(s *suite, r Reporter)
}

func (v *vendor) op(id string) *operation {
	op := v.ops[id]
	if op == nil {
		panic(fmt.Sprintf("contracts: %s has no operation %s", v.spec, id))
	}
	return op
}

// suite is one run: what every check shares.
type suite struct {
	target  Target
	client  *http.Client
	vendors []*vendor
	// seen holds every exchange, for the conformance checks.
	seen map[*operation][]*exchange
	// partial is set when go test -run left out a behaviour sub-test, so
	// that a conformance check that saw nothing can say why.
	partial  bool
	cleanups []func(ctx context.Context)
	seq      int
	// endorToken is the bearer token, once exchanged from an API key.
	endorToken string
	// scope names the sub-test that runs, and scenarios counts each
	// scope's exchanges, so that every exchange has a stable scenario name.
	scope     []string
	scenarios map[string]int
}

func newSuite(ctx context.Context, target Target) (*suite, error) {
	s := &suite{
		target:    target,
		client:    target.HTTPClient,
		seen:      map[*operation][]*exchange{},
		scenarios: map[string]int{},
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

// subtest runs f as r's sub-test name, noting when go test -run left it out.
func (s *suite) subtest(r Reporter, name string, f func(Reporter)) {
	ran := false
	r.Run(name, func(r Reporter) {
		ran = true
		s.scope = append(s.scope, name)
		defer func() { s.scope = s.scope[:len(s.scope)-1] }()
		f(r)
	})
	if !ran {
		s.partial = true
	}
}

// check runs f as the sub-test of op within a check's: everything f
// reports is the check's result on op.
func (s *suite) check(r Reporter, op *operation, f func(r Reporter)) {
	s.subtest(r, op.id, f)
}

// casesCounter is a Reporter that counts the cases that passed (Evaluate's;
// go test has no such count).
type casesCounter interface{ passed() }

// pass counts a case that passed.
func pass(r Reporter) {
	if c, ok := r.(casesCounter); ok {
		c.passed()
	}
}

// outcome reports one case: a failure when err is not nil.
func outcome(r Reporter, err error) {
	r.Helper()
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	pass(r)
}

// name makes a recognisable, unique name for an object the suite creates.
func (s *suite) name(kind string) string {
	s.seq++
	return fmt.Sprintf("%s%s-%d-%04x", s.target.Prefix, kind, s.seq, s.target.Seed*7919%65536)
}

// onCleanup registers a deletion to run when the current check ends.
func (s *suite) onCleanup(f func(ctx context.Context)) { s.cleanups = append(s.cleanups, f) }

func (s *suite) cleanup(ctx context.Context) {
	s.scope = append(s.scope, "cleanup")
	defer func() { s.scope = s.scope[:len(s.scope)-1] }()
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i](ctx)
	}
	s.cleanups = nil
}

// sorted orders results by vendor, operation and check, and names each
// result's vendor.
func (s *suite) sorted(results []Result) []Result {
	vendorRank := map[string]int{}
	vendorOf := map[string]string{}
	for i, v := range s.vendors {
		vendorRank[v.name] = i
		for id := range v.ops {
			vendorOf[id] = v.name
		}
	}
	for i := range results {
		results[i].Vendor = vendorOf[results[i].Operation]
	}
	slices.SortStableFunc(results, func(a, b Result) int {
		if d := vendorRank[a.Vendor] - vendorRank[b.Vendor]; d != 0 {
			return d
		}
		if c := strings.Compare(a.Operation, b.Operation); c != 0 {
			return c
		}
		return strings.Compare(a.Check, b.Check)
	})
	return results
}

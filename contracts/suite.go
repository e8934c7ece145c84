// Package contracts is a contract suite for HTTP APIs described by
// OpenAPI: the ones repomock fakes, and any other. It certifies any target,
// repomock or the real vendor, with the same checks: conformance of every
// response to the vendor's spec, rejection of invalid and acceptance of
// valid generated requests (bodies and parameters), and each vendor's
// documented behaviour (upserts, duplicate names, read-after-write, use
// after free, auth). A preflight call per vendor first makes sure the
// credentials work, so that no refusal of them passes for a rejection.
//
// The suite knows no vendor. A Vendor brings its spec, its URL and
// credentials, its error envelope and its behaviour checks, built from the
// pieces Suite offers (Call, Positive, Negative, UseAfterFree, …); the
// vendors repomock fakes are packages under contracts/vendors, listed in
// package vendors. A vendor with no checks of its own gets GenericChecks,
// which its spec alone drives, and the conformance checks over their
// answers.
//
// Target.Observe sees every exchange as package recording holds it
// (recording.Write records one), and package diff compares two recordings:
// the fidelity of repomock to the vendor.
//
// Run drives the checks through a Reporter, one sub-test per check and in it
// one per operation, each doing its own work when it runs; package
// contractstest hands it a *testing.T, so that this package, and the
// repomock binary that uses it, need not link testing. Evaluate records the
// results for other reporters (the repomock contract command). It imports
// the specs, the recording format and kin-openapi, never the fakes, so it
// runs from any checkout against any URL.
package contracts

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
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
)

const (
	// PositiveCasesPerOp is how many generated bodies
	// positive_data_acceptance sends to an operation.
	PositiveCasesPerOp   = 5
	maxFailuresPerResult = 50
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
// work. The behaviour checks run first; the conformance checks run last,
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
func (s *Suite) unconfigured() []string {
	var out []string
	for _, v := range s.apis {
		if v.URL == "" {
			out = append(out, v.Name)
		}
	}
	return out
}

func run(r Reporter, target Target) (*Suite, error) {
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
			for _, v := range s.apis {
				if check := v.checks[name]; check != nil && v.URL != "" {
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

// Suite is one run of the suite: what every check shares. A vendor's
// checks call and judge the target through it.
type Suite struct {
	target   Target
	client   *http.Client
	apis     []*api
	byVendor map[*Vendor]*api
	// seen holds every exchange, for the conformance checks.
	seen map[*Operation][]*Exchange
	// partial is set when go test -run left out a behaviour sub-test, so
	// that a conformance check that saw nothing can say why.
	partial  bool
	cleanups []func(ctx context.Context)
	seq      int
	// remembered holds what Remember keeps for the run.
	remembered map[string]string
	// scope names the sub-test that runs, and scenarios counts each
	// scope's exchanges, so that every exchange has a stable scenario name.
	scope     []string
	scenarios map[string]int
}

func newSuite(ctx context.Context, target Target) (*Suite, error) {
	s := &Suite{
		target:     target,
		client:     target.HTTPClient,
		byVendor:   map[*Vendor]*api{},
		seen:       map[*Operation][]*Exchange{},
		remembered: map[string]string{},
		scenarios:  map[string]int{},
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 30 * time.Second}
	}
	for _, v := range target.Vendors {
		a, err := loadAPI(ctx, v)
		if err != nil {
			return nil, err
		}
		a.checks = v.Checks
		if a.checks == nil {
			a.checks = GenericChecks(v)
		}
		s.apis = append(s.apis, a)
		s.byVendor[v] = a
	}
	return s, nil
}

// Op is the operation id of v's spec. A vendor's checks name only
// operations its spec has: any other is a bug of the vendor's package,
// and Op panics.
func (s *Suite) Op(v *Vendor, id string) *Operation {
	a := s.byVendor[v]
	if a == nil {
		panic(fmt.Sprintf("contracts: %s is not a vendor of the target", v.Name))
	}
	op := a.ops[id]
	if op == nil {
		panic(fmt.Sprintf("contracts: %s has no operation %s", v.Spec, id))
	}
	return op
}

// Seed is the target's seed: a generator made from it (gen.New) gives the
// same values in every run.
func (s *Suite) Seed() uint64 { return s.target.Seed }

// Remember returns what f returned the first time it succeeded in this
// run for key; f runs again after a failure. A vendor keeps the bearer
// token its API key bought this way.
func (s *Suite) Remember(key string, f func() (string, error)) (string, error) {
	if v, ok := s.remembered[key]; ok {
		return v, nil
	}
	v, err := f()
	if err != nil {
		return "", err
	}
	s.remembered[key] = v
	return v, nil
}

// subtest runs f as r's sub-test name, noting when go test -run left it out.
func (s *Suite) subtest(r Reporter, name string, f func(Reporter)) {
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

// Check runs f as the sub-test of op within a check's: everything f
// reports is the check's result on op.
func (s *Suite) Check(r Reporter, op *Operation, f func(r Reporter)) {
	s.subtest(r, op.ID, f)
}

// casesCounter is a Reporter that counts the cases that passed (Evaluate's;
// go test has no such count).
type casesCounter interface{ passed() }

// Passed counts a case that passed.
func Passed(r Reporter) {
	if c, ok := r.(casesCounter); ok {
		c.passed()
	}
}

// Outcome reports one case: a failure when err is not nil.
func Outcome(r Reporter, err error) {
	r.Helper()
	if err != nil {
		r.Errorf("%v", err)
		return
	}
	Passed(r)
}

// Name makes a recognisable, unique name for an object the suite creates:
// the target's Prefix, kind, a sequence number and a hash of the seed.
func (s *Suite) Name(kind string) string {
	s.seq++
	return fmt.Sprintf("%s%s-%d-%04x", s.target.Prefix, kind, s.seq, s.target.Seed*7919%65536)
}

// OnCleanup registers a deletion to run when the current check ends.
func (s *Suite) OnCleanup(f func(ctx context.Context)) { s.cleanups = append(s.cleanups, f) }

func (s *Suite) cleanup(ctx context.Context) {
	s.scope = append(s.scope, "cleanup")
	defer func() { s.scope = s.scope[:len(s.scope)-1] }()
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i](ctx)
	}
	s.cleanups = nil
}

// sorted orders results by vendor, operation and check, and names each
// result's vendor.
func (s *Suite) sorted(results []Result) []Result {
	vendorRank := map[string]int{}
	vendorOf := map[string]string{}
	for i, v := range s.apis {
		vendorRank[v.Name] = i
		for id := range v.ops {
			vendorOf[id] = v.Name
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

package vendor

import "net/http"

// Load is what it takes to put a vendor under load. repomock's load
// harness (cmd/repomockload) drives every vendor through its Load and
// names none: the throughput runs drive each vendor's Create, the soak
// each vendor's Soak. The zero Load is a vendor with no load profile,
// which the harness leaves out.
type Load struct {
	// Name is the vendor's name in the harness's reports ("Endor").
	Name string
	// Operation names the create the throughput runs drive, as their
	// table prints it ("Endor CreateRepositoryVersion").
	Operation string
	// Create makes a request of that operation, which creates a new
	// object: unique is new on every call, for the object's name or path.
	// nil when the vendor has no throughput run. It is called by many
	// goroutines at once.
	Create func(unique string) Request
	// Soak is the vendor's part in a soak; nil when it takes none.
	Soak *Soak
}

// Request is one request of a load. The harness sends it to a server
// started with its default settings: Header carries credentials such a
// server accepts.
type Request struct {
	Method string
	// Path is the request's path and query, from the server's base URL.
	Path string
	// Header may be shared by many requests: the harness only reads it.
	Header http.Header
	Body   []byte
}

// Soak is a vendor's part in a soak: a fixed-rate load on a working set
// whose size stays steady, so that the server's memory should too. Every
// request of it is valid and is expected to succeed.
type Soak struct {
	// Set describes the working set, for the soak's report and help
	// ("256 names"), and Work how it is worked on ("each create → show →
	// delete, out of phase"): vendors in a row with the same Work are
	// described together, "CodeArts 256 names and ServiceStage 256
	// paths, each …". A Set that says it all has no Work.
	Set, Work string
	// Size is the working set's size, which the report's settings give
	// under the name Setting ("endor_keys"): once for vendors that share
	// the name.
	Setting string
	Size    int
	// Start makes the vendor's load for one soak.
	Start func() SoakLoad
	// Op names the operation of a request the load made, for the report
	// ("upsert"): from its method and path, as the answer (or a transport
	// error) comes back. "" for a request that is not the vendor's.
	Op func(method, path string) string
	// Count asks, at the end, how many objects the store holds; Counted
	// reads the number from its answer, and Objects says what they are
	// ("repository versions").
	Count   Request
	Counted func(body []byte) (int, error)
	Objects string
}

// SoakLoad is a vendor's load in one soak. Next is called by many
// goroutines at once.
type SoakLoad interface {
	// Next makes the vendor's next request. A step other than "" asks for
	// the request's answer: Done is given it (and the request is not
	// answered to the load generator before it returns).
	Next() (r Request, step string)
	// Done is given the answer to the request of a step: code 0 for a
	// transport error. An error is an anomaly, which the soak counts as an
	// error: a 2xx answer the work cannot go on from (no id, an id that
	// changed, a wrong content hash). The report gives it after the
	// vendor's name ("Endor upsert of …").
	Done(step string, code int, body []byte) error
	// Retired counts the steps given up on after a failure, as their state
	// is unknown.
	Retired() int64
}

// Package vendor is the contract between the server and a faked API. A
// vendor package (mock/vendors/<name>) satisfies Vendor whole, and gives
// the list of vendors (mock/vendors) a Plugin that builds it from an Env:
// the server names no vendor, and adding one is its package and one entry
// in that list.
//
// A vendor package imports this package, the pipeline's types and the
// standard library (and its own third-party libraries); never the server,
// nor another vendor (but the Huawei services, which import the Huawei
// gateway they sit behind).
package vendor

import (
	"encoding/json"
	"flag"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// Vendor is one faked API: what the server needs to serve it, keep its
// state, partition it by session, keep its secrets out of the journal, and
// put the real API behind the proxy. Every method is required: the server
// probes for nothing.
type Vendor interface {
	Serving
	State
	Sessions
	Proxying
	// Load is what it takes to put the vendor under load (the load
	// harness, cmd/repomockload); the zero Load when there is nothing.
	Load() Load
}

// Serving is how the server serves a vendor: it puts its spec's
// operations behind the validating pipeline, each route carrying the
// vendor and the operation, and renders every error on them in the
// vendor's shape.
type Serving interface {
	// Name is the vendor's name for people ("Endor Labs").
	Name() string
	// ID is its short name ("endor"): its part of the state file, the stem
	// of its fixtures file (endor.yaml), its name in the journal, the
	// faults, the console and the proxy's flags (--endor-upstream).
	ID() string
	// Spec is its OpenAPI document.
	Spec() Spec
	// Handlers are the handlers of its spec's operations, by operationId:
	// each is given the body and the path parameters decoded, and returns
	// a status and a JSON value, or an error that ErrorFor's type renders.
	Handlers() map[string]pipeline.Handler
	// Validation says how its bodies are read and checked: its codec, the
	// media types it reads as JSON, whether unknown fields are refused,
	// how it reads a query. The server adds the rest of the options.
	Validation() pipeline.Options
	// Authenticate checks a routed request's credentials, before its body
	// is validated (pipeline.Options.Authenticate), on the path as the
	// client sent it.
	Authenticate(c echo.Context) error
	// Gateway runs first on every request the vendor owns, routed or not,
	// as the vendor's gateway does (content negotiation, compression,
	// request ids); nil when there is nothing to do.
	Gateway() echo.MiddlewareFunc
	// Owns says whether a request that matched no route was meant for the
	// vendor, and so gets its error shape (see Claim).
	Owns(r *http.Request) Claim
	// ErrorFor is the vendor's answer to a failure that no handler of its
	// made (a request or response that breaks the spec, an unknown route,
	// a body over the limit, a fault): an error with a StatusCode method
	// (Error) that encoding/json writes as the vendor's body.
	ErrorFor(c echo.Context, status int, message string) error
	// ErrorByCode is the vendor's answer with one of its error codes, for
	// a stub that names one (Endor's gRPC code "5" or "NOT_FOUND",
	// CodeArts' "CH.000404"): an Error at the status the vendor answers
	// that code with, in its body, with message, or with the vendor's own
	// words when it is "". An unknown code is the second error, which
	// lists the vendor's codes.
	ErrorByCode(c echo.Context, code, message string) (error, error)
	// Secrets are the headers and body fields, beyond the usual ones
	// (internal/redact), that carry the vendor's credentials: the journal
	// and its stream never show their values.
	Secrets() Secrets
	// LongHeaders are the headers the vendor's gateway takes longer than
	// the server's bound on a header value (server.MaxHeaderBytes).
	LongHeaders() []string
}

// State is how the server keeps a vendor's state: reset, saved in the
// state file and, with --state-durability fsync, logged change by change.
type State interface {
	// Reset drops every session's state and loads the fixtures again.
	Reset()
	// Snapshot and Restore save and load the vendor's state (its part of
	// the state file).
	Snapshot() (json.RawMessage, error)
	Restore(data json.RawMessage) error
	// LogChanges hands every change from now on to log, in the order the
	// vendor makes them, while the state it changes is locked.
	LogChanges(log func(change json.RawMessage))
	// Apply makes a logged change again.
	Apply(change json.RawMessage) error
	// ReloadFixtures reads the vendor's fixtures file again with fx, as
	// its Plugin read it, and returns use, which makes what it read the
	// fixtures the next Reset loads; or the error, naming the file and the
	// line, and the fixtures in use stay.
	ReloadFixtures(fx Fixtures) (use func(), err error)
	// MakeFixtures makes the state every session starts from now, rather
	// than on first use: made by a read, its generated values (uuids,
	// times) would be logged but not synced, and a crash could give the
	// same fixtures other values after the restart.
	MakeFixtures()
}

// Sessions is how the server sees a vendor's state session by session
// (GET /__admin/sessions, a reset of one session, the console).
type Sessions interface {
	// DropSession drops one session's state; the session starts afresh
	// from the fixtures on its next use.
	DropSession(name string)
	// SessionObjects counts each session's objects, by session name.
	SessionObjects() map[string]int
	// Objects returns up to limit of a session's objects as JSON, what
	// they are ("repositories"), and how many the session holds. It never
	// makes the session. A vendor that keeps no objects (the proxy's)
	// returns kind "", and is left out of the console's view.
	Objects(session string, limit int) (kind string, total int, objects []json.RawMessage)
}

// Proxying is what repomock proxy needs to put the real vendor behind the
// mock's pipeline: the vendor's own spec, validation, paths and error
// shapes serve there, its handlers forward to the upstream.
type Proxying interface {
	// Upstream is the base URL of the real API, as help text shows it
	// ("https://api.endorlabs.com").
	Upstream() string
	// Forwarding is what the vendor's gateway still does in front of the
	// upstream, which does the rest.
	Forwarding() Forwarding
	// Recorder keeps what the upstream created or returned as the
	// vendor's fixtures (repomock proxy --record).
	Recorder(log *slog.Logger) Recorder
}

// Forwarding is what the proxy does for the vendor in front of its
// upstream. The vendor's Authenticate and Gateway do not run there.
type Forwarding interface {
	// Authenticate checks what the upstream could not check once the
	// request is forwarded (a signature over the host and the path the
	// client used), and refuses what the proxy cannot forward, with the
	// vendor's error. Credentials the upstream can check are left to it.
	Authenticate(c echo.Context) error
	// Rewrite makes the forwarded request out (its URL and host the
	// upstream's, body its body) acceptable to the upstream: it signs it
	// again, when Authenticate verified a signature.
	Rewrite(out *http.Request, body []byte)
	// Gateway runs first on every request of the vendor, as Serving's
	// does; nil when there is nothing to do. An answer of the upstream's
	// (pipeline.State.Upstream) keeps the upstream's headers.
	Gateway() echo.MiddlewareFunc
}

// Recorder turns the exchanges the proxy forwards into the vendor's
// fixtures file, which repomock --fixtures loads. It is used by one
// goroutine at a time.
type Recorder interface {
	// Observe takes one exchange the upstream answered with a 2xx, and
	// reports whether the fixtures changed.
	Observe(x Observed) bool
	// Fixtures are the fixtures of what was observed, as the vendor's
	// fixtures file holds them (in their JSON form; the proxy writes them
	// as YAML).
	Fixtures() any
}

// Observed is one exchange the proxy forwarded.
type Observed struct {
	Operation    string
	Params       pipeline.Params
	Query        url.Values
	RequestBody  []byte
	ResponseBody []byte
}

// Claim is how strongly a vendor owns a request that matched no route.
type Claim int

const (
	// NotMine: the request is another vendor's, or no vendor's.
	NotMine Claim = iota
	// Fallback: the vendor's, if no vendor says Mine (Endor takes other
	// /v1/ and /v2/ paths, as repomock's first vendor always did).
	Fallback
	// Mine: the vendor's.
	Mine
)

// Spec names a vendor's OpenAPI document: File in FS, or in the documents
// repomock embeds (package specs) when FS is nil. A server's SpecsDir
// replaces it with the file of the same name there.
type Spec struct {
	FS   fs.FS
	File string
}

// Secrets are names whose values are credentials: headers (any case) and
// body fields (compared without case, _ or -).
type Secrets struct {
	Headers []string
	Fields  []string
}

// Error is an error that knows its HTTP status and marshals to its body:
// every vendor's error type is one.
type Error interface {
	error
	StatusCode() int
}

// Plugin is a vendor package's entry in the list of vendors: its settings,
// which its flags set, and how it builds its vendors for a server.
type Plugin interface {
	// Flags adds the plugin's settings to fs as flags, each parsed by its
	// package (the server's command also reads each as REPOMOCK_<FLAG>).
	// proxy asks for those repomock proxy takes.
	Flags(fs *flag.FlagSet, proxy bool)
	// Vendors builds the vendors the plugin serves, in order, for one
	// server.
	Vendors(env Env) ([]Vendor, error)
}

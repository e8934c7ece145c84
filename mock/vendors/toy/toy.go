// Package toy is a fourth vendor that only tests use: a toy shop, whose
// spec is testdata/toy/toy.yaml. It is here to show that a vendor is one
// package and one entry in the list (mock/vendors): its test adds it to
// the list and gets, with no other package changed, what the three real
// vendors get. It keeps toys, by session, behind an X-Toy-Key.
package toy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendor"
)

// id is the vendor's short name.
const id = "toy"

// KeyHeader carries the shop's key.
const KeyHeader = "X-Toy-Key"

// Toy is what the shop keeps.
type Toy struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

var idRE = regexp.MustCompile(`^t[0-9]+$`)

// Fixtures are the toys every session starts with (toy.yaml).
type Fixtures struct {
	Toys []Toy `json:"toys"`
}

// Summary counts the toys, for the banner.
func (fx *Fixtures) Summary() string { return fmt.Sprintf("%d toys", len(fx.Toys)) }

// ParseFixtures reads the fixtures' JSON form, holding each toy to a
// create's rules.
func ParseFixtures(data []byte) (*Fixtures, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixtures
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("toy fixtures: %w", err)
	}
	for i, t := range fx.Toys {
		switch {
		case !idRE.MatchString(t.ID):
			return nil, fmt.Errorf("toy fixtures: toys[%d]: id: must be t and digits", i)
		case t.Name == "" || len(t.Name) > 10:
			return nil, fmt.Errorf("toy fixtures: toys[%d]: name: must be 1 to 10 characters", i)
		}
	}
	return &fx, nil
}

// Plugin is the toy's entry in a list of vendors.
type Plugin struct {
	// SpecDir holds toy.yaml.
	SpecDir string
	// Key, when set, is the only X-Toy-Key accepted (--toy-key).
	Key string
}

// Flags adds --toy-key; the proxy leaves the key to the upstream.
func (p *Plugin) Flags(fs *flag.FlagSet, proxy bool) {
	if !proxy {
		fs.StringVar(&p.Key, "toy-key", "", "the only X-Toy-Key the toy shop accepts")
	}
}

// Vendors builds the shop, with its fixtures (toy.yaml).
func (p *Plugin) Vendors(env vendor.Env) ([]vendor.Vendor, error) {
	fx, err := vendor.ReadFixtures(env, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return []vendor.Vendor{New(p.SpecDir, p.Key, fx)}, nil
}

// store is one session's toys.
type store struct {
	mu   sync.Mutex
	toys []Toy
	log  func(Toy)
}

func (s *store) put(t Toy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.toys, func(o Toy) bool { return o.ID == t.ID }); i >= 0 {
		s.toys[i] = t
	} else {
		s.toys = append(s.toys, t)
	}
	if s.log != nil {
		s.log(t)
	}
}

func (s *store) all() []Toy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.toys)
}

// Fake is the toy shop.
type Fake struct {
	spec     vendor.Spec
	key      string
	fixtures atomic.Pointer[[]Toy]
	sessions *session.States[*store]
	changes  session.Changes
}

var _ vendor.Vendor = (*Fake)(nil)

// New builds the shop of the spec in specDir, accepting key (any when "").
func New(specDir, key string, fx *Fixtures) *Fake {
	f := &Fake{spec: vendor.Spec{FS: os.DirFS(specDir), File: "toy.yaml"}, key: key}
	f.setFixtures(fx)
	f.sessions = session.New(func() *store { return &store{toys: slices.Clone(*f.fixtures.Load())} },
		func(from *store, name string) *store {
			return &store{toys: from.all(), log: func(t Toy) { f.changes.Add(change{Op: "put", Session: name, Toy: &t}) }}
		})
	return f
}

func (f *Fake) setFixtures(fx *Fixtures) {
	var toys []Toy
	if fx != nil {
		toys = fx.Toys
	}
	f.fixtures.Store(&toys)
}

// ReloadFixtures reads toy.yaml again.
func (f *Fake) ReloadFixtures(r vendor.Fixtures) (func(), error) {
	fx, err := vendor.ReadFixtures(vendor.Env{Fixtures: r}, id, ParseFixtures)
	if err != nil {
		return nil, err
	}
	return func() { f.setFixtures(fx) }, nil
}

func (f *Fake) Name() string                          { return "Toy Shop" }
func (f *Fake) ID() string                            { return id }
func (f *Fake) Spec() vendor.Spec                     { return f.spec }
func (f *Fake) Validation() pipeline.Options          { return pipeline.Options{} }
func (f *Fake) Gateway() echo.MiddlewareFunc          { return nil }
func (f *Fake) LongHeaders() []string                 { return nil }
func (f *Fake) Upstream() string                      { return "https://toys.example" }
func (f *Fake) Forwarding() vendor.Forwarding         { return forwarding{} }
func (f *Fake) Recorder(*slog.Logger) vendor.Recorder { return &recorder{} }
func (f *Fake) Secrets() vendor.Secrets {
	return vendor.Secrets{Headers: []string{KeyHeader}, Fields: []string{"pin"}}
}
func (f *Fake) Owns(r *http.Request) vendor.Claim {
	if strings.HasPrefix(r.URL.Path, "/toy/") {
		return vendor.Mine
	}
	return vendor.NotMine
}

// Load: the throughput runs create toys (their ids are new, so the name
// need not be: it is bounded to 10 characters); no soak, as the shop keeps
// every toy (it deletes none).
func (f *Fake) Load() vendor.Load {
	key := f.key
	if key == "" {
		key = "load"
	}
	header := http.Header{KeyHeader: {key}, "Content-Type": {"application/json"}}
	return vendor.Load{Name: "Toy", Operation: "Toy CreateToy", Create: func(string) vendor.Request {
		return vendor.Request{Method: http.MethodPost, Path: "/toy/v1/toys", Header: header, Body: []byte(`{"name":"load"}`)}
	}}
}

// Handlers are the shop's operations.
func (f *Fake) Handlers() map[string]pipeline.Handler {
	return map[string]pipeline.Handler{"CreateToy": f.create, "ListToys": f.list, "GetToy": f.get}
}

func (f *Fake) create(_ echo.Context, in pipeline.Request) (int, any, error) {
	body, _ := in.Body.(map[string]any)
	s := f.sessions.Write(in.Session)
	t := Toy{ID: "t" + strconv.Itoa(len(s.all())+1)}
	t.Name, _ = body["name"].(string)
	t.Color, _ = body["color"].(string)
	s.put(t)
	return http.StatusCreated, t, nil
}

func (f *Fake) list(_ echo.Context, in pipeline.Request) (int, any, error) {
	toys := f.sessions.Read(in.Session).all()
	if toys == nil {
		toys = []Toy{}
	}
	return http.StatusOK, struct {
		Toys []Toy `json:"toys"`
	}{toys}, nil
}

func (f *Fake) get(_ echo.Context, in pipeline.Request) (int, any, error) {
	for _, t := range f.sessions.Read(in.Session).all() {
		if t.ID == in.Params["id"] {
			return http.StatusOK, t, nil
		}
	}
	return 0, nil, &Error{Status: http.StatusNotFound, Code: "toy.not_found", Message: "no toy " + in.Params["id"]}
}

// Authenticate requires the key.
func (f *Fake) Authenticate(c echo.Context) error {
	got := c.Request().Header.Get(KeyHeader)
	if got == "" || f.key != "" && got != f.key {
		return &Error{Status: http.StatusUnauthorized, Code: "toy.unauthorized", Message: KeyHeader + ": missing or wrong"}
	}
	return nil
}

// Error is the shop's error: {"toy_error":{"code","message"}}.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string   { return e.Code + ": " + e.Message }
func (e *Error) StatusCode() int { return e.Status }

// MarshalJSON writes the shop's body.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"toy_error": map[string]string{"code": e.Code, "message": e.Message}})
}

// ErrorByCode is the shop's error with code ("toy.not_found"): the code
// ends with the status it is answered with, or is one of the shop's own.
func (f *Fake) ErrorByCode(_ echo.Context, code, message string) (error, error) {
	status := map[string]int{"toy.not_found": http.StatusNotFound, "toy.unauthorized": http.StatusUnauthorized}[code]
	if n, err := strconv.Atoi(strings.TrimPrefix(code, "toy.")); err == nil && n >= 400 && n <= 599 {
		status = n
	}
	if status == 0 {
		return nil, fmt.Errorf("%q is not a toy error code: toy.not_found, toy.unauthorized or toy.<status>", code)
	}
	if message == "" {
		message = http.StatusText(status)
	}
	return &Error{Status: status, Code: code, Message: message}, nil
}

// ErrorFor is the shop's error for a failure no handler made.
func (f *Fake) ErrorFor(_ echo.Context, status int, message string) error {
	if message == "" {
		message = http.StatusText(status)
	}
	return &Error{Status: status, Code: "toy." + strconv.Itoa(status), Message: message}
}

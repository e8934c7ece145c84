// Package faults makes vendor requests fail as their vendors fail, on
// purpose (POST /__admin/faults): an error in the vendor's shape, a reset
// connection, a delay, a throttle. With the Prefer header (Prism's
// "Prefer: code=429"), it is the pipeline's stage between authentication
// and validation (Stage), which answers in the handler's place: a fault's
// answer is not checked against the spec, and changes no state.
package faults

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

// Fault kinds.
const (
	// FaultError answers the vendor's error for Status, leaving state as it was.
	FaultError = "error"
	// FaultReset closes the connection without an answer.
	FaultReset = "reset"
	// FaultDelay answers normally after DelayMS.
	FaultDelay = "delay"
	// FaultThrottle lets PerSecond requests a second through and answers
	// the vendor's 429 beyond that.
	FaultThrottle = "throttle"
)

// MaxFaultDelay bounds a delay fault. Delays add up, and the server's
// write timeout is stretched by their sum for the request they delay.
const MaxFaultDelay = 50 * time.Second

// Fault makes the requests it matches fail as the vendor fails. It fires
// after authentication and before validation, so it never hides a 401,
// and it never changes state. A request it matches is one of its session
// (Session "" is the default session), of its vendor and its operation
// (an empty Vendor or Operation matches every one).
type Fault struct {
	ID        string `json:"id"`
	Session   string `json:"session"`
	Vendor    string `json:"vendor"`
	Operation string `json:"operation"`
	Kind      string `json:"kind"`
	// Status is the HTTP status of an error fault (default 503).
	Status int `json:"status,omitempty"`
	// Times, when above 0, removes the fault once it has fired that many
	// times (a throttle fires when it refuses a request).
	Times     int `json:"times"`
	DelayMS   int `json:"delay_ms,omitempty"`
	PerSecond int `json:"per_second,omitempty"`
	// Fired counts the requests the fault has failed, delayed or refused.
	Fired int `json:"fired"`
}

// Faults holds the faults, in the order they were added, at most max of
// them (--max-faults). It is safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	max    int
	lastID int
	all    []*fault
}

// New holds at most max faults.
func New(max int) *Faults { return &Faults{max: max} }

// errFaultsFull is add's error when max faults are held.
type errFaultsFull struct{ max int }

func (e errFaultsFull) Error() string {
	return fmt.Sprintf("%d faults are held, the most --max-faults allows: remove one (DELETE %s/faults/{id}) or all (DELETE %s/faults), or raise the limit", e.max, admin.Prefix, admin.Prefix)
}

type fault struct {
	Fault
	passed []time.Time // throttle: when the last PerSecond requests went through
}

// add checks f against the vendors served (vendor ids and their
// operations) and adds it.
func (fs *Faults) add(f Fault, ops map[string][]string) (Fault, error) {
	if f.Vendor != "" {
		if _, ok := ops[f.Vendor]; !ok {
			return f, fmt.Errorf("vendor: %q is not one of %s", f.Vendor, strings.Join(mapKeys(ops), ", "))
		}
	}
	if f.Operation != "" && !slices.ContainsFunc(mapKeys(ops), func(v string) bool {
		return (f.Vendor == "" || v == f.Vendor) && slices.Contains(ops[v], f.Operation)
	}) {
		return f, fmt.Errorf("operation: %q is not an operationId of %s", admin.Clip(f.Operation), validOperations(f.Vendor, ops))
	}
	switch f.Kind {
	case FaultError:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.Status < 400 || f.Status > 599 {
			return f, errors.New("status: an error fault answers a 4xx or 5xx status")
		}
	case FaultReset:
	case FaultDelay:
		if f.DelayMS <= 0 || time.Duration(f.DelayMS)*time.Millisecond > MaxFaultDelay {
			return f, fmt.Errorf("delay_ms: must be 1 to %d", MaxFaultDelay.Milliseconds())
		}
	case FaultThrottle:
		if f.PerSecond <= 0 {
			return f, errors.New("per_second: must be 1 or more")
		}
	default:
		return f, fmt.Errorf("kind: %q is not one of error, reset, delay, throttle", f.Kind)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.all) >= fs.max {
		return f, errFaultsFull{fs.max}
	}
	fs.lastID++
	f.ID, f.Fired = "f"+strconv.Itoa(fs.lastID), 0
	fs.all = append(fs.all, &fault{Fault: f})
	return f, nil
}

// validOperations names what a fault of vendor ("" for any) may name as
// its operation, so that a refusal says what is valid: "endor: one of A,
// B", or every vendor's.
func validOperations(vendor string, ops map[string][]string) string {
	if vendor != "" {
		return vendor + ": one of " + strings.Join(ops[vendor], ", ")
	}
	var each []string
	for _, v := range mapKeys(ops) {
		each = append(each, v+" ("+strings.Join(ops[v], ", ")+")")
	}
	return "any vendor: " + strings.Join(each, "; ")
}

// List returns the faults in the order they were added.
func (fs *Faults) List() []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Fault, 0, len(fs.all))
	for _, f := range fs.all {
		out = append(out, f.Fault)
	}
	return out
}

// remove removes one fault and says whether it was there.
func (fs *Faults) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := len(fs.all)
	fs.all = slices.DeleteFunc(fs.all, func(f *fault) bool { return f.ID == id })
	return len(fs.all) < n
}

// Reset removes every fault.
func (fs *Faults) Reset() {
	fs.mu.Lock()
	fs.all = nil
	fs.mu.Unlock()
}

// DropSession removes a session's faults.
func (fs *Faults) DropSession(name string) {
	fs.mu.Lock()
	fs.all = slices.DeleteFunc(fs.all, func(f *fault) bool { return f.Session == name })
	fs.mu.Unlock()
}

// hit is what the faults do to one request: wait for delay, then answer
// with the terminal fault, if any.
type hit struct {
	delay time.Duration
	fault *Fault // error, reset or a refusing throttle; nil to go on
}

// fire applies the faults that match a request at now: each delay adds
// its wait, a throttle that lets the request through is passed, and the
// first error, reset or refusing throttle ends the search.
func (fs *Faults) fire(session, vendor, operation string, now time.Time) hit {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var h hit
	for i := 0; i < len(fs.all) && h.fault == nil; i++ {
		f := fs.all[i]
		if f.Session != session || (f.Vendor != "" && f.Vendor != vendor) || (f.Operation != "" && f.Operation != operation) {
			continue
		}
		switch f.Kind {
		case FaultDelay:
			h.delay += time.Duration(f.DelayMS) * time.Millisecond
		case FaultThrottle:
			// A sliding window: a request goes through when fewer than
			// PerSecond went through in the second before it, so no
			// second, however it is cut, holds more than PerSecond.
			if len(f.passed) < f.PerSecond || now.Sub(f.passed[0]) >= time.Second {
				if len(f.passed) == f.PerSecond {
					f.passed = f.passed[1:]
				}
				f.passed = append(f.passed, now)
				continue
			}
			fallthrough
		default:
			copied := f.Fault
			h.fault = &copied
		}
		f.Fired++
		if f.Times > 0 && f.Fired >= f.Times {
			fs.all = slices.Delete(fs.all, i, i+1)
			i--
		}
	}
	return h
}

// Stage is the pipeline's stage after authentication and before
// validation (pipeline.Options.Intercept) on the routes of v, whose spec
// is doc: the faults that match the request, then its Prefer header. A
// fault's answer is the vendor's own failure, which its spec need not
// document (a gateway's 429 or 503): it is not checked against the spec,
// and nothing after the fault runs.
// A delay stretches the request's write deadline by its wait
// (pipeline.AllowWait): its answer still gets writeTimeout, the server's.
func (fs *Faults) Stage(v vendor.Vendor, doc *openapi3.T, clock func() time.Time, writeTimeout time.Duration) func(c echo.Context) *pipeline.Interception {
	documented := documentedStatuses(doc)
	return func(c echo.Context) *pipeline.Interception {
		st := pipeline.StateOf(c)
		h := fs.fire(st.Session, v.ID(), st.Operation, clock())
		if h.delay > 0 {
			pipeline.AllowWait(c, h.delay, writeTimeout)
			t := time.NewTimer(h.delay)
			select {
			case <-t.C:
			case <-c.Request().Context().Done():
				t.Stop()
				return &pipeline.Interception{Err: c.Request().Context().Err(), Unchecked: true}
			}
		}
		if f := h.fault; f != nil {
			st.Fault = f.ID
			switch f.Kind {
			case FaultReset:
				return &pipeline.Interception{Reset: true}
			case FaultThrottle:
				return &pipeline.Interception{Err: v.ErrorFor(c, http.StatusTooManyRequests, throttleMessage(f.PerSecond)), Unchecked: true}
			default:
				return &pipeline.Interception{Err: v.ErrorFor(c, f.Status, failureMessage(f.Status)), Unchecked: true}
			}
		}
		if err := prefer(c, v, documented[st.Operation]); err != nil {
			return &pipeline.Interception{Err: err}
		}
		return nil
	}
}

// throttleMessage is the message of a throttled request: the words of
// Huawei's API gateway (vendors.md §5). Assumption: Endor's gateway says
// nothing documented on its 429; it gets the same words.
func throttleMessage(perSecond int) string {
	return fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit,limit:%d,time:1 second", perSecond)
}

// failureMessage is the message of an error fault or a Prefer answer: ""
// where a vendor has words of its own for the status (a gateway's 429,
// Endor's passed deadline).
func failureMessage(status int) string {
	if status == http.StatusTooManyRequests || status == http.StatusGatewayTimeout {
		return ""
	}
	return http.StatusText(status)
}

// Handlers are the fault routes of the admin API, by operationId
// (specs/admin.yaml). ops lists the operationIds served, by vendor id:
// what a fault may name.
func (fs *Faults) Handlers(ops func() map[string][]string) map[string]pipeline.Handler {
	return map[string]pipeline.Handler{
		"addFault": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			var f Fault
			if err := admin.DecodeBody(in.Body, &f); err != nil {
				return 0, nil, &admin.Error{Status: http.StatusBadRequest, Message: "fault: " + err.Error()}
			}
			f, err := fs.add(f, ops())
			if err != nil {
				status := http.StatusBadRequest
				if errors.As(err, new(errFaultsFull)) {
					status = http.StatusConflict
				}
				return 0, nil, &admin.Error{Status: status, Message: "fault: " + err.Error()}
			}
			return http.StatusCreated, map[string]any{"id": f.ID}, nil
		},
		"listFaults": func(echo.Context, pipeline.Request) (int, any, error) {
			return http.StatusOK, struct {
				Faults []Fault `json:"faults"`
			}{fs.List()}, nil
		},
		"removeFaults": func(echo.Context, pipeline.Request) (int, any, error) {
			fs.Reset()
			return http.StatusNoContent, nil, nil
		},
		"removeFault": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			if !fs.remove(in.Params["id"]) {
				return 0, nil, &admin.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("no fault %q", admin.Clip(in.Params["id"]))}
			}
			return http.StatusNoContent, nil, nil
		},
	}
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package vendor

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
)

// testCycles is a three-step cycle over slots whose first step reads an
// id, as a create → show → delete does; read decides the first step's
// outcome.
func testCycles(slots int, read func(slot int) (string, error)) Cycles {
	req := func(method string) func(int, string) Request {
		return func(s int, id string) Request {
			return Request{Method: method, Path: "/things/" + strconv.Itoa(s) + "/" + id}
		}
	}
	return Cycles{
		Slots: slots,
		Steps: []Step{
			{Request: req(http.MethodPost), Read: func(s, _ int, _ []byte) (string, error) { return read(s) }},
			{Request: req(http.MethodGet)},
			{Request: req(http.MethodDelete)},
		},
		Idle: Request{Method: http.MethodGet, Path: "/things"},
	}
}

// TestCyclesGoRoundOutOfPhase: each slot goes create → show → delete with
// the id its create read, then starts again without it; the slots join one
// at a time, so that their cycles are out of phase.
func TestCyclesGoRoundOutOfPhase(t *testing.T) {
	const slots = 12
	load := testCycles(slots, func(s int) (string, error) { return "id" + strconv.Itoa(s), nil }).Start().(*cycles)
	next := map[int]string{} // each slot's next request, as the cycle goes
	for i := range 2 * 3 * slots {
		r, step := load.Next()
		s, err := strconv.Atoi(step)
		if err != nil {
			t.Fatalf("request %d: %s %s has step %q, want a slot", i, r.Method, r.Path, step)
		}
		want, ok := next[s]
		if !ok {
			want = "POST /things/" + step + "/" // a slot joins with a create, with no id
		}
		if got := r.Method + " " + r.Path; got != want {
			t.Fatalf("request %d: %s, want %s", i, got, want)
		}
		switch r.Method {
		case http.MethodPost:
			next[s] = "GET /things/" + step + "/id" + step
		case http.MethodGet:
			next[s] = "DELETE /things/" + step + "/id" + step
		default:
			next[s] = "POST /things/" + step + "/"
		}
		if err := load.Done(step, http.StatusOK, nil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// Every slot has joined, and they are spread over the three steps.
	steps := map[int]int{}
	for _, st := range load.step {
		steps[st]++
	}
	if len(next) != slots || len(load.ready) != slots || len(steps) != 3 || load.Retired() != 0 {
		t.Errorf("%d slots joined, %d ready, slots per step %v, %d retired: want all %d joined and ready, in all three steps",
			len(next), len(load.ready), steps, load.Retired(), slots)
	}
}

// TestCyclesRetire: a failed step, or an answer with no id, retires its
// slot (its object's state is unknown); an answer the cycle can go on from
// with an anomaly goes on.
func TestCyclesRetire(t *testing.T) {
	anomaly := errors.New("wrong id")
	for _, tc := range []struct {
		name    string
		code    int
		read    func(int) (string, error)
		err     error
		retired int64
		next    string
	}{
		{"a failure", http.StatusInternalServerError, func(int) (string, error) { return "id", nil }, nil, 1, ""},
		{"a transport error", 0, func(int) (string, error) { return "id", nil }, nil, 1, ""},
		{"no id", http.StatusCreated, func(int) (string, error) { return "", anomaly }, anomaly, 1, ""},
		{"an anomaly with an id", http.StatusCreated, func(int) (string, error) { return "odd", anomaly }, anomaly, 0, "GET /things/0/odd"},
		{"an id", http.StatusCreated, func(int) (string, error) { return "id", nil }, nil, 0, "GET /things/0/id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			load := testCycles(1, tc.read).Start()
			_, step := load.Next()
			if err := load.Done(step, tc.code, nil); err != tc.err || load.Retired() != tc.retired {
				t.Fatalf("Done: %v, %d retired; want %v, %d", err, load.Retired(), tc.err, tc.retired)
			}
			r, step := load.Next()
			if tc.next == "" {
				// The one slot is gone: the idle read, as a step of none.
				if r.Path != "/things" || step != "" {
					t.Errorf("next %s %s, step %q: want the idle read", r.Method, r.Path, step)
				}
				return
			}
			if got := r.Method + " " + r.Path; got != tc.next || step != "0" {
				t.Errorf("next %s, step %q: want %s", got, step, tc.next)
			}
		})
	}
}

// TestCyclesIdle: with every slot in flight, the load reads, as no step.
func TestCyclesIdle(t *testing.T) {
	load := testCycles(2, func(int) (string, error) { return "id", nil }).Start()
	for range 2 {
		if _, step := load.Next(); step == "" {
			t.Fatal("a free slot was not taken")
		}
	}
	if r, step := load.Next(); r.Method != http.MethodGet || r.Path != "/things" || step != "" {
		t.Errorf("%s %s, step %q: want the idle read", r.Method, r.Path, step)
	}
	// An answer to no slot of ours moves nothing.
	if err := load.Done("x", http.StatusOK, nil); err != nil || load.Retired() != 0 {
		t.Errorf("Done(x): %v, %d retired", err, load.Retired())
	}
}

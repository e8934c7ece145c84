package vendor

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Cycles is a soak's work (SoakLoad) as slots, each going through the
// steps of a cycle (create → show → delete → create …) one request at a
// time: a slot's next request is made only once its previous one has
// answered. Each slot acts on an object of its own, whose name or path
// the steps make from the slot's number, so the working set never holds
// more than Slots objects.
//
// Slots join one at a time, on every third request, until all have joined
// (or at once when none is ready), so that their cycles are out of phase:
// with three steps the store then holds about two thirds of the slots at
// any time, rather than filling and emptying in waves.
type Cycles struct {
	// Slots should be more than the requests the load keeps in flight, so
	// that a slot is always ready.
	Slots int
	// Steps are the cycle's requests, in order.
	Steps []Step
	// Idle is the request made when every slot is in flight (the server
	// lags far behind): a read.
	Idle Request
}

// Step is one request of a cycle.
type Step struct {
	// Request makes the step's request for a slot, given the id an earlier
	// step of the cycle read ("" before any has).
	Request func(slot int, id string) Request
	// Read, when not nil, reads from the step's 2xx answer the id the
	// next steps act on. An error is an anomaly; with no id the slot is
	// retired.
	Read func(slot, code int, body []byte) (id string, err error)
}

// Start makes the load of one soak (Soak.Start).
func (c Cycles) Start() SoakLoad {
	return &cycles{c: c, ready: make(chan int, c.Slots), step: make([]int, c.Slots), id: make([]string, c.Slots)}
}

// cycles is one soak's slots. A slot taken belongs to the one request in
// flight for it until Done puts it back in ready, so step and id need no
// lock (the channel orders the accesses).
type cycles struct {
	c       Cycles
	ready   chan int
	step    []int
	id      []string
	retired atomic.Int64
	takes   atomic.Uint64

	mu     sync.Mutex
	active int // slots 0..active-1 have joined
}

func (p *cycles) Next() (Request, string) {
	s, ok := p.take()
	if !ok {
		return p.c.Idle, ""
	}
	return p.c.Steps[p.step[s]].Request(s, p.id[s]), strconv.Itoa(s)
}

// take gives a slot for its next step; false when every slot is in flight.
func (p *cycles) take() (int, bool) {
	if p.takes.Add(1)%3 == 1 {
		if s, ok := p.join(); ok {
			return s, true
		}
	}
	select {
	case s := <-p.ready:
		return s, true
	default:
		return p.join()
	}
}

func (p *cycles) join() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == len(p.step) {
		return 0, false
	}
	p.active++
	return p.active - 1, true
}

// Done moves the slot on to its next step, or retires it: a failed step
// leaves the slot's object in a state unknown.
func (p *cycles) Done(step string, code int, body []byte) error {
	s, err := strconv.Atoi(step)
	if err != nil || s < 0 || s >= len(p.step) {
		return nil // not a step of ours: nothing to move on
	}
	if code < 200 || code >= 300 {
		p.retired.Add(1) // the answer is already an error
		return nil
	}
	var anomaly error
	if read := p.c.Steps[p.step[s]].Read; read != nil {
		var id string
		id, anomaly = read(s, code, body)
		if id == "" {
			p.retired.Add(1)
			return anomaly
		}
		p.id[s] = id
	}
	if p.step[s]++; p.step[s] == len(p.c.Steps) {
		p.id[s], p.step[s] = "", 0
	}
	p.ready <- s
	return anomaly
}

func (p *cycles) Retired() int64 { return p.retired.Load() }

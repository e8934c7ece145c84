package contracts

import (
	"context"
	"fmt"
)

// recorder is the Reporter behind Evaluate. It runs every sub-test and keeps
// the outcome of each operation's as a Result: the sub-tests one level down
// are checks, the next level operations.
type recorder struct {
	ctx   context.Context
	store *outcomes
	// check is set on a check's recorder, result on an operation's.
	check  string
	result *Result
	parent *recorder
	failed bool
}

// outcomes is what a run's recorders share.
type outcomes struct {
	order []*Result
	byKey map[[2]string]*Result
}

func newRecorder(ctx context.Context) *recorder {
	return &recorder{ctx: ctx, store: &outcomes{byKey: map[[2]string]*Result{}}}
}

// results returns every result, in the order the operations ran.
func (r *recorder) results() []Result {
	out := make([]Result, 0, len(r.store.order))
	for _, x := range r.store.order {
		out = append(out, *x)
	}
	return out
}

func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) Helper() {}

func (r *recorder) Run(name string, f func(Reporter)) bool {
	sub := &recorder{ctx: r.ctx, store: r.store, parent: r}
	switch {
	case r.result != nil:
		panic(fmt.Sprintf("contracts: a sub-test %q below the operation %s", name, r.result.Operation))
	case r.check == "":
		sub.check = name
	default:
		// A check that runs an operation's sub-test twice adds to one result.
		k := [2]string{r.check, name}
		if sub.result = r.store.byKey[k]; sub.result == nil {
			sub.result = &Result{Check: r.check, Operation: name, Status: Pass}
			r.store.byKey[k] = sub.result
			r.store.order = append(r.store.order, sub.result)
		}
	}
	f(sub)
	return !sub.failed
}

func (r *recorder) Errorf(format string, args ...any) {
	res := r.operation()
	msg := fmt.Sprintf(format, args...)
	res.Cases++
	for x := r; x != nil; x = x.parent {
		x.failed = true
	}
	if res.Status != Fail {
		res.Status, res.Reason = Fail, msg
	}
	if len(res.Failures) < maxFailuresPerResult {
		res.Failures = append(res.Failures, msg)
	} else {
		res.Dropped++
	}
}

// Skipf marks the result skipped, unless it failed (as testing does).
func (r *recorder) Skipf(format string, args ...any) {
	if res := r.operation(); res.Status != Fail {
		res.Status, res.Reason = Skip, fmt.Sprintf(format, args...)
	}
}

func (r *recorder) passed() { r.operation().Cases++ }

// operation is the result being reported on. The checks report only within
// an operation's sub-test; anything else is a bug of the suite.
func (r *recorder) operation() *Result {
	if r.result == nil {
		panic("contracts: a check reported outside an operation's sub-test")
	}
	return r.result
}

// Package contractstest runs the contract suite inside go test. It is the
// only part of the suite that imports testing, so the repomock binary, which
// runs the same checks as `repomock contract`, does not link it.
package contractstest

import (
	"testing"

	"github.com/repomock/repomock/contracts"
)

// Run runs the contract suite against target: one sub-test per check, and in
// it one per operation, named check/operation
// (read_after_write/ShowRepositoryByUuid). Each sub-test does its own work
// when it runs, with its own t.Context(), so go test -run selects work:
// -run 'TestContracts/read_after_write' creates, reads back and deletes, and
// sends nothing else. The four conformance checks run last, over the
// responses the behaviour checks got; run alone they have none, and skip
// saying so. A failure is reported at the line of the check that saw it.
func Run(t *testing.T, target contracts.Target) {
	t.Helper()
	if err := contracts.Run(reporter{t}, target); err != nil {
		t.Fatal(err)
	}
}

// reporter is a *testing.T as a contracts.Reporter. Embedding keeps
// Helper, Errorf and Skipf the test's own, so t.Helper marks the suite's
// helpers and a failure names the check's line.
type reporter struct{ *testing.T }

func (r reporter) Run(name string, f func(contracts.Reporter)) bool {
	return r.T.Run(name, func(t *testing.T) { f(reporter{t}) })
}

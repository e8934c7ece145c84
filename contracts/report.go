package contracts

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/repomock/repomock/contracts/internal/junit"
)

// Counts tallies the results by status.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, x := range r.Results {
		switch x.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		case Skip:
			skipped++
		}
	}
	return passed, failed, skipped
}

// WriteTable prints one line per check and operation, the vendors that
// were not configured, the totals, and then every failure in full: the
// request, the status, an excerpt of the body and the rule.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tOPERATION\tCHECK\tRESULT\tCASES\tNOTE")
	n := 0
	for _, x := range r.Results {
		note := ""
		switch x.Status {
		case Fail:
			n++
			note = fmt.Sprintf("failure %d below", n)
		case Skip:
			note = junit.OneLine(x.Reason, 100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", x.Vendor, x.Operation, x.Check, strings.ToUpper(string(x.Status)), x.Cases, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Unconfigured) > 0 {
		fmt.Fprintf(w, "\nnot configured (no URL), not checked: %s\n", strings.Join(r.Unconfigured, ", "))
	}
	passed, failed, skipped := r.Counts()
	fmt.Fprintf(w, "\ncontract suite against %s in %s\n%d passed, %d failed, %d skipped\n",
		r.Target, r.Duration.Round(1e6), passed, failed, skipped)
	n = 0
	for _, x := range r.Results {
		if x.Status != Fail {
			continue
		}
		n++
		fmt.Fprintf(w, "\n--- failure %d: %s / %s / %s (%d of %d cases failed)\n", n, x.Vendor, x.Operation, x.Check, len(x.Failures), x.Cases)
		if _, err := io.WriteString(w, x.failureText()+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// failureText is every failure of x, each in full.
func (x Result) failureText() string {
	var b strings.Builder
	for i, f := range x.Failures {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d. %s", i+1, f)
	}
	if x.Dropped > 0 {
		fmt.Fprintf(&b, "\n… and %d more failures of the same check", x.Dropped)
	}
	return b.String()
}

// WriteJUnit writes the report as JUnit XML: one testsuite per vendor, one
// testcase per check and operation.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junit.Suites{Name: "repomock contract: " + r.Target, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	index := map[string]int{}
	for _, x := range r.Results {
		i, ok := index[x.Vendor]
		if !ok {
			i = len(out.Suites)
			index[x.Vendor] = i
			out.Suites = append(out.Suites, junit.Suite{Name: x.Vendor})
		}
		s := &out.Suites[i]
		c := junit.Case{Name: x.Check, Classname: x.Vendor + "." + x.Operation}
		switch x.Status {
		case Fail:
			c.Failure = &junit.Message{Message: junit.OneLine(x.Reason, 500), Text: x.failureText()}
			s.Failures++
			out.Failures++
		case Skip:
			c.Skipped = &junit.Message{Message: x.Reason}
			s.Skipped++
			out.Skipped++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	return out.Write(w)
}

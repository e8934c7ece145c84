package contracts

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
			note = oneLine(x.Reason, 100)
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

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	return clip(s, n)
}

// JUnit XML, as read by CI systems (Jenkins, GitLab, GitHub reporters):
// one testsuite per vendor, one testcase per check and operation.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "repomock contract: " + r.Target, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	index := map[string]int{}
	for _, x := range r.Results {
		i, ok := index[x.Vendor]
		if !ok {
			i = len(out.Suites)
			index[x.Vendor] = i
			out.Suites = append(out.Suites, junitSuite{Name: x.Vendor})
		}
		s := &out.Suites[i]
		c := junitCase{Name: x.Check, Classname: x.Vendor + "." + x.Operation}
		switch x.Status {
		case Fail:
			c.Failure = &junitMessage{Message: oneLine(x.Reason, 500), Text: x.failureText()}
			s.Failures++
			out.Failures++
		case Skip:
			c.Skipped = &junitMessage{Message: x.Reason}
			s.Skipped++
			out.Skipped++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, c)
	}
	return out.write(w)
}

// write writes the suites as an indented JUnit XML document.
func (out junitSuites) write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

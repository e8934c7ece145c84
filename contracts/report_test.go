package contracts_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/contracts"
)

var sample = &contracts.Report{
	Target:   "repomock",
	Duration: 1500 * time.Millisecond,
	Results: []contracts.Result{
		{Vendor: "Endor Labs", Check: "status_code_conformance", Operation: "Create", Status: contracts.Pass, Cases: 3},
		{Vendor: "Endor Labs", Check: "negative_data_rejection", Operation: "Create", Status: contracts.Fail, Cases: 4,
			Reason: "meta.name: required: an invalid request was accepted", Failures: []string{"meta.name: required: an invalid request was accepted", "context: required: <&> accepted"}},
		{Vendor: "Huawei ServiceStage", Check: "status_code_conformance", Operation: "CreateFile", Status: contracts.Skip, Reason: "Huawei ServiceStage is not configured (no URL)"},
	},
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := sample.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"negative_data_rejection", "FAIL", "meta.name: required: an invalid request was accepted",
		"SKIP", "not configured", "1 passed, 1 failed, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// A JUnit reader sees one suite per vendor, one case per check and
// operation, and the failures and skips with their messages.
func TestWriteJUnitReadsBack(t *testing.T) {
	var b bytes.Buffer
	if err := sample.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML a JUnit reader can parse: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 || doc.Suites[0].Tests != 2 {
		t.Fatalf("counts: %+v", doc)
	}
	failed := doc.Suites[0].Cases[1]
	if failed.Name != "negative_data_rejection" || failed.Classname != "Endor Labs.Create" || failed.Failure == nil ||
		failed.Failure.Message != "meta.name: required: an invalid request was accepted" || !strings.Contains(failed.Failure.Text, "<&> accepted") {
		t.Errorf("failed case: %+v", failed)
	}
	if s := doc.Suites[1].Cases[0].Skipped; s == nil || !strings.Contains(s.Message, "not configured") {
		t.Errorf("skipped case: %+v", doc.Suites[1].Cases[0])
	}
}

package contracts_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/mock/recording"
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

// The masks are rules on a field's name and a value's form.
func TestDiffMasksVolatileValuesByRule(t *testing.T) {
	dir := t.TempDir()
	write := func(sub, body string, status int) string {
		d := dir + "/" + sub
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		x := recording.Exchange{Scenario: "endor.x.Op.001", Method: "GET", Path: "/p", Status: status, ResponseBody: []byte(body)}
		if err := recording.Write(d, x); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name       string
		a, b       string
		statusB    int
		wantDiffer []string
	}{
		{"volatile by name and form",
			`{"uuid":"656e69058032bf0abaaeb681","meta":{"create_time":"2026-12-01T01:02:03.123Z","name":"repomock-contract-rv-3-1eef","repoId":7},"web_url":"https://x.example/codehub/7/home","request_id":"aa","error_msg":"one wording","format":"v1"}`,
			`{"uuid":"656e69058032bf0abaaeb682","meta":{"create_time":"2027-01-01T00:00:00Z","name":"repomock-contract-rv-3-9abc","repoId":15},"web_url":"https://x.example/codehub/15/home","request_id":"bb","error_msg":"another","format":"v1"}`,
			200, nil},
		{"a non-volatile value", `{"format":"v1","kind":"RepositoryVersion"}`, `{"format":"v2","kind":"RepositoryVersion"}`, 200,
			[]string{"field $.format: v1, then v2"}},
		{"a type", `{"count":1}`, `{"count":"1"}`, 200, []string{"field $.count: type number, then string"}},
		{"a field", `{"a":1,"b":true}`, `{"a":1}`, 200, []string{"field $.b: boolean, then absent"}},
		{"status and code", `{"code":3,"message":"x"}`, `{"code":5,"message":"y"}`, 404,
			[]string{"status: 200, then 404", `error code: "3", then "5"`, "field $.code: 3, then 5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := write(tc.name+"/a", tc.a, 200)
			b := write(tc.name+"/b", tc.b, tc.statusB)
			d, err := contracts.Diff(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Scenarios[0].Problems; strings.Join(got, "\n") != strings.Join(tc.wantDiffer, "\n") {
				t.Errorf("differences:\n got %q\nwant %q", got, tc.wantDiffer)
			}
		})
	}
}

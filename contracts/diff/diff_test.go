package diff_test

import (
	"os"
	"strings"
	"testing"

	"github.com/repomock/repomock/contracts/diff"
	"github.com/repomock/repomock/mock/recording"
)

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
			d, err := diff.Recordings(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Scenarios[0].Problems; strings.Join(got, "\n") != strings.Join(tc.wantDiffer, "\n") {
				t.Errorf("differences:\n got %q\nwant %q", got, tc.wantDiffer)
			}
		})
	}
}

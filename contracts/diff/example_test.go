package diff_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/repomock/repomock/contracts/diff"
	"github.com/repomock/repomock/mock/recording"
)

// Two recordings of one scenario: the uuid and the time differ by nature
// and are masked; the status and the error code are the difference.
func ExampleRecordings() {
	dir, err := os.MkdirTemp("", "diff")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	for sub, answer := range map[string]struct {
		status int
		body   string
	}{
		"vendor": {404, `{"code":5,"message":"not found","uuid":"6560c0de0000000000000001","create_time":"2026-01-02T03:04:05Z"}`},
		"mock":   {400, `{"code":3,"message":"invalid","uuid":"6560c0de0000000000000002","create_time":"2027-01-01T00:00:00Z"}`},
	} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			fmt.Println(err)
			return
		}
		x := recording.Exchange{Scenario: "acme.use_after_free.GetWidget.001", Method: "GET", Path: "/widgets/{id}",
			Status: answer.status, ResponseBody: recording.Body([]byte(answer.body))}
		if err := recording.Write(filepath.Join(dir, sub), x); err != nil {
			fmt.Println(err)
			return
		}
	}
	d, err := diff.Recordings(filepath.Join(dir, "vendor"), filepath.Join(dir, "mock"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range d.Scenarios {
		fmt.Println(s.Scenario, s.StatusA, s.StatusB)
		for _, p := range s.Problems {
			fmt.Println(" ", p)
		}
	}
	fmt.Println(d.Differ(), "differ")
	// Output:
	// acme.use_after_free.GetWidget.001 404 400
	//   status: 404, then 400
	//   error code: "5", then "3"
	//   field $.code: 5, then 3
	// 1 differ
}

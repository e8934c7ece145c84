package recording_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/repomock/repomock/mock/recording"
)

// One exchange written to a recording and read back by scenario.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "recording")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	x := recording.Exchange{Scenario: "acme.read_after_write.GetWidget.001", Vendor: "Acme", Operation: "GetWidget",
		Method: "GET", Path: "/widgets/{id}", PathParams: map[string]string{"id": "w1"}, Status: 200,
		ResponseBody: recording.Body([]byte(`{"size":3,"id":"w1"}`))}
	if err := recording.Write(dir, x); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(filepath.Join(dir, "acme.read_after_write.GetWidget.001.json"))
	fmt.Print(string(data))
	rec, err := recording.Read(dir)
	fmt.Println(len(rec), rec[x.Scenario].Status, err)
	// Output:
	// {
	//   "scenario": "acme.read_after_write.GetWidget.001",
	//   "vendor": "Acme",
	//   "operation": "GetWidget",
	//   "method": "GET",
	//   "path": "/widgets/{id}",
	//   "path_params": {
	//     "id": "w1"
	//   },
	//   "status": 200,
	//   "response_body": {
	//     "id": "w1",
	//     "size": 3
	//   }
	// }
	// 1 200 <nil>
}

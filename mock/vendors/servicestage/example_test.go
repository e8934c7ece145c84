package servicestage_test

import (
	"encoding/json"
	"fmt"

	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// A request that breaks the spec becomes the vendor's 400 SVCSTG.REPO.0400.
func ExampleErrorFor() {
	e := servicestage.ErrorFor(400, "ref: value is required")
	body, _ := json.Marshal(e)
	fmt.Println(e.StatusCode(), string(body))
	// Output: 400 {"error_code":"SVCSTG.REPO.0400","error_msg":"parameter invalid: ref: value is required"}
}

// Fixtures come as JSON (the server converts fixtures/servicestage.yaml);
// strict mode makes the listed repositories and refs the only ones.
func ExampleParseFixtures() {
	fx, err := servicestage.ParseFixtures([]byte(`{"strict": true, "repositories": [{
		"project_id": "0123456789abcdef0123456789abcdef", "namespace": "repomock",
		"project": "group/app", "refs": ["master"],
		"files": [{"ref": "master", "path": "README.md", "content": "hello\n"}]}]}`))
	fmt.Println(err, fx.Strict, len(fx.Repositories[0].Files))
	// Output: <nil> true 1
}

package codearts_test

import (
	"fmt"

	"github.com/repomock/repomock/mock/vendors/codearts"
)

// A fake seeded from fixtures (the JSON form of fixtures/codearts.yaml):
// every new session starts with these repositories.
func Example() {
	fx, err := codearts.ParseFixtures([]byte(`{"repositories":[
		{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demo","repository_uuid":"d161fd00d9194816a455cb3c1d6a783e"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fake := codearts.New(codearts.Config{Fixtures: fx})
	r, _ := fake.Store("").Get("d161fd00d9194816a455cb3c1d6a783e")
	fmt.Println(r.Name, r.ID)
	fmt.Println(r.HTTPSURL())
	fmt.Println(r.SSHURL())
	// Output:
	// demo 1
	// https://codehub.devcloud.repomock.example/4838955a48e2492bbe44b31bc4c272f6/demo.git
	// git@codehub.devcloud.repomock.example:4838955a48e2492bbe44b31bc4c272f6/demo.git
}

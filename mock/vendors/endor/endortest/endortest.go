// Package endortest is what tests say to the Endor fake through a server:
// its paths, the bodies its own scripts send, and its verbatim error bodies.
package endortest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"

	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	// Project and Project2 are parent uuids of repository versions.
	Project  = "656e69058032bf0abaaeb600"
	Project2 = "656e69058032bf0abaaeb699"
	// Path lists and creates the repository versions of acme.prod.
	Path = "/v1/namespaces/acme.prod/repository-versions"
	// CreateBody is a create body, with its name and its context id to
	// fill in (fmt).
	CreateBody = `{"meta":{"name":"%s","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"%s","type":"CONTEXT_TYPE_REF"}}`
)

// Version is the create body the vendor's own scripts send.
func Version(name string) map[string]any {
	return map[string]any{
		"meta":    map[string]any{"name": name, "parent_uuid": Project},
		"context": map[string]any{"id": name, "type": "CONTEXT_TYPE_REF"},
		"spec":    map[string]any{"version": map[string]any{"ref": name}},
	}
}

// Create creates a repository version in ns, and fails the test unless it
// gets 200.
func Create(s vendorstest.Doer, ns string, body any) vendorstest.Response {
	s.TB().Helper()
	r := s.Do(http.MethodPost, "/v1/namespaces/"+ns+"/repository-versions", body)
	if r.Status != http.StatusOK {
		s.TB().Fatalf("create in %s: %d %s", ns, r.Status, r.Raw)
	}
	return r
}

// Count lists a namespace with list_parameters.count=true.
func Count(s vendorstest.Doer, ns string) int {
	s.TB().Helper()
	r := s.Do(http.MethodGet, "/v1/namespaces/"+ns+"/repository-versions?list_parameters.count=true", nil)
	if r.Status != http.StatusOK {
		s.TB().Fatalf("count %s: %d %s", ns, r.Status, r.Raw)
	}
	n, _ := vendorstest.Get(r.JSON, "count_response.count").(float64)
	return int(n)
}

// Code3 is the body of a 400 with code 3 and the given message.
func Code3(message string) string {
	return fmt.Sprintf(`{"code":3,"message":%q,"details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":400}]}`, message)
}

// Golden is one of the vendor's verbatim error bodies, kept in
// testdata/endor at the root of the repository (see its README).
func Golden(name string) string {
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "testdata", "endor", name))
	if err != nil {
		panic(err)
	}
	return string(data)
}

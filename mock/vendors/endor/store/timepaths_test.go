package store

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/specs"
)

// The store's view types exactly the date-time fields of the served
// schema, so that filters compare every time field as a time.
func TestTimePathsAreTheSpecsDateTimes(t *testing.T) {
	doc, err := specs.Load(context.Background(), os.DirFS("../../../../specs"), specs.Endor)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func(s *openapi3.Schema, path []string)
	walk = func(s *openapi3.Schema, path []string) {
		if s.Format == "date-time" {
			want = append(want, strings.Join(path, "."))
		}
		for name, p := range s.Properties {
			walk(p.Value, append(slices.Clone(path), name))
		}
	}
	walk(doc.Components.Schemas["v1RepositoryVersion"].Value, nil)
	var got []string
	for _, p := range timePaths {
		got = append(got, strings.Join(p, "."))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("timePaths:\n got %v\nwant %v (the date-time fields of v1RepositoryVersion)", got, want)
	}
}

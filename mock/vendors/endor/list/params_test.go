package list

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/specs"
)

// The query parameters of both lists in specs/endor.yaml are exactly
// those Parse reads: a parameter the spec declared and the fake did
// not read would pass validation and be dropped without a word (unknown
// keys are ignored before the handler, as grpc-gateway ignores them).
func TestListParamsAreTheSpecs(t *testing.T) {
	doc, err := specs.Load(context.Background(), os.DirFS("../../../../specs"), specs.Endor)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(Params))
	for _, path := range []string{"/v1/namespaces/{tenant_meta.namespace}/repository-versions", "/v1/namespaces/{tenant_meta.namespace}/namespaces"} {
		var got []string
		for _, ref := range doc.Paths.Value(path).Get.Parameters {
			if ref.Value.In == openapi3.ParameterInQuery {
				got = append(got, ref.Value.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s declares\n%v\nParse reads\n%v", path, got, want)
		}
	}
}

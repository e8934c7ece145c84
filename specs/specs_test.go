package specs_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/repomock/repomock/specs"
)

func TestEmbeddedSpecsLoad(t *testing.T) {
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Endor)
	if err != nil {
		t.Fatal(err)
	}
	// The vendor's text stays as published: its host and its dotted parameter.
	if got := doc.Servers[0].URL; got != "https://api.endorlabs.com/" {
		t.Errorf("servers[0].url = %q, want the vendor's host", got)
	}
	if doc.Paths.Find("/v1/namespaces/{tenant_meta.namespace}/repository-versions") == nil {
		t.Error("the published create path is missing")
	}
}

func TestEverySpecLoads(t *testing.T) {
	for _, name := range specs.All() {
		if _, err := specs.Load(context.Background(), specs.FS(), name); err != nil {
			t.Error(err)
		}
	}
}

// Every operation repomock wrote says where its shape comes from; only
// the vendor's own published operation stays as published.
func TestOperationsCiteTheirSource(t *testing.T) {
	for _, name := range specs.All() {
		doc, err := specs.Load(context.Background(), specs.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				_, cited := op.Extensions["x-repomock-source"]
				if name == specs.Endor && op.OperationID == "RepositoryVersionService_CreateRepositoryVersion" {
					if cited {
						t.Errorf("the vendor's own operation should stay as published")
					}
					continue
				}
				if !cited {
					t.Errorf("%s: %s %s has no x-repomock-source", name, method, path)
				}
			}
		}
	}
}

func TestLoadRejectsABrokenSpec(t *testing.T) {
	fsys := fstest.MapFS{
		"endor.yaml": {Data: []byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/missing'}\n")},
	}
	_, err := specs.Load(context.Background(), fsys, "endor.yaml")
	if err == nil || !strings.Contains(err.Error(), "endor.yaml") {
		t.Fatalf("err = %v, want an error naming the file", err)
	}
	_, err = specs.Load(context.Background(), fstest.MapFS{}, "endor.yaml")
	if err == nil || !strings.Contains(err.Error(), "endor.yaml") {
		t.Fatalf("missing file: err = %v, want an error naming the file", err)
	}
}

func TestAdminSpecLoads(t *testing.T) {
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Find("/__admin/health") == nil {
		t.Error("the admin document has no health route")
	}
}

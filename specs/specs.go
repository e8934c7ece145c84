// Package specs holds the vendor OpenAPI documents that repomock serves and
// that the contract suite checks against, and the document of repomock's
// own admin API. They are embedded in the binary and checked when loaded,
// so a broken document stops the server at start with the file and the
// reason, never on a request.
package specs

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
)

// The documents, by file name.
const (
	// Endor is the Endor Labs document: the vendor's published OpenAPI for
	// CreateRepositoryVersion, plus the read-back operations, each marked
	// with x-repomock-source.
	Endor = "endor.yaml"
	// CodeArts is Huawei Cloud CodeArts Repo, written from the vendor's
	// "Creating a Repository" page and its official Go SDK.
	CodeArts = "codearts-repo.yaml"
	// ServiceStage is Huawei Cloud ServiceStage's repository-file API,
	// written from the vendor's "Creating a Repository File" page and its SDK.
	ServiceStage = "servicestage-repo.yaml"
	// Admin is repomock's own admin API (/__admin), served at
	// /__admin/openapi.yaml and held to it like a vendor's. It is always
	// the embedded one: --specs replaces the vendors' documents only.
	Admin = "admin.yaml"
)

// All names every vendor document, in the order the server loads them.
func All() []string { return []string{Endor, CodeArts, ServiceStage} }

//go:embed *.yaml
var embedded embed.FS

// FS returns the embedded documents.
func FS() fs.FS { return embedded }

// Load reads the named document from fsys, resolves its references and
// validates it. Errors name the file.
func Load(ctx context.Context, fsys fs.FS, name string) (*openapi3.T, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", name, err)
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	// A document of ours never reaches out: every $ref is local.
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: name})
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", name, err)
	}
	// Validate also compiles every schema pattern into kin-openapi's cache,
	// so no regular expression is compiled on the request path.
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec %s: invalid: %w", name, err)
	}
	return doc, nil
}

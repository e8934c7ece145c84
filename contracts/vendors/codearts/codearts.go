// Package codearts is the contract suite's Huawei CodeArts Repo: the
// checks of the behaviour the vendor documents (unique names in a project,
// both reads of a repository, its creation status, its error codes), behind
// the Huawei API gateway (package huawei).
package codearts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/vendors/huawei"
	"github.com/repomock/repomock/specs"
)

// CodeArts operationIds, as the official SDK names them.
const (
	opCreate   = "CreateRepository"
	opShow     = "ShowRepositoryByUuid"
	opShowV1   = "GetRepositoryByProjectId"
	opStatus   = "ListRepositoryStatus"
	opList     = "GetAllRepositoryByProjectId"
	opNameFree = "ShowRepositoryNameExist"
	opDelete   = "DeleteRepository"
)

// Config is a Huawei Cloud CodeArts Repo target.
type Config struct {
	URL  string
	Auth huawei.Auth
	// ProjectUUID is the CodeArts project repositories are created in.
	// Default a fixed uuid.
	ProjectUUID string
}

// Settings names the variables FromSettings reads, with what each sets;
// the first is the base URL.
func Settings() [][2]string {
	return append([][2]string{
		{"CODEARTS_URL", "CodeArts Repo base URL"},
		{"CODEARTS_PROJECT_UUID", "CodeArts project to create repositories in"},
	}, huawei.Settings()...)
}

// FromSettings makes the vendor from the settings get reads.
func FromSettings(get func(name string) string) *contracts.Vendor {
	return New(Config{URL: get("CODEARTS_URL"), Auth: huawei.AuthFrom(get), ProjectUUID: get("CODEARTS_PROJECT_UUID")})
}

// New makes the CodeArts Repo vendor of the suite.
func New(c Config) *contracts.Vendor {
	if c.ProjectUUID == "" {
		c.ProjectUUID = "c0de0000000000000000000000000001"
	}
	c.Auth = c.Auth.WithDefaults()
	v := &contracts.Vendor{Name: "Huawei CodeArts Repo", Short: "CodeArts Repo", Key: "codearts", Spec: specs.CodeArts, URL: c.URL,
		Missing: c.Auth.Missing("CodeArts Repo"), Authorize: c.Auth.Authorize}
	// {"error":{"code":"CH.…","message":…},"status":"failed"} (docs: ErrorCode).
	v.Envelope = func(_ int, body []byte) error {
		var e struct {
			Error  struct{ Code, Message string }
			Status string
		}
		if err := json.Unmarshal(body, &e); err != nil {
			return fmt.Errorf("not JSON: %v", err)
		}
		if !strings.HasPrefix(e.Error.Code, "CH.") || e.Error.Message == "" || e.Status != "failed" {
			return fmt.Errorf(`want {"error":{"code":"CH.…","message":…},"status":"failed"}`)
		}
		return nil
	}
	v.Code = huawei.Code
	v.Invalid = contracts.VendorError(http.StatusBadRequest, "CH.010001", "the validation rejection (param invalid)")
	v.Gone = contracts.VendorError(http.StatusNotFound, "CH.000404", "not found")
	v.Preflight = func(ctx context.Context, s *contracts.Suite) (*contracts.Exchange, error) {
		return s.Call(ctx, s.Op(v, opList), contracts.Request{Params: map[string]string{"project_uuid": c.ProjectUUID}, Unseen: true})
	}
	on := func(f func(c codearts, r contracts.Reporter)) func(*contracts.Suite, contracts.Reporter) {
		return func(s *contracts.Suite, r contracts.Reporter) { f(codeartsOn(s, v, c), r) }
	}
	v.Checks = map[string]func(*contracts.Suite, contracts.Reporter){
		contracts.CheckPositiveData:   on(codearts.positive),
		contracts.CheckNegativeData:   on(codearts.negative),
		contracts.CheckMissingAuth:    on(codearts.missingAuth),
		contracts.CheckDuplicateName:  on(codearts.duplicateName),
		contracts.CheckReadAfterWrite: on(codearts.readAfterWrite),
		contracts.CheckUseAfterFree:   on(codearts.useAfterFree),
		contracts.CheckUnsupported:    on(codearts.unsupported),
	}
	return v
}

// codearts is CodeArts Repo in one run: the operations its checks call and
// the project they work in. Each check creates the repositories it needs
// and deletes them when it ends.
type codearts struct {
	s                                             *contracts.Suite
	project                                       string
	create, show, showV1, status, list, free, del *contracts.Operation
}

func codeartsOn(s *contracts.Suite, v *contracts.Vendor, c Config) codearts {
	return codearts{s: s, project: c.ProjectUUID,
		create: s.Op(v, opCreate), show: s.Op(v, opShow), showV1: s.Op(v, opShowV1), status: s.Op(v, opStatus),
		list: s.Op(v, opList), free: s.Op(v, opNameFree), del: s.Op(v, opDelete)}
}

func byID(id string) map[string]string { return map[string]string{"repository_uuid": id} }

// named is the smallest valid create: a name in the project.
func (c codearts) named(name string) contracts.Request {
	return contracts.Request{Body: map[string]any{"name": name, "project_uuid": c.project}}
}

// deleteLater deletes what x created when the check ends.
func (c codearts) deleteLater(x *contracts.Exchange) {
	if id := contracts.Field(x.JSON(), "result", "repository_uuid"); id != "" {
		c.s.OnCleanup(func(ctx context.Context) { _, _ = c.s.Call(ctx, c.del, contracts.Request{Params: byID(id)}) })
	}
}

// made creates the repository name for a check to work on, deleted when the
// check ends. When the target refuses it, x is nil and why says so. Which
// 2xx is status_code_conformance's to judge.
func (c codearts) made(ctx context.Context, name string) (x *contracts.Exchange, why string) {
	x, err := c.s.Call(ctx, c.create, c.named(name))
	switch {
	case err != nil:
		return nil, fmt.Sprintf("a valid create got no answer: %v", err)
	case x.Status/100 != 2:
		return nil, fmt.Sprintf("a valid create was refused: %s", x)
	}
	c.deleteLater(x)
	return x, ""
}

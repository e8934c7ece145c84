// Package servicestage is the contract suite's Huawei ServiceStage
// repository files: the checks of the behaviour the vendor documents
// (files addressed by path with ":" for "/", updates and deletes that name
// the file's sha, the repository authorization header, its error codes),
// behind the Huawei API gateway (package huawei).
package servicestage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/vendors/huawei"
	"github.com/repomock/repomock/specs"
)

// ServiceStage operationIds, as the official SDK names them.
const (
	opCreate = "CreateFile"
	opShow   = "ShowContent"
	opUpdate = "UpdateFile"
	opDelete = "DeleteFile"
	opTrees  = "ListTrees"
)

// Config is a Huawei Cloud ServiceStage repository-file target.
type Config struct {
	URL  string
	Auth huawei.Auth
	// RepoAuth is the name of a git repository authorization (X-Repo-Auth).
	RepoAuth string
	// Namespace, Project and Ref locate the repository files are written
	// to. Default "repomock-contract", "repomock-contract" and "master".
	Namespace, Project, Ref string
}

// Settings names the variables FromSettings reads, with what each sets;
// the first is the base URL.
func Settings() [][2]string {
	return append([][2]string{
		{"SERVICESTAGE_URL", "ServiceStage base URL"},
		{"SERVICESTAGE_REPO_AUTH", "ServiceStage git authorization name (X-Repo-Auth)"},
		{"SERVICESTAGE_NAMESPACE", "ServiceStage repository namespace"},
		{"SERVICESTAGE_PROJECT", "ServiceStage repository (group/name)"},
		{"SERVICESTAGE_REF", "ServiceStage branch to write to"},
	}, huawei.Settings()...)
}

// FromSettings makes the vendor from the settings get reads.
func FromSettings(get func(name string) string) *contracts.Vendor {
	return New(Config{URL: get("SERVICESTAGE_URL"), Auth: huawei.AuthFrom(get), RepoAuth: get("SERVICESTAGE_REPO_AUTH"),
		Namespace: get("SERVICESTAGE_NAMESPACE"), Project: get("SERVICESTAGE_PROJECT"), Ref: get("SERVICESTAGE_REF")})
}

// New makes the ServiceStage vendor of the suite.
func New(c Config) *contracts.Vendor {
	c.Auth = c.Auth.WithDefaults()
	for _, f := range []*string{&c.RepoAuth, &c.Namespace, &c.Project} {
		if *f == "" {
			*f = "repomock-contract"
		}
	}
	if c.Ref == "" {
		c.Ref = "master"
	}
	v := &contracts.Vendor{Name: "Huawei ServiceStage", Short: "ServiceStage", Key: "servicestage", Spec: specs.ServiceStage, URL: c.URL,
		Missing: c.Auth.Missing("ServiceStage"), Authorize: c.Auth.Authorize}
	v.Envelope = envelope
	v.Code = huawei.Code
	v.Invalid = contracts.VendorError(http.StatusBadRequest, "SVCSTG.REPO.0400", "the validation rejection (parameter invalid)")
	// Assumption: ServiceStage documents no not-found code (all its errors
	// are HTTP 400); a file that is not there is a parameter it cannot use.
	v.Gone = contracts.VendorError(http.StatusBadRequest, "SVCSTG.REPO.0400", "not found (parameter invalid)")
	v.Preflight = func(ctx context.Context, s *contracts.Suite) (*contracts.Exchange, error) {
		st := servicestageOn(s, v, c)
		return s.Call(ctx, st.trees, contracts.Request{Params: st.repo(), Query: st.ref(), Header: st.auth(), Unseen: true})
	}
	// No repository authorization, or an invalid one, is a refusal of
	// the credentials too (vendors.md §3).
	v.RefusesAuth = func(x *contracts.Exchange) bool {
		code := huawei.Code(x.JSON())
		return x.Status == http.StatusBadRequest && (code == "SVCSTG.REPO.0450" || code == "SVCSTG.REPO.0451")
	}
	on := func(f func(st servicestage, r contracts.Reporter)) func(*contracts.Suite, contracts.Reporter) {
		return func(s *contracts.Suite, r contracts.Reporter) { f(servicestageOn(s, v, c), r) }
	}
	v.Checks = map[string]func(*contracts.Suite, contracts.Reporter){
		contracts.CheckPositiveData:   on(servicestage.positive),
		contracts.CheckNegativeData:   on(servicestage.negative),
		contracts.CheckMissingAuth:    on(servicestage.missingAuth),
		contracts.CheckCreateTwice:    on(servicestage.createTwice),
		contracts.CheckReadAfterWrite: on(servicestage.readAfterWrite),
		contracts.CheckUseAfterFree:   on(servicestage.useAfterFree),
		contracts.CheckUnsupported:    on(servicestage.unsupported),
		contracts.CheckMissingHeader:  on(servicestage.missingHeader),
	}
	return v
}

// envelope checks {"error_code":"SVCSTG.REPO.…","error_msg":…}, the shape
// the SDK parses.
func envelope(_ int, body []byte) error {
	var e struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if !strings.HasPrefix(e.Code, "SVCSTG.") || e.Msg == "" {
		return fmt.Errorf(`want {"error_code":"SVCSTG.…","error_msg":…}`)
	}
	return nil
}

// servicestage is ServiceStage in one run: the operations its checks call
// and the repository they write to. Each check writes the files it needs
// and deletes them when it ends.
type servicestage struct {
	s                                *contracts.Suite
	t                                Config
	create, show, update, del, trees *contracts.Operation
}

func servicestageOn(s *contracts.Suite, v *contracts.Vendor, c Config) servicestage {
	return servicestage{s: s, t: c,
		create: s.Op(v, opCreate), show: s.Op(v, opShow), update: s.Op(v, opUpdate), del: s.Op(v, opDelete), trees: s.Op(v, opTrees)}
}

// In project and path, ":" stands for "/".
func colon(p string) string { return strings.ReplaceAll(p, "/", ":") }

// file is the path parameters of a file of the repository.
func (st servicestage) file(path string) map[string]string {
	return map[string]string{"project_id": st.t.Auth.ProjectID, "namespace": st.t.Namespace, "project": colon(st.t.Project), "path": colon(path)}
}

// repo is the path parameters of the repository (its tree).
func (st servicestage) repo() map[string]string {
	return map[string]string{"project_id": st.t.Auth.ProjectID, "namespace": st.t.Namespace, "project": colon(st.t.Project)}
}

func (st servicestage) auth() map[string]string {
	return map[string]string{"X-Repo-Auth": st.t.RepoAuth}
}

func (st servicestage) ref() url.Values { return url.Values{"ref": {st.t.Ref}} }

// at builds a request with body to the file at path.
func (st servicestage) at(path string) func(body any) contracts.Request {
	return func(body any) contracts.Request {
		return contracts.Request{Params: st.file(path), Query: st.ref(), Header: st.auth(), Body: body}
	}
}

func (st servicestage) read(ctx context.Context, path string) (*contracts.Exchange, error) {
	return st.s.Call(ctx, st.show, contracts.Request{Params: st.file(path), Query: st.ref(), Header: st.auth()})
}

// sha reads the sha of the file at path, which an update or a delete must
// name.
func (st servicestage) sha(ctx context.Context, path string) (string, error) {
	x, err := st.read(ctx, path)
	if err != nil {
		return "", err
	}
	if err := contracts.Expect2xx(x); err != nil {
		return "", err
	}
	sha := contracts.Field(x.JSON(), "sha")
	if sha == "" {
		return "", fmt.Errorf("no sha in %s", x)
	}
	return sha, nil
}

// deleteLater deletes the file at path when the check ends: its sha first,
// then the delete.
func (st servicestage) deleteLater(path string) {
	st.s.OnCleanup(func(ctx context.Context) {
		sha, err := st.sha(ctx, path)
		if err != nil {
			return
		}
		q := url.Values{"ref": {st.t.Ref}, "message": {"repomock contract cleanup"}, "sha": {sha}}
		_, _ = st.s.Call(ctx, st.del, contracts.Request{Params: st.file(path), Query: q, Header: st.auth()})
	})
}

// deleteMade deletes the file x wrote when the check ends.
func (st servicestage) deleteMade(x *contracts.Exchange) {
	st.deleteLater(strings.ReplaceAll(x.Params["path"], ":", "/"))
}

// made writes content to a new file for a check to work on, deleted when
// the check ends. When the target refuses it, path is "" and why says so.
func (st servicestage) made(ctx context.Context, kind string, content []byte) (path, why string) {
	path = "repomock/" + st.s.Name(kind) + ".txt"
	body := map[string]any{"message": "create", "content": base64.StdEncoding.EncodeToString(content)}
	x, err := st.s.Call(ctx, st.create, st.at(path)(body))
	switch {
	case err != nil:
		return "", fmt.Sprintf("a valid create got no answer: %v", err)
	case x.Status/100 != 2:
		return "", fmt.Sprintf("a valid create was refused: %s", x)
	}
	st.deleteLater(path)
	return path, ""
}

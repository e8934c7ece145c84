package contracts

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/specs"
)

// Huawei operationIds, as the official SDK names them.
const (
	codeartsCreate   = "CreateRepository"
	codeartsShow     = "ShowRepositoryByUuid"
	codeartsStatus   = "ListRepositoryStatus"
	codeartsList     = "GetAllRepositoryByProjectId"
	codeartsNameFree = "ShowRepositoryNameExist"
	codeartsDelete   = "DeleteRepository"
	stageCreate      = "CreateFile"
	stageShow        = "ShowContent"
	stageUpdate      = "UpdateFile"
	stageDelete      = "DeleteFile"
	stageTrees       = "ListTrees"
)

// gatewayEnvelope checks an answer of the API gateway itself (a 401, or
// the 400 for a path that names no project): an APIGW code and a message.
func gatewayEnvelope(b map[string]any) error {
	if !strings.HasPrefix(str(b, "error_code"), "APIGW.") {
		return fmt.Errorf(`want the gateway's {"error_code":"APIGW.…","error_msg":…}, got %v`, b)
	}
	return stringField(b, "error_msg")
}

func codeartsVendor(t Target) *vendor {
	v := &vendor{name: "Huawei CodeArts Repo", spec: specs.CodeArts, url: t.CodeArts.URL}
	v.authorize = func(s *suite, req *http.Request, body []byte) error {
		return huaweiAuthorize(s.target.CodeArts.Auth)(s, req, body)
	}
	// {"error":{"code":"CH.…","message":…},"status":"failed"} (docs: ErrorCode).
	v.envelope = func(_ int, body []byte) error {
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
	v.scenarios = func(s *suite) { codeartsScenarios(s, v) }
	return v
}

func codeartsScenarios(s *suite, v *vendor) {
	project := s.target.CodeArts.ProjectUUID
	create, show, list, free, del := v.op(codeartsCreate), v.op(codeartsShow), v.op(codeartsList), v.op(codeartsNameFree), v.op(codeartsDelete)
	status := v.op(codeartsStatus)
	byID := func(id string) map[string]string { return map[string]string{"repository_uuid": id} }
	deleteLater := func(x *exchange) {
		if id := str(x.json(), "result", "repository_uuid"); id != "" {
			s.onCleanup(func() { _, _ = s.call(del, request{params: byID(id)}) })
		}
	}
	post := func(body any) request {
		// Fields that name other objects of the account (a template, a
		// repository to import, a licence, a group) are left out: on a real
		// account they would have to exist.
		if m, ok := body.(map[string]any); ok {
			for _, k := range []string{"template_id", "import_url", "gitignore_id", "license_id", "group_id"} {
				delete(m, k)
			}
		}
		return request{body: body}
	}
	g := newGenerator(s.target.Seed).withOverrides(map[string]func(*gofakeit.Faker) any{
		"name":         func(*gofakeit.Faker) any { return s.name("repo") },
		"project_uuid": func(*gofakeit.Faker) any { return project },
		"description":  func(f *gofakeit.Faker) any { return f.Sentence(6) },
	})
	s.positive(create, g, positiveCasesPerOp, post, deleteLater)
	base := map[string]any{"name": s.name("neg"), "project_uuid": project}
	s.negative(create, base, false, func(body any) request { return request{body: body} }, deleteLater)
	s.missingAuth(create, request{body: map[string]any{"name": s.name("noauth"), "project_uuid": project}}, gatewayEnvelope)
	// import_url is documented as the base64 of an https address.
	s.rejects(create, "import_url: not base64", request{body: map[string]any{"name": s.name("neg"), "project_uuid": project, "import_url": "not base64 at all"}}, deleteLater)

	// A duplicate name in the project is refused, and nothing is stored.
	name := s.name("dup")
	first, err := s.call(create, request{body: map[string]any{"name": name, "project_uuid": project}})
	if err != nil || first.status/100 != 2 {
		// A valid create refused fails the check that needed it (a 2xx other
		// than 200 is status_code_conformance's); read-back cannot run.
		why := fmt.Sprintf("a valid create was refused: %v %v", err, first)
		s.fail(CheckDuplicateName, create, "%s", why)
		for _, op := range []*operation{show, status, list, free, del} {
			s.skip(CheckReadAfterWrite, op, why)
		}
		return
	}
	deleteLater(first)
	s.rejectsWith(CheckDuplicateName, create, request{body: map[string]any{"name": name, "project_uuid": project}}, http.StatusBadRequest)
	id := str(first.json(), "result", "repository_uuid")
	if id == "" {
		s.fail(CheckReadAfterWrite, show, "the create answered without result.repository_uuid, so nothing can be read back: %s", first)
		for _, op := range []*operation{status, list, free, del} {
			s.skip(CheckReadAfterWrite, op, "the create named no result.repository_uuid")
		}
		return
	}

	// Read after write: by uuid, its creation status, in the project's
	// list, the name is taken; after a delete it is gone.
	x, err := s.call(show, request{params: byID(id)})
	s.outcome(CheckReadAfterWrite, show, readBack(x, err, func(b map[string]any) error {
		if got := str(b, "result", "repository_name"); got != name {
			return fmt.Errorf("repository_name %q, want %q", got, name)
		}
		return nil
	}))
	// The vendor documents no values for the status: a created repository
	// has one, an integer.
	x, err = s.call(status, request{params: byID(id)})
	s.outcome(CheckReadAfterWrite, status, readBack(x, err, func(b map[string]any) error {
		if r, ok := b["result"].(float64); !ok || r != float64(int32(r)) {
			return fmt.Errorf("result %v, want the creation status, an integer", b["result"])
		}
		return nil
	}))
	x, err = s.call(list, request{params: map[string]string{"project_uuid": project}, query: url.Values{"search": {name}}})
	s.outcome(CheckReadAfterWrite, list, readBack(x, err, func(b map[string]any) error {
		if !strings.Contains(string(x.body), `"`+name+`"`) {
			return fmt.Errorf("the project's list does not hold %q", name)
		}
		return nil
	}))
	x, err = s.call(free, request{params: map[string]string{"project_uuid": project, "repository_name": name}})
	s.outcome(CheckReadAfterWrite, free, readBack(x, err, func(b map[string]any) error {
		if b["result"] != false {
			return fmt.Errorf("the name check of a taken name answered result %v, want false", b["result"])
		}
		return nil
	}))
	x, err = s.call(del, request{params: byID(id)})
	s.outcome(CheckReadAfterWrite, del, readBack(x, err, func(map[string]any) error {
		gone, err := s.call(show, request{params: byID(id)})
		if err != nil {
			return err
		}
		return notFound(gone)
	}))
}

// rejectsWith sends req, which must get status in the vendor's envelope.
func (s *suite) rejectsWith(check string, op *operation, req request, status int) {
	x, err := s.call(op, req)
	s.outcome(check, op, func() error {
		if err != nil {
			return err
		}
		if err := expectStatus(x, status); err != nil {
			return err
		}
		return op.vendor.envelope(x.status, x.body)
	}())
}

// gatewayRejects sends req, which the API gateway must refuse with status
// in its own shape.
func (s *suite) gatewayRejects(check string, op *operation, req request, status int) {
	x, err := s.call(op, req)
	s.outcome(check, op, func() error {
		if err != nil {
			return err
		}
		if err := expectStatus(x, status); err != nil {
			return err
		}
		return gatewayEnvelope(x.json())
	}())
}

// readBack checks a 2xx answer with want. Which 2xx is
// status_code_conformance's to judge.
func readBack(x *exchange, err error, want func(map[string]any) error) error {
	if err != nil {
		return err
	}
	if err := expect2xx(x); err != nil {
		return err
	}
	return want(x.json())
}

func servicestageVendor(t Target) *vendor {
	v := &vendor{name: "Huawei ServiceStage", spec: specs.ServiceStage, url: t.ServiceStage.URL}
	v.authorize = func(s *suite, req *http.Request, body []byte) error {
		return huaweiAuthorize(s.target.ServiceStage.Auth)(s, req, body)
	}
	// {"error_code":"SVCSTG.REPO.…","error_msg":…}, the shape the SDK parses.
	v.envelope = func(_ int, body []byte) error {
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
	v.scenarios = func(s *suite) { servicestageScenarios(s, v) }
	return v
}

func servicestageScenarios(s *suite, v *vendor) {
	t := s.target.ServiceStage
	create, show, update, del, trees := v.op(stageCreate), v.op(stageShow), v.op(stageUpdate), v.op(stageDelete), v.op(stageTrees)
	colon := func(p string) string { return strings.ReplaceAll(p, "/", ":") }
	file := func(path string) map[string]string {
		return map[string]string{"project_id": t.Auth.ProjectID, "namespace": t.Namespace, "project": colon(t.Project), "path": colon(path)}
	}
	ref := url.Values{"ref": {t.Ref}}
	auth := map[string]string{"X-Repo-Auth": t.RepoAuth}
	// deleteFile removes a file the suite wrote: its sha first, then the delete.
	deleteFile := func(path string) {
		x, err := s.call(show, request{params: file(path), query: ref, header: auth})
		if err != nil || x.status != http.StatusOK {
			return
		}
		q := url.Values{"ref": {t.Ref}, "message": {"repomock contract cleanup"}, "sha": {str(x.json(), "sha")}}
		_, _ = s.call(del, request{params: file(path), query: q, header: auth})
	}
	at := func(path string) func(any) request {
		return func(body any) request { return request{params: file(path), query: ref, header: auth, body: body} }
	}
	deleteLater := func(x *exchange) {
		path := strings.ReplaceAll(x.params["path"], ":", "/")
		s.onCleanup(func() { deleteFile(path) })
	}

	g := newGenerator(s.target.Seed).withOverrides(map[string]func(*gofakeit.Faker) any{
		"message": func(f *gofakeit.Faker) any { return f.Sentence(5) },
		"content": func(f *gofakeit.Faker) any {
			b := make([]byte, f.IntRange(0, 64))
			for i := range b {
				b[i] = byte(f.Uint8())
			}
			return base64.StdEncoding.EncodeToString(b)
		},
	})
	// Each generated body goes to a new path.
	s.positive(create, g, positiveCasesPerOp, func(body any) request {
		return at("repomock/" + s.name("file") + ".bin")(body)
	}, deleteLater)
	negPath := "repomock/" + s.name("neg") + ".txt"
	s.negative(create, map[string]any{"message": "m", "content": "aGk="}, false, at(negPath), deleteLater)
	valid := map[string]any{"message": "m", "content": "aGk="}
	s.rejects(create, "ref: required", request{params: file(negPath), header: auth, body: valid}, deleteLater)
	s.rejects(create, "X-Repo-Auth: required", request{params: file(negPath), query: ref, body: valid}, deleteLater)
	s.missingAuth(create, at(negPath)(valid), gatewayEnvelope)
	// The gateway refuses a path that names no project, such as the literal
	// {project_id} the SDK sends when its credentials have none.
	noProject := file(negPath)
	noProject["project_id"] = "{project_id}"
	s.gatewayRejects(CheckNegativeData, create, request{params: noProject, query: ref, header: auth, body: valid}, http.StatusBadRequest)

	// Creating a file that exists is refused with SVCSTG.REPO.0403.
	path := "repomock/" + s.name("twice") + ".txt"
	content := []byte("written by the repomock contract suite\n")
	body := map[string]any{"message": "create", "content": base64.StdEncoding.EncodeToString(content)}
	first, err := s.call(create, at(path)(body))
	if err != nil || first.status/100 != 2 {
		why := fmt.Sprintf("a valid create was refused: %v %v", err, first)
		s.fail(CheckCreateTwice, create, "%s", why)
		for _, op := range []*operation{show, trees, update, del} {
			s.skip(CheckReadAfterWrite, op, why)
		}
		return
	}
	s.onCleanup(func() { deleteFile(path) })
	x, err := s.call(create, at(path)(body))
	s.outcome(CheckCreateTwice, create, func() error {
		if err != nil {
			return err
		}
		if err := expectStatus(x, http.StatusBadRequest); err != nil {
			return err
		}
		if code := str(x.json(), "error_code"); code != "SVCSTG.REPO.0403" {
			return fmt.Errorf("error_code %q, want SVCSTG.REPO.0403 (resource already exist)", code)
		}
		return nil
	}())

	// Read after write: content, tree, update with the sha, delete.
	x, err = s.call(show, request{params: file(path), query: ref, header: auth})
	sha := ""
	s.outcome(CheckReadAfterWrite, show, readBack(x, err, func(b map[string]any) error {
		got, err := base64.StdEncoding.DecodeString(str(b, "content"))
		if err != nil || string(got) != string(content) {
			return fmt.Errorf("content read back differs from what was written")
		}
		if sha = str(b, "sha"); sha == "" {
			return fmt.Errorf("no sha in %s", x)
		}
		return nil
	}))
	x, err = s.call(trees, request{params: map[string]string{"project_id": t.Auth.ProjectID, "namespace": t.Namespace, "project": colon(t.Project)}, query: ref, header: auth})
	s.outcome(CheckReadAfterWrite, trees, readBack(x, err, func(map[string]any) error {
		if !strings.Contains(string(x.body), `"`+path+`"`) {
			return fmt.Errorf("the tree does not list %s", path)
		}
		return nil
	}))
	x, err = s.call(update, at(path)(map[string]any{"message": "update", "content": base64.StdEncoding.EncodeToString([]byte("v2")), "sha": sha}))
	s.outcome(CheckReadAfterWrite, update, readBack(x, err, func(map[string]any) error {
		again, err := s.call(show, request{params: file(path), query: ref, header: auth})
		if err != nil {
			return err
		}
		got, _ := base64.StdEncoding.DecodeString(str(again.json(), "content"))
		if string(got) != "v2" {
			return fmt.Errorf("after the update the content reads %q, want %q", got, "v2")
		}
		sha = str(again.json(), "sha")
		return nil
	}))
	q := url.Values{"ref": {t.Ref}, "message": {"delete"}, "sha": {sha}}
	x, err = s.call(del, request{params: file(path), query: q, header: auth})
	s.outcome(CheckReadAfterWrite, del, readBack(x, err, func(map[string]any) error {
		gone, err := s.call(show, request{params: file(path), query: ref, header: auth})
		if err != nil {
			return err
		}
		if gone.status/100 != 4 {
			return fmt.Errorf("the file still reads after its delete: %s", gone)
		}
		return v.envelope(gone.status, gone.body)
	}))
}

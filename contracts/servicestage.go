package contracts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts/gen"
	"github.com/repomock/repomock/specs"
)

func servicestageVendor(t Target) *vendor {
	v := &vendor{name: "Huawei ServiceStage", key: "servicestage", spec: specs.ServiceStage, url: t.ServiceStage.URL}
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
	v.code = huaweiCode
	v.invalid = vendorError(http.StatusBadRequest, "SVCSTG.REPO.0400", "the validation rejection (parameter invalid)")
	// Assumption: ServiceStage documents no not-found code (all its errors
	// are HTTP 400); a file that is not there is a parameter it cannot use.
	v.gone = vendorError(http.StatusBadRequest, "SVCSTG.REPO.0400", "not found (parameter invalid)")
	v.preflight = func(s *suite, ctx context.Context) (*exchange, error) {
		st := servicestageOn(s, v)
		return s.call(ctx, st.trees, request{params: st.repo(), query: st.ref(), header: st.auth(), unseen: true})
	}
	// No repository authorization, or an invalid one, is a refusal of
	// the credentials too (vendors.md §3).
	v.refusesAuth = func(x *exchange) bool {
		code := huaweiCode(x.json())
		return x.status == http.StatusBadRequest && (code == "SVCSTG.REPO.0450" || code == "SVCSTG.REPO.0451")
	}
	on := func(f func(st servicestage, r Reporter)) func(*suite, Reporter) {
		return func(s *suite, r Reporter) { f(servicestageOn(s, v), r) }
	}
	v.checks = map[string]func(*suite, Reporter){
		CheckPositiveData:   on(servicestage.positive),
		CheckNegativeData:   on(servicestage.negative),
		CheckMissingAuth:    on(servicestage.missingAuth),
		CheckCreateTwice:    on(servicestage.createTwice),
		CheckReadAfterWrite: on(servicestage.readAfterWrite),
		CheckUseAfterFree:   on(servicestage.useAfterFree),
		CheckUnsupported:    on(servicestage.unsupported),
		CheckMissingHeader:  on(servicestage.missingHeader),
	}
	return v
}

// servicestage is ServiceStage in one run: the operations its checks call
// and the repository they write to. Each check writes the files it needs
// and deletes them when it ends.
type servicestage struct {
	s                                *suite
	t                                ServiceStage
	create, show, update, del, trees *operation
}

func servicestageOn(s *suite, v *vendor) servicestage {
	return servicestage{s: s, t: s.target.ServiceStage,
		create: v.op(stageCreate), show: v.op(stageShow), update: v.op(stageUpdate), del: v.op(stageDelete), trees: v.op(stageTrees)}
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
func (st servicestage) at(path string) func(body any) request {
	return func(body any) request {
		return request{params: st.file(path), query: st.ref(), header: st.auth(), body: body}
	}
}

func (st servicestage) read(ctx context.Context, path string) (*exchange, error) {
	return st.s.call(ctx, st.show, request{params: st.file(path), query: st.ref(), header: st.auth()})
}

// sha reads the sha of the file at path, which an update or a delete must
// name.
func (st servicestage) sha(ctx context.Context, path string) (string, error) {
	x, err := st.read(ctx, path)
	if err != nil {
		return "", err
	}
	if err := expect2xx(x); err != nil {
		return "", err
	}
	sha := str(x.json(), "sha")
	if sha == "" {
		return "", fmt.Errorf("no sha in %s", x)
	}
	return sha, nil
}

// deleteLater deletes the file at path when the check ends: its sha first,
// then the delete.
func (st servicestage) deleteLater(path string) {
	st.s.onCleanup(func(ctx context.Context) {
		sha, err := st.sha(ctx, path)
		if err != nil {
			return
		}
		q := url.Values{"ref": {st.t.Ref}, "message": {"repomock contract cleanup"}, "sha": {sha}}
		_, _ = st.s.call(ctx, st.del, request{params: st.file(path), query: q, header: st.auth()})
	})
}

// deleteMade deletes the file x wrote when the check ends.
func (st servicestage) deleteMade(x *exchange) {
	st.deleteLater(strings.ReplaceAll(x.params["path"], ":", "/"))
}

// made writes content to a new file for a check to work on, deleted when
// the check ends. When the target refuses it, path is "" and why says so.
func (st servicestage) made(ctx context.Context, kind string, content []byte) (path, why string) {
	path = "repomock/" + st.s.name(kind) + ".txt"
	body := map[string]any{"message": "create", "content": base64.StdEncoding.EncodeToString(content)}
	x, err := st.s.call(ctx, st.create, st.at(path)(body))
	switch {
	case err != nil:
		return "", fmt.Sprintf("a valid create got no answer: %v", err)
	case x.status/100 != 2:
		return "", fmt.Sprintf("a valid create was refused: %s", x)
	}
	st.deleteLater(path)
	return path, ""
}

func (st servicestage) positive(r Reporter) {
	s := st.s
	g := gen.New(s.target.Seed).WithOverrides(map[string]func(*gofakeit.Faker) any{
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
	s.check(r, st.create, func(r Reporter) {
		s.positive(r, st.create, g, positiveCasesPerOp, func(body any) request {
			return st.at("repomock/" + s.name("file") + ".bin")(body)
		}, st.deleteMade)
	})
}

func (st servicestage) negative(r Reporter) {
	s := st.s
	s.check(r, st.create, func(r Reporter) {
		path := "repomock/" + s.name("neg") + ".txt"
		valid := map[string]any{"message": "m", "content": "aGk="}
		s.negative(r, st.create, valid, false, st.at(path), st.deleteMade)
		s.paramNegatives(r, st.create, st.at(path)(valid), "project_id")
		// The gateway refuses a path that names no project, such as the
		// literal {project_id} the SDK sends when its credentials have none.
		noProject := st.file(path)
		noProject["project_id"] = "{project_id}"
		s.rejectsWith(r, st.create, request{params: noProject, query: st.ref(), header: st.auth(), body: valid}, http.StatusBadRequest, gatewayEnvelope)
	})
	st.paramNegatives(r)
}

func (st servicestage) missingAuth(r Reporter) {
	s := st.s
	s.check(r, st.create, func(r Reporter) {
		path := "repomock/" + s.name("noauth") + ".txt"
		s.missingAuth(r, st.create, st.at(path)(map[string]any{"message": "m", "content": "aGk="}), gatewayEnvelope)
	})
}

// createTwice: creating a file that exists is refused with SVCSTG.REPO.0403.
func (st servicestage) createTwice(r Reporter) {
	s := st.s
	s.check(r, st.create, func(r Reporter) {
		ctx := r.Context()
		content := []byte("written by the repomock contract suite\n")
		path, why := st.made(ctx, "twice", content)
		if path == "" {
			r.Errorf("%s", why)
			return
		}
		x, err := s.call(ctx, st.create, st.at(path)(map[string]any{"message": "create", "content": base64.StdEncoding.EncodeToString(content)}))
		outcome(r, func() error {
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
	})
}

// readAfterWrite: a file of the check's own reads back with its content and
// a sha, is in the tree, takes an update naming its sha, and is gone after
// a delete naming it. The update and the delete read the sha themselves.
func (st servicestage) readAfterWrite(r Reporter) {
	s := st.s
	content := []byte("written by the repomock contract suite\n")
	path, why := st.made(r.Context(), "raw", content)
	if path == "" {
		s.skipAll(r, why, st.show, st.trees, st.update, st.del)
		return
	}
	s.check(r, st.show, func(r Reporter) {
		x, err := st.read(r.Context(), path)
		outcome(r, readBack(x, err, func(b map[string]any) error {
			got, err := base64.StdEncoding.DecodeString(str(b, "content"))
			if err != nil || string(got) != string(content) {
				return fmt.Errorf("content read back differs from what was written")
			}
			if str(b, "sha") == "" {
				return fmt.Errorf("no sha in %s", x)
			}
			return nil
		}))
	})
	s.check(r, st.trees, func(r Reporter) {
		x, err := s.call(r.Context(), st.trees, request{params: st.repo(), query: st.ref(), header: st.auth()})
		outcome(r, readBack(x, err, func(map[string]any) error {
			if !strings.Contains(string(x.body), `"`+path+`"`) {
				return fmt.Errorf("the tree does not list %s", path)
			}
			return nil
		}))
	})
	s.check(r, st.update, func(r Reporter) {
		ctx := r.Context()
		sha, err := st.sha(ctx, path)
		if err != nil {
			r.Errorf("reading the sha to update with: %v", err)
			return
		}
		x, err := s.call(ctx, st.update, st.at(path)(map[string]any{"message": "update", "content": base64.StdEncoding.EncodeToString([]byte("v2")), "sha": sha}))
		outcome(r, readBack(x, err, func(map[string]any) error {
			again, err := st.read(ctx, path)
			if err != nil {
				return err
			}
			got, _ := base64.StdEncoding.DecodeString(str(again.json(), "content"))
			if string(got) != "v2" {
				return fmt.Errorf("after the update the content reads %q, want %q", got, "v2")
			}
			return nil
		}))
	})
	s.check(r, st.del, func(r Reporter) {
		ctx := r.Context()
		sha, err := st.sha(ctx, path)
		if err != nil {
			r.Errorf("reading the sha to delete with: %v", err)
			return
		}
		q := url.Values{"ref": {st.t.Ref}, "message": {"delete"}, "sha": {sha}}
		x, err := s.call(ctx, st.del, request{params: st.file(path), query: q, header: st.auth()})
		outcome(r, readBack(x, err, func(map[string]any) error {
			gone, err := st.read(ctx, path)
			if err != nil {
				return err
			}
			if gone.status/100 != 4 {
				return fmt.Errorf("the file still reads after its delete: %s", gone)
			}
			return st.create.vendor.envelope(gone.status, gone.body)
		}))
	})
}

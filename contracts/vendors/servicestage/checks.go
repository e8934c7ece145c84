package servicestage

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/gen"
	"github.com/repomock/repomock/contracts/vendors/huawei"
)

func (st servicestage) positive(r contracts.Reporter) {
	s := st.s
	g := gen.New(s.Seed()).WithOverrides(map[string]func(*gofakeit.Faker) any{
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
	s.Check(r, st.create, func(r contracts.Reporter) {
		s.Positive(r, st.create, g, contracts.PositiveCasesPerOp, func(body any) contracts.Request {
			return st.at("repomock/" + s.Name("file") + ".bin")(body)
		}, st.deleteMade)
	})
}

func (st servicestage) negative(r contracts.Reporter) {
	s := st.s
	s.Check(r, st.create, func(r contracts.Reporter) {
		path := "repomock/" + s.Name("neg") + ".txt"
		valid := map[string]any{"message": "m", "content": "aGk="}
		s.Negative(r, st.create, valid, false, st.at(path), st.deleteMade)
		s.ParamNegatives(r, st.create, st.at(path)(valid), "project_id")
		// The gateway refuses a path that names no project, such as the
		// literal {project_id} the SDK sends when its credentials have none.
		noProject := st.file(path)
		noProject["project_id"] = "{project_id}"
		s.RejectsWith(r, st.create, contracts.Request{Params: noProject, Query: st.ref(), Header: st.auth(), Body: valid}, http.StatusBadRequest, huawei.GatewayEnvelope)
	})
	st.paramNegatives(r)
}

func (st servicestage) missingAuth(r contracts.Reporter) {
	s := st.s
	s.Check(r, st.create, func(r contracts.Reporter) {
		path := "repomock/" + s.Name("noauth") + ".txt"
		s.MissingAuth(r, st.create, st.at(path)(map[string]any{"message": "m", "content": "aGk="}), huawei.GatewayEnvelope)
	})
}

// createTwice: creating a file that exists is refused with SVCSTG.REPO.0403.
func (st servicestage) createTwice(r contracts.Reporter) {
	s := st.s
	s.Check(r, st.create, func(r contracts.Reporter) {
		ctx := r.Context()
		content := []byte("written by the repomock contract suite\n")
		path, why := st.made(ctx, "twice", content)
		if path == "" {
			r.Errorf("%s", why)
			return
		}
		x, err := s.Call(ctx, st.create, st.at(path)(map[string]any{"message": "create", "content": base64.StdEncoding.EncodeToString(content)}))
		contracts.Outcome(r, func() error {
			if err != nil {
				return err
			}
			if err := contracts.ExpectStatus(x, http.StatusBadRequest); err != nil {
				return err
			}
			if code := contracts.Field(x.JSON(), "error_code"); code != "SVCSTG.REPO.0403" {
				return fmt.Errorf("error_code %q, want SVCSTG.REPO.0403 (resource already exist)", code)
			}
			return nil
		}())
	})
}

// readAfterWrite: a file of the check's own reads back with its content and
// a sha, is in the tree, takes an update naming its sha, and is gone after
// a delete naming it. The update and the delete read the sha themselves.
func (st servicestage) readAfterWrite(r contracts.Reporter) {
	s := st.s
	content := []byte("written by the repomock contract suite\n")
	path, why := st.made(r.Context(), "raw", content)
	if path == "" {
		s.SkipAll(r, why, st.show, st.trees, st.update, st.del)
		return
	}
	s.Check(r, st.show, func(r contracts.Reporter) {
		x, err := st.read(r.Context(), path)
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			got, err := base64.StdEncoding.DecodeString(contracts.Field(b, "content"))
			if err != nil || string(got) != string(content) {
				return fmt.Errorf("content read back differs from what was written")
			}
			if contracts.Field(b, "sha") == "" {
				return fmt.Errorf("no sha in %s", x)
			}
			return nil
		}))
	})
	s.Check(r, st.trees, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), st.trees, contracts.Request{Params: st.repo(), Query: st.ref(), Header: st.auth()})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			if !strings.Contains(string(x.Body), `"`+path+`"`) {
				return fmt.Errorf("the tree does not list %s", path)
			}
			return nil
		}))
	})
	s.Check(r, st.update, func(r contracts.Reporter) {
		ctx := r.Context()
		sha, err := st.sha(ctx, path)
		if err != nil {
			r.Errorf("reading the sha to update with: %v", err)
			return
		}
		x, err := s.Call(ctx, st.update, st.at(path)(map[string]any{"message": "update", "content": base64.StdEncoding.EncodeToString([]byte("v2")), "sha": sha}))
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			again, err := st.read(ctx, path)
			if err != nil {
				return err
			}
			got, _ := base64.StdEncoding.DecodeString(contracts.Field(again.JSON(), "content"))
			if string(got) != "v2" {
				return fmt.Errorf("after the update the content reads %q, want %q", got, "v2")
			}
			return nil
		}))
	})
	s.Check(r, st.del, func(r contracts.Reporter) {
		ctx := r.Context()
		sha, err := st.sha(ctx, path)
		if err != nil {
			r.Errorf("reading the sha to delete with: %v", err)
			return
		}
		q := url.Values{"ref": {st.t.Ref}, "message": {"delete"}, "sha": {sha}}
		x, err := s.Call(ctx, st.del, contracts.Request{Params: st.file(path), Query: q, Header: st.auth()})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			gone, err := st.read(ctx, path)
			if err != nil {
				return err
			}
			if gone.Status/100 != 4 {
				return fmt.Errorf("the file still reads after its delete: %s", gone)
			}
			return envelope(gone.Status, gone.Body)
		}))
	})
}

// paramNegatives breaks the tree's parameters (the create's are
// broken by negative); project_id is the gateway's, checked there.
func (st servicestage) paramNegatives(r contracts.Reporter) {
	s := st.s
	s.Check(r, st.trees, func(r contracts.Reporter) {
		s.ParamNegatives(r, st.trees, contracts.Request{Params: st.repo(), Query: st.ref(), Header: st.auth()}, "project_id")
	})
}

// missingHeader: without X-Repo-Auth, each call is refused with
// SVCSTG.REPO.0450 (no repository authorization).
// Assumption: the header is checked before the file is looked up, so the
// file need not exist.
func (st servicestage) missingHeader(r contracts.Reporter) {
	s := st.s
	want := contracts.VendorError(http.StatusBadRequest, "SVCSTG.REPO.0450", "no repository authorization")
	path := "repomock/" + s.Name("nohdr") + ".txt"
	for _, c := range []struct {
		op  *contracts.Operation
		req contracts.Request
	}{
		{st.create, contracts.Request{Params: st.file(path), Query: st.ref(), Body: map[string]any{"message": "m", "content": "aGk="}}},
		{st.show, contracts.Request{Params: st.file(path), Query: st.ref()}},
		{st.trees, contracts.Request{Params: st.repo(), Query: st.ref()}},
	} {
		s.Check(r, c.op, func(r contracts.Reporter) {
			x, err := s.Call(r.Context(), c.op, c.req)
			if err == nil && x.Status/100 == 2 && c.op == st.create {
				st.deleteLater(path)
			}
			if err != nil {
				r.Errorf("X-Repo-Auth left out: %v", err)
				return
			}
			if err := want(x); err != nil {
				r.Errorf("X-Repo-Auth left out: %v", err)
				return
			}
			contracts.Passed(r)
		})
	}
}

// useAfterFree: after a delete, the file's content and an update of it
// are refused as not found.
func (st servicestage) useAfterFree(r contracts.Reporter) {
	s := st.s
	ctx := r.Context()
	path, why := st.made(ctx, "free", []byte("freed\n"))
	if path == "" {
		s.SkipAll(r, why, st.show, st.update)
		return
	}
	sha, err := st.sha(ctx, path)
	if err != nil {
		s.SkipAll(r, "reading the sha to delete with: "+err.Error(), st.show, st.update)
		return
	}
	q := url.Values{"ref": {st.t.Ref}, "message": {"delete"}, "sha": {sha}}
	s.UseAfterFree(r, st.del, contracts.Request{Params: st.file(path), Query: q, Header: st.auth()}, map[*contracts.Operation]contracts.Request{
		st.show:   {Params: st.file(path), Query: st.ref(), Header: st.auth()},
		st.update: st.at(path)(map[string]any{"message": "update", "content": base64.StdEncoding.EncodeToString([]byte("v2")), "sha": sha}),
	})
}

// unsupported: the gateway's answer, as for CodeArts.
func (st servicestage) unsupported(r contracts.Reporter) {
	s := st.s
	s.Check(r, st.create, func(r contracts.Reporter) {
		s.Unsupported(r, st.create, http.MethodPatch, st.at("repomock/"+s.Name("patch")+".txt")(nil), huawei.GatewayNoAPI)
	})
}

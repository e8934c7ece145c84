package contracts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts/gen"
	"github.com/repomock/repomock/specs"
)

func codeartsVendor(t Target) *vendor {
	v := &vendor{name: "Huawei CodeArts Repo", key: "codearts", spec: specs.CodeArts, url: t.CodeArts.URL}
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
	v.code = huaweiCode
	v.invalid = vendorError(http.StatusBadRequest, "CH.010001", "the validation rejection (param invalid)")
	v.gone = vendorError(http.StatusNotFound, "CH.000404", "not found")
	v.preflight = func(s *suite, ctx context.Context) (*exchange, error) {
		return s.call(ctx, v.op(codeartsList), request{params: map[string]string{"project_uuid": s.target.CodeArts.ProjectUUID}, unseen: true})
	}
	on := func(f func(c codearts, r Reporter)) func(*suite, Reporter) {
		return func(s *suite, r Reporter) { f(codeartsOn(s, v), r) }
	}
	v.checks = map[string]func(*suite, Reporter){
		CheckPositiveData:   on(codearts.positive),
		CheckNegativeData:   on(codearts.negative),
		CheckMissingAuth:    on(codearts.missingAuth),
		CheckDuplicateName:  on(codearts.duplicateName),
		CheckReadAfterWrite: on(codearts.readAfterWrite),
		CheckUseAfterFree:   on(codearts.useAfterFree),
		CheckUnsupported:    on(codearts.unsupported),
	}
	return v
}

// codearts is CodeArts Repo in one run: the operations its checks call and
// the project they work in. Each check creates the repositories it needs
// and deletes them when it ends.
type codearts struct {
	s                                             *suite
	project                                       string
	create, show, showV1, status, list, free, del *operation
}

func codeartsOn(s *suite, v *vendor) codearts {
	return codearts{s: s, project: s.target.CodeArts.ProjectUUID,
		create: v.op(codeartsCreate), show: v.op(codeartsShow), showV1: v.op(codeartsShowV1), status: v.op(codeartsStatus),
		list: v.op(codeartsList), free: v.op(codeartsNameFree), del: v.op(codeartsDelete)}
}

func byID(id string) map[string]string { return map[string]string{"repository_uuid": id} }

// named is the smallest valid create: a name in the project.
func (c codearts) named(name string) request {
	return request{body: map[string]any{"name": name, "project_uuid": c.project}}
}

// deleteLater deletes what x created when the check ends.
func (c codearts) deleteLater(x *exchange) {
	if id := str(x.json(), "result", "repository_uuid"); id != "" {
		c.s.onCleanup(func(ctx context.Context) { _, _ = c.s.call(ctx, c.del, request{params: byID(id)}) })
	}
}

// made creates the repository name for a check to work on, deleted when the
// check ends. When the target refuses it, x is nil and why says so. Which
// 2xx is status_code_conformance's to judge.
func (c codearts) made(ctx context.Context, name string) (x *exchange, why string) {
	x, err := c.s.call(ctx, c.create, c.named(name))
	switch {
	case err != nil:
		return nil, fmt.Sprintf("a valid create got no answer: %v", err)
	case x.status/100 != 2:
		return nil, fmt.Sprintf("a valid create was refused: %s", x)
	}
	c.deleteLater(x)
	return x, ""
}

func (c codearts) positive(r Reporter) {
	s := c.s
	g := gen.New(s.target.Seed).WithOverrides(map[string]func(*gofakeit.Faker) any{
		"name":         func(*gofakeit.Faker) any { return s.name("repo") },
		"project_uuid": func(*gofakeit.Faker) any { return c.project },
		"description":  func(f *gofakeit.Faker) any { return f.Sentence(6) },
	})
	// Fields that name other objects of the account (a template, a
	// repository to import, a licence, a group) are left out: on a real
	// account they would have to exist.
	post := func(body any) request {
		if m, ok := body.(map[string]any); ok {
			for _, k := range []string{"template_id", "import_url", "gitignore_id", "license_id", "group_id"} {
				delete(m, k)
			}
		}
		return request{body: body}
	}
	s.check(r, c.create, func(r Reporter) {
		s.positive(r, c.create, g, positiveCasesPerOp, post, c.deleteLater)
	})
}

func (c codearts) negative(r Reporter) {
	s := c.s
	s.check(r, c.create, func(r Reporter) {
		base := map[string]any{"name": s.name("neg"), "project_uuid": c.project}
		s.negative(r, c.create, base, false, func(body any) request { return request{body: body} }, c.deleteLater)
		// import_url is documented as the base64 of an https address.
		s.rejects(r, c.create, "import_url: not base64", request{body: map[string]any{"name": s.name("neg"), "project_uuid": c.project, "import_url": "not base64 at all"}}, c.deleteLater)
	})
	c.paramNegatives(r)
}

func (c codearts) missingAuth(r Reporter) {
	s := c.s
	s.check(r, c.create, func(r Reporter) {
		s.missingAuth(r, c.create, c.named(s.name("noauth")), gatewayEnvelope)
	})
}

// duplicateName: a second repository of the same name in the project is
// refused, in the CodeArts envelope.
func (c codearts) duplicateName(r Reporter) {
	s := c.s
	s.check(r, c.create, func(r Reporter) {
		name := s.name("dup")
		if x, why := c.made(r.Context(), name); x == nil {
			r.Errorf("%s", why)
			return
		}
		s.rejectsWith(r, c.create, c.named(name), http.StatusBadRequest, nil)
	})
}

// readAfterWrite: a repository of the check's own reads back by uuid, has a
// creation status, is in the project's list, its name is taken; after a
// delete it is gone.
func (c codearts) readAfterWrite(r Reporter) {
	s := c.s
	name := s.name("raw")
	first, why := c.made(r.Context(), name)
	if first == nil {
		s.skipAll(r, why, c.show, c.showV1, c.status, c.list, c.free, c.del)
		return
	}
	id := str(first.json(), "result", "repository_uuid")
	if id == "" {
		s.check(r, c.show, func(r Reporter) {
			r.Errorf("the create answered without result.repository_uuid, so nothing can be read back: %s", first)
		})
		s.skipAll(r, "the create named no result.repository_uuid", c.showV1, c.status, c.list, c.free, c.del)
		return
	}
	s.check(r, c.show, func(r Reporter) {
		x, err := s.call(r.Context(), c.show, request{params: byID(id)})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if got := str(b, "result", "repository_name"); got != name {
				return fmt.Errorf("repository_name %q, want %q", got, name)
			}
			return nil
		}))
	})
	// The SDKs' deprecated read, which the vendor still serves (vendors.md
	// §7), in RepoInfo's camelCase shape.
	s.check(r, c.showV1, func(r Reporter) {
		x, err := s.call(r.Context(), c.showV1, request{params: byID(id)})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if got := str(b, "result", "name"); got != name {
				return fmt.Errorf("name %q, want %q", got, name)
			}
			return nil
		}))
	})
	// The vendor documents no values for the status: a created repository
	// has one, an integer.
	s.check(r, c.status, func(r Reporter) {
		x, err := s.call(r.Context(), c.status, request{params: byID(id)})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if v, ok := b["result"].(float64); !ok || v != float64(int32(v)) {
				return fmt.Errorf("result %v, want the creation status, an integer", b["result"])
			}
			return nil
		}))
	})
	s.check(r, c.list, func(r Reporter) {
		x, err := s.call(r.Context(), c.list, request{params: map[string]string{"project_uuid": c.project}, query: url.Values{"search": {name}}})
		outcome(r, readBack(x, err, func(map[string]any) error {
			if !strings.Contains(string(x.body), `"`+name+`"`) {
				return fmt.Errorf("the project's list does not hold %q", name)
			}
			return nil
		}))
	})
	s.check(r, c.free, func(r Reporter) {
		x, err := s.call(r.Context(), c.free, request{params: map[string]string{"project_uuid": c.project, "repository_name": name}})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if b["result"] != false {
				return fmt.Errorf("the name check of a taken name answered result %v, want false", b["result"])
			}
			return nil
		}))
	})
	s.check(r, c.del, func(r Reporter) {
		ctx := r.Context()
		x, err := s.call(ctx, c.del, request{params: byID(id)})
		outcome(r, readBack(x, err, func(map[string]any) error {
			gone, err := s.call(ctx, c.show, request{params: byID(id)})
			if err != nil {
				return err
			}
			return notFound(gone)
		}))
	})
}

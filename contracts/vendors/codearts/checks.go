package codearts

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/gen"
	"github.com/repomock/repomock/contracts/vendors/huawei"
)

func (c codearts) positive(r contracts.Reporter) {
	s := c.s
	g := gen.New(s.Seed()).WithOverrides(map[string]func(*gofakeit.Faker) any{
		"name":         func(*gofakeit.Faker) any { return s.Name("repo") },
		"project_uuid": func(*gofakeit.Faker) any { return c.project },
		"description":  func(f *gofakeit.Faker) any { return f.Sentence(6) },
	})
	// Fields that name other objects of the account (a template, a
	// repository to import, a licence, a group) are left out: on a real
	// account they would have to exist.
	post := func(body any) contracts.Request {
		if m, ok := body.(map[string]any); ok {
			for _, k := range []string{"template_id", "import_url", "gitignore_id", "license_id", "group_id"} {
				delete(m, k)
			}
		}
		return contracts.Request{Body: body}
	}
	s.Check(r, c.create, func(r contracts.Reporter) {
		s.Positive(r, c.create, g, contracts.PositiveCasesPerOp, post, c.deleteLater)
	})
}

func (c codearts) negative(r contracts.Reporter) {
	s := c.s
	s.Check(r, c.create, func(r contracts.Reporter) {
		base := map[string]any{"name": s.Name("neg"), "project_uuid": c.project}
		s.Negative(r, c.create, base, false, func(body any) contracts.Request { return contracts.Request{Body: body} }, c.deleteLater)
		// import_url is documented as the base64 of an https address.
		s.Rejects(r, c.create, "import_url: not base64", contracts.Request{Body: map[string]any{"name": s.Name("neg"), "project_uuid": c.project, "import_url": "not base64 at all"}}, c.deleteLater)
	})
	c.paramNegatives(r)
}

func (c codearts) missingAuth(r contracts.Reporter) {
	s := c.s
	s.Check(r, c.create, func(r contracts.Reporter) {
		s.MissingAuth(r, c.create, c.named(s.Name("noauth")), huawei.GatewayEnvelope)
	})
}

// duplicateName: a second repository of the same name in the project is
// refused, in the CodeArts envelope.
func (c codearts) duplicateName(r contracts.Reporter) {
	s := c.s
	s.Check(r, c.create, func(r contracts.Reporter) {
		name := s.Name("dup")
		if x, why := c.made(r.Context(), name); x == nil {
			r.Errorf("%s", why)
			return
		}
		s.RejectsWith(r, c.create, c.named(name), http.StatusBadRequest, nil)
	})
}

// readAfterWrite: a repository of the check's own reads back by uuid, has a
// creation status, is in the project's list, its name is taken; after a
// delete it is gone.
func (c codearts) readAfterWrite(r contracts.Reporter) {
	s := c.s
	name := s.Name("raw")
	first, why := c.made(r.Context(), name)
	if first == nil {
		s.SkipAll(r, why, c.show, c.showV1, c.status, c.list, c.free, c.del)
		return
	}
	id := contracts.Field(first.JSON(), "result", "repository_uuid")
	if id == "" {
		s.Check(r, c.show, func(r contracts.Reporter) {
			r.Errorf("the create answered without result.repository_uuid, so nothing can be read back: %s", first)
		})
		s.SkipAll(r, "the create named no result.repository_uuid", c.showV1, c.status, c.list, c.free, c.del)
		return
	}
	s.Check(r, c.show, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), c.show, contracts.Request{Params: byID(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if got := contracts.Field(b, "result", "repository_name"); got != name {
				return fmt.Errorf("repository_name %q, want %q", got, name)
			}
			return nil
		}))
	})
	// The SDKs' deprecated read, which the vendor still serves (vendors.md
	// §7), in RepoInfo's camelCase shape.
	s.Check(r, c.showV1, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), c.showV1, contracts.Request{Params: byID(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if got := contracts.Field(b, "result", "name"); got != name {
				return fmt.Errorf("name %q, want %q", got, name)
			}
			return nil
		}))
	})
	// The vendor documents no values for the status: a created repository
	// has one, an integer.
	s.Check(r, c.status, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), c.status, contracts.Request{Params: byID(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if v, ok := b["result"].(float64); !ok || v != float64(int32(v)) {
				return fmt.Errorf("result %v, want the creation status, an integer", b["result"])
			}
			return nil
		}))
	})
	s.Check(r, c.list, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), c.list, contracts.Request{Params: map[string]string{"project_uuid": c.project}, Query: url.Values{"search": {name}}})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			if !strings.Contains(string(x.Body), `"`+name+`"`) {
				return fmt.Errorf("the project's list does not hold %q", name)
			}
			return nil
		}))
	})
	s.Check(r, c.free, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), c.free, contracts.Request{Params: map[string]string{"project_uuid": c.project, "repository_name": name}})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if b["result"] != false {
				return fmt.Errorf("the name check of a taken name answered result %v, want false", b["result"])
			}
			return nil
		}))
	})
	s.Check(r, c.del, func(r contracts.Reporter) {
		ctx := r.Context()
		x, err := s.Call(ctx, c.del, contracts.Request{Params: byID(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			gone, err := s.Call(ctx, c.show, contracts.Request{Params: byID(id)})
			if err != nil {
				return err
			}
			return contracts.NotFound(gone)
		}))
	})
}

// paramNegatives breaks the ids and the paging of the read-back
// operations; the ids need name no repository, as a broken one is refused
// before any lookup.
func (c codearts) paramNegatives(r contracts.Reporter) {
	s := c.s
	id := byID("c0de00000000000000000000000000ff")
	for _, x := range []struct {
		op  *contracts.Operation
		req contracts.Request
	}{
		{c.show, contracts.Request{Params: id}},
		{c.showV1, contracts.Request{Params: id}},
		{c.status, contracts.Request{Params: id}},
		{c.del, contracts.Request{Params: id}},
		{c.list, contracts.Request{Params: map[string]string{"project_uuid": c.project}, Query: url.Values{}}},
		{c.free, contracts.Request{Params: map[string]string{"project_uuid": c.project, "repository_name": "repomock-contract-free"}}},
	} {
		s.Check(r, x.op, func(r contracts.Reporter) { s.ParamNegatives(r, x.op, x.req) })
	}
}

// useAfterFree: after a delete, the repository (by both reads) and its
// status are 404 CH.000404.
func (c codearts) useAfterFree(r contracts.Reporter) {
	s := c.s
	x, why := c.made(r.Context(), s.Name("free"))
	id := ""
	if x != nil {
		id = contracts.Field(x.JSON(), "result", "repository_uuid")
		why = "the create named no result.repository_uuid"
	}
	if id == "" {
		s.SkipAll(r, "nothing to delete: "+why, c.show, c.showV1, c.status)
		return
	}
	s.UseAfterFree(r, c.del, contracts.Request{Params: byID(id)}, map[*contracts.Operation]contracts.Request{
		c.show:   {Params: byID(id)},
		c.showV1: {Params: byID(id)},
		c.status: {Params: byID(id)},
	})
}

// unsupported: both services sit behind one gateway, which answers a
// method the path does not serve in its own shape (huawei.GatewayNoAPI).
func (c codearts) unsupported(r contracts.Reporter) {
	s := c.s
	s.Check(r, c.create, func(r contracts.Reporter) {
		s.Unsupported(r, c.create, http.MethodPatch, contracts.Request{}, huawei.GatewayNoAPI)
	})
}

package endor

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/gen"
)

func (e endor) positive(r contracts.Reporter) {
	s := e.s
	// Values the published schema leaves open but the vendor's docs fix:
	// names ≤ 63, a real parent project, annotation keys, short tags.
	g := gen.New(s.Seed()).WithOverrides(map[string]func(*gofakeit.Faker) any{
		"meta.name":        func(*gofakeit.Faker) any { return s.Name("rv") },
		"meta.parent_uuid": func(*gofakeit.Faker) any { return e.t.ProjectUUID },
		"meta.parent_kind": func(*gofakeit.Faker) any { return "Project" },
		"meta.description": func(f *gofakeit.Faker) any { return f.Sentence(8) },
		"meta.tags.*":      func(f *gofakeit.Faker) any { return f.Word() },
		"meta.annotations": func(f *gofakeit.Faker) any { return map[string]any{"repomock." + f.Word(): f.Word()} },
		"context.type": func(f *gofakeit.Faker) any {
			return f.RandomString([]string{"CONTEXT_TYPE_REF", "CONTEXT_TYPE_CI_RUN"})
		},
		"context.id":  func(f *gofakeit.Faker) any { return s.Name("ctx") },
		"tenant_meta": func(*gofakeit.Faker) any { return map[string]any{"namespace": e.t.Namespace} },
	})
	// A repository version always names its project (the vendor's scripts
	// do), though the schema leaves meta.parent_uuid optional.
	withParent := func(body any) contracts.Request {
		if m, ok := body.(map[string]any); ok {
			if meta, ok := m["meta"].(map[string]any); ok {
				meta["parent_uuid"] = e.t.ProjectUUID
			}
		}
		return e.post(body)
	}
	s.Check(r, e.create, func(r contracts.Reporter) {
		s.Positive(r, e.create, g, contracts.PositiveCasesPerOp, withParent, e.deleteLater)
	})
	e.paramPositives(r)
}

func (e endor) negative(r contracts.Reporter) {
	s := e.s
	s.Check(r, e.create, func(r contracts.Reporter) {
		s.Negative(r, e.create, e.script(s.Name("neg")), true, e.post, e.deleteLater)
	})
	// The broken updates name a real object, so that a target taking one
	// cannot pass by answering 404 for want of it.
	s.Check(r, e.update, func(r contracts.Reporter) {
		x, why := e.made(r.Context(), e.script(s.Name("neg")))
		if x == nil {
			r.Skipf("nothing to update: %s", why)
			return
		}
		s.Negative(r, e.update, e.tagged(contracts.Field(x.JSON(), "uuid"), "repomock-contract"), true, e.post, nil)
	})
	e.paramNegatives(r)
}

func (e endor) missingAuth(r contracts.Reporter) {
	s := e.s
	s.Check(r, e.create, func(r contracts.Reporter) {
		s.MissingAuth(r, e.create, e.post(e.script(s.Name("noauth"))), unauthenticated)
	})
	// Assumption: Endor checks the bearer token before it looks up the
	// object, so the uuid may name nothing (no object is made for a
	// request that must be refused).
	s.Check(r, e.update, func(r contracts.Reporter) {
		s.MissingAuth(r, e.update, e.post(e.tagged("6560c0de00000000000000ff", "x")), unauthenticated)
	})
	s.Check(r, e.authInfo, func(r contracts.Reporter) {
		s.MissingAuth(r, e.authInfo, contracts.Request{}, unauthenticated)
	})
}

// upsert: the same (parent, name, context) twice is one object; the same
// name in a CI_RUN context (a PR scan) is another one, and leaves the first
// unchanged ("Contexts keep objects from different scans separated", the
// vendor's schema).
func (e endor) upsert(r contracts.Reporter) {
	s := e.s
	s.Check(r, e.create, func(r contracts.Reporter) {
		ctx := r.Context()
		name := s.Name("upsert")
		first, why := e.made(ctx, e.script(name))
		if first == nil {
			r.Errorf("%s", why)
			return
		}
		again := e.script(name)
		again["meta"].(map[string]any)["description"] = "updated by the contract suite"
		second, err := s.Call(ctx, e.create, e.post(again))
		contracts.Outcome(r, func() error {
			if err != nil {
				return err
			}
			if err := contracts.Expect2xx(second); err != nil {
				return err
			}
			a, b := first.JSON(), second.JSON()
			if contracts.Field(a, "uuid") != contracts.Field(b, "uuid") {
				return fmt.Errorf("the same key gave uuid %s, then %s", contracts.Field(a, "uuid"), contracts.Field(b, "uuid"))
			}
			if contracts.Field(a, "meta", "create_time") != contracts.Field(b, "meta", "create_time") {
				return fmt.Errorf("create_time changed on update: %s → %s", contracts.Field(a, "meta", "create_time"), contracts.Field(b, "meta", "create_time"))
			}
			if contracts.Field(b, "meta", "description") != "updated by the contract suite" {
				return fmt.Errorf("the update was not applied: %s", second)
			}
			// The same body in a CI_RUN context, so that a target ignoring
			// the context updates the first object with what it already
			// holds and only the uuid shows the fault.
			scan := e.script(name)
			scan["meta"].(map[string]any)["description"] = "updated by the contract suite"
			scan["context"] = map[string]any{"id": ciRunID(s.Name("pr")), "type": "CONTEXT_TYPE_CI_RUN"}
			third, err := s.Call(ctx, e.create, e.post(scan))
			if err != nil {
				return err
			}
			if err := contracts.Expect2xx(third); err != nil {
				return err
			}
			e.deleteLater(third)
			if id := contracts.Field(third.JSON(), "uuid"); id == "" || id == contracts.Field(a, "uuid") {
				return fmt.Errorf("the same name in a CI_RUN context gave uuid %q, the REF object's is %s: contexts must keep objects apart", id, contracts.Field(a, "uuid"))
			}
			back, err := s.Call(ctx, e.get, contracts.Request{Params: e.at(contracts.Field(a, "uuid"))})
			if err != nil {
				return err
			}
			if err := contracts.Expect2xx(back); err != nil {
				return err
			}
			if ctx, was := contracts.Field(back.JSON(), "context", "type"), contracts.Field(b, "context", "type"); ctx != was || contracts.Field(back.JSON(), "meta", "update_time") != contracts.Field(b, "meta", "update_time") {
				return fmt.Errorf("a create in a CI_RUN context changed the REF object: %s", back)
			}
			return nil
		}())
	})
}

// readAfterWrite: the SDK's token check describes a valid token; an object
// of the check's own reads back by uuid and through a filtered list, takes
// an update through a mask, and is gone after a delete.
func (e endor) readAfterWrite(r contracts.Reporter) {
	s := e.s
	s.Check(r, e.authInfo, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), e.authInfo, contracts.Request{})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if contracts.Field(b, "expiration_time") == "" {
				return fmt.Errorf("GET /v1/auth named no expiration_time: %s", x)
			}
			return nil
		}))
	})

	name := s.Name("raw")
	body := e.script(name)
	body["meta"].(map[string]any)["description"] = "written by the contract suite"
	first, why := e.made(r.Context(), body)
	if first == nil {
		s.SkipAll(r, why, e.get, e.list, e.update, e.del)
		return
	}
	id := contracts.Field(first.JSON(), "uuid")
	s.Check(r, e.get, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), e.get, contracts.Request{Params: e.at(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
			if got := contracts.Field(b, "meta", "name"); got != name {
				return fmt.Errorf("read back meta.name %q, want %q", got, name)
			}
			return nil
		}))
	})
	s.Check(r, e.list, func(r contracts.Reporter) {
		filter := url.Values{"list_parameters.filter": {"meta.name==" + name + " and context.type==CONTEXT_TYPE_REF"}}
		x, err := s.Call(r.Context(), e.list, contracts.Request{Params: e.ns(), Query: filter})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			var body struct {
				List struct {
					Objects []struct {
						UUID    string `json:"uuid"`
						Context struct {
							ID   string `json:"id"`
							Type string `json:"type"`
						} `json:"context"`
					} `json:"objects"`
				} `json:"list"`
			}
			if err := json.Unmarshal(x.Body, &body); err != nil || len(body.List.Objects) != 1 || body.List.Objects[0].UUID != id {
				return fmt.Errorf("a filter on meta.name and context.type should list exactly %s: %s", id, x)
			}
			// The list schema requires nothing (a mask may trim any field),
			// so the whole object is checked here: its context as written.
			if c := body.List.Objects[0].Context; c.ID != name || c.Type != "CONTEXT_TYPE_REF" {
				return fmt.Errorf("the listed object lost its context (id %q, type %q): %s", c.ID, c.Type, x)
			}
			return nil
		}))
	})
	s.Check(r, e.update, func(r contracts.Reporter) {
		ctx := r.Context()
		x, err := s.Call(ctx, e.update, e.post(e.tagged(id, "repomock-contract")))
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			back, err := s.Call(ctx, e.get, contracts.Request{Params: e.at(id)})
			if err != nil {
				return err
			}
			if err := contracts.Expect2xx(back); err != nil {
				return err
			}
			b := back.JSON()
			tags, _ := b["meta"].(map[string]any)["tags"].([]any)
			if len(tags) != 1 || tags[0] != "repomock-contract" {
				return fmt.Errorf("meta.tags was not updated: %s", back)
			}
			if got := contracts.Field(b, "meta", "description"); got != "written by the contract suite" {
				return fmt.Errorf("meta.description is not in the mask but changed to %q", got)
			}
			if contracts.Field(b, "meta", "create_time") != contracts.Field(first.JSON(), "meta", "create_time") || contracts.Field(b, "meta", "name") != name {
				return fmt.Errorf("the update changed fields outside its mask: %s", back)
			}
			return nil
		}))
	})
	s.Check(r, e.del, func(r contracts.Reporter) {
		ctx := r.Context()
		x, err := s.Call(ctx, e.del, contracts.Request{Params: e.at(id)})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
			gone, err := s.Call(ctx, e.get, contracts.Request{Params: e.at(id)})
			if err != nil {
				return err
			}
			return contracts.NotFound(gone)
		}))
	})
}

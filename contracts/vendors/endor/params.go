package endor

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/gen"
)

// The checks Schemathesis 4 has beyond conformance, and the generated
// cases over path and query parameters.

// paramNegatives: the list's page sizes, tokens, counts and sort orders per
// the schema, and what the vendor documents beyond it: page_size at most
// 500, a filter that does not parse, a malformed uuid, a namespace
// outside its syntax (each 400 code 3).
func (e endor) paramNegatives(r contracts.Reporter) {
	s := e.s
	for _, op := range []*contracts.Operation{e.list, e.namespaces} {
		s.Check(r, op, func(r contracts.Reporter) {
			base := contracts.Request{Params: e.ns(), Query: url.Values{}}
			s.ParamNegatives(r, op, base)
			for _, c := range []struct{ rule, name, value string }{
				{"maximum 500 (docs)", "list_parameters.page_size", "501"},
				{"filter syntax (docs)", "list_parameters.filter", "meta.name =="},
			} {
				req := base.Clone()
				req.Query.Set(c.name, c.value)
				s.Rejects(r, op, "query "+c.name+"="+strconv.Quote(c.value)+": "+c.rule, req, nil)
			}
			bad := contracts.Request{Params: map[string]string{"tenant_meta.namespace": "Not A Namespace"}}
			s.Rejects(r, op, "path tenant_meta.namespace=\"Not A Namespace\": syntax (docs)", bad, nil)
		})
	}
	for _, op := range []*contracts.Operation{e.get, e.del} {
		s.Check(r, op, func(r contracts.Reporter) {
			s.ParamNegatives(r, op, contracts.Request{Params: e.at("6560c0de0000000000000000")})
			s.Rejects(r, op, `path uuid="not-a-uuid": malformed uuid (SDK test)`, contracts.Request{Params: e.at("not-a-uuid")}, nil)
		})
	}
}

// paramPositives: list parameters within their documented ranges get
// the listed success, on both lists.
func (e endor) paramPositives(r contracts.Reporter) {
	s := e.s
	for _, op := range []*contracts.Operation{e.list, e.namespaces} {
		s.Check(r, op, func(r contracts.Reporter) {
			g := gen.New(s.Seed())
			for i := range contracts.PositiveCasesPerOp {
				q := url.Values{
					"list_parameters.page_size":  {strconv.Itoa(1 + int(g.Faker().Uint32()%500))},
					"list_parameters.filter":     {"meta.name==" + s.Name("none")},
					"list_parameters.sort.order": {[]string{"SORT_ENTRY_ORDER_ASC", "SORT_ENTRY_ORDER_DESC"}[i%2]},
					"list_parameters.sort.path":  {"meta.name"},
				}
				if i == 0 {
					q = url.Values{"list_parameters.count": {"true"}}
				}
				x, err := s.Call(r.Context(), op, contracts.Request{Params: e.ns(), Query: q})
				if err != nil {
					r.Errorf("%v", err)
					continue
				}
				contracts.Outcome(r, contracts.ListedSuccess(x))
			}
		})
	}
}

// useAfterFree: after a delete, a get and an update of the object get 404
// code 5.
func (e endor) useAfterFree(r contracts.Reporter) {
	s := e.s
	x, why := e.made(r.Context(), e.script(s.Name("free")))
	if x == nil {
		s.SkipAll(r, why, e.get, e.update)
		return
	}
	id := contracts.Field(x.JSON(), "uuid")
	s.UseAfterFree(r, e.del, contracts.Request{Params: e.at(id)}, map[*contracts.Operation]contracts.Request{
		e.get:    {Params: e.at(id)},
		e.update: e.post(e.tagged(id, "repomock-contract")),
	})
}

// unsupported: a method neither path serves gets grpc-gateway's 501 code
// 12 (vendors.md §1).
func (e endor) unsupported(r contracts.Reporter) {
	s := e.s
	want := contracts.StatusIs(http.StatusNotImplemented, func(b map[string]any) error {
		if contracts.Field(b, "code") != "12" {
			return fmt.Errorf("want code 12 (UNIMPLEMENTED)")
		}
		return nil
	})
	s.Check(r, e.create, func(r contracts.Reporter) {
		s.Unsupported(r, e.create, http.MethodPut, contracts.Request{Params: e.ns()}, want)
	})
	s.Check(r, e.get, func(r contracts.Reporter) {
		s.Unsupported(r, e.get, http.MethodPost, contracts.Request{Params: e.at("6560c0de0000000000000000")}, want)
	})
}

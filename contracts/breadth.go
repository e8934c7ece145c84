package contracts

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/repomock/repomock/contracts/gen"
)

// The checks Schemathesis 4 has beyond conformance, and the generated
// cases over path and query parameters, for each vendor.

// endorParams: the list's page sizes, tokens, counts and sort orders per
// the schema, and what the vendor documents beyond it: page_size at most
// 500, a filter that does not parse, a malformed uuid, a namespace
// outside its syntax (each 400 code 3).
func (e endor) paramNegatives(r Reporter) {
	s := e.s
	for _, op := range []*operation{e.list, e.namespaces} {
		s.check(r, op, func(r Reporter) {
			base := request{params: e.ns(), query: url.Values{}}
			s.paramNegatives(r, op, base)
			for _, c := range []struct{ rule, name, value string }{
				{"maximum 500 (docs)", "list_parameters.page_size", "501"},
				{"filter syntax (docs)", "list_parameters.filter", "meta.name =="},
			} {
				req := base.clone()
				req.query.Set(c.name, c.value)
				s.rejects(r, op, "query "+c.name+"="+strconv.Quote(c.value)+": "+c.rule, req, nil)
			}
			bad := request{params: map[string]string{"tenant_meta.namespace": "Not A Namespace"}}
			s.rejects(r, op, "path tenant_meta.namespace=\"Not A Namespace\": syntax (docs)", bad, nil)
		})
	}
	for _, op := range []*operation{e.get, e.del} {
		s.check(r, op, func(r Reporter) {
			s.paramNegatives(r, op, request{params: e.at("6560c0de0000000000000000")})
			s.rejects(r, op, `path uuid="not-a-uuid": malformed uuid (SDK test)`, request{params: e.at("not-a-uuid")}, nil)
		})
	}
}

// endorParamPositives: list parameters within their documented ranges get
// the listed success, on both lists.
func (e endor) paramPositives(r Reporter) {
	s := e.s
	for _, op := range []*operation{e.list, e.namespaces} {
		s.check(r, op, func(r Reporter) {
			g := gen.New(s.target.Seed)
			for i := range positiveCasesPerOp {
				q := url.Values{
					"list_parameters.page_size":  {strconv.Itoa(1 + int(g.Faker().Uint32()%500))},
					"list_parameters.filter":     {"meta.name==" + s.name("none")},
					"list_parameters.sort.order": {[]string{"SORT_ENTRY_ORDER_ASC", "SORT_ENTRY_ORDER_DESC"}[i%2]},
					"list_parameters.sort.path":  {"meta.name"},
				}
				if i == 0 {
					q = url.Values{"list_parameters.count": {"true"}}
				}
				x, err := s.call(r.Context(), op, request{params: e.ns(), query: q})
				if err != nil {
					r.Errorf("%v", err)
					continue
				}
				outcome(r, listedSuccess(x))
			}
		})
	}
}

// useAfterFree: after a delete, a get and an update of the object get 404
// code 5.
func (e endor) useAfterFree(r Reporter) {
	s := e.s
	x, why := e.made(r.Context(), e.script(s.name("free")))
	if x == nil {
		s.skipAll(r, why, e.get, e.update)
		return
	}
	id := str(x.json(), "uuid")
	s.useAfterFree(r, e.del, request{params: e.at(id)}, map[*operation]request{
		e.get:    {params: e.at(id)},
		e.update: e.post(e.tagged(id, "repomock-contract")),
	})
}

// unsupported: a method neither path serves gets grpc-gateway's 501 code
// 12 (vendors.md §1).
func (e endor) unsupported(r Reporter) {
	s := e.s
	want := statusIs(http.StatusNotImplemented, func(b map[string]any) error {
		if str(b, "code") != "12" {
			return fmt.Errorf("want code 12 (UNIMPLEMENTED)")
		}
		return nil
	})
	s.check(r, e.create, func(r Reporter) { s.unsupported(r, e.create, http.MethodPut, request{params: e.ns()}, want) })
	s.check(r, e.get, func(r Reporter) {
		s.unsupported(r, e.get, http.MethodPost, request{params: e.at("6560c0de0000000000000000")}, want)
	})
}

// codeartsParams breaks the ids and the paging of the read-back
// operations; the ids need name no repository, as a broken one is refused
// before any lookup.
func (c codearts) paramNegatives(r Reporter) {
	s := c.s
	id := byID("c0de00000000000000000000000000ff")
	for _, x := range []struct {
		op  *operation
		req request
	}{
		{c.show, request{params: id}},
		{c.showV1, request{params: id}},
		{c.status, request{params: id}},
		{c.del, request{params: id}},
		{c.list, request{params: map[string]string{"project_uuid": c.project}, query: url.Values{}}},
		{c.free, request{params: map[string]string{"project_uuid": c.project, "repository_name": "repomock-contract-free"}}},
	} {
		s.check(r, x.op, func(r Reporter) { s.paramNegatives(r, x.op, x.req) })
	}
}

// useAfterFree: after a delete, the repository (by both reads) and its
// status are 404 CH.000404.
func (c codearts) useAfterFree(r Reporter) {
	s := c.s
	x, why := c.made(r.Context(), s.name("free"))
	id := ""
	if x != nil {
		id = str(x.json(), "result", "repository_uuid")
		why = "the create named no result.repository_uuid"
	}
	if id == "" {
		s.skipAll(r, "nothing to delete: "+why, c.show, c.showV1, c.status)
		return
	}
	s.useAfterFree(r, c.del, request{params: byID(id)}, map[*operation]request{
		c.show:   {params: byID(id)},
		c.showV1: {params: byID(id)},
		c.status: {params: byID(id)},
	})
}

// unsupported: both services sit behind one gateway, which answers a
// method the path does not serve in its own shape.
// Assumption: with HTTP 404 and APIGW.0101 ("The API does not exist"), as
// for an unknown path.
func (c codearts) unsupported(r Reporter) {
	s := c.s
	s.check(r, c.create, func(r Reporter) {
		s.unsupported(r, c.create, http.MethodPatch, request{}, gatewayNoAPI)
	})
}

func gatewayNoAPI(x *exchange) error {
	return statusIs(http.StatusNotFound, func(b map[string]any) error {
		if err := gatewayEnvelope(b); err != nil {
			return err
		}
		if code := str(b, "error_code"); code != "APIGW.0101" {
			return fmt.Errorf("error_code %q, want APIGW.0101", code)
		}
		return nil
	})(x)
}

// servicestageParams breaks the tree's parameters (the create's are
// broken by negative); project_id is the gateway's, checked there.
func (st servicestage) paramNegatives(r Reporter) {
	s := st.s
	s.check(r, st.trees, func(r Reporter) {
		s.paramNegatives(r, st.trees, request{params: st.repo(), query: st.ref(), header: st.auth()}, "project_id")
	})
}

// missingHeader: without X-Repo-Auth, each call is refused with
// SVCSTG.REPO.0450 (no repository authorization).
// Assumption: the header is checked before the file is looked up, so the
// file need not exist.
func (st servicestage) missingHeader(r Reporter) {
	s := st.s
	want := vendorError(http.StatusBadRequest, "SVCSTG.REPO.0450", "no repository authorization")
	path := "repomock/" + s.name("nohdr") + ".txt"
	for _, c := range []struct {
		op  *operation
		req request
	}{
		{st.create, request{params: st.file(path), query: st.ref(), body: map[string]any{"message": "m", "content": "aGk="}}},
		{st.show, request{params: st.file(path), query: st.ref()}},
		{st.trees, request{params: st.repo(), query: st.ref()}},
	} {
		s.check(r, c.op, func(r Reporter) {
			x, err := s.call(r.Context(), c.op, c.req)
			if err == nil && x.status/100 == 2 && c.op == st.create {
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
			pass(r)
		})
	}
}

// useAfterFree: after a delete, the file's content and an update of it
// are refused as not found.
func (st servicestage) useAfterFree(r Reporter) {
	s := st.s
	ctx := r.Context()
	path, why := st.made(ctx, "free", []byte("freed\n"))
	if path == "" {
		s.skipAll(r, why, st.show, st.update)
		return
	}
	sha, err := st.sha(ctx, path)
	if err != nil {
		s.skipAll(r, "reading the sha to delete with: "+err.Error(), st.show, st.update)
		return
	}
	q := url.Values{"ref": {st.t.Ref}, "message": {"delete"}, "sha": {sha}}
	s.useAfterFree(r, st.del, request{params: st.file(path), query: q, header: st.auth()}, map[*operation]request{
		st.show:   {params: st.file(path), query: st.ref(), header: st.auth()},
		st.update: st.at(path)(map[string]any{"message": "update", "content": base64.StdEncoding.EncodeToString([]byte("v2")), "sha": sha}),
	})
}

// unsupported: the gateway's answer, as for CodeArts.
func (st servicestage) unsupported(r Reporter) {
	s := st.s
	s.check(r, st.create, func(r Reporter) {
		s.unsupported(r, st.create, http.MethodPatch, st.at("repomock/"+s.name("patch")+".txt")(nil), gatewayNoAPI)
	})
}

package endor

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/repomock/repomock/contracts"
)

// queryRules: how the vendor's gateway reads a list's query and filter
// (vendors.md §7), each on an object of the check's own, with the
// requests the official SDK and plain Python clients send:
//   - a key that is no field of the request (a cache-buster _=…) is
//     ignored: grpc-gateway's query parser skips it;
//   - a boolean written True (Python's requests writes contracts.Field(True)) is
//     true: grpc-gateway reads booleans with strconv.ParseBool;
//   - AND joins filter clauses, as the SDK's list(parent=…) writes them;
//   - a filter path that is no field of the resource gets 400 code 3
//     "invalid path '<path>'", the form the SDK parses;
//
// and the namespace listing that the SDK's list(traverse=True) calls
// first answers the namespaces below the target's, each named by its
// dotted path (spec.full_name) and listed in its parent.
func (e endor) queryRules(r contracts.Reporter) {
	s := e.s
	name := s.Name("query")
	x, why := e.made(r.Context(), e.script(name))
	if x == nil {
		s.SkipAll(r, why, e.list)
	} else {
		id := contracts.Field(x.JSON(), "uuid")
		s.Check(r, e.list, func(r contracts.Reporter) {
			ctx := r.Context()
			byName := `meta.name == "` + name + `"`
			for _, c := range []struct {
				rule string
				q    url.Values
			}{
				{"a key that is no field of the request is ignored", url.Values{"list_parameters.filter": {byName}, "_": {"1732528800000"}}},
				{"AND joins clauses, as the SDK's list(parent=…) sends them",
					url.Values{"list_parameters.filter": {byName + ` AND meta.parent_uuid == "` + e.t.ProjectUUID + `"`}}},
			} {
				x, err := s.Call(ctx, e.list, contracts.Request{Params: e.ns(), Query: c.q})
				contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error {
					if err := listsExactly(x, id); err != nil {
						return fmt.Errorf("%s: %v", c.rule, err)
					}
					return nil
				}))
			}
			x, err := s.Call(ctx, e.list, contracts.Request{Params: e.ns(), Query: url.Values{"list_parameters.filter": {byName}, "list_parameters.count": {"True"}}})
			contracts.Outcome(r, contracts.ReadBack(x, err, func(b map[string]any) error {
				if got := contracts.Field(b, "count_response", "count"); got != "1" {
					return fmt.Errorf("list_parameters.count=True (strconv.ParseBool reads it as true) should count 1 object, not answer count_response.count %s: %s", orNone(got), x)
				}
				return nil
			}))
			const path = "spec.repomock_not_a_field"
			x, err = s.Call(ctx, e.list, contracts.Request{Params: e.ns(), Query: url.Values{"list_parameters.filter": {path + `=="x"`}}})
			contracts.Outcome(r, func() error {
				if err != nil {
					return err
				}
				if err := invalid(x); err != nil {
					return fmt.Errorf("a filter on a path that is no field: %v", err)
				}
				if msg, want := contracts.Field(x.JSON(), "message"), "invalid path '"+path+"'"; msg != want {
					return fmt.Errorf("a filter on a path that is no field should say %q, the form the SDK parses, not %q", want, msg)
				}
				return nil
			}())
		})
	}
	s.Check(r, e.namespaces, func(r contracts.Reporter) {
		x, err := s.Call(r.Context(), e.namespaces, contracts.Request{Params: e.ns(), Query: url.Values{"list_parameters.traverse": {"True"}, "_": {"1"}}})
		contracts.Outcome(r, contracts.ReadBack(x, err, func(map[string]any) error { return namespacesBelow(x, e.t.Namespace) }))
	})
}

// listsExactly fails unless x's list holds the one object id.
func listsExactly(x *contracts.Exchange, id string) error {
	var body struct {
		List struct {
			Objects []struct {
				UUID string `json:"uuid"`
			} `json:"objects"`
		} `json:"list"`
	}
	if err := json.Unmarshal(x.Body, &body); err != nil || len(body.List.Objects) != 1 || body.List.Objects[0].UUID != id {
		return fmt.Errorf("the list should hold exactly %s: %s", id, x)
	}
	return nil
}

// namespacesBelow fails unless every namespace x lists is below parent,
// named by its dotted path and listed in its parent (tenant_meta).
func namespacesBelow(x *contracts.Exchange, parent string) error {
	var body struct {
		List struct {
			Objects []struct {
				Meta struct {
					Name string `json:"name"`
				} `json:"meta"`
				Spec struct {
					FullName string `json:"full_name"`
				} `json:"spec"`
				TenantMeta struct {
					Namespace string `json:"namespace"`
				} `json:"tenant_meta"`
			} `json:"objects"`
		} `json:"list"`
	}
	if err := json.Unmarshal(x.Body, &body); err != nil {
		return fmt.Errorf("not a namespace list: %v: %s", err, x)
	}
	for _, ns := range body.List.Objects {
		full, in := ns.Spec.FullName, ns.TenantMeta.Namespace
		if !strings.HasPrefix(full, parent+".") || full != in+"."+ns.Meta.Name {
			return fmt.Errorf("namespace %q (meta.name %q in %q) is not below %s, named by its dotted path in its parent: %s", full, ns.Meta.Name, in, parent, x)
		}
	}
	return nil
}

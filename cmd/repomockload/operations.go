package main

import (
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendor"
)

// vendorLoad is a vendor's load profile (vendor.Load), under the vendor's id.
type vendorLoad struct {
	id string
	vendor.Load
}

// vendorLoads are the load profiles of the vendors of cfg, in the order
// they are served, built as the in-process servers build them: the harness
// names no vendor, each brings what it takes to load it.
func vendorLoads(cfg server.Config) ([]vendorLoad, error) {
	vs, err := server.NewVendors(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]vendorLoad, len(vs))
	for i, v := range vs {
		out[i] = vendorLoad{id: v.ID(), Load: v.Load()}
	}
	return out, nil
}

// operation is one create operation the harness drives: a vendor's.
type operation struct {
	key    string // the vendor's id, as --ops names it
	name   string // as the table prints it
	create func(unique string) vendor.Request
}

// operations are the vendors' create operations, in table order.
func operations(loads []vendorLoad) []operation {
	var out []operation
	for _, l := range loads {
		if l.Create != nil {
			out = append(out, operation{key: l.id, name: l.Operation, create: l.Create})
		}
	}
	return out
}

// fill makes t the request that creates the object named unique, on the
// server at base. Target.Request copies the header, so the vendor's is
// only read.
func (op operation) fill(t *vegeta.Target, base, unique string) {
	r := op.create(unique)
	t.Method, t.URL, t.Header, t.Body = r.Method, base+r.Path, r.Header, r.Body
}

// keys are the operations' keys, for --ops.
func keys(ops []operation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.key
	}
	return out
}

// workingSets describes the soak's working set, vendor by vendor, for the
// help and the report: vendors in a row that work the same way together
// ("CodeArts 256 names and ServiceStage 256 paths, each create → show →
// delete, out of phase").
func workingSets(loads []vendorLoad) []string {
	var out []string
	var sets []string
	for i, l := range loads {
		if l.Soak == nil {
			continue
		}
		sets = append(sets, l.Name+" "+l.Soak.Set)
		if next := nextSoak(loads[i+1:]); next != nil && l.Soak.Work != "" && next.Work == l.Soak.Work {
			continue
		}
		s := strings.Join(sets, " and ")
		if l.Soak.Work != "" {
			s += ", " + l.Soak.Work
		}
		out, sets = append(out, s), nil
	}
	return out
}

func nextSoak(loads []vendorLoad) *vendor.Soak {
	for _, l := range loads {
		if l.Soak != nil {
			return l.Soak
		}
	}
	return nil
}

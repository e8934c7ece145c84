package endor

// ListNamespaces: the namespaces below a namespace, which the SDK's
// RepositoryVersion.list(traverse=True) lists first (vendors.md §7). The
// fake keeps no namespace objects of its own: a namespace exists once
// something was written in it or below it, or a fixture names it (see
// Store.touch), and is answered in the shape of the SDK's V1Namespace.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

const kindNamespace = "Namespace"

// Namespace is the vendor's Namespace resource (V1Namespace in the SDK's
// generated models): the child "dev" of "acme" is
// {"meta":{"name":"dev","kind":"Namespace",…},"spec":{"full_name":"acme.dev","managed":false},"tenant_meta":{"namespace":"acme"}}.
type Namespace struct {
	UUID       string        `json:"uuid"`
	Meta       Meta          `json:"meta"`
	Spec       NamespaceSpec `json:"spec"`
	TenantMeta TenantMeta    `json:"tenant_meta"`
}

// NamespaceSpec holds a namespace's dotted path. Managed is always false:
// no namespace of the mock's is the system's.
type NamespaceSpec struct {
	FullName string `json:"full_name"`
	Managed  bool   `json:"managed"`
}

// listNamespaces lists the namespaces below the path's: its children, or
// with traverse its whole subtree, in byte order of their names unless
// sorted. It takes every list parameter. Assumption: a namespace that
// does not exist has no children, so it answers an empty list rather than
// 404: the vendor's tenant namespace always exists.
func (f *Fake) listNamespaces(c echo.Context, in pipeline.Request) (int, any, error) {
	req, err := f.listRequest(c, in)
	if err != nil {
		return 0, nil, err
	}
	return req.answer(f.readStore(in.Session).childNamespaces(in.Params[nsParam], req.q))
}

// childNamespaces returns the namespaces below parent that q selects, as
// records, in q's order.
func (s *Store) childNamespaces(parent string, q query) []*record {
	type found struct {
		name      string
		created   time.Time
		createdBy string
	}
	var all []found
	s.mu.RLock()
	for name, n := range s.namespaces {
		rest, below := strings.CutPrefix(name, parent+".")
		if below && (q.traverse || !strings.Contains(rest, ".")) && (q.reach == nil || q.reach(name)) {
			all = append(all, found{name, n.created, n.createdBy})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b found) int { return strings.Compare(a.name, b.name) })
	out := make([]*record, 0, len(all))
	for _, ns := range all {
		rec := namespaceRecord(ns.name, ns.created, ns.createdBy)
		if q.keep(rec) {
			out = append(out, rec)
		}
	}
	q.order(out)
	return out
}

// namespaceRecord is the namespace name as a list answers it. Its uuid
// is made from its name, so it is the same on every list. Assumption: its
// times are all when it was made, and created_by and updated_by are who
// first wrote in it.
func namespaceRecord(name string, created time.Time, by string) *record {
	parent, short := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		parent, short = name[:i], name[i+1:]
	}
	ns := Namespace{
		UUID: namespaceUUID(name),
		Meta: Meta{
			WritableMeta: WritableMeta{Name: short},
			Kind:         kindNamespace,
			Version:      "v1",
			CreateTime:   created,
			UpdateTime:   created,
			UpsertTime:   created,
			CreatedBy:    by,
			UpdatedBy:    by,
		},
		Spec:       NamespaceSpec{FullName: name},
		TenantMeta: TenantMeta{Namespace: parent},
	}
	data, _ := json.Marshal(ns) // strings and times only
	return &record{uuid: ns.UUID, created: created, createdBy: by, json: data}
}

// namespaceUUID is a namespace's uuid, in the form of the vendor's (24
// lowercase hex digits), from its name.
func namespaceUUID(name string) string {
	sum := sha256.Sum256([]byte("namespace:" + name))
	return hex.EncodeToString(sum[:12])
}

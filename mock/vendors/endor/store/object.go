package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// The object model: a repository version as the store keeps it, and its
// JSON, written once when it is stored, and its JSON value, which an
// answer is checked and written from.

// RepositoryVersion is the v1RepositoryVersion object as the fake stores and
// returns it. Parts the fake never reads (spec, scan_object) are kept as the
// client sent them, so nothing a client stored is lost.
type RepositoryVersion struct {
	UUID       string          `json:"uuid"`
	TenantMeta TenantMeta      `json:"tenant_meta"`
	Meta       Meta            `json:"meta"`
	Context    Context         `json:"context"`
	Spec       json.RawMessage `json:"spec,omitempty"`
	ScanObject json.RawMessage `json:"scan_object,omitempty"`
}

// TenantMeta names the namespace an object lives in; the path sets it.
type TenantMeta struct {
	Namespace string `json:"namespace"`
}

// Meta holds the common fields of every Endor resource: what a client may
// write, and what the server sets (kind, version, the times and the
// created_by/updated_by principals).
type Meta struct {
	WritableMeta
	Kind       string     `json:"kind"`
	Version    string     `json:"version"`
	CreateTime time.Time  `json:"create_time"`
	UpdateTime time.Time  `json:"update_time"`
	UpsertTime time.Time  `json:"upsert_time"`
	CreatedBy  string     `json:"created_by"`
	UpdatedBy  string     `json:"updated_by"`
	IndexData  *IndexData `json:"index_data,omitempty"`
}

// IndexData is server-set: a CI_RUN object's deletion time, which seed 000
// moves here from context.will_be_deleted_at (deprecated there, and kept).
type IndexData struct {
	WillBeDeletedAt *time.Time `json:"will_be_deleted_at,omitempty"`
}

// WritableMeta is the part of Meta a client writes.
type WritableMeta struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	ParentKind  string            `json:"parent_kind,omitempty"`
	ParentUUID  string            `json:"parent_uuid,omitempty"`
}

// Context keeps objects from different scans apart: it is part of the
// upsert key. WillBeDeletedAt is server-set, for CI_RUN objects only; what a
// client sends there is ignored.
type Context struct {
	ID              string     `json:"id"`
	Type            string     `json:"type"`
	Tags            []string   `json:"tags,omitempty"`
	WillBeDeletedAt *time.Time `json:"will_be_deleted_at,omitempty"`
}

// CIRunContext is the context type of a CI run's scan: its objects are
// deleted after 30 days (seed 000), and a list may select one run's.
const CIRunContext = "CONTEXT_TYPE_CI_RUN"

// Key is what makes a create an update, within a namespace. The vendor
// does not document it. Seed 000 says "Contexts keep objects from
// different scans separated", so the context is part of it: a CI_RUN scan
// of "main" never replaces the REF object "main" (vendors.md §6).
type Key struct{ Parent, Name, ContextType, ContextID string }

// KeyOf is the upsert key of an object with meta m and context c.
func KeyOf(m WritableMeta, c Context) Key {
	return Key{m.ParentUUID, m.Name, c.Type, c.ID}
}

// KeyFields names the fields of the upsert key, for messages.
const KeyFields = "meta.parent_uuid, meta.name, context.type and context.id"

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

// Value is the object as a JSON value: what decoding its JSON
// (jsonvalue.Marshal) with UseNumber gives, without writing and reading
// it.
func (o *RepositoryVersion) Value() map[string]any {
	return o.ValueWith(rawValue(o.Spec), rawValue(o.ScanObject))
}

// ValueWith is Value with spec and scan_object given as the JSON values
// that o.Spec and o.ScanObject were written from (nil for an absent one),
// which saves reading them back.
func (o *RepositoryVersion) ValueWith(spec, scanObject any) map[string]any {
	meta := make(map[string]any, 16) // the spec's 15 fields, as the codec fills them
	meta["name"] = o.Meta.Name
	putString(meta, "description", o.Meta.Description)
	if len(o.Meta.Annotations) > 0 {
		a := make(map[string]any, len(o.Meta.Annotations))
		for k, v := range o.Meta.Annotations {
			a[k] = v
		}
		meta["annotations"] = a
	}
	putStrings(meta, "tags", o.Meta.Tags)
	putString(meta, "parent_kind", o.Meta.ParentKind)
	putString(meta, "parent_uuid", o.Meta.ParentUUID)
	meta["kind"] = o.Meta.Kind
	meta["version"] = o.Meta.Version
	meta["create_time"] = timeValue(o.Meta.CreateTime)
	meta["update_time"] = timeValue(o.Meta.UpdateTime)
	meta["upsert_time"] = timeValue(o.Meta.UpsertTime)
	meta["created_by"] = o.Meta.CreatedBy
	meta["updated_by"] = o.Meta.UpdatedBy
	if idx := o.Meta.IndexData; idx != nil {
		m := make(map[string]any, 1)
		if t := idx.WillBeDeletedAt; t != nil {
			m["will_be_deleted_at"] = timeValue(*t)
		}
		meta["index_data"] = m
	}

	ctx := make(map[string]any, 4)
	ctx["id"] = o.Context.ID
	ctx["type"] = o.Context.Type
	putStrings(ctx, "tags", o.Context.Tags)
	if t := o.Context.WillBeDeletedAt; t != nil {
		ctx["will_be_deleted_at"] = timeValue(*t)
	}
	out := make(map[string]any, 6)
	out["uuid"] = o.UUID
	out["tenant_meta"] = map[string]any{"namespace": o.TenantMeta.Namespace}
	out["meta"] = meta
	out["context"] = ctx
	if len(o.Spec) > 0 {
		out["spec"] = spec
	}
	if len(o.ScanObject) > 0 {
		out["scan_object"] = scanObject
	}
	return out
}

// timeValue is t as encoding/json writes a time.Time.
func timeValue(t time.Time) string { return t.Format(time.RFC3339Nano) }

// putString and putStrings set a field that encoding/json leaves
// out when empty (omitempty).
func putString(m map[string]any, key, s string) {
	if s != "" {
		m[key] = s
	}
}

func putStrings(m map[string]any, key string, ss []string) {
	if len(ss) == 0 {
		return
	}
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	m[key] = a
}

// rawValue reads a JSON text the fake wrote; nil when there is none.
func rawValue(data json.RawMessage) any {
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v)
	return v
}

// AppendJSON appends the object's JSON as encoding/json writes it (through
// jsonvalue.Marshal: the struct's field order, no HTML escaping), without
// reflection: the store writes every object it keeps.
func (o *RepositoryVersion) AppendJSON(dst []byte) ([]byte, error) {
	for _, t := range []time.Time{o.Meta.CreateTime, o.Meta.UpdateTime, o.Meta.UpsertTime} {
		if y := t.Year(); y < 0 || y > 9999 {
			return nil, fmt.Errorf("meta: time %v is outside the years 0 to 9999", t) // as encoding/json refuses it
		}
	}
	dst = append(dst, `{"uuid":`...)
	dst = jsonvalue.AppendString(dst, o.UUID)
	dst = append(dst, `,"tenant_meta":{"namespace":`...)
	dst = jsonvalue.AppendString(dst, o.TenantMeta.Namespace)
	dst = append(dst, `},"meta":{"name":`...)
	m := &o.Meta
	dst = jsonvalue.AppendString(dst, m.Name)
	if m.Description != "" {
		dst = append(dst, `,"description":`...)
		dst = jsonvalue.AppendString(dst, m.Description)
	}
	if len(m.Annotations) > 0 {
		dst = append(dst, `,"annotations":{`...)
		for i, k := range slices.Sorted(maps.Keys(m.Annotations)) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonvalue.AppendString(dst, k)
			dst = append(dst, ':')
			dst = jsonvalue.AppendString(dst, m.Annotations[k])
		}
		dst = append(dst, '}')
	}
	dst = appendStrings(dst, `,"tags":`, m.Tags)
	if m.ParentKind != "" {
		dst = append(dst, `,"parent_kind":`...)
		dst = jsonvalue.AppendString(dst, m.ParentKind)
	}
	if m.ParentUUID != "" {
		dst = append(dst, `,"parent_uuid":`...)
		dst = jsonvalue.AppendString(dst, m.ParentUUID)
	}
	dst = append(dst, `,"kind":`...)
	dst = jsonvalue.AppendString(dst, m.Kind)
	dst = append(dst, `,"version":`...)
	dst = jsonvalue.AppendString(dst, m.Version)
	dst = appendTime(dst, `,"create_time":`, m.CreateTime)
	dst = appendTime(dst, `,"update_time":`, m.UpdateTime)
	dst = appendTime(dst, `,"upsert_time":`, m.UpsertTime)
	dst = append(dst, `,"created_by":`...)
	dst = jsonvalue.AppendString(dst, m.CreatedBy)
	dst = append(dst, `,"updated_by":`...)
	dst = jsonvalue.AppendString(dst, m.UpdatedBy)
	if idx := m.IndexData; idx != nil {
		dst = append(dst, `,"index_data":{`...)
		if t := idx.WillBeDeletedAt; t != nil {
			if y := t.Year(); y < 0 || y > 9999 {
				return nil, fmt.Errorf("meta.index_data: time %v is outside the years 0 to 9999", *t)
			}
			dst = appendTime(dst, `"will_be_deleted_at":`, *t)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `},"context":{"id":`...)
	dst = jsonvalue.AppendString(dst, o.Context.ID)
	dst = append(dst, `,"type":`...)
	dst = jsonvalue.AppendString(dst, o.Context.Type)
	dst = appendStrings(dst, `,"tags":`, o.Context.Tags)
	if t := o.Context.WillBeDeletedAt; t != nil {
		if y := t.Year(); y < 0 || y > 9999 {
			return nil, fmt.Errorf("context: time %v is outside the years 0 to 9999", *t)
		}
		dst = appendTime(dst, `,"will_be_deleted_at":`, *t)
	}
	dst = append(dst, '}')
	var err error
	if dst, err = appendRaw(dst, `,"spec":`, o.Spec); err != nil {
		return nil, err
	}
	if dst, err = appendRaw(dst, `,"scan_object":`, o.ScanObject); err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

func appendStrings(dst []byte, field string, ss []string) []byte {
	if len(ss) == 0 {
		return dst
	}
	dst = append(dst, field...)
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonvalue.AppendString(dst, s)
	}
	return append(dst, ']')
}

func appendTime(dst []byte, field string, t time.Time) []byte {
	dst = append(dst, field...)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

// appendRaw appends a json.RawMessage field as encoding/json does:
// compacted, and left out when empty.
func appendRaw(dst []byte, field string, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return dst, nil
	}
	dst = append(dst, field...)
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeTree decodes an object's JSON as a tree, its numbers as written.
func DecodeTree(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	if tree == nil {
		return nil, fmt.Errorf("must be an object")
	}
	return tree, nil
}

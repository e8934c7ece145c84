package endor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// The fake reads request bodies and writes answers as JSON values (the
// values encoding/json decodes to), which the Validator decoded once and
// checked, and writes once.

// createBodyOf reads a create's body, a value the Validator checked
// against the schema, so that every field present has its schema's type.
func createBodyOf(v any) (*createBody, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be an object")
	}
	var b createBody
	meta, _ := m["meta"].(map[string]any)
	b.Meta = WritableMeta{
		Name:        str(meta, "name"),
		Description: str(meta, "description"),
		Tags:        strs(meta, "tags"),
		ParentKind:  str(meta, "parent_kind"),
		ParentUUID:  str(meta, "parent_uuid"),
	}
	if a, ok := meta["annotations"].(map[string]any); ok && len(a) > 0 {
		b.Meta.Annotations = make(map[string]string, len(a))
		for k, v := range a {
			b.Meta.Annotations[k], _ = v.(string)
		}
	}
	ctx, _ := m["context"].(map[string]any)
	// will_be_deleted_at is the server's: what a client sends is ignored.
	b.Context = Context{ID: str(ctx, "id"), Type: str(ctx, "type"), Tags: strs(ctx, "tags")}
	var err error
	if b.Spec, err = raw(m, "spec"); err != nil {
		return nil, err
	}
	if b.ScanObject, err = raw(m, "scan_object"); err != nil {
		return nil, err
	}
	return &b, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func strs(m map[string]any, key string) []string {
	a, _ := m[key].([]any)
	if a == nil {
		return nil
	}
	out := make([]string, len(a))
	for i, v := range a {
		out[i], _ = v.(string)
	}
	return out
}

// raw is the field key of m as JSON, kept as the client sent it; nil when
// absent.
func raw(m map[string]any, key string) (json.RawMessage, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	return jsonvalue.Marshal(v)
}

// value is the object as a JSON value: what decoding its JSON
// (jsonvalue.Marshal) with UseNumber gives, without writing and reading
// it.
func (o *RepositoryVersion) value() map[string]any {
	return o.valueWith(rawValue(o.Spec), rawValue(o.ScanObject))
}

// valueWith is value with spec and scan_object given as the JSON values
// that o.Spec and o.ScanObject were written from (nil for an absent one),
// which saves reading them back.
func (o *RepositoryVersion) valueWith(spec, scanObject any) map[string]any {
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

// appendJSON appends the object's JSON as encoding/json writes it (through
// jsonvalue.Marshal: the struct's field order, no HTML escaping), without
// reflection: the store writes every object it keeps.
func (o *RepositoryVersion) appendJSON(dst []byte) ([]byte, error) {
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
		for i, k := range sortedKeys(m.Annotations) {
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

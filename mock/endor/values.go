package endor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/repomock/repomock/mock/openapi"
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
	return openapi.MarshalJSON(v)
}

// value is the object as a JSON value: what decoding its JSON
// (openapi.MarshalJSON) with UseNumber gives, without writing and reading
// it.
func (o *RepositoryVersion) value() map[string]any {
	meta := map[string]any{
		"name":        o.Meta.Name,
		"kind":        o.Meta.Kind,
		"version":     o.Meta.Version,
		"create_time": timeValue(o.Meta.CreateTime),
		"update_time": timeValue(o.Meta.UpdateTime),
		"upsert_time": timeValue(o.Meta.UpsertTime),
		"created_by":  o.Meta.CreatedBy,
		"updated_by":  o.Meta.UpdatedBy,
	}
	putString(meta, "description", o.Meta.Description)
	putString(meta, "parent_kind", o.Meta.ParentKind)
	putString(meta, "parent_uuid", o.Meta.ParentUUID)
	putStrings(meta, "tags", o.Meta.Tags)
	if len(o.Meta.Annotations) > 0 {
		a := make(map[string]any, len(o.Meta.Annotations))
		for k, v := range o.Meta.Annotations {
			a[k] = v
		}
		meta["annotations"] = a
	}
	ctx := map[string]any{"id": o.Context.ID, "type": o.Context.Type}
	putStrings(ctx, "tags", o.Context.Tags)
	if t := o.Context.WillBeDeletedAt; t != nil {
		ctx["will_be_deleted_at"] = timeValue(*t)
	}
	out := map[string]any{
		"uuid":        o.UUID,
		"tenant_meta": map[string]any{"namespace": o.TenantMeta.Namespace},
		"meta":        meta,
		"context":     ctx,
	}
	putRaw(out, "spec", o.Spec)
	putRaw(out, "scan_object", o.ScanObject)
	return out
}

// timeValue is t as encoding/json writes a time.Time.
func timeValue(t time.Time) string { return t.Format(time.RFC3339Nano) }

// putString, putStrings and putRaw set a field that encoding/json leaves
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

func putRaw(m map[string]any, key string, data json.RawMessage) {
	if len(data) == 0 {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		m[key] = v
	}
}

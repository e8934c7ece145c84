package endor

import (
	"encoding/json"
	"fmt"

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

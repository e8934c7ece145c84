package codearts

import (
	"encoding/json"
	"strconv"
)

// createBodyOf reads CreateRepoRequest from the body the Validator decoded
// and checked against the schema (after the integer strings codec), so
// that every field present has its schema's type.
func createBodyOf(v any) (*createBody, *Error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, paramInvalid("body: must be an object")
	}
	b := &createBody{
		Name:        str(m, "name"),
		ProjectUUID: str(m, "project_uuid"),
		TemplateID:  strPtr(m, "template_id"),
		ImportURL:   strPtr(m, "import_url"),
		Description: strPtr(m, "description"),
		GitignoreID: strPtr(m, "gitignore_id"),
		Caller:      strPtr(m, "caller"),
	}
	for _, f := range []struct {
		key string
		dst **int32
	}{
		{"import_members", &b.ImportMembers},
		{"visibility_level", &b.VisibilityLevel},
		{"license_id", &b.LicenseID},
		{"enable_readme", &b.EnableReadme},
		{"group_id", &b.GroupID},
	} {
		n, ok := m[f.key].(json.Number)
		if !ok {
			continue
		}
		i, err := strconv.ParseInt(n.String(), 10, 32)
		if err != nil {
			return nil, paramInvalid("body: %s: must be a 32-bit integer", f.key)
		}
		v := int32(i)
		*f.dst = &v
	}
	return b, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func strPtr(m map[string]any, key string) *string {
	if s, ok := m[key].(string); ok {
		return &s
	}
	return nil
}

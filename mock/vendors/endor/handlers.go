package endor

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor/list"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Limits the vendor documents that the published schema does not carry
// (docs: data-model/common-fields).
const (
	maxNameLen        = 63    // meta.name: 63 characters or less
	maxDescription    = 1024  // meta.description: less than 1024 bytes
	maxAnnotation     = 16384 // annotation values: 16384 bytes or smaller
	maxTagLen         = 255   // a tag: 255 characters or less
	kindRepoVersion   = "RepositoryVersion"
	parentKindProject = "Project"
	mainContextID     = "default"
	ciRunContext      = store.CIRunContext
	// ciRunLifetime: seed 000 says CI_RUN objects are deleted after 30 days.
	ciRunLifetime = 30 * 24 * time.Hour
)

// Handlers returns the fake's handlers by operationId.
func (f *Fake) Handlers() map[string]pipeline.Handler {
	return map[string]pipeline.Handler{
		OpCreate:         f.create,
		OpList:           f.list,
		OpGet:            f.get,
		OpDelete:         f.delete,
		OpUpdate:         f.update,
		OpListNamespaces: f.listNamespaces,
		OpAPIKeyToken:    f.apiKeyToken,
		OpAuthInfo:       f.authInfo,
	}
}

// grantOf is what Authenticate found the request's token allows.
func grantOf(c echo.Context) grant {
	g, _ := c.Get(grantKey).(grant)
	return g
}

func principalOf(c echo.Context) string { return grantOf(c).principal }

// create is CreateRepositoryVersion: create, or update the object with the
// same upsert key (parent, name and context) in the namespace. Both answer
// 200 with the object.
func (f *Fake) create(c echo.Context, in pipeline.Request) (int, any, error) {
	ns := in.Params[nsParam]
	if err := checkNamespace(ns); err != nil {
		return 0, nil, err
	}
	body, err := createBodyOf(in.Body)
	if err != nil {
		return 0, nil, invalidArgument("body: %v", err)
	}
	if err := checkBody(body); err != nil {
		return 0, nil, err
	}
	obj, err := f.upsert(f.writeStore(in.Session), ns, body, principalOf(c), f.newID)
	if err != nil {
		return 0, nil, err
	}
	// The object's spec and scan_object are the request's, written.
	m := in.Body.(map[string]any)
	return http.StatusOK, obj.ValueWith(m["spec"], m["scan_object"]), nil
}

// upsert stores body, and returns the object stored.
func (f *Fake) upsert(s *store.Store, ns string, body *createBody, who string, newID func() string) (RepositoryVersion, error) {
	return s.Upsert(ns, store.KeyOf(body.Meta, body.Context), func(old *RepositoryVersion, id string) RepositoryVersion {
		now := f.now() // read under the store lock, so update times never go backwards
		obj := RepositoryVersion{
			UUID:       id,
			TenantMeta: TenantMeta{Namespace: ns}, // the path is authoritative
			Meta: Meta{
				WritableMeta: body.Meta,
				Kind:         kindRepoVersion,
				Version:      "v1",
				CreateTime:   now,
				UpdateTime:   now,
				UpsertTime:   now,
				CreatedBy:    who,
				UpdatedBy:    who,
			},
			Context:    body.Context,
			Spec:       body.Spec,
			ScanObject: body.ScanObject,
		}
		if obj.Meta.ParentKind == "" {
			obj.Meta.ParentKind = parentKindProject
		}
		if old != nil {
			obj.Meta.CreateTime, obj.Meta.CreatedBy = old.Meta.CreateTime, old.Meta.CreatedBy
		}
		setDeletionTime(&obj, deletionTime(obj.Context.Type, obj.Meta.CreateTime))
		return obj
	}, newID)
}

// deletionTime is the deletion time of an object created at created: set
// for a CI_RUN object only. Assumption: it is counted from the object's
// first create, so an upsert keeps it; the mock never deletes.
func deletionTime(contextType string, created time.Time) *time.Time {
	if contextType != ciRunContext {
		return nil
	}
	t := created.Add(ciRunLifetime).UTC()
	return &t
}

// setDeletionTime writes the deletion time where the vendor has it:
// meta.index_data.will_be_deleted_at, and context.will_be_deleted_at,
// which seed 000 deprecates in its favour and clients may still read.
func setDeletionTime(o *RepositoryVersion, t *time.Time) {
	o.Context.WillBeDeletedAt = t
	o.Meta.IndexData = nil
	if t != nil {
		o.Meta.IndexData = &IndexData{WillBeDeletedAt: t}
	}
}

// checkBody applies the vendor's documented rules that the schema lacks.
// It reports every broken rule at once.
func checkBody(b *createBody) *Error {
	var bad []string
	m := &b.Meta
	switch n := utf8.RuneCountInString(m.Name); {
	case n == 0:
		bad = append(bad, "meta.name: value is required")
	case n > maxNameLen:
		bad = append(bad, fmt.Sprintf("meta.name: must be %d characters or less", maxNameLen))
	}
	if len(m.Description) >= maxDescription {
		bad = append(bad, fmt.Sprintf("meta.description: must be less than %d bytes", maxDescription))
	}
	// Assumption: a repository version always belongs to a project, so the
	// upsert key's parent is required and is an Endor uuid.
	if m.ParentUUID == "" {
		bad = append(bad, "meta.parent_uuid: value is required")
	} else if !store.IsUUID(m.ParentUUID) {
		bad = append(bad, "meta.parent_uuid: must be 24 lowercase hexadecimal characters")
	}
	if m.ParentKind != "" && m.ParentKind != parentKindProject {
		bad = append(bad, fmt.Sprintf("meta.parent_kind: must be %q", parentKindProject))
	}
	for _, k := range sortedKeys(m.Annotations) {
		if !isAnnotationKey(k) {
			bad = append(bad, fmt.Sprintf("meta.annotations: key %q may contain only letters, digits, '_', '.' and '-'", k))
		}
		if len(m.Annotations[k]) > maxAnnotation {
			bad = append(bad, fmt.Sprintf("meta.annotations.%s: must be %d bytes or smaller", k, maxAnnotation))
		}
	}
	for i, t := range m.Tags {
		if utf8.RuneCountInString(t) > maxTagLen {
			bad = append(bad, fmt.Sprintf("meta.tags.%d: must be %d characters or less", i, maxTagLen))
		}
	}
	if b.Context.ID == "" {
		bad = append(bad, "context.id: value is required")
	}
	// The docs: for CONTEXT_TYPE_MAIN "the context id is always \"default\"".
	if b.Context.Type == "CONTEXT_TYPE_MAIN" && b.Context.ID != mainContextID {
		bad = append(bad, fmt.Sprintf("context.id: must be %q for CONTEXT_TYPE_MAIN", mainContextID))
	}
	if len(bad) > 0 {
		return invalidArgument("%s", strings.Join(bad, "; "))
	}
	return nil
}

func isAnnotationKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func uuidOf(in pipeline.Request) (string, error) {
	id := in.Params["uuid"]
	if !store.IsUUID(id) {
		return "", invalidArgument("uuid: %q is not a valid uuid: must be 24 lowercase hexadecimal characters", list.Clip(id))
	}
	return id, nil
}

func (f *Fake) get(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := uuidOf(in)
	if err != nil {
		return 0, nil, err
	}
	ns := in.Params[nsParam]
	rec, ok := f.readStore(in.Session).Get(ns, id)
	if !ok {
		return 0, nil, notFound("repository version %q not found in namespace %q", id, ns)
	}
	return http.StatusOK, json.RawMessage(rec.JSON), nil
}

func (f *Fake) delete(c echo.Context, in pipeline.Request) (int, any, error) {
	id, err := uuidOf(in)
	if err != nil {
		return 0, nil, err
	}
	ns := in.Params[nsParam]
	if !f.writeStore(in.Session).Delete(ns, id) {
		return 0, nil, notFound("repository version %q not found in namespace %q", id, ns)
	}
	return http.StatusOK, map[string]any{}, nil
}

func (f *Fake) apiKeyToken(c echo.Context, in pipeline.Request) (int, any, error) {
	body, _ := in.Body.(map[string]any)
	req := apiKeyRequest{Key: str(body, "key"), Secret: str(body, "secret")}
	if err := checkAPIKeyLengths(req.Key, req.Secret); err != nil {
		return 0, nil, err
	}
	k, ok := f.checkKey(req)
	if !ok {
		return 0, nil, newError(http.StatusUnauthorized, codeUnauthenticated, "invalid API key or secret")
	}
	return http.StatusOK, f.issueToken(k, in.Session), nil
}

// checkKey accepts a configured pair, or, when none is configured, any
// pair with both parts set (the mock's assumption).
func (f *Fake) checkKey(req apiKeyRequest) (APIKey, bool) {
	if req.Key == "" || req.Secret == "" {
		return APIKey{}, false
	}
	apiKeys := f.fixtures.Load().apiKeys
	if len(apiKeys) == 0 {
		return APIKey{Key: req.Key, Secret: req.Secret}, true
	}
	k, ok := apiKeys[req.Key]
	return k, ok && subtle.ConstantTimeCompare([]byte(k.Secret), []byte(req.Secret)) == 1
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

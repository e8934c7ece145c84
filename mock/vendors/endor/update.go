package endor

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendors/endor/list"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Field paths of a RepositoryVersion update mask, from the generated
// contract of Endor's official SDK (update_requires_mask: true).
var (
	// mutablePaths may be named in a mask. spec's own fields are listed so
	// that a mask can name one of them alone; a deeper path could leave a
	// stored object that breaks the schema (spec.version without its ref).
	mutablePaths = []string{
		"meta.description", "meta.name", "meta.tags", "spec",
		"spec.allow_ref_as_pr_scan_base", "spec.last_commit_date", "spec.version",
	}
	// allFields is what an absent or empty mask names: every mutable field
	// (the model: "Fields to update. Defaults to all fields").
	allFields = []string{"meta.description", "meta.name", "meta.tags", "spec"}
	// immutablePaths, and anything under them, are refused by name.
	immutablePaths = []string{
		"meta.create_time", "meta.created_by", "meta.index_data", "meta.kind", "meta.references",
		"meta.update_time", "meta.updated_by", "meta.upsert_time", "meta.version",
		"tenant_meta.namespace", "uuid",
	}
)

// update is UpdateRepositoryVersion: PATCH on the collection with the uuid
// in the object. Only the fields the mask names change, every mutable one
// when it names none (a named field the object leaves out is cleared);
// update_time and updated_by are refreshed, and the answer is the whole
// object. Bad input changes nothing.
func (f *Fake) update(c echo.Context, in pipeline.Request) (int, any, error) {
	ns := in.Params[nsParam]
	if err := checkNamespace(ns); err != nil {
		return 0, nil, err
	}
	body, _ := in.Body.(map[string]any)
	request, _ := body["request"].(map[string]any)
	paths, err := parseMask(str(request, "update_mask"))
	if err != nil {
		return 0, nil, err
	}
	// The schema makes object, when present, an object with a uuid.
	patch, _ := body["object"].(map[string]any)
	id, _ := patch["uuid"].(string)
	if id == "" {
		return 0, nil, invalidArgument("object.uuid: value is required")
	}
	if !store.IsUUID(id) {
		return 0, nil, invalidArgument("object.uuid: %q is not a valid uuid: must be 24 lowercase hexadecimal characters", list.Clip(id))
	}
	// force is accepted and changes nothing. Assumption: the vendor does
	// not say what it forces, and no rule here could be forced past.
	updated, err := f.writeStore(in.Session).Update(ns, id, func(old store.Record) (RepositoryVersion, error) {
		tree, err := store.DecodeTree(old.JSON)
		if err != nil {
			return RepositoryVersion{}, err
		}
		for _, p := range paths {
			setPath(tree, patch, strings.Split(p, "."))
		}
		var obj RepositoryVersion
		if err := remarshal(tree, &obj); err != nil {
			return RepositoryVersion{}, invalidArgument("object: %v", err)
		}
		body := createBody{Meta: obj.Meta.WritableMeta, Context: obj.Context, Spec: obj.Spec, ScanObject: obj.ScanObject}
		if err := checkBody(&body); err != nil {
			return RepositoryVersion{}, err
		}
		obj.Meta.UpdateTime = f.now()
		obj.Meta.UpdatedBy = principalOf(c)
		return obj, nil
	})
	var taken *store.KeyTakenError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil, notFound("repository version %q not found in namespace %q", id, ns)
	case errors.As(err, &taken):
		return 0, nil, errAlreadyExists("%s", taken)
	case err != nil:
		return 0, nil, err
	}
	return http.StatusOK, updated.Value(), nil
}

// parseMask reads "meta.tags,spec" into its paths, in proto field names.
// LowerCamelCase paths (protojson's form of a FieldMask) are read too. An
// empty mask is every mutable field. Assumption (vendors.md §7): the
// model's "defaults to all fields" means the fields a mask may name;
// immutable fields keep their stored values, and so do the fields no mask
// may name (annotations, the parent, the context, scan_object), whatever
// the object carries, since a client that read the object sends them back.
// update_requires_mask is the SDK's rule, not the server's.
func parseMask(mask string) ([]string, error) {
	if strings.TrimSpace(mask) == "" {
		return allFields, nil
	}
	var paths []string
	for _, p := range strings.Split(mask, ",") {
		p = list.SnakePath(strings.TrimSpace(p))
		switch {
		case p == "":
			return nil, invalidArgument("request.update_mask: %q has an empty field path", list.Clip(mask))
		case slices.ContainsFunc(immutablePaths, func(im string) bool { return p == im || strings.HasPrefix(p, im+".") }):
			return nil, invalidArgument("request.update_mask: %s is immutable", list.Clip(p))
		case !slices.Contains(mutablePaths, p):
			return nil, invalidArgument("request.update_mask: %s cannot be updated: the paths that can are %s", list.Clip(p), strings.Join(mutablePaths, ", "))
		}
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// setPath copies the value at path in from into to, creating objects on
// the way; when from has no value there, it removes the value from to.
func setPath(to, from map[string]any, path []string) {
	key := path[0]
	src, inFrom := from[key]
	if len(path) == 1 {
		if inFrom && src != nil {
			to[key] = src
		} else {
			delete(to, key)
		}
		return
	}
	srcObj, _ := src.(map[string]any)
	dst, _ := to[key].(map[string]any)
	if dst == nil {
		if srcObj == nil {
			return // nothing to clear, nothing to set
		}
		dst = map[string]any{}
		to[key] = dst
	}
	if srcObj == nil {
		srcObj = map[string]any{}
	}
	setPath(dst, srcObj, path[1:])
}

func remarshal(tree map[string]any, obj *RepositoryVersion) error {
	data, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, obj)
}

// errAlreadyExists is grpc-gateway's 409, code 6 ALREADY_EXISTS.
func errAlreadyExists(format string, args ...any) *Error {
	return newError(http.StatusConflict, codeAlreadyExists, format, args...)
}

package contracts

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/contracts/gen"
	"github.com/repomock/repomock/specs"
)

// Endor Labs operationIds.
const (
	endorCreate = "RepositoryVersionService_CreateRepositoryVersion"
	endorList   = "RepositoryVersionService_ListRepositoryVersions"
	endorGet    = "RepositoryVersionService_GetRepositoryVersion"
	endorDelete = "RepositoryVersionService_DeleteRepositoryVersion"
	endorUpdate = "RepositoryVersionService_UpdateRepositoryVersion"
	endorNS     = "NamespaceService_ListNamespaces"
	endorAPIKey = "AuthenticationService_GetAPIKeyToken"
	endorAuth   = "AuthenticationService_GetAuthenticationInfo"
)

func endorVendor(t Target) *vendor {
	v := &vendor{name: "Endor Labs", key: "endor", spec: specs.Endor, url: t.Endor.URL}
	v.authorize = func(s *suite, req *http.Request, _ []byte) error {
		tok, err := s.endorBearer(req.Context(), v)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	v.envelope = endorEnvelope
	v.code = func(b map[string]any) string { return str(b, "code") }
	v.invalid = vendorError(http.StatusBadRequest, "3", "the validation rejection (INVALID_ARGUMENT)")
	v.gone = vendorError(http.StatusNotFound, "5", "not found (NOT_FOUND)")
	// The SDK's default content type; grpc-gateway answers in the
	// request's marshaler, with the same JSON (vendors.md §5).
	v.mediaAliases = map[string]string{"application/jsoncompact": "application/json"}
	v.preflight = func(s *suite, ctx context.Context) (*exchange, error) {
		return s.call(ctx, v.op(endorAuth), request{unseen: true})
	}
	on := func(f func(e endor, r Reporter)) func(*suite, Reporter) {
		return func(s *suite, r Reporter) { f(endorOn(s, v), r) }
	}
	v.checks = map[string]func(*suite, Reporter){
		CheckPositiveData:   on(endor.positive),
		CheckNegativeData:   on(endor.negative),
		CheckMissingAuth:    on(endor.missingAuth),
		CheckUpsert:         on(endor.upsert),
		CheckReadAfterWrite: on(endor.readAfterWrite),
		CheckUseAfterFree:   on(endor.useAfterFree),
		CheckUnsupported:    on(endor.unsupported),
		CheckQueryRules:     on(endor.queryRules),
	}
	return v
}

// ciRunID makes a CI_RUN context id, a PR scan's UUID (the vendor's
// docs give ee4a914c-8d6d-4b65-8b0e-9755e8a6cb3a), out of a unique name.
func ciRunID(name string) string {
	h := sha256.Sum256([]byte(name))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// endorEnvelope checks a googlerpcStatus: an integer code and a message,
// with Endor's HTTPErrorInfo detail carrying the status when present.
func endorEnvelope(status int, body []byte) error {
	var e struct {
		Code    *float64 `json:"code"`
		Message *string  `json:"message"`
		Details []struct {
			Type       string   `json:"@type"`
			StatusCode *float64 `json:"status_code"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if e.Code == nil || *e.Code != float64(int(*e.Code)) || *e.Code == 0 {
		return fmt.Errorf(`"code" is missing or not a gRPC code`)
	}
	if e.Message == nil {
		return fmt.Errorf(`"message" is missing`)
	}
	for _, d := range e.Details {
		if d.StatusCode != nil && int(*d.StatusCode) != status {
			return fmt.Errorf("details[].status_code %v is not the HTTP status %d", *d.StatusCode, status)
		}
	}
	return nil
}

// endorUnauthenticated checks a 401 body is gRPC's UNAUTHENTICATED.
func endorUnauthenticated(b map[string]any) error {
	if code := str(b, "code"); code != "16" {
		return fmt.Errorf("want code 16 (UNAUTHENTICATED), got %s", orNone(code))
	}
	return nil
}

// endorBearer returns the bearer token, exchanging the API key pair for one
// on first use (an exchange recorded like any other call).
func (s *suite) endorBearer(ctx context.Context, v *vendor) (string, error) {
	e := s.target.Endor
	if e.Token != "" {
		return e.Token, nil
	}
	if s.endorToken != "" {
		return s.endorToken, nil
	}
	x, err := s.call(ctx, v.op(endorAPIKey), request{body: map[string]string{"key": e.APIKey, "secret": e.APISecret}, noAuth: true})
	if err != nil {
		return "", err
	}
	tok := str(x.json(), "token")
	if x.status == http.StatusUnauthorized || x.status == http.StatusForbidden {
		return "", &CredentialsError{Vendor: v.name, Status: x.status, Body: string(x.body)}
	}
	if x.status != http.StatusOK || tok == "" {
		return "", fmt.Errorf("the Endor API key exchange gave no token: %s", x)
	}
	s.endorToken = tok
	return tok, nil
}

// endor is Endor in one run: the operations its checks call and the
// target they work in. Each check creates the repository versions it needs
// and deletes them when it ends.
type endor struct {
	s                                        *suite
	t                                        Endor
	create, get, list, del, update, authInfo *operation
	namespaces                               *operation
}

func endorOn(s *suite, v *vendor) endor {
	return endor{s: s, t: s.target.Endor,
		create: v.op(endorCreate), get: v.op(endorGet), list: v.op(endorList), del: v.op(endorDelete),
		update: v.op(endorUpdate), authInfo: v.op(endorAuth), namespaces: v.op(endorNS)}
}

func (e endor) ns() map[string]string {
	return map[string]string{"tenant_meta.namespace": e.t.Namespace}
}

func (e endor) at(uuid string) map[string]string {
	return map[string]string{"tenant_meta.namespace": e.t.Namespace, "uuid": uuid}
}

func (e endor) post(body any) request { return request{params: e.ns(), body: body} }

// script is the body the vendor's own scripts send.
func (e endor) script(name string) map[string]any {
	return map[string]any{
		"meta":    map[string]any{"name": name, "parent_uuid": e.t.ProjectUUID},
		"context": map[string]any{"id": name, "type": "CONTEXT_TYPE_REF"},
		"spec":    map[string]any{"version": map[string]any{"ref": name}},
	}
}

// tagged is an update through the SDK's PATCH with a mask: only meta.tags
// is to change.
func (e endor) tagged(uuid string, tags ...string) map[string]any {
	return map[string]any{
		"object":  map[string]any{"uuid": uuid, "meta": map[string]any{"tags": tags, "description": "not in the mask"}},
		"request": map[string]any{"update_mask": "meta.tags"},
	}
}

// deleteLater deletes what x created when the check ends.
func (e endor) deleteLater(x *exchange) {
	if id := str(x.json(), "uuid"); id != "" {
		e.s.onCleanup(func(ctx context.Context) { _, _ = e.s.call(ctx, e.del, request{params: e.at(id)}) })
	}
}

// made creates a repository version from body for a check to work on,
// deleted when the check ends. When the target refuses it or names no
// uuid, x is nil and why says so. Which 2xx is status_code_conformance's
// to judge.
func (e endor) made(ctx context.Context, body map[string]any) (x *exchange, why string) {
	x, err := e.s.call(ctx, e.create, e.post(body))
	switch {
	case err != nil:
		return nil, fmt.Sprintf("a valid create got no answer: %v", err)
	case x.status/100 != 2 || str(x.json(), "uuid") == "":
		return nil, fmt.Sprintf("a valid create was refused or named no uuid: %s", x)
	}
	e.deleteLater(x)
	return x, ""
}

func (e endor) positive(r Reporter) {
	s := e.s
	// Values the published schema leaves open but the vendor's docs fix:
	// names ≤ 63, a real parent project, annotation keys, short tags.
	g := gen.New(s.target.Seed).WithOverrides(map[string]func(*gofakeit.Faker) any{
		"meta.name":        func(*gofakeit.Faker) any { return s.name("rv") },
		"meta.parent_uuid": func(*gofakeit.Faker) any { return e.t.ProjectUUID },
		"meta.parent_kind": func(*gofakeit.Faker) any { return "Project" },
		"meta.description": func(f *gofakeit.Faker) any { return f.Sentence(8) },
		"meta.tags.*":      func(f *gofakeit.Faker) any { return f.Word() },
		"meta.annotations": func(f *gofakeit.Faker) any { return map[string]any{"repomock." + f.Word(): f.Word()} },
		"context.type": func(f *gofakeit.Faker) any {
			return f.RandomString([]string{"CONTEXT_TYPE_REF", "CONTEXT_TYPE_CI_RUN"})
		},
		"context.id":  func(f *gofakeit.Faker) any { return s.name("ctx") },
		"tenant_meta": func(*gofakeit.Faker) any { return map[string]any{"namespace": e.t.Namespace} },
	})
	// A repository version always names its project (the vendor's scripts
	// do), though the schema leaves meta.parent_uuid optional.
	withParent := func(body any) request {
		if m, ok := body.(map[string]any); ok {
			if meta, ok := m["meta"].(map[string]any); ok {
				meta["parent_uuid"] = e.t.ProjectUUID
			}
		}
		return e.post(body)
	}
	s.check(r, e.create, func(r Reporter) {
		s.positive(r, e.create, g, positiveCasesPerOp, withParent, e.deleteLater)
	})
	e.paramPositives(r)
}

func (e endor) negative(r Reporter) {
	s := e.s
	s.check(r, e.create, func(r Reporter) {
		s.negative(r, e.create, e.script(s.name("neg")), true, e.post, e.deleteLater)
	})
	// The broken updates name a real object, so that a target taking one
	// cannot pass by answering 404 for want of it.
	s.check(r, e.update, func(r Reporter) {
		x, why := e.made(r.Context(), e.script(s.name("neg")))
		if x == nil {
			r.Skipf("nothing to update: %s", why)
			return
		}
		s.negative(r, e.update, e.tagged(str(x.json(), "uuid"), "repomock-contract"), true, e.post, nil)
	})
	e.paramNegatives(r)
}

func (e endor) missingAuth(r Reporter) {
	s := e.s
	s.check(r, e.create, func(r Reporter) {
		s.missingAuth(r, e.create, e.post(e.script(s.name("noauth"))), endorUnauthenticated)
	})
	// Assumption: Endor checks the bearer token before it looks up the
	// object, so the uuid may name nothing (no object is made for a
	// request that must be refused).
	s.check(r, e.update, func(r Reporter) {
		s.missingAuth(r, e.update, e.post(e.tagged("6560c0de00000000000000ff", "x")), endorUnauthenticated)
	})
	s.check(r, e.authInfo, func(r Reporter) {
		s.missingAuth(r, e.authInfo, request{}, endorUnauthenticated)
	})
}

// upsert: the same (parent, name, context) twice is one object; the same
// name in a CI_RUN context (a PR scan) is another one, and leaves the first
// unchanged ("Contexts keep objects from different scans separated", the
// vendor's schema).
func (e endor) upsert(r Reporter) {
	s := e.s
	s.check(r, e.create, func(r Reporter) {
		ctx := r.Context()
		name := s.name("upsert")
		first, why := e.made(ctx, e.script(name))
		if first == nil {
			r.Errorf("%s", why)
			return
		}
		again := e.script(name)
		again["meta"].(map[string]any)["description"] = "updated by the contract suite"
		second, err := s.call(ctx, e.create, e.post(again))
		outcome(r, func() error {
			if err != nil {
				return err
			}
			if err := expect2xx(second); err != nil {
				return err
			}
			a, b := first.json(), second.json()
			if str(a, "uuid") != str(b, "uuid") {
				return fmt.Errorf("the same key gave uuid %s, then %s", str(a, "uuid"), str(b, "uuid"))
			}
			if str(a, "meta", "create_time") != str(b, "meta", "create_time") {
				return fmt.Errorf("create_time changed on update: %s → %s", str(a, "meta", "create_time"), str(b, "meta", "create_time"))
			}
			if str(b, "meta", "description") != "updated by the contract suite" {
				return fmt.Errorf("the update was not applied: %s", second)
			}
			// The same body in a CI_RUN context, so that a target ignoring
			// the context updates the first object with what it already
			// holds and only the uuid shows the fault.
			scan := e.script(name)
			scan["meta"].(map[string]any)["description"] = "updated by the contract suite"
			scan["context"] = map[string]any{"id": ciRunID(s.name("pr")), "type": "CONTEXT_TYPE_CI_RUN"}
			third, err := s.call(ctx, e.create, e.post(scan))
			if err != nil {
				return err
			}
			if err := expect2xx(third); err != nil {
				return err
			}
			e.deleteLater(third)
			if id := str(third.json(), "uuid"); id == "" || id == str(a, "uuid") {
				return fmt.Errorf("the same name in a CI_RUN context gave uuid %q, the REF object's is %s: contexts must keep objects apart", id, str(a, "uuid"))
			}
			back, err := s.call(ctx, e.get, request{params: e.at(str(a, "uuid"))})
			if err != nil {
				return err
			}
			if err := expect2xx(back); err != nil {
				return err
			}
			if ctx, was := str(back.json(), "context", "type"), str(b, "context", "type"); ctx != was || str(back.json(), "meta", "update_time") != str(b, "meta", "update_time") {
				return fmt.Errorf("a create in a CI_RUN context changed the REF object: %s", back)
			}
			return nil
		}())
	})
}

// readAfterWrite: the SDK's token check describes a valid token; an object
// of the check's own reads back by uuid and through a filtered list, takes
// an update through a mask, and is gone after a delete.
func (e endor) readAfterWrite(r Reporter) {
	s := e.s
	s.check(r, e.authInfo, func(r Reporter) {
		x, err := s.call(r.Context(), e.authInfo, request{})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if str(b, "expiration_time") == "" {
				return fmt.Errorf("GET /v1/auth named no expiration_time: %s", x)
			}
			return nil
		}))
	})

	name := s.name("raw")
	body := e.script(name)
	body["meta"].(map[string]any)["description"] = "written by the contract suite"
	first, why := e.made(r.Context(), body)
	if first == nil {
		s.skipAll(r, why, e.get, e.list, e.update, e.del)
		return
	}
	id := str(first.json(), "uuid")
	s.check(r, e.get, func(r Reporter) {
		x, err := s.call(r.Context(), e.get, request{params: e.at(id)})
		outcome(r, readBack(x, err, func(b map[string]any) error {
			if got := str(b, "meta", "name"); got != name {
				return fmt.Errorf("read back meta.name %q, want %q", got, name)
			}
			return nil
		}))
	})
	s.check(r, e.list, func(r Reporter) {
		filter := url.Values{"list_parameters.filter": {"meta.name==" + name + " and context.type==CONTEXT_TYPE_REF"}}
		x, err := s.call(r.Context(), e.list, request{params: e.ns(), query: filter})
		outcome(r, readBack(x, err, func(map[string]any) error {
			var body struct {
				List struct {
					Objects []struct {
						UUID    string `json:"uuid"`
						Context struct {
							ID   string `json:"id"`
							Type string `json:"type"`
						} `json:"context"`
					} `json:"objects"`
				} `json:"list"`
			}
			if err := json.Unmarshal(x.body, &body); err != nil || len(body.List.Objects) != 1 || body.List.Objects[0].UUID != id {
				return fmt.Errorf("a filter on meta.name and context.type should list exactly %s: %s", id, x)
			}
			// The list schema requires nothing (a mask may trim any field),
			// so the whole object is checked here: its context as written.
			if c := body.List.Objects[0].Context; c.ID != name || c.Type != "CONTEXT_TYPE_REF" {
				return fmt.Errorf("the listed object lost its context (id %q, type %q): %s", c.ID, c.Type, x)
			}
			return nil
		}))
	})
	s.check(r, e.update, func(r Reporter) {
		ctx := r.Context()
		x, err := s.call(ctx, e.update, e.post(e.tagged(id, "repomock-contract")))
		outcome(r, readBack(x, err, func(map[string]any) error {
			back, err := s.call(ctx, e.get, request{params: e.at(id)})
			if err != nil {
				return err
			}
			if err := expect2xx(back); err != nil {
				return err
			}
			b := back.json()
			tags, _ := b["meta"].(map[string]any)["tags"].([]any)
			if len(tags) != 1 || tags[0] != "repomock-contract" {
				return fmt.Errorf("meta.tags was not updated: %s", back)
			}
			if got := str(b, "meta", "description"); got != "written by the contract suite" {
				return fmt.Errorf("meta.description is not in the mask but changed to %q", got)
			}
			if str(b, "meta", "create_time") != str(first.json(), "meta", "create_time") || str(b, "meta", "name") != name {
				return fmt.Errorf("the update changed fields outside its mask: %s", back)
			}
			return nil
		}))
	})
	s.check(r, e.del, func(r Reporter) {
		ctx := r.Context()
		x, err := s.call(ctx, e.del, request{params: e.at(id)})
		outcome(r, readBack(x, err, func(map[string]any) error {
			gone, err := s.call(ctx, e.get, request{params: e.at(id)})
			if err != nil {
				return err
			}
			return notFound(gone)
		}))
	})
}

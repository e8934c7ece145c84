package contracts

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/specs"
)

// Endor Labs operationIds.
const (
	endorCreate = "RepositoryVersionService_CreateRepositoryVersion"
	endorList   = "RepositoryVersionService_ListRepositoryVersions"
	endorGet    = "RepositoryVersionService_GetRepositoryVersion"
	endorDelete = "RepositoryVersionService_DeleteRepositoryVersion"
	endorUpdate = "RepositoryVersionService_UpdateRepositoryVersion"
	endorAPIKey = "AuthenticationService_GetAPIKeyToken"
	endorAuth   = "AuthenticationService_GetAuthenticationInfo"
)

func endorVendor(t Target) *vendor {
	v := &vendor{name: "Endor Labs", spec: specs.Endor, url: t.Endor.URL}
	v.authorize = func(s *suite, req *http.Request, _ []byte) error {
		tok, err := s.endorBearer(v)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	v.envelope = endorEnvelope
	v.scenarios = func(s *suite) { endorScenarios(s, v) }
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
	if str(b, "code") != "16" {
		return fmt.Errorf("want code 16 (UNAUTHENTICATED), got %v", b["code"])
	}
	return nil
}

// endorBearer returns the bearer token, exchanging the API key pair for one
// on first use (an exchange recorded like any other call).
func (s *suite) endorBearer(v *vendor) (string, error) {
	e := s.target.Endor
	if e.Token != "" {
		return e.Token, nil
	}
	if s.endorToken != "" {
		return s.endorToken, nil
	}
	x, err := s.call(v.op(endorAPIKey), request{body: map[string]string{"key": e.APIKey, "secret": e.APISecret}, noAuth: true})
	if err != nil {
		return "", err
	}
	tok := str(x.json(), "token")
	if x.status != http.StatusOK || tok == "" {
		return "", fmt.Errorf("contracts: the Endor API key was refused: %s", x)
	}
	s.endorToken = tok
	return tok, nil
}

func endorScenarios(s *suite, v *vendor) {
	e := s.target.Endor
	create, get, list, del := v.op(endorCreate), v.op(endorGet), v.op(endorList), v.op(endorDelete)
	update, authInfo := v.op(endorUpdate), v.op(endorAuth)
	ns := map[string]string{"tenant_meta.namespace": e.Namespace}
	at := func(uuid string) map[string]string {
		return map[string]string{"tenant_meta.namespace": e.Namespace, "uuid": uuid}
	}
	// The body the vendor's own scripts send.
	script := func(name string) map[string]any {
		return map[string]any{
			"meta":    map[string]any{"name": name, "parent_uuid": e.ProjectUUID},
			"context": map[string]any{"id": name, "type": "CONTEXT_TYPE_REF"},
			"spec":    map[string]any{"version": map[string]any{"ref": name}},
		}
	}
	post := func(body any) request { return request{params: ns, body: body} }
	deleteLater := func(x *exchange) {
		if id := str(x.json(), "uuid"); id != "" {
			s.onCleanup(func() { _, _ = s.call(del, request{params: at(id)}) })
		}
	}

	// Values the published schema leaves open but the vendor's docs fix:
	// names ≤ 63, a real parent project, annotation keys, short tags.
	g := newGenerator(s.target.Seed).withOverrides(map[string]func(*gofakeit.Faker) any{
		"meta.name":        func(*gofakeit.Faker) any { return s.name("rv") },
		"meta.parent_uuid": func(*gofakeit.Faker) any { return e.ProjectUUID },
		"meta.parent_kind": func(*gofakeit.Faker) any { return "Project" },
		"meta.description": func(f *gofakeit.Faker) any { return f.Sentence(8) },
		"meta.tags.*":      func(f *gofakeit.Faker) any { return f.Word() },
		"meta.annotations": func(f *gofakeit.Faker) any { return map[string]any{"repomock." + f.Word(): f.Word()} },
		"context.type": func(f *gofakeit.Faker) any {
			return f.RandomString([]string{"CONTEXT_TYPE_REF", "CONTEXT_TYPE_CI_RUN"})
		},
		"context.id":  func(f *gofakeit.Faker) any { return s.name("ctx") },
		"tenant_meta": func(*gofakeit.Faker) any { return map[string]any{"namespace": e.Namespace} },
	})
	// A repository version always names its project (the vendor's scripts
	// do), though the schema leaves meta.parent_uuid optional.
	withParent := func(body any) request {
		if m, ok := body.(map[string]any); ok {
			if meta, ok := m["meta"].(map[string]any); ok {
				meta["parent_uuid"] = e.ProjectUUID
			}
		}
		return post(body)
	}
	s.positive(create, g, positiveCasesPerOp, withParent, deleteLater)
	s.negative(create, script(s.name("neg")), true, post, deleteLater)
	s.missingAuth(create, post(script(s.name("noauth"))), endorUnauthenticated)

	// Upsert: the same (parent, name, context) twice is one object; the
	// same name in a CI_RUN context (a PR scan) is another one, and leaves
	// the first unchanged ("Contexts keep objects from different scans
	// separated", the vendor's schema).
	name := s.name("upsert")
	first, err := s.call(create, post(script(name)))
	if err != nil || first.status/100 != 2 || str(first.json(), "uuid") == "" {
		// A valid create refused, or answered without its uuid, fails the
		// upsert check (a 2xx other than 200 is status_code_conformance's);
		// the read-back checks cannot run without the object.
		why := fmt.Sprintf("a valid create was refused or named no uuid: %v %v", err, first)
		s.fail(CheckUpsert, create, "%s", why)
		for _, op := range []*operation{get, list, update, del} {
			s.skip(CheckReadAfterWrite, op, why)
		}
		return
	}
	deleteLater(first)
	again := script(name)
	again["meta"].(map[string]any)["description"] = "updated by the contract suite"
	second, err := s.call(create, post(again))
	s.outcome(CheckUpsert, create, func() error {
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
		// The same body in a CI_RUN context, so that a target ignoring the
		// context updates the first object with what it already holds and
		// only the uuid shows the fault.
		scan := script(name)
		scan["meta"].(map[string]any)["description"] = "updated by the contract suite"
		scan["context"] = map[string]any{"id": ciRunID(s.name("pr")), "type": "CONTEXT_TYPE_CI_RUN"}
		third, err := s.call(create, post(scan))
		if err != nil {
			return err
		}
		if err := expect2xx(third); err != nil {
			return err
		}
		deleteLater(third)
		if id := str(third.json(), "uuid"); id == "" || id == str(a, "uuid") {
			return fmt.Errorf("the same name in a CI_RUN context gave uuid %q, the REF object's is %s: contexts must keep objects apart", id, str(a, "uuid"))
		}
		back, err := s.call(get, request{params: at(str(a, "uuid"))})
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

	// Read after write: get, list with a filter, delete, get again.
	id := str(first.json(), "uuid")
	x, err := s.call(get, request{params: at(id)})
	s.outcome(CheckReadAfterWrite, get, func() error {
		if err != nil {
			return err
		}
		if err := expect2xx(x); err != nil {
			return err
		}
		if got := str(x.json(), "meta", "name"); got != name {
			return fmt.Errorf("read back meta.name %q, want %q", got, name)
		}
		return nil
	}())
	x, err = s.call(list, request{params: ns, query: url.Values{"list_parameters.filter": {"meta.name==" + name + " and context.type==CONTEXT_TYPE_REF"}}})
	s.outcome(CheckReadAfterWrite, list, func() error {
		if err != nil {
			return err
		}
		if err := expect2xx(x); err != nil {
			return err
		}
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
		// The list schema requires nothing (a mask may trim any field), so
		// the whole object is checked here: its context as written.
		if c := body.List.Objects[0].Context; c.ID != name || c.Type != "CONTEXT_TYPE_REF" {
			return fmt.Errorf("the listed object lost its context (id %q, type %q): %s", c.ID, c.Type, x)
		}
		return nil
	}())
	// Update through the SDK's PATCH with a mask: only meta.tags changes.
	tagged := func(tags ...string) map[string]any {
		return map[string]any{
			"object":  map[string]any{"uuid": id, "meta": map[string]any{"tags": tags, "description": "not in the mask"}},
			"request": map[string]any{"update_mask": "meta.tags"},
		}
	}
	x, err = s.call(update, request{params: ns, body: tagged("repomock-contract")})
	s.outcome(CheckReadAfterWrite, update, func() error {
		if err != nil {
			return err
		}
		if err := expect2xx(x); err != nil {
			return err
		}
		back, err := s.call(get, request{params: at(id)})
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
		if got := str(b, "meta", "description"); got != "updated by the contract suite" {
			return fmt.Errorf("meta.description is not in the mask but changed to %q", got)
		}
		if str(b, "meta", "create_time") != str(second.json(), "meta", "create_time") || str(b, "meta", "name") != name {
			return fmt.Errorf("the update changed fields outside its mask: %s", back)
		}
		return nil
	}())
	s.negative(update, tagged("repomock-contract"), true, func(body any) request { return request{params: ns, body: body} }, nil)
	s.missingAuth(update, request{params: ns, body: tagged("x")}, endorUnauthenticated)

	// The SDK's token check: a valid token is described, none is 401.
	x, err = s.call(authInfo, request{})
	s.outcome(CheckReadAfterWrite, authInfo, func() error {
		if err != nil {
			return err
		}
		if err := expect2xx(x); err != nil {
			return err
		}
		if str(x.json(), "expiration_time") == "" {
			return fmt.Errorf("GET /v1/auth named no expiration_time: %s", x)
		}
		return nil
	}())
	s.missingAuth(authInfo, request{}, endorUnauthenticated)

	x, err = s.call(del, request{params: at(id)})
	s.outcome(CheckReadAfterWrite, del, func() error {
		if err != nil {
			return err
		}
		if err := expect2xx(x); err != nil {
			return err
		}
		gone, err := s.call(get, request{params: at(id)})
		if err != nil {
			return err
		}
		return notFound(gone)
	}())
}

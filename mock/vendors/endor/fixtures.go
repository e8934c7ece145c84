package endor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// Fixtures is the Endor seed data a server loads at start and on every
// reset: API key pairs for POST /v1/auth/api-key, namespaces and
// repository versions. The server reads it from fixtures/endor.yaml; this
// package takes its JSON form so that it needs no YAML library.
type Fixtures struct {
	APIKeys []APIKey `json:"api_keys"`
	// Namespaces exist from the start, with their parents, though nothing
	// is written in them; so do the namespaces of the API keys and of the
	// repository versions.
	Namespaces         []string         `json:"namespaces"`
	RepositoryVersions []FixtureVersion `json:"repository_versions"`
}

// FixtureVersion is one stored repository version: its namespace, an
// optional fixed uuid, and the fields a client may write.
type FixtureVersion struct {
	Namespace string `json:"namespace"`
	UUID      string `json:"uuid,omitempty"`
	createBody
}

// fixturePrincipal is the created_by of objects loaded from fixtures.
const fixturePrincipal = "fixtures@repomock@fixture"

// ParseFixtures reads fixtures from JSON, holding each object to the same
// rules as a create, so that a fixture never stores what a client could not.
func ParseFixtures(data []byte) (*Fixtures, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixtures
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("endor fixtures: %w", err)
	}
	for i, k := range fx.APIKeys {
		if k.Key == "" || k.Secret == "" {
			return nil, fmt.Errorf("endor fixtures: api_keys[%d]: key and secret are required", i)
		}
		if err := checkAPIKeyLengths(k.Key, k.Secret); err != nil {
			return nil, fmt.Errorf("endor fixtures: api_keys[%d]: %s", i, err.Message)
		}
		if k.Namespace != "" {
			if err := checkNamespace(k.Namespace); err != nil {
				return nil, fmt.Errorf("endor fixtures: api_keys[%d]: %s", i, err.Message)
			}
		}
	}
	for i, ns := range fx.Namespaces {
		if err := checkNamespace(ns); err != nil {
			return nil, fmt.Errorf("endor fixtures: namespaces[%d]: %s", i, err.Message)
		}
	}
	type place struct {
		ns string
		store.Key
	}
	var uuids []string
	var keys []place
	for i := range fx.RepositoryVersions {
		v := &fx.RepositoryVersions[i]
		at := fmt.Sprintf("endor fixtures: repository_versions[%d]", i)
		if v.Namespace == "" {
			return nil, fmt.Errorf("%s: namespace: value is required", at)
		}
		if err := checkNamespace(v.Namespace); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		if v.Context.Type == "" {
			return nil, fmt.Errorf("%s: context.type: value is required", at)
		}
		if v.Context.WillBeDeletedAt != nil {
			return nil, fmt.Errorf("%s: context.will_be_deleted_at: is set by the server", at)
		}
		if err := checkBody(&v.createBody); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		if v.UUID != "" {
			if !store.IsUUID(v.UUID) {
				return nil, fmt.Errorf("%s: uuid: must be 24 lowercase hexadecimal characters", at)
			}
			if slices.Contains(uuids, v.UUID) {
				return nil, fmt.Errorf("%s: uuid %s is used twice", at, v.UUID)
			}
			uuids = append(uuids, v.UUID)
		}
		p := place{v.Namespace, store.KeyOf(v.Meta, v.Context)}
		if slices.Contains(keys, p) {
			return nil, fmt.Errorf("%s: another fixture has the same namespace, %s", at, store.KeyFields)
		}
		keys = append(keys, p)
	}
	return &fx, nil
}

// apply stores the fixture namespaces and objects in s. Fixed uuids are
// taken first, so a generated one never collides with them.
func (fx *Fixtures) apply(f *Fake, s *store.Store) {
	for _, ns := range fx.Namespaces {
		s.AddNamespace(ns, f.now(), fixturePrincipal)
	}
	for _, k := range fx.APIKeys {
		if k.Namespace != "" {
			s.AddNamespace(k.Namespace, f.now(), fixturePrincipal)
		}
	}
	for _, v := range fx.RepositoryVersions {
		if v.UUID != "" {
			s.Reserve(v.UUID)
		}
	}
	for _, v := range fx.RepositoryVersions {
		newID := f.newID
		if v.UUID != "" {
			s.Release(v.UUID)
			id := v.UUID
			newID = func() string { return id }
		}
		body := v.createBody
		// The only error upsert can return is a JSON encoding failure, and
		// ParseFixtures decoded every part of body from valid JSON.
		_, _ = f.upsert(s, v.Namespace, &body, fixturePrincipal, newID)
	}
}

// Summary counts what the fixtures hold, for the start-up banner.
func (fx *Fixtures) Summary() string {
	out := count(len(fx.APIKeys), "API key", "API keys") + ", "
	if len(fx.Namespaces) > 0 {
		out += count(len(fx.Namespaces), "namespace", "namespaces") + ", "
	}
	return out + count(len(fx.RepositoryVersions), "repository version", "repository versions")
}

// count writes n and the noun, in the plural unless n is 1.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

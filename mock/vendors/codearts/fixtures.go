package codearts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Fixtures is the CodeArts Repo seed data a server loads at start and on
// every reset. The server reads it from fixtures/codearts.yaml; this
// package takes its JSON form so that it needs no YAML library.
type Fixtures struct {
	Repositories []FixtureRepository `json:"repositories"`
}

// FixtureRepository is one stored repository: the fields a create may
// write that the read-back serves, and an optional fixed uuid.
type FixtureRepository struct {
	ProjectUUID     string  `json:"project_uuid"`
	Name            string  `json:"name"`
	RepositoryUUID  string  `json:"repository_uuid,omitempty"`
	VisibilityLevel *int32  `json:"visibility_level,omitempty"`
	Description     *string `json:"description,omitempty"`
}

func (r *FixtureRepository) body() createBody {
	return createBody{Name: r.Name, ProjectUUID: r.ProjectUUID, VisibilityLevel: r.VisibilityLevel, Description: r.Description}
}

// ParseFixtures reads fixtures from JSON, holding each repository to the
// same rules as a create (duplicate names included), so that a fixture
// never stores what a client could not.
func ParseFixtures(data []byte) (*Fixtures, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixtures
	if err := dec.Decode(&fx); err != nil {
		return nil, fmt.Errorf("codearts fixtures: %w", err)
	}
	var uuids []string
	var names []nameKey
	for i := range fx.Repositories {
		r := &fx.Repositories[i]
		at := fmt.Sprintf("codearts fixtures: repositories[%d]", i)
		b := r.body()
		if err := checkCreate(&b); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		if r.RepositoryUUID != "" {
			if !isStoredUUID(r.RepositoryUUID) {
				return nil, fmt.Errorf("%s: repository_uuid: must be 32 lowercase hexadecimal digits", at)
			}
			if slices.Contains(uuids, r.RepositoryUUID) {
				return nil, fmt.Errorf("%s: repository_uuid %s is used twice", at, r.RepositoryUUID)
			}
			uuids = append(uuids, r.RepositoryUUID)
		}
		k := keyOf(r.ProjectUUID, r.Name)
		if slices.Contains(names, k) {
			return nil, fmt.Errorf("%s: name: a repository named %q already exists in project %s", at, r.Name, r.ProjectUUID)
		}
		names = append(names, k)
	}
	return &fx, nil
}

// apply stores the fixture repositories in s, in file order. A generated
// uuid never takes one that a later fixture fixes.
// Assumption: a fixture's created_at/updated_at is the time the fixtures
// are first used, by any session (after a Reset, the time of the next use):
// every session shares them until it writes.
func (fx *Fixtures) apply(f *Fake, s *Store) {
	fixed := make(map[string]bool)
	for _, r := range fx.Repositories {
		if r.RepositoryUUID != "" {
			fixed[r.RepositoryUUID] = true
		}
	}
	generate := func() string {
		id := f.newID()
		for fixed[id] {
			id = f.newID()
		}
		return id
	}
	for _, r := range fx.Repositories {
		newID := generate
		if r.RepositoryUUID != "" {
			// Once only: should the uuid be taken (a Fixtures built without
			// ParseFixtures), create falls back to a generated one.
			want, used := r.RepositoryUUID, false
			newID = func() string {
				if used {
					return generate()
				}
				used = true
				return want
			}
		}
		b := r.body()
		// ParseFixtures held every fixture to the create rules; a Fixtures
		// built by hand that breaks them loses the offending entries.
		_, _ = f.createIn(s, &b, newID)
	}
}

// Summary counts what the fixtures hold, for the start-up banner.
func (fx *Fixtures) Summary() string {
	if n := len(fx.Repositories); n != 1 {
		return fmt.Sprintf("%d repositories", n)
	}
	return "1 repository"
}

package endor

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/repomock/repomock/mock/session"
	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// SnapshotVersion is the version of the JSON that Snapshot writes and
// Restore reads.
const SnapshotVersion = 1

// The snapshot, version 1:
//
//	{
//	  "version": 1,
//	  "fixtures": {                 // the state every session starts from, once made:
//	    "digest": "sha256:…",       // of the fixtures it was made from
//	    "namespaces": [ … ],        // as in a session
//	    "repository_versions": [ … ] // as in a session; omitted without fixtures
//	  },
//	  "issued_tokens": [            // tokens from POST /v1/auth/api-key, by token
//	    {"token": "repomock.…", "principal": "key@repomock@api-key",
//	     "namespace": "acme", "expires": "2026-11-25T14:00:00Z",  // namespace: omitted for all
//	     "session": "orders-test"}  // the session it was issued in: omitted for the default one
//	  ],
//	  "sessions": [                 // by name; "" is the default session
//	    {"name": "",
//	     "namespaces": [            // every namespace, by name
//	       {"name": "acme.prod", "create_time": "2026-11-25T10:00:00Z",
//	        "created_by": "fixtures@repomock@fixture"}
//	     ],
//	     "repository_versions": [   // by namespace, then in creation order
//	       {…the object exactly as GET serves it…}
//	     ]}
//	  ]
//	}
//
// The same state always gives the same bytes. Tokens are kept until they
// expire (an expired or dropped token of the issued form still gets 401,
// see looksIssued). The uuids in use are those of the objects.
// "namespaces" may be left out (files written before it was): then the
// namespaces are those of the objects, made when their first object was.
// Sessions lists the sessions that have written; the others read the
// fixtures' namespaces and objects, which are kept (with the uuids and
// times they were given) so that they read the same after a restart. When
// the fixtures have changed since (another digest), they are made again.
type snapshot struct {
	Version      int               `json:"version"`
	Fixtures     *snapshotFixtures `json:"fixtures,omitempty"`
	IssuedTokens []snapshotToken   `json:"issued_tokens"`
	Sessions     []snapshotSession `json:"sessions"`
}

type snapshotFixtures struct {
	Digest             string              `json:"digest"`
	Namespaces         []snapshotNamespace `json:"namespaces"`
	RepositoryVersions []json.RawMessage   `json:"repository_versions"`
}

type snapshotToken struct {
	Token     string    `json:"token"`
	Principal string    `json:"principal"`
	Namespace string    `json:"namespace,omitempty"`
	Expires   time.Time `json:"expires"`
	Session   string    `json:"session,omitempty"`
}

type snapshotSession struct {
	Name               string              `json:"name"`
	Namespaces         []snapshotNamespace `json:"namespaces"`
	RepositoryVersions []json.RawMessage   `json:"repository_versions"`
}

type snapshotNamespace struct {
	Name       string    `json:"name"`
	CreateTime time.Time `json:"create_time"`
	CreatedBy  string    `json:"created_by"`
}

// restoredSession is snapshotSession as Restore reads it.
type restoredSession struct {
	Name               string              `json:"name"`
	Namespaces         []snapshotNamespace `json:"namespaces"`
	RepositoryVersions []RepositoryVersion `json:"repository_versions"`
}

// Snapshot returns every session's repository versions, the fixtures'
// and every issued token as JSON (see SnapshotVersion). Each session is
// copied under its store's lock, so a session is never seen half-written.
func (f *Fake) Snapshot() (json.RawMessage, error) {
	f.mu.Lock()
	tokens := make([]snapshotToken, 0, f.issued.order.Len())
	f.issued.each(func(tok string, g grant) {
		tokens = append(tokens, snapshotToken{Token: tok, Principal: g.principal, Namespace: g.namespace, Expires: g.expires, Session: g.session})
	})
	stores, shared, haveShared := f.sessions.Own()
	f.mu.Unlock()
	slices.SortFunc(tokens, func(a, b snapshotToken) int { return strings.Compare(a.Token, b.Token) })

	snap := snapshot{Version: SnapshotVersion, IssuedTokens: tokens, Sessions: []snapshotSession{}}
	if set := f.fixtures.Load(); haveShared && set.fx != nil {
		nss, recs := contents(shared)
		snap.Fixtures = &snapshotFixtures{Digest: set.digest, Namespaces: nss, RepositoryVersions: recs}
	}
	for _, name := range slices.Sorted(maps.Keys(stores)) {
		nss, recs := contents(stores[name])
		snap.Sessions = append(snap.Sessions, snapshotSession{Name: name, Namespaces: nss, RepositoryVersions: recs})
	}
	return json.Marshal(snap)
}

// contents is a store's namespaces and objects as a snapshot has them.
func contents(s *store.Store) ([]snapshotNamespace, []json.RawMessage) {
	infos, recs := s.Contents()
	nss := make([]snapshotNamespace, len(infos))
	for i, n := range infos {
		nss[i] = snapshotNamespace{Name: n.Name, CreateTime: n.Created, CreatedBy: n.CreatedBy}
	}
	return nss, recs
}

// Restore replaces every session and every issued token with those of a
// Snapshot. Restored sessions keep their objects, uuids and times and do
// not get the fixtures again; a session the snapshot does not name starts
// from the fixtures' objects it saved, or, when it saved none or the
// fixtures have changed since, from the fixtures made afresh on first use.
// Each object is held to the rules of a create. On any error nothing
// changes.
func (f *Fake) Restore(data json.RawMessage) error {
	var snap struct {
		Version  int `json:"version"`
		Fixtures *struct {
			Digest             string              `json:"digest"`
			Namespaces         []snapshotNamespace `json:"namespaces"`
			RepositoryVersions []RepositoryVersion `json:"repository_versions"`
		} `json:"fixtures"`
		IssuedTokens []snapshotToken   `json:"issued_tokens"`
		Sessions     []restoredSession `json:"sessions"`
	}
	if err := session.DecodeStrict(data, &snap); err != nil {
		return fmt.Errorf("endor: %w", err)
	}
	if snap.Version != SnapshotVersion {
		return fmt.Errorf("endor: version %d: only version %d is understood", snap.Version, SnapshotVersion)
	}
	seen := make(map[string]bool, len(snap.IssuedTokens))
	for i, t := range snap.IssuedTokens {
		at := fmt.Sprintf("endor: issued_tokens[%d]", i)
		if t.Token == "" || t.Principal == "" || t.Expires.IsZero() {
			return fmt.Errorf("%s: token, principal and expires are required", at)
		}
		if seen[t.Token] {
			return fmt.Errorf("%s: the token is listed twice", at)
		}
		seen[t.Token] = true
		if t.Namespace != "" {
			if err := checkNamespace(t.Namespace); err != nil {
				return fmt.Errorf("%s: %s", at, err.Message)
			}
		}
	}
	// Held oldest first, as issued; those expired by now are dropped.
	byExpiry := slices.Clone(snap.IssuedTokens)
	slices.SortStableFunc(byExpiry, func(a, b snapshotToken) int { return a.Expires.Compare(b.Expires) })
	issued, now := newIssuedTokens(f.cfg.MaxIssuedTokens), f.now()
	for _, t := range byExpiry {
		issued.add(t.Token, grant{principal: t.Principal, namespace: t.Namespace, expires: t.Expires, session: t.Session}, now)
	}
	stores := make(map[string]*store.Store, len(snap.Sessions))
	for i, sess := range snap.Sessions {
		if _, dup := stores[sess.Name]; dup {
			return fmt.Errorf("endor: sessions[%d]: session %q is listed twice", i, sess.Name)
		}
		s, err := restoreStore(sess.Namespaces, sess.RepositoryVersions)
		if err != nil {
			return fmt.Errorf("endor: sessions[%d] (%q): %w", i, sess.Name, err)
		}
		stores[sess.Name] = f.logTo(s, sess.Name)
	}
	var shared *store.Store
	if fx, set := snap.Fixtures, f.fixtures.Load(); fx != nil && set.fx != nil && fx.Digest == set.digest {
		var err error
		if shared, err = restoreStore(fx.Namespaces, fx.RepositoryVersions); err != nil {
			return fmt.Errorf("endor: fixtures: %w", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued = issued
	f.sessions.Replace(stores, shared, shared != nil)
	return nil
}

// restoreStore builds a session's store from its namespaces and its
// objects, in order.
func restoreStore(nss []snapshotNamespace, objs []RepositoryVersion) (*store.Store, error) {
	type place struct {
		ns string
		store.Key
	}
	s := store.New()
	seen := make(map[string]bool, len(nss))
	for i, n := range nss {
		if err := checkNamespace(n.Name); err != nil {
			return nil, fmt.Errorf("namespaces[%d]: %s", i, err.Message)
		}
		if seen[n.Name] {
			return nil, fmt.Errorf("namespaces[%d]: namespace %q is listed twice", i, n.Name)
		}
		seen[n.Name] = true
	}
	// Parents first, so that each keeps its own time.
	for _, n := range slices.SortedFunc(slices.Values(nss), func(a, b snapshotNamespace) int { return strings.Compare(a.Name, b.Name) }) {
		s.AddNamespace(n.Name, n.CreateTime, n.CreatedBy)
	}
	keys := make(map[place]bool, len(objs))
	for i := range objs {
		obj := objs[i]
		at := fmt.Sprintf("repository_versions[%d]", i)
		if !store.IsUUID(obj.UUID) {
			return nil, fmt.Errorf("%s: uuid: must be 24 lowercase hexadecimal characters", at)
		}
		if s.Has(obj.UUID) {
			return nil, fmt.Errorf("%s: uuid %s is used twice", at, obj.UUID)
		}
		ns := obj.TenantMeta.Namespace
		if err := checkNamespace(ns); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		body := createBody{Meta: obj.Meta.WritableMeta, Context: obj.Context, Spec: obj.Spec, ScanObject: obj.ScanObject}
		if err := checkBody(&body); err != nil {
			return nil, fmt.Errorf("%s: %s", at, err.Message)
		}
		if obj.Context.Type == "" {
			return nil, fmt.Errorf("%s: context.type: value is required", at)
		}
		// Files written before contexts were part of the key have no
		// will_be_deleted_at: a CI_RUN object gets the one a create gives.
		// Files written before meta.index_data have none: it gets the
		// context's, the one time both places hold.
		deletes := obj.Context.WillBeDeletedAt
		switch {
		case obj.Context.Type == ciRunContext && deletes == nil:
			deletes = deletionTime(ciRunContext, obj.Meta.CreateTime)
		case obj.Context.Type != ciRunContext && deletes != nil:
			return nil, fmt.Errorf("%s: context.will_be_deleted_at: only a %s object has one", at, ciRunContext)
		}
		if idx := obj.Meta.IndexData; idx != nil && (idx.WillBeDeletedAt == nil || deletes == nil || !idx.WillBeDeletedAt.Equal(*deletes)) {
			return nil, fmt.Errorf("%s: meta.index_data: must hold will_be_deleted_at, the same as context.will_be_deleted_at, and only in a %s object", at, ciRunContext)
		}
		setDeletionTime(&obj, deletes)
		// The key of older files, (namespace, parent, name), is unique
		// wherever this one is: such a file always passes.
		key := store.KeyOf(obj.Meta.WritableMeta, obj.Context)
		if keys[place{ns, key}] {
			return nil, fmt.Errorf("%s: another object has the same namespace, %s", at, store.KeyFields)
		}
		keys[place{ns, key}] = true
		// The key and the uuid are free (checked above), so this adds obj
		// as it is, under its own uuid.
		if _, err := s.Upsert(ns, key, func(*RepositoryVersion, string) RepositoryVersion { return obj }, func() string { return obj.UUID }); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
	}
	return s, nil
}

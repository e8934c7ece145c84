package endor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/repomock/repomock/mock/vendor"
)

// How the load harness (cmd/repomockload) drives Endor (vendor.Load).

const (
	// loadParent is the parent of every repository version the load makes
	// (the README's example).
	loadParent = "656e69058032bf0abaaeb600"
	// soakKeys is the soak's working set: this many repository versions,
	// upserted over and over.
	soakKeys = 500
	// soakNamespace holds them.
	soakNamespace = "acme.soak"
)

// Load creates repository versions; its soak upserts a fixed set of them,
// with gets and lists. Any bearer token passes a server with no
// --endor-tokens.
func (f *Fake) Load() vendor.Load {
	create := http.Header{"Authorization": {"Bearer t"}, "Content-Type": {"application/json"}}
	read := http.Header{"Authorization": {"Bearer t"}}
	versions := "/v1/namespaces/" + soakNamespace + "/repository-versions"
	return vendor.Load{
		Name:      "Endor",
		Operation: "Endor CreateRepositoryVersion",
		Create: func(unique string) vendor.Request {
			return vendor.Request{Method: http.MethodPost, Path: "/v1/namespaces/acme.load/repository-versions", Header: create,
				Body: []byte(`{"meta":{"name":"` + unique + `","parent_uuid":"` + loadParent + `"},` +
					`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)}
		},
		Soak: &vendor.Soak{
			Set:     strconv.Itoa(soakKeys) + " keys upserted over and over, with gets and filtered lists",
			Setting: "endor_keys",
			Size:    soakKeys,
			Start:   func() vendor.SoakLoad { return newSoakLoad(versions, create, read) },
			Op:      soakOp,
			Count:   vendor.Request{Method: http.MethodGet, Path: versions + "?list_parameters.count=true", Header: read},
			Counted: func(body []byte) (int, error) {
				var r struct {
					CountResponse struct {
						Count int `json:"count"`
					} `json:"count_response"`
				}
				err := json.Unmarshal(body, &r)
				return r.CountResponse.Count, err
			},
			Objects: "repository versions",
		},
	}
}

// soakLoad is the soak's work: of every four requests, two upserts
// (cycling over the keys: the same parent and name, so that after the
// first round every one is an update), one get by uuid and one list
// filtered by name.
type soakLoad struct {
	versions     string
	create, read http.Header
	n            atomic.Uint64
	bodies       [soakKeys][]byte

	mu   sync.RWMutex
	uuid [soakKeys]string // each key's, once an upsert has answered
}

func newSoakLoad(versions string, create, read http.Header) *soakLoad {
	l := &soakLoad{versions: versions, create: create, read: read}
	for k := range soakKeys {
		l.bodies[k] = []byte(`{"meta":{"name":"` + soakName(k) + `","parent_uuid":"` + loadParent + `","description":"soak"},` +
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	}
	return l
}

func soakName(k int) string { return fmt.Sprintf("soak-k%03d", k) }

// Next: an upsert's step is its key, for Done to note its uuid.
func (l *soakLoad) Next() (vendor.Request, string) {
	i := l.n.Add(1) - 1
	switch i % 4 {
	case 1:
		// 7 is prime to soakKeys: the gets visit every key.
		if id := l.uuidOf(int((i/4*7 + 3) % soakKeys)); id != "" {
			return vendor.Request{Method: http.MethodGet, Path: l.versions + "/" + id, Header: l.read}, ""
		}
		// No uuid known yet (the first round): one more upsert instead.
	case 3:
		k := int((i / 4) % soakKeys)
		q := url.Values{"list_parameters.filter": {"meta.name==" + soakName(k)}}
		return vendor.Request{Method: http.MethodGet, Path: l.versions + "?" + q.Encode(), Header: l.read}, ""
	}
	k := int((i / 2) % soakKeys)
	return vendor.Request{Method: http.MethodPost, Path: l.versions, Header: l.create, Body: l.bodies[k]}, strconv.Itoa(k)
}

func (l *soakLoad) uuidOf(k int) string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.uuid[k]
}

// Done notes the uuid an upsert answered with: an upsert of a key that has
// one must keep it.
func (l *soakLoad) Done(step string, code int, body []byte) error {
	k, err := strconv.Atoi(step)
	if err != nil || k < 0 || k >= soakKeys || code < 200 || code >= 300 {
		return nil // a failure is already an error; the key stays usable
	}
	var r struct {
		UUID string `json:"uuid"`
	}
	if json.Unmarshal(body, &r) != nil || r.UUID == "" {
		return fmt.Errorf("upsert of %s answered %d without a uuid", soakName(k), code)
	}
	l.mu.Lock()
	old := l.uuid[k]
	l.uuid[k] = r.UUID
	l.mu.Unlock()
	if old != "" && old != r.UUID {
		return fmt.Errorf("upsert of %s changed its uuid from %s to %s: an update made a new object", soakName(k), old, r.UUID)
	}
	return nil
}

// Retired: none; a key whose upsert failed is upserted again.
func (l *soakLoad) Retired() int64 { return 0 }

// soakOp names a soak request's operation.
func soakOp(method, path string) string {
	switch {
	case !strings.Contains(path, "/repository-versions"):
		return ""
	case method == http.MethodPost:
		return "upsert"
	case method == http.MethodDelete:
		return "delete"
	case strings.HasSuffix(path, "/repository-versions"):
		return "list"
	}
	return "get"
}

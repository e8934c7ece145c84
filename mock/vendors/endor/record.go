package endor

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/vendor"
)

// What repomock proxy needs to put the real API behind the fake's pipeline
// (vendor.Proxying).

// Upstream is the real API.
func (f *Fake) Upstream() string { return "https://api.endorlabs.com" }

// Forwarding: a bearer token is the upstream's to check, and nothing in a
// request is bound to the host it was sent to.
func (f *Fake) Forwarding() vendor.Forwarding { return forwarding{} }

type forwarding struct{}

func (forwarding) Authenticate(echo.Context) error { return nil }
func (forwarding) Rewrite(*http.Request, []byte)   {}
func (forwarding) Gateway() echo.MiddlewareFunc    { return nil }

// Recorder keeps the repository versions the upstream answers with, and
// drops a deleted one.
func (f *Fake) Recorder(log *slog.Logger) vendor.Recorder { return &recorder{log: log} }

type recorder struct {
	log     *slog.Logger
	objects vendor.Recorded[FixtureVersion] // by uuid
}

func (r *recorder) Observe(x vendor.Observed) bool {
	var objects []json.RawMessage
	switch x.Operation {
	case OpCreate, OpGet, OpUpdate:
		objects = []json.RawMessage{x.ResponseBody}
	case OpList:
		var page struct {
			List struct {
				Objects []json.RawMessage `json:"objects"`
			} `json:"list"`
		}
		if json.Unmarshal(x.ResponseBody, &page) != nil {
			return false
		}
		objects = page.List.Objects
	case OpDelete:
		return r.objects.Delete(x.Params["uuid"])
	}
	changed := false
	for _, o := range objects {
		var rv RepositoryVersion
		if json.Unmarshal(o, &rv) != nil || rv.UUID == "" {
			continue
		}
		fv := FixtureVersion{Namespace: rv.TenantMeta.Namespace, UUID: rv.UUID}
		fv.Meta = rv.Meta.WritableMeta
		fv.Context = rv.Context
		fv.Context.WillBeDeletedAt = nil // server-set
		fv.Spec, fv.ScanObject = rv.Spec, rv.ScanObject
		// A fixture is held to a create's rules: an object that breaks them
		// (a list's masked object) is not one.
		if !vendor.FixturesLoad(Fixtures{RepositoryVersions: []FixtureVersion{fv}}, ParseFixtures) {
			r.log.Warn("proxy --record: repository version not kept as a fixture: it does not pass a create's rules", "uuid", rv.UUID)
			continue
		}
		r.objects.Put(rv.UUID, fv)
		changed = true
	}
	return changed
}

func (r *recorder) Fixtures() any {
	return Fixtures{APIKeys: []APIKey{}, RepositoryVersions: r.objects.Values()}
}

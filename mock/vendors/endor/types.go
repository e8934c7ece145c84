package endor

import (
	"encoding/json"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor/store"
)

// The object model is the store's (mock/vendors/endor/store).
type (
	RepositoryVersion = store.RepositoryVersion
	TenantMeta        = store.TenantMeta
	Meta              = store.Meta
	IndexData         = store.IndexData
	WritableMeta      = store.WritableMeta
	Context           = store.Context
)

// createBody is what a client may write. Server-set fields it sends
// (uuid, meta.kind, meta.create_time, tenant_meta …) are decoded into
// nothing and so ignored, as the vendor ignores them.
type createBody struct {
	Meta       WritableMeta    `json:"meta"`
	Context    Context         `json:"context"`
	Spec       json.RawMessage `json:"spec"`
	ScanObject json.RawMessage `json:"scan_object"`
}

type apiKeyRequest struct {
	Key    string `json:"key"`
	Secret string `json:"secret"`
}

type apiKeyResponse struct {
	Token          string    `json:"token"`
	ExpirationTime time.Time `json:"expiration_time"`
}

// authInfoResponse is what GET /v1/auth answers: the fields Endor's SDK reads.
type authInfoResponse struct {
	ExpirationTime       time.Time `json:"expiration_time"`
	AuthenticationSource string    `json:"authentication_source"`
	User                 struct {
		Meta struct {
			Name string `json:"name"`
		} `json:"meta"`
		Spec *authUserSpec `json:"spec,omitempty"` // a person's; a token issued for an API key has none
	} `json:"user"`
}

type authUserSpec struct {
	Email string `json:"email"`
}

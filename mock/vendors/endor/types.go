package endor

import (
	"encoding/json"
	"time"
)

// RepositoryVersion is the v1RepositoryVersion object as the fake stores and
// returns it. Parts the fake never reads (spec, scan_object) are kept as the
// client sent them, so nothing a client stored is lost.
type RepositoryVersion struct {
	UUID       string          `json:"uuid"`
	TenantMeta TenantMeta      `json:"tenant_meta"`
	Meta       Meta            `json:"meta"`
	Context    Context         `json:"context"`
	Spec       json.RawMessage `json:"spec,omitempty"`
	ScanObject json.RawMessage `json:"scan_object,omitempty"`
}

// TenantMeta names the namespace an object lives in; the path sets it.
type TenantMeta struct {
	Namespace string `json:"namespace"`
}

// Meta holds the common fields of every Endor resource: what a client may
// write, and what the server sets (kind, version, the times and the
// created_by/updated_by principals).
type Meta struct {
	WritableMeta
	Kind       string     `json:"kind"`
	Version    string     `json:"version"`
	CreateTime time.Time  `json:"create_time"`
	UpdateTime time.Time  `json:"update_time"`
	UpsertTime time.Time  `json:"upsert_time"`
	CreatedBy  string     `json:"created_by"`
	UpdatedBy  string     `json:"updated_by"`
	IndexData  *IndexData `json:"index_data,omitempty"`
}

// IndexData is server-set: a CI_RUN object's deletion time, which seed 000
// moves here from context.will_be_deleted_at (deprecated there, and kept).
type IndexData struct {
	WillBeDeletedAt *time.Time `json:"will_be_deleted_at,omitempty"`
}

// WritableMeta is the part of Meta a client writes.
type WritableMeta struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	ParentKind  string            `json:"parent_kind,omitempty"`
	ParentUUID  string            `json:"parent_uuid,omitempty"`
}

// Context keeps objects from different scans apart: it is part of the
// upsert key. WillBeDeletedAt is server-set, for CI_RUN objects only; what a
// client sends there is ignored.
type Context struct {
	ID              string     `json:"id"`
	Type            string     `json:"type"`
	Tags            []string   `json:"tags,omitempty"`
	WillBeDeletedAt *time.Time `json:"will_be_deleted_at,omitempty"`
}

// createBody is what a client may write. Server-set fields it sends
// (uuid, meta.kind, meta.create_time, tenant_meta …) are decoded into
// nothing and so ignored, as the vendor ignores them.
type createBody struct {
	Meta       WritableMeta    `json:"meta"`
	Context    Context         `json:"context"`
	Spec       json.RawMessage `json:"spec"`
	ScanObject json.RawMessage `json:"scan_object"`
}

// listResponse is v1ListRepositoryVersionsResponse: a page of objects, a
// count, or groups.
type listResponse struct {
	List          *listBody      `json:"list,omitempty"`
	CountResponse *countResponse `json:"count_response,omitempty"`
	GroupResponse *groupResponse `json:"group_response,omitempty"`
}

type listBody struct {
	Objects  []json.RawMessage `json:"objects"`
	Response pageResponse      `json:"response"`
}

// pageResponse is {} on the last page. Otherwise next_page_token is the
// start index of the next page and next_page_id the uuid of the last object
// of this one, which the next page starts after (the SDK's model: "The
// UUID of last message retrieved").
type pageResponse struct {
	NextPageID    string `json:"next_page_id,omitempty"`
	NextPageToken *int   `json:"next_page_token,omitempty"`
}

type countResponse struct {
	Count int `json:"count"`
}

// groupResponse answers list_parameters.group and group_by_time (docs:
// rest-api/using-the-rest-api/grouping): each group by its key, a JSON
// text (the key/value pairs of a group by path, the bucket's start time of
// a group by time).
type groupResponse struct {
	Groups map[string]*group `json:"groups"`
}

type group struct {
	AggregationCount countResponse            `json:"aggregation_count"`
	AggregationUUIDs []string                 `json:"aggregation_uuids,omitempty"`
	AggregationValue *aggregationValue        `json:"aggregation_value,omitempty"`
	UniqueCounts     map[string]countResponse `json:"unique_counts,omitempty"`
	UniqueValues     map[string][]any         `json:"unique_values,omitempty"`
}

// aggregationValue is group_by_time's aggregation_operator applied to the
// objects of a bucket (the SDK's GroupAggregationValueResponse).
type aggregationValue struct {
	Value float64 `json:"value"`
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

package endor_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
	"github.com/repomock/repomock/specs"
)

// Endor is a grpc-gateway in front of protobuf services, so a body is read
// as protojson reads it (https://protobuf.dev/programming-guides/json/,
// vendors.md §6). Each row is one of its rules; the answers are read in
// the compact form, which carries only what is set.
func TestEndorReadsProtobufJSON(t *testing.T) {
	const ref = `"context":{"id":"main","type":"CONTEXT_TYPE_REF"}`
	for _, tc := range []struct {
		name, body string
		status     int
		want       map[string]any // paths of the answer (nil: absent)
		error      string         // the 400's message
	}{
		{name: "lowerCamelCase JSON names as well as proto names",
			body:   `{"meta":{"name":"main","parentUuid":"` + endortest.Project + `","parentKind":"Project"},` + ref + `,"scanObject":{"status":"STATUS_SCANNED","scanTime":"2026-11-25T10:00:00Z"}}`,
			status: 200, want: map[string]any{"meta.parent_uuid": endortest.Project, "meta.parent_kind": "Project", "scan_object.scan_time": "2026-11-25T10:00:00Z", "meta.parentUuid": nil}},
		{name: "one field by both names is refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `","parentUuid":"` + endortest.Project + `"},` + ref + `}`,
			status: 400, error: "meta.parentUuid: is the JSON name of meta.parent_uuid, which is given too: a field may be given once"},
		{name: "null is unset",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `","description":null,"tags":null},` + ref + `,"spec":null,"scan_object":null}`,
			status: 200, want: map[string]any{"meta.description": nil, "meta.tags": nil, "spec": nil, "scan_object": nil}},
		{name: "null for a required field is a missing field",
			body:   `{"meta":{"name":null,"parent_uuid":"` + endortest.Project + `"},` + ref + `}`,
			status: 400, error: "meta.name: value is required"},
		{name: "an enum by its number",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},"context":{"id":"main","type":5}}`,
			status: 200, want: map[string]any{"context.type": "CONTEXT_TYPE_REF"}},
		{name: "an enum number out of range",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},"context":{"id":"main","type":9}}`,
			status: 400, error: "context.type: 9 is not a number of this enum: must be 0 to 5, or a name (CONTEXT_TYPE_UNSPECIFIED, CONTEXT_TYPE_MAIN, CONTEXT_TYPE_EXTERNAL, CONTEXT_TYPE_CI_RUN, CONTEXT_TYPE_SBOM, CONTEXT_TYPE_REF)"},
		{name: "the zero enum is absent for required, by name",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},"context":{"id":"main","type":"CONTEXT_TYPE_UNSPECIFIED"}}`,
			status: 400, error: "context.type: value is required"},
		{name: "the zero enum is absent for required, by number",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},"context":{"id":"main","type":0}}`,
			status: 400, error: "context.type: value is required"},
		{name: "an empty string is absent for required",
			body:   `{"meta":{"name":"","parent_uuid":"` + endortest.Project + `"},` + ref + `}`,
			status: 400, error: "meta.name: value is required"},
		{name: "zero values are unset",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `","description":"","tags":[],"annotations":{}},` + ref + `,"spec":{"allow_ref_as_pr_scan_base":false,"version":{"ref":"main","sha":""}}}`,
			status: 200, want: map[string]any{"meta.description": nil, "meta.tags": nil, "meta.annotations": nil, "spec.allow_ref_as_pr_scan_base": nil, "spec.version.sha": nil, "spec.version.ref": "main"}},
		{name: "timestamps with an offset are stored in UTC with Z",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T12:00:00.5+02:00"},"scan_object":{"status":"STATUS_SCANNED","scan_time":"2026-11-24T23:30:00.000001-01:00"}}`,
			status: 200, want: map[string]any{"spec.last_commit_date": "2026-11-25T10:00:00.500Z", "scan_object.scan_time": "2026-11-25T00:30:00.000001Z"}},
		{name: "nine fractional digits, the most a timestamp holds",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T10:00:00.123456789Z"}}`,
			status: 200, want: map[string]any{"spec.last_commit_date": "2026-11-25T10:00:00.123456789Z"}},
		// protojson refuses a google.protobuf.Timestamp with more than 9
		// fractional digits (vendors.md §7), where Go's time.Parse would cut them.
		{name: "ten fractional digits are refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T10:00:00.1234567890Z"}}`,
			status: 400, error: `spec.last_commit_date: "2026-11-25T10:00:00.1234567890Z" has 10 fractional digits: a timestamp holds 9 at most (nanoseconds)`},
		{name: "more fractional digits with an offset are refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},` + ref + `,"scan_object":{"status":"STATUS_SCANNED","scan_time":"2026-11-24T23:30:00.000000000001-01:00"}}`,
			status: 400, error: `scan_object.scan_time: "2026-11-24T23:30:00.000000000001-01:00" has 12 fractional digits: a timestamp holds 9 at most (nanoseconds)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := servertest.New(t, server.Config{})
			r := h.Do(http.MethodPost, endortest.Path, tc.body, "Authorization", token, "Content-Type", ctJSON, "Accept", endor.MediaTypeJSONCompact)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.error != "" {
				vendorstest.JSONEqual(t, r.Raw, endortest.Code3(tc.error))
				if n := endortest.Count(h, "acme.prod"); n != 0 {
					t.Errorf("a refused body stored %d objects", n)
				}
				return
			}
			for path, want := range tc.want {
				if got := vendorstest.Get(r.JSON, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, r.Raw)
				}
			}
		})
	}
}

// grpc-gateway's inbound marshaler falls back to JSON for a Content-Type it
// does not know, or none: there is no 415 (vendors.md §6).
func TestEndorReadsAnyContentTypeAsJSON(t *testing.T) {
	h := servertest.New(t, server.Config{})
	for i, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/xml; charset=utf-8", "application/json; charset=utf-8"} {
		headers := []string{"Authorization", token}
		if ct != "" {
			headers = append(headers, "Content-Type", ct)
		}
		r := h.Do(http.MethodPost, endortest.Path, endortest.Version(fmt.Sprintf("b%d", i)), headers...)
		if r.Status != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s", ct, r.Status, r.Raw)
			continue
		}
		wantType(t, r, ctJSON) // answered with the default marshaler
	}
	if n := endortest.Count(h, "acme.prod"); n != 5 {
		t.Errorf("%d objects, want 5", n)
	}
}

// application/json answers carry the unpopulated fields of every message
// present, with their zero values; application/jsoncompact answers leave
// them out (Endor's REST getting-started page, vendors.md §6).
func TestEndorJSONCarriesUnpopulatedFields(t *testing.T) {
	h := servertest.New(t, server.Config{})
	created := h.Do(http.MethodPost, endortest.Path, endortest.Version("main"), sdk("sdk-token")...)
	id, _ := created.JSON["uuid"].(string)
	now := h.Clock.Now().Format(time.RFC3339Nano)
	by, _ := vendorstest.Get(created.JSON, "meta.created_by").(string)

	full := h.Do(http.MethodGet, endortest.Path+"/"+id, nil, "Authorization", "Bearer sdk-token", "Accept", ctJSON)
	wantType(t, full, ctJSON)
	vendorstest.JSONEqual(t, full.Raw, fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","description":"","annotations":{},"tags":[],"parent_kind":"Project","parent_uuid":%q,
			"references":{},"kind":"RepositoryVersion","version":"v1",
			"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF","tags":[]},
		"spec":{"allow_ref_as_pr_scan_base":false,"version":{"ref":"main","sha":"","metadata":{}}}}`, id, endortest.Project, now, now, now, by, by))

	short := h.Do(http.MethodGet, endortest.Path+"/"+id, nil, sdk("sdk-token")...)
	wantType(t, short, ctJSON) // the compact form, labelled application/json (vendors.md §7)
	vendorstest.JSONEqual(t, short.Raw, fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","parent_kind":"Project","parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",
			"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, id, endortest.Project, now, now, now, by, by))

	// A list's paging fields have presence: the last page's response is {}
	// in both forms, so a client that pages until next_page_token is absent stops.
	list := h.Do(http.MethodGet, endortest.Path, nil)
	vendorstest.JSONEqual(t, list.Raw, fmt.Sprintf(`{"list":{"objects":[%s],"response":{}}}`, full.Raw))
	list = h.Do(http.MethodGet, endortest.Path, nil, compact...)
	vendorstest.JSONEqual(t, list.Raw, fmt.Sprintf(`{"list":{"objects":[%s],"response":{}}}`, short.Raw))
	count := h.Do(http.MethodGet, endortest.Path+"?list_parameters.count=true&list_parameters.filter=meta.name==none", nil)
	vendorstest.JSONEqual(t, count.Raw, `{"count_response":{"count":0}}`)
	count = h.Do(http.MethodGet, endortest.Path+"?list_parameters.count=true&list_parameters.filter=meta.name==none", nil, compact...)
	vendorstest.JSONEqual(t, count.Raw, `{"count_response":{}}`)

	// Errors are the vendor's verbatim bodies in both forms.
	r := h.Do(http.MethodGet, endortest.Path+"/"+id, nil, "Accept", ctJSON)
	vendorstest.JSONEqual(t, r.Raw, vendor401)
}

// Answers are gzip-compressed when Accept-Encoding allows it (vendors.md §6),
// errors included; the body decompresses to what an uncompressed answer is.
func TestEndorGzip(t *testing.T) {
	h := servertest.New(t, server.Config{})
	id, _ := endortest.Create(h, "acme.prod", endortest.Version("main")).JSON["uuid"].(string)
	plain := h.Do(http.MethodGet, endortest.Path+"/"+id, nil, "Authorization", token, "Accept-Encoding", "identity")
	for _, tc := range []struct {
		name, acceptEncoding string
		gzipped              bool
	}{
		{"the SDK's encodings", "gzip, br, zstd", true},
		{"gzip alone", "gzip", true},
		{"any, gzip not named", "*", false},
		{"gzip refused", "gzip;q=0, br", false},
		{"identity", "identity", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range []string{endortest.Path + "/" + id, endortest.Path + "/0123456789abcdef01234567"} {
				req, _ := http.NewRequest(http.MethodGet, h.URL+target, nil)
				req.Header.Set("Authorization", token)
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzipped {
					t.Fatalf("%s: Content-Encoding %q, want gzip: %v", target, resp.Header.Get("Content-Encoding"), tc.gzipped)
				}
				if !tc.gzipped {
					continue
				}
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(zr)
				if target == endortest.Path+"/"+id && string(body) != plain.Raw {
					t.Errorf("decompressed %s\nwant        %s", body, plain.Raw)
				}
				if target != endortest.Path+"/"+id && resp.StatusCode != http.StatusNotFound {
					t.Errorf("unknown object: %d %s", resp.StatusCode, body)
				}
			}
		})
	}
}

// Response validation sees the body as it goes on the wire, after the
// unpopulated fields are added or left out: with a spec (given by --specs)
// that requires a field the fake never sets, the application/json answer
// passes and the compact one is a response violation.
func TestEndorResponseValidationSeesTheWire(t *testing.T) {
	dir := t.TempDir()
	for _, name := range specs.All() {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "specs", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == specs.Endor {
			data = []byte(strings.Replace(string(data), `      properties:
        authentication_source:
          type: string`, `      properties:
        note:
          type: string
        authentication_source:
          type: string`, 1))
			data = []byte(strings.Replace(string(data), `      required:
        - expiration_time
      type: object
    repomockAuthenticatedUser:`, `      required:
        - expiration_time
        - note
      type: object
    repomockAuthenticatedUser:`, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := server.New(server.Config{SpecsDir: dir, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(accept string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, "/v1/auth", nil)
		req.Header.Set("Authorization", token)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Result()
	}
	if resp := ask(ctJSON); resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Errorf("application/json, where note is written as \"\": %d %s", resp.StatusCode, body)
	}
	resp := ask(endor.MediaTypeJSONCompact)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "note: value is required") {
		t.Errorf("jsoncompact, where note is left out: %d %s, want the 500 of a response violation", resp.StatusCode, body)
	}
}

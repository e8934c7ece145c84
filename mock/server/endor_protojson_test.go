package server_test

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
	"github.com/repomock/repomock/mock/vendors/endor"
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
			body:   `{"meta":{"name":"main","parentUuid":"` + project + `","parentKind":"Project"},` + ref + `,"scanObject":{"status":"STATUS_SCANNED","scanTime":"2026-11-25T10:00:00Z"}}`,
			status: 200, want: map[string]any{"meta.parent_uuid": project, "meta.parent_kind": "Project", "scan_object.scan_time": "2026-11-25T10:00:00Z", "meta.parentUuid": nil}},
		{name: "one field by both names is refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `","parentUuid":"` + project + `"},` + ref + `}`,
			status: 400, error: "meta.parentUuid: is the JSON name of meta.parent_uuid, which is given too: a field may be given once"},
		{name: "null is unset",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `","description":null,"tags":null},` + ref + `,"spec":null,"scan_object":null}`,
			status: 200, want: map[string]any{"meta.description": nil, "meta.tags": nil, "spec": nil, "scan_object": nil}},
		{name: "null for a required field is a missing field",
			body:   `{"meta":{"name":null,"parent_uuid":"` + project + `"},` + ref + `}`,
			status: 400, error: "meta.name: value is required"},
		{name: "an enum by its number",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},"context":{"id":"main","type":5}}`,
			status: 200, want: map[string]any{"context.type": "CONTEXT_TYPE_REF"}},
		{name: "an enum number out of range",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},"context":{"id":"main","type":9}}`,
			status: 400, error: "context.type: 9 is not a number of this enum: must be 0 to 5, or a name (CONTEXT_TYPE_UNSPECIFIED, CONTEXT_TYPE_MAIN, CONTEXT_TYPE_EXTERNAL, CONTEXT_TYPE_CI_RUN, CONTEXT_TYPE_SBOM, CONTEXT_TYPE_REF)"},
		{name: "the zero enum is absent for required, by name",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},"context":{"id":"main","type":"CONTEXT_TYPE_UNSPECIFIED"}}`,
			status: 400, error: "context.type: value is required"},
		{name: "the zero enum is absent for required, by number",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},"context":{"id":"main","type":0}}`,
			status: 400, error: "context.type: value is required"},
		{name: "an empty string is absent for required",
			body:   `{"meta":{"name":"","parent_uuid":"` + project + `"},` + ref + `}`,
			status: 400, error: "meta.name: value is required"},
		{name: "zero values are unset",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `","description":"","tags":[],"annotations":{}},` + ref + `,"spec":{"allow_ref_as_pr_scan_base":false,"version":{"ref":"main","sha":""}}}`,
			status: 200, want: map[string]any{"meta.description": nil, "meta.tags": nil, "meta.annotations": nil, "spec.allow_ref_as_pr_scan_base": nil, "spec.version.sha": nil, "spec.version.ref": "main"}},
		{name: "timestamps with an offset are stored in UTC with Z",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T12:00:00.5+02:00"},"scan_object":{"status":"STATUS_SCANNED","scan_time":"2026-11-24T23:30:00.000001-01:00"}}`,
			status: 200, want: map[string]any{"spec.last_commit_date": "2026-11-25T10:00:00.500Z", "scan_object.scan_time": "2026-11-25T00:30:00.000001Z"}},
		{name: "nine fractional digits, the most a timestamp holds",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T10:00:00.123456789Z"}}`,
			status: 200, want: map[string]any{"spec.last_commit_date": "2026-11-25T10:00:00.123456789Z"}},
		// protojson refuses a google.protobuf.Timestamp with more than 9
		// fractional digits (vendors.md §7), where Go's time.Parse would cut them.
		{name: "ten fractional digits are refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},` + ref + `,"spec":{"last_commit_date":"2026-11-25T10:00:00.1234567890Z"}}`,
			status: 400, error: `spec.last_commit_date: "2026-11-25T10:00:00.1234567890Z" has 10 fractional digits: a timestamp holds 9 at most (nanoseconds)`},
		{name: "more fractional digits with an offset are refused",
			body:   `{"meta":{"name":"main","parent_uuid":"` + project + `"},` + ref + `,"scan_object":{"status":"STATUS_SCANNED","scan_time":"2026-11-24T23:30:00.000000000001-01:00"}}`,
			status: 400, error: `scan_object.scan_time: "2026-11-24T23:30:00.000000000001-01:00" has 12 fractional digits: a timestamp holds 9 at most (nanoseconds)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, server.Config{})
			r := h.do(http.MethodPost, rvPath, tc.body, "Authorization", token, "Content-Type", ctJSON, "Accept", endor.MediaTypeJSONCompact)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.error != "" {
				jsonEqual(t, r.raw, code3(tc.error))
				if n := h.count("acme.prod"); n != 0 {
					t.Errorf("a refused body stored %d objects", n)
				}
				return
			}
			for path, want := range tc.want {
				if got := get(r.json, path); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v\n%s", path, got, want, r.raw)
				}
			}
		})
	}
}

// grpc-gateway's inbound marshaler falls back to JSON for a Content-Type it
// does not know, or none: there is no 415 (vendors.md §6).
func TestEndorReadsAnyContentTypeAsJSON(t *testing.T) {
	h := newHarness(t, server.Config{})
	for i, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/xml; charset=utf-8", "application/json; charset=utf-8"} {
		headers := []string{"Authorization", token}
		if ct != "" {
			headers = append(headers, "Content-Type", ct)
		}
		r := h.do(http.MethodPost, rvPath, version(fmt.Sprintf("b%d", i)), headers...)
		if r.status != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s", ct, r.status, r.raw)
			continue
		}
		wantType(t, r, ctJSON) // answered with the default marshaler
	}
	if n := h.count("acme.prod"); n != 5 {
		t.Errorf("%d objects, want 5", n)
	}
}

// application/json answers carry the unpopulated fields of every message
// present, with their zero values; application/jsoncompact answers leave
// them out (Endor's REST getting-started page, vendors.md §6).
func TestEndorJSONCarriesUnpopulatedFields(t *testing.T) {
	h := newHarness(t, server.Config{})
	created := h.do(http.MethodPost, rvPath, version("main"), sdk("sdk-token")...)
	id, _ := created.json["uuid"].(string)
	now := h.clock.Now().Format(time.RFC3339Nano)
	by, _ := get(created.json, "meta.created_by").(string)

	full := h.do(http.MethodGet, rvPath+"/"+id, nil, "Authorization", "Bearer sdk-token", "Accept", ctJSON)
	wantType(t, full, ctJSON)
	jsonEqual(t, full.raw, fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","description":"","annotations":{},"tags":[],"parent_kind":"Project","parent_uuid":%q,
			"references":{},"kind":"RepositoryVersion","version":"v1",
			"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF","tags":[]},
		"spec":{"allow_ref_as_pr_scan_base":false,"version":{"ref":"main","sha":"","metadata":{}}}}`, id, project, now, now, now, by, by))

	short := h.do(http.MethodGet, rvPath+"/"+id, nil, sdk("sdk-token")...)
	wantType(t, short, ctJSON) // the compact form, labelled application/json (vendors.md §7)
	jsonEqual(t, short.raw, fmt.Sprintf(`{"uuid":%q,"tenant_meta":{"namespace":"acme.prod"},
		"meta":{"name":"main","parent_kind":"Project","parent_uuid":%q,"kind":"RepositoryVersion","version":"v1",
			"create_time":%q,"update_time":%q,"upsert_time":%q,"created_by":%q,"updated_by":%q},
		"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`, id, project, now, now, now, by, by))

	// A list's paging fields have presence: the last page's response is {}
	// in both forms, so a client that pages until next_page_token is absent stops.
	list := h.do(http.MethodGet, rvPath, nil)
	jsonEqual(t, list.raw, fmt.Sprintf(`{"list":{"objects":[%s],"response":{}}}`, full.raw))
	list = h.do(http.MethodGet, rvPath, nil, compact...)
	jsonEqual(t, list.raw, fmt.Sprintf(`{"list":{"objects":[%s],"response":{}}}`, short.raw))
	count := h.do(http.MethodGet, rvPath+"?list_parameters.count=true&list_parameters.filter=meta.name==none", nil)
	jsonEqual(t, count.raw, `{"count_response":{"count":0}}`)
	count = h.do(http.MethodGet, rvPath+"?list_parameters.count=true&list_parameters.filter=meta.name==none", nil, compact...)
	jsonEqual(t, count.raw, `{"count_response":{}}`)

	// Errors are the vendor's verbatim bodies in both forms.
	r := h.do(http.MethodGet, rvPath+"/"+id, nil, "Accept", ctJSON)
	jsonEqual(t, r.raw, vendor401)
}

// Answers are gzip-compressed when Accept-Encoding allows it (vendors.md §6),
// errors included; the body decompresses to what an uncompressed answer is.
func TestEndorGzip(t *testing.T) {
	h := newHarness(t, server.Config{})
	id, _ := h.create("acme.prod", version("main")).json["uuid"].(string)
	plain := h.do(http.MethodGet, rvPath+"/"+id, nil, "Authorization", token, "Accept-Encoding", "identity")
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
			for _, target := range []string{rvPath + "/" + id, rvPath + "/0123456789abcdef01234567"} {
				req, _ := http.NewRequest(http.MethodGet, h.url+target, nil)
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
				if target == rvPath+"/"+id && string(body) != plain.raw {
					t.Errorf("decompressed %s\nwant        %s", body, plain.raw)
				}
				if target != rvPath+"/"+id && resp.StatusCode != http.StatusNotFound {
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
		data, err := os.ReadFile(filepath.Join("..", "..", "specs", name))
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

package vendors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// The operations the rows name, as the suite reports them.
const (
	opEndorCreate    = "RepositoryVersionService_CreateRepositoryVersion"
	opEndorGet       = "RepositoryVersionService_GetRepositoryVersion"
	opEndorList      = "RepositoryVersionService_ListRepositoryVersions"
	opEndorDelete    = "RepositoryVersionService_DeleteRepositoryVersion"
	opEndorUpdate    = "RepositoryVersionService_UpdateRepositoryVersion"
	opEndorAuth      = "AuthenticationService_GetAuthenticationInfo"
	opEndorNS        = "NamespaceService_ListNamespaces"
	opCodeArtsCreate = "CreateRepository"
	opCodeArtsShow   = "ShowRepositoryByUuid"
	opCodeArtsShowV1 = "GetRepositoryByProjectId"
	opCodeArtsStatus = "ListRepositoryStatus"
	opCodeArtsList   = "GetAllRepositoryByProjectId"
	opCodeArtsFree   = "ShowRepositoryNameExist"
	opCodeArtsDel    = "DeleteRepository"
	opStageCreate    = "CreateFile"
	opStageShow      = "ShowContent"
	opStageUpdate    = "UpdateFile"
	opStageTrees     = "ListTrees"
)

// newWrappedMock starts repomock in-process like newMock, with wrap in front
// of its handler, and returns its URL.
func newWrappedMock(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := server.New(server.Config{
		Seed: 1,
		Vendors: vendorstest.Settings{
			HuaweiCredentials: []huawei.Credential{{AK: testAK, SK: testSK}},
			RepoAuths:         []string{"repomock-contract"},
		}.Vendors(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	return ts.URL
}

// rewrite answers requests that match with next's answer, buffered and
// passed through edit, which returns the status and body to send instead.
// Other requests go to next untouched.
func rewrite(match func(*http.Request) bool, edit func(status int, body []byte) (int, []byte)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			// The edit reads the answer: ask for it uncompressed.
			r.Header.Del("Accept-Encoding")
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			status, body := edit(rec.Code, rec.Body.Bytes())
			h := w.Header()
			maps.Copy(h, rec.Header())
			h.Del("Content-Length")
			if status != rec.Code && status/100 == 2 {
				h.Set("Content-Type", "application/json")
			}
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
	}
}

// editJSON decodes body as an object, lets f change it, and encodes it again.
func editJSON(body []byte, f func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		panic(fmt.Sprintf("broken_test: the mock's answer is not a JSON object: %v: %s", err, body))
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return out
}

// Where each vendor's operations live on the mock (all vendors share one URL).
var (
	endorVersions  = regexp.MustCompile(`^/v1/namespaces/[^/]+/repository-versions$`)
	endorVersion   = regexp.MustCompile(`^/v1/namespaces/[^/]+/repository-versions/[^/]+$`)
	codeartsCreate = regexp.MustCompile(`^/v1/repositories$`)
	codeartsShow   = regexp.MustCompile(`^/v2/repositories/[^/]+$`)
	codeartsShowV1 = regexp.MustCompile(`^/v1/repositories/[^/]+$`)
	codeartsAny    = regexp.MustCompile(`^/(v1/repositories(/[^/]+(/status)?)?|v2/repositories/[^/]+|v1/projects/[^/]+/repositories(/validation/[^/]+)?)$`)
	stageFile      = regexp.MustCompile(`^/v1/[^/]+/git/files/[^/]+/[^/]+/[^/]+$`)
	stageAny       = regexp.MustCompile(`^/v1/[^/]+/git/files/`)
	codeartsList   = regexp.MustCompile(`^/v1/projects/[^/]+/repositories$`)
	endorAny       = regexp.MustCompile(`^/v1/namespaces/`)
	endorNSList    = regexp.MustCompile(`^/v1/namespaces/[^/]+/namespaces$`)
	endorLists     = regexp.MustCompile(`^/v1/namespaces/[^/]+/(repository-versions|namespaces)$`)
)

// onQuery rewrites the query of the requests that match, before next
// reads them.
func onQuery(match func(*http.Request) bool, edit func(q url.Values)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r) {
				q := r.URL.Query()
				edit(q)
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// answer answers the requests that match with status and body, as
// application/json; next gets the others.
func answer(match func(*http.Request) bool, status int, body func(r *http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body(r))
		})
	}
}

// endorCode3 is Endor's 400 code 3 with message.
func endorCode3(message string) string {
	b, _ := json.Marshal(map[string]any{"code": 3, "message": message,
		"details": []any{map[string]any{"@type": "type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo", "status_code": 400}}})
	return string(b)
}

func is(method string, path *regexp.Regexp) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && path.MatchString(r.URL.Path)
	}
}

func anyOf(ms ...func(*http.Request) bool) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return slices.ContainsFunc(ms, func(m func(*http.Request) bool) bool { return m(r) })
	}
}

// only200 applies f to the JSON of 200 answers and leaves the rest alone.
func only200(f func(m map[string]any)) func(int, []byte) (int, []byte) {
	return func(status int, body []byte) (int, []byte) {
		if status != http.StatusOK {
			return status, body
		}
		return status, editJSON(body, f)
	}
}

// freshHex returns a hex string of n digits that no call returned before.
func freshHex(counter *atomic.Uint64, n int) string {
	return fmt.Sprintf("bad%0*x", n-3, counter.Add(1))
}

type key struct{ check, op string }

func (k key) String() string { return k.check + "/" + k.op }

// TestSuiteCatchesBrokenTargets runs the suite against repomock behind
// wrappers that each break one thing, and checks the fault is reported by
// the checks that should see it, and by no other.
func TestSuiteCatchesBrokenTargets(t *testing.T) {
	var seq atomic.Uint64
	tests := []struct {
		name string
		wrap func(http.Handler) http.Handler
		// fail is the exact set of results that must fail; every other
		// result must pass or be skipped.
		fail []key
		// skip is the exact set of results that must be skipped (against a
		// healthy repomock the suite skips nothing).
		skip []key
		// target edits the vendors' configurations (nil: mockConfigs as
		// they are).
		target func(*configs)
		// wantErr, when set, is the start of the error that stops the run
		// before any check (the preflight's).
		wantErr string
	}{
		{
			name: "control",
			wrap: func(h http.Handler) http.Handler { return h },
		},
		{
			// v1RepositoryVersion requires meta and context: the schema check
			// sees the fault on create and get. A listed object may be masked,
			// so the list's schema requires nothing; read-after-write reads
			// the listed object's context, and sees it gone there. Upsert
			// compares the stored context with the answered one, both gone.
			name: "Endor drops the required context of a RepositoryVersion",
			wrap: rewrite(anyOf(is(http.MethodPost, endorVersions), is(http.MethodGet, endorVersions), is(http.MethodGet, endorVersion)),
				only200(func(m map[string]any) {
					delete(m, "context")
					if list, ok := m["list"].(map[string]any); ok {
						objs, _ := list["objects"].([]any)
						for _, o := range objs {
							delete(o.(map[string]any), "context")
						}
					}
				})),
			fail: []key{
				{contracts.CheckResponseSchema, opEndorCreate},
				{contracts.CheckResponseSchema, opEndorGet},
				{contracts.CheckReadAfterWrite, opEndorList},
			},
		},
		{
			// A target that ignores the context: a CI_RUN create (a PR scan)
			// lands on the REF object of the same name, as repomock's upsert
			// key did before contexts were part of it. upsert_idempotency
			// sees one uuid for two contexts; the suite's CI_RUN create
			// writes what the REF object holds, so nothing else changes.
			name: "Endor ignores the context (a CI_RUN create updates the REF object)",
			wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && endorVersions.MatchString(r.URL.Path) {
						body, _ := io.ReadAll(r.Body)
						var m map[string]any
						if json.Unmarshal(body, &m) == nil {
							ctx, _ := m["context"].(map[string]any)
							meta, _ := m["meta"].(map[string]any)
							if ctx != nil && meta != nil && ctx["type"] == "CONTEXT_TYPE_CI_RUN" {
								m["context"] = map[string]any{"id": meta["name"], "type": "CONTEXT_TYPE_REF"}
								body, _ = json.Marshal(m)
							}
						}
						r.Body = io.NopCloser(bytes.NewReader(body))
						r.ContentLength = int64(len(body))
					}
					next.ServeHTTP(w, r)
				})
			},
			fail: []key{{contracts.CheckUpsert, opEndorCreate}},
		},
		{
			// FilePathResponse requires path; the suite locates files by the
			// path it sent, never by the one answered, so no behaviour check
			// depends on it.
			name: "ServiceStage CreateFile drops the required path",
			wrap: rewrite(is(http.MethodPost, stageFile), only200(func(m map[string]any) { delete(m, "path") })),
			fail: []key{{contracts.CheckResponseSchema, opStageCreate}},
		},
		{
			// specs/codearts-repo.yaml makes every field of
			// CreateRepositoryResponse optional (as the SDK model does), so
			// response_schema_conformance cannot see this one. The suite
			// needs the uuid to read the repository back: read_after_write
			// fails on ShowRepositoryByUuid, naming the missing field, and
			// the other read-back steps cannot run (skipped), nor can
			// use_after_free, which has nothing to delete.
			name: "CodeArts CreateRepository drops result.repository_uuid",
			wrap: rewrite(is(http.MethodPost, codeartsCreate), only200(func(m map[string]any) {
				if r, ok := m["result"].(map[string]any); ok {
					delete(r, "repository_uuid")
				}
			})),
			fail: []key{
				{contracts.CheckReadAfterWrite, opCodeArtsShow},
			},
			skip: []key{
				{contracts.CheckReadAfterWrite, opCodeArtsShowV1},
				{contracts.CheckReadAfterWrite, opCodeArtsStatus},
				{contracts.CheckReadAfterWrite, opCodeArtsList},
				{contracts.CheckReadAfterWrite, opCodeArtsFree},
				{contracts.CheckReadAfterWrite, opCodeArtsDel},
				{contracts.CheckUseAfterFree, opCodeArtsShow},
				{contracts.CheckUseAfterFree, opCodeArtsShowV1},
				{contracts.CheckUseAfterFree, opCodeArtsStatus},
			},
		},
		{
			// Every refusal of a create except the gateway's 401 becomes a
			// success. The suite sends two kinds of invalid create: the
			// generated mutations (negative_data_rejection) and a second
			// create of a taken name (duplicate_name_rejection expects 400
			// CH.010001), so both fail. The 401 is left alone so that
			// missing_auth_rejection, a different fault, still passes.
			// The bogus uuid answered is never read back: the suite reads back
			// the first create of the duplicate name, which was real.
			name: "CodeArts accepts an invalid CreateRepository with 200",
			wrap: rewrite(is(http.MethodPost, codeartsCreate), func(status int, body []byte) (int, []byte) {
				if status/100 != 4 || status == http.StatusUnauthorized {
					return status, body
				}
				return http.StatusOK, fmt.Appendf(nil, `{"result":{"repository_uuid":%q},"status":"success"}`, freshHex(&seq, 32))
			}),
			fail: []key{
				{contracts.CheckNegativeData, opCodeArtsCreate},
				{contracts.CheckDuplicateName, opCodeArtsCreate},
			},
		},
		{
			// An update that applies the whole object, mask or not: the
			// read-back shows meta.description changed outside the mask.
			name: "Endor update ignores the mask",
			wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPatch && endorVersions.MatchString(r.URL.Path) {
						body, _ := io.ReadAll(r.Body)
						widened := bytes.Replace(body, []byte(`"update_mask":"meta.tags"`), []byte(`"update_mask":"meta.tags,meta.description"`), 1)
						r.Body = io.NopCloser(bytes.NewReader(widened))
						r.ContentLength = int64(len(widened))
					}
					next.ServeHTTP(w, r)
				})
			},
			fail: []key{{contracts.CheckReadAfterWrite, opEndorUpdate}},
		},
		{
			// The SDK's token check answered 404, as repomock did before:
			// the SDK would drop every bearer token.
			name: "Endor has no GET /v1/auth",
			wrap: rewrite(func(r *http.Request) bool { return r.URL.Path == "/v1/auth" }, func(int, []byte) (int, []byte) {
				return http.StatusNotFound, []byte(`{"code":5,"message":"Not Found"}`)
			}),
			fail: []key{
				{contracts.CheckReadAfterWrite, opEndorAuth},
				{contracts.CheckMissingAuth, opEndorAuth},
			},
		},
		{
			// googlerpcStatus has no required fields, so the schema check
			// cannot see a foreign envelope: response_schema_conformance
			// must stay green. Every check that looks at an error body
			// catches it: the negative and missing-auth cases (bodies and
			// parameters, on both lists), the 404 of the get after a delete
			// (read_after_write on delete), use_after_free, and the invalid
			// filter path of query_rules.
			name: "Endor changes the error envelope",
			wrap: rewrite(func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/v1/namespaces/") },
				func(status int, body []byte) (int, []byte) {
					if status/100 != 4 {
						return status, body
					}
					return status, []byte(`{"error":"bad request"}`)
				}),
			fail: []key{
				{contracts.CheckNegativeData, opEndorCreate},
				{contracts.CheckMissingAuth, opEndorCreate},
				{contracts.CheckNegativeData, opEndorUpdate},
				{contracts.CheckMissingAuth, opEndorUpdate},
				{contracts.CheckReadAfterWrite, opEndorDelete},
				{contracts.CheckNegativeData, opEndorList},
				{contracts.CheckNegativeData, opEndorGet},
				{contracts.CheckNegativeData, opEndorDelete},
				{contracts.CheckNegativeData, opEndorNS},
				{contracts.CheckUseAfterFree, opEndorGet},
				{contracts.CheckUseAfterFree, opEndorUpdate},
				{contracts.CheckQueryRules, opEndorList},
			},
		},
		{
			// Each create answers a uuid of its own, which names nothing.
			// upsert_idempotency sees two uuids for one key. Read-after-write
			// then starts from the first, nonexistent, uuid, so all of its
			// steps necessarily fail: the get is a 404, the filtered list
			// holds the real uuid instead, the delete is a 404; so does
			// use_after_free's delete, and nothing is read after it.
			// query_rules' lists hold the real uuid, not the one answered.
			name: "Endor forgets the upsert (a new uuid each time)",
			wrap: rewrite(is(http.MethodPost, endorVersions), only200(func(m map[string]any) {
				m["uuid"] = freshHex(&seq, 24)
			})),
			fail: []key{
				{contracts.CheckUpsert, opEndorCreate},
				{contracts.CheckReadAfterWrite, opEndorGet},
				{contracts.CheckReadAfterWrite, opEndorList},
				{contracts.CheckReadAfterWrite, opEndorUpdate},
				{contracts.CheckReadAfterWrite, opEndorDelete},
				{contracts.CheckUseAfterFree, opEndorGet},
				{contracts.CheckUseAfterFree, opEndorUpdate},
				{contracts.CheckQueryRules, opEndorList},
			},
		},
		{
			// 201 is declared for no CodeArts operation. The behaviour
			// checks take any 2xx and leave the status to
			// status_code_conformance, which fails on every operation that
			// answered 201, and to positive_data_acceptance, which asks for
			// the listed success.
			name: "CodeArts answers 201 instead of 200",
			wrap: rewrite(is("", codeartsAny), func(status int, body []byte) (int, []byte) {
				if status == http.StatusOK {
					status = http.StatusCreated
				}
				return status, body
			}),
			fail: []key{
				{contracts.CheckPositiveData, opCodeArtsCreate},
				{contracts.CheckStatusCode, opCodeArtsCreate},
				{contracts.CheckStatusCode, opCodeArtsDel},
				{contracts.CheckStatusCode, opCodeArtsShow},
				{contracts.CheckStatusCode, opCodeArtsShowV1},
				{contracts.CheckStatusCode, opCodeArtsStatus},
				{contracts.CheckStatusCode, opCodeArtsList},
				{contracts.CheckStatusCode, opCodeArtsFree},
			},
		},
		{
			// A path that names no project is the gateway's to refuse, in
			// its own shape; answered in ServiceStage's shape instead, the
			// negative check of CreateFile sees it (the body still fits the
			// spec's 400, so conformance does not).
			name: "ServiceStage answers the SDK's {project_id} in its own shape",
			wrap: rewrite(func(r *http.Request) bool {
				return r.Method == http.MethodPost && stageFile.MatchString(r.URL.Path) && strings.HasPrefix(r.URL.Path, "/v1/{project_id}/")
			}, func(status int, body []byte) (int, []byte) {
				return status, []byte(`{"error_code":"SVCSTG.REPO.0400","error_msg":"parameter invalid: project_id"}`)
			}),
			fail: []key{{contracts.CheckNegativeData, opStageCreate}},
		},
		{
			// The same fault on one read operation only: the status check
			// alone reports it.
			name: "CodeArts ShowRepositoryByUuid answers 201 instead of 200",
			wrap: rewrite(is(http.MethodGet, codeartsShow), func(status int, body []byte) (int, []byte) {
				if status == http.StatusOK {
					status = http.StatusCreated
				}
				return status, body
			}),
			fail: []key{
				{contracts.CheckStatusCode, opCodeArtsShow},
			},
		},
		{
			// The deprecated read serves some other repository: the body
			// fits RepoInfo, so only read_after_write sees it.
			name: "CodeArts GetRepositoryByProjectId answers another repository",
			wrap: rewrite(is(http.MethodGet, codeartsShowV1), only200(func(m map[string]any) {
				if r, ok := m["result"].(map[string]any); ok {
					r["name"] = "someone-elses"
				}
			})),
			fail: []key{{contracts.CheckReadAfterWrite, opCodeArtsShowV1}},
		},
		{
			// The preflight: a token the vendor refuses stops the run before
			// any check, which would count each 401 as a rejection.
			name: "Endor refuses the API key",
			wrap: rewrite(func(r *http.Request) bool { return r.URL.Path == "/v1/auth/api-key" }, func(int, []byte) (int, []byte) {
				return http.StatusUnauthorized, []byte(`{"code":16,"message":"invalid API key or secret"}`)
			}),
			wantErr: `credentials rejected by Endor Labs: 401 {"code":16`,
		},
		{
			name:    "ServiceStage refuses the X-Repo-Auth",
			wrap:    func(h http.Handler) http.Handler { return h },
			target:  func(c *configs) { c.servicestage.RepoAuth = "not-an-authorization" },
			wantErr: `credentials rejected by Huawei ServiceStage: 400 {"error_code":"SVCSTG.REPO.0451"`,
		},
		{
			name: "the gateway answers 403 to CodeArts",
			wrap: rewrite(is("", codeartsAny), func(int, []byte) (int, []byte) {
				return http.StatusForbidden, []byte(`{"error_code":"APIGW.0302","error_msg":"forbidden"}`)
			}),
			wantErr: "credentials rejected by Huawei CodeArts Repo: 403 ",
		},
		{
			// Invalid input refused as unauthenticated, in Endor's envelope:
			// a 4xx in the envelope, but not the vendor's rejection of
			// invalid input (400 code 3): on both lists, and for the invalid
			// filter path of query_rules.
			name: "Endor answers invalid input with 401",
			wrap: rewrite(func(r *http.Request) bool { return endorAny.MatchString(r.URL.Path) }, func(status int, body []byte) (int, []byte) {
				if status != http.StatusBadRequest {
					return status, body
				}
				return http.StatusUnauthorized, []byte(`{"code":16,"message":"Invalid authorization header: Bearer","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":401}]}`)
			}),
			fail: []key{
				{contracts.CheckNegativeData, opEndorCreate},
				{contracts.CheckNegativeData, opEndorUpdate},
				{contracts.CheckNegativeData, opEndorList},
				{contracts.CheckNegativeData, opEndorGet},
				{contracts.CheckNegativeData, opEndorDelete},
				{contracts.CheckNegativeData, opEndorNS},
				{contracts.CheckQueryRules, opEndorList},
			},
		},
		{
			// The same for ServiceStage's creates: a 404 in its envelope.
			// The spec's 404 is the gateway's (no route), so the schema
			// check sees it too.
			name: "ServiceStage answers an invalid CreateFile with 404",
			wrap: rewrite(is(http.MethodPost, stageFile), func(status int, body []byte) (int, []byte) {
				if status != http.StatusBadRequest || !bytes.Contains(body, []byte(`"SVCSTG.REPO.0400"`)) {
					return status, body
				}
				return http.StatusNotFound, body
			}),
			fail: []key{
				{contracts.CheckNegativeData, opStageCreate},
				{contracts.CheckResponseSchema, opStageCreate},
			},
		},
		{
			// Endor's spec has a default response, which matches any
			// status: only the listed 200 shows the fault. The behaviour
			// checks take any 2xx.
			name: "Endor answers 201 instead of 200",
			wrap: rewrite(func(r *http.Request) bool { return endorAny.MatchString(r.URL.Path) }, func(status int, body []byte) (int, []byte) {
				if status == http.StatusOK {
					status = http.StatusCreated
				}
				return status, body
			}),
			fail: []key{
				{contracts.CheckPositiveData, opEndorCreate},
				{contracts.CheckPositiveData, opEndorList},
				{contracts.CheckPositiveData, opEndorNS},
				{contracts.CheckStatusCode, opEndorNS},
				{contracts.CheckStatusCode, opEndorCreate},
				{contracts.CheckStatusCode, opEndorGet},
				{contracts.CheckStatusCode, opEndorList},
				{contracts.CheckStatusCode, opEndorDelete},
				{contracts.CheckStatusCode, opEndorUpdate},
			},
		},
		{
			// grpc-gateway's JSON marshaler always labels its answer
			// application/json (JSONPb.ContentType), whatever it was
			// registered under: a jsoncompact label is not the vendor's
			// (vendors.md §7, which corrects §5).
			name: "Endor answers application/jsoncompact",
			wrap: contentType(endorAny, "application/jsoncompact"),
			fail: []key{
				{contracts.CheckContentType, opEndorCreate},
				{contracts.CheckContentType, opEndorGet},
				{contracts.CheckContentType, opEndorList},
				{contracts.CheckContentType, opEndorDelete},
				{contracts.CheckContentType, opEndorUpdate},
				{contracts.CheckContentType, opEndorNS},
			},
		},
		{
			// Parameters aside, the media type is the declared one. Not a fault.
			name: "CodeArts answers application/json; charset=UTF-8",
			wrap: contentType(codeartsAny, "application/json; charset=UTF-8"),
		},
		{
			// A page size out of bounds crashes the list.
			name: "Endor answers 500 to a page size over 500",
			wrap: rewrite(func(r *http.Request) bool {
				return endorVersions.MatchString(r.URL.Path) && r.Method == http.MethodGet && r.URL.Query().Get("list_parameters.page_size") == "501"
			}, func(int, []byte) (int, []byte) {
				return http.StatusInternalServerError, []byte(`{"code":13,"message":"internal error","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":500}]}`)
			}),
			fail: []key{
				{contracts.CheckServerError, opEndorList},
				{contracts.CheckNegativeData, opEndorList},
			},
		},
		{
			// A generated parameter case: CodeArts ignores page sizes out
			// of its bounds (1 to 100) and lists anyway.
			name: "CodeArts ignores page_size out of bounds",
			wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if codeartsList.MatchString(r.URL.Path) {
						q := r.URL.Query()
						if n := q.Get("page_size"); n == "0" || n == "101" {
							q.Del("page_size")
							r.URL.RawQuery = q.Encode()
						}
					}
					next.ServeHTTP(w, r)
				})
			},
			fail: []key{{contracts.CheckNegativeData, opCodeArtsList}},
		},
		{
			// A delete that answers {} and deletes nothing: the object is
			// still served after it. read_after_write's delete sees it too.
			name: "Endor's delete deletes nothing",
			wrap: func(next http.Handler) http.Handler {
				valid := regexp.MustCompile(`/[0-9a-f]{24}$`)
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodDelete && endorVersion.MatchString(r.URL.Path) && valid.MatchString(r.URL.Path) {
						w.Header().Set("Content-Type", "application/json")
						_, _ = w.Write([]byte(`{}`))
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			fail: []key{
				{contracts.CheckReadAfterWrite, opEndorDelete},
				{contracts.CheckUseAfterFree, opEndorGet},
				{contracts.CheckUseAfterFree, opEndorUpdate},
			},
		},
		{
			// A method the path does not serve answered as a plain 405,
			// not grpc-gateway's 501 code 12.
			name: "Endor answers an unsupported method with 405",
			wrap: rewrite(func(r *http.Request) bool {
				return endorAny.MatchString(r.URL.Path) && (r.Method == http.MethodPut || r.Method == http.MethodPost && endorVersion.MatchString(r.URL.Path))
			}, func(int, []byte) (int, []byte) {
				return http.StatusMethodNotAllowed, []byte(`Method Not Allowed`)
			}),
			fail: []key{
				{contracts.CheckUnsupported, opEndorCreate},
				{contracts.CheckUnsupported, opEndorGet},
			},
		},
		{
			// vendors.md §6's rule, which §7 corrects: a query key that is no
			// list parameter refused with 400 code 3, as repomock did. The
			// suite's cache-buster is refused on both lists.
			name: "Endor refuses a query key that is no field of the request",
			wrap: answer(func(r *http.Request) bool {
				return r.Method == http.MethodGet && endorLists.MatchString(r.URL.Path) && r.URL.Query().Has("_")
			}, http.StatusBadRequest, func(*http.Request) string { return endorCode3("_: unknown query parameter") }),
			fail: []key{{contracts.CheckQueryRules, opEndorList}, {contracts.CheckQueryRules, opEndorNS}},
		},
		{
			// A boolean read as true only when spelt "true", as repomock read
			// it: Python's True is false, and the count is a list.
			name: "Endor reads a boolean only when spelt true",
			wrap: onQuery(is(http.MethodGet, endorLists), func(q url.Values) {
				for k, vs := range q {
					if len(vs) == 1 && strings.EqualFold(vs[0], "true") && vs[0] != "true" {
						q.Set(k, "false")
					}
				}
			}),
			fail: []key{{contracts.CheckQueryRules, opEndorList}},
		},
		{
			// Filter keywords in lowercase only, as repomock took them: the
			// SDK's " AND " is a syntax error.
			name: "Endor takes filter keywords in lowercase only",
			wrap: answer(func(r *http.Request) bool {
				return endorLists.MatchString(r.URL.Path) && strings.Contains(r.URL.Query().Get("list_parameters.filter"), " AND ")
			}, http.StatusBadRequest, func(*http.Request) string {
				return endorCode3(`list_parameters.filter: unexpected "AND", expected "and", "or" or end of filter`)
			}),
			fail: []key{{contracts.CheckQueryRules, opEndorList}},
		},
		{
			// A filter on a path that is no field answered with an empty list,
			// as repomock answered it: a misspelt filter passes.
			name: "Endor answers a filter on no field with an empty list",
			wrap: rewrite(is(http.MethodGet, endorLists), func(status int, body []byte) (int, []byte) {
				if status == http.StatusBadRequest && bytes.Contains(body, []byte(`invalid path '`)) {
					return http.StatusOK, []byte(`{"list":{"objects":[],"response":{}}}`)
				}
				return status, body
			}),
			fail: []key{{contracts.CheckQueryRules, opEndorList}},
		},
		{
			// The namespace listing that list(traverse=True) calls first,
			// answered 404 as repomock did: the SDK raises NotFoundError.
			name: "Endor has no namespace listing",
			wrap: answer(is(http.MethodGet, endorNSList), http.StatusNotFound, func(*http.Request) string { return `{"code":5,"message":"Not Found"}` }),
			fail: []key{
				{contracts.CheckQueryRules, opEndorNS},
				{contracts.CheckPositiveData, opEndorNS},
				{contracts.CheckNegativeData, opEndorNS},
			},
		},
		{
			// Without X-Repo-Auth the answer is "parameter invalid", not
			// "no repository authorization" (SVCSTG.REPO.0450).
			name: "ServiceStage answers a missing X-Repo-Auth with 0400",
			wrap: rewrite(func(r *http.Request) bool {
				return stageAny.MatchString(r.URL.Path) && r.Header.Get("X-Repo-Auth") == ""
			}, func(int, []byte) (int, []byte) {
				return http.StatusBadRequest, []byte(`{"error_code":"SVCSTG.REPO.0400","error_msg":"parameter invalid"}`)
			}),
			fail: []key{
				{contracts.CheckMissingHeader, opStageCreate},
				{contracts.CheckMissingHeader, opStageShow},
				{contracts.CheckMissingHeader, opStageTrees},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			c := mockConfigs(newWrappedMock(t, tt.wrap))
			if tt.target != nil {
				tt.target(&c)
			}
			rep, err := contracts.Evaluate(ctx, c.target())
			if tt.wantErr != "" {
				var cred *contracts.CredentialsError
				if err == nil || !errors.As(err, &cred) || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("the run did not stop with %q: %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// No failure leaks Go's <nil>.
			for _, r := range rep.Results {
				for _, f := range append([]string{r.Reason}, r.Failures...) {
					if strings.Contains(f, "<nil>") {
						t.Errorf("%s/%s: %s", r.Check, r.Operation, f)
					}
				}
			}
			got := map[key]contracts.Result{}
			var failed, skipped []key
			for _, r := range rep.Results {
				k := key{r.Check, r.Operation}
				got[k] = r
				switch r.Status {
				case contracts.Fail:
					failed = append(failed, k)
				case contracts.Skip:
					skipped = append(skipped, k)
				}
			}
			want := sortKeys(tt.fail)
			if failed = sortKeys(failed); !slices.Equal(failed, want) {
				t.Errorf("failing results:\n got %v\nwant %v", failed, want)
				for _, k := range failed {
					t.Logf("%s: %s", k, got[k].Reason)
				}
				for _, k := range want {
					if r, ok := got[k]; !ok {
						t.Logf("%s: no result", k)
					} else if r.Status != contracts.Fail {
						t.Logf("%s: %s (%d cases) %s", k, r.Status, r.Cases, r.Reason)
					}
				}
			}
			wantSkip := sortKeys(tt.skip)
			if skipped = sortKeys(skipped); !slices.Equal(skipped, wantSkip) {
				t.Errorf("skipped results:\n got %v\nwant %v", skipped, wantSkip)
				for _, k := range skipped {
					t.Logf("%s: %s", k, got[k].Reason)
				}
			}
		})
	}
}

// contentType answers the requests to paths with the media type ct
// instead of the mock's (the body is unchanged).
func contentType(paths *regexp.Regexp, ct string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !paths.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			r.Header.Del("Accept-Encoding")
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			maps.Copy(w.Header(), rec.Header())
			if rec.Body.Len() > 0 {
				w.Header().Set("Content-Type", ct)
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

func sortKeys(ks []key) []key {
	out := slices.Clone(ks)
	slices.SortFunc(out, func(a, b key) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

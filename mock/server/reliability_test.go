package server_test

// Reliability: a battery of bad inputs for the three vendors, sent over
// real HTTP to the harness on 127.0.0.1. Every case must get a 4xx in the
// vendor's error envelope, with a short body (no echo of a huge value), and
// must change no state: the battery reads every vendor's state back before
// and after each case. The harness replays every exchange against the specs
// when the test ends.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	vendorEndor    = "endor"
	vendorCodeArts = "codearts"
	vendorStage    = "servicestage"

	// batteryMaxBody is the battery server's body limit: large enough for
	// huge strings, small enough to keep the battery fast.
	batteryMaxBody = 1 << 20
	// hugeString is a string well within batteryMaxBody.
	hugeString = 900 << 10
	// maxErrorBody bounds an error body: messages name the field and the
	// rule, never the whole value.
	maxErrorBody = 4096
)

// batteryCase is one bad request and what it must get.
type batteryCase struct {
	vendor  string
	name    string
	method  string   // default POST
	target  string   // default: the vendor's create target
	body    string   // sent as is
	chunked bool     // send the body without Content-Length
	headers []string // replaces the vendor's default headers when not nil
	extra   []string // added to the default headers
	status  []int    // the statuses accepted
	code    string   // the vendor's error code; "" accepts any
	state   []string // more targets to read before and after
	gap     string   // a product gap this case shows (see the report), for the failure message
}

var (
	batteryEndorHeaders    = []string{"Authorization", token, "Content-Type", ctJSON}
	batteryCodeArtsHeaders = []string{"X-Auth-Token", "battery-token", "Content-Type", ctJSON}
	batteryStageHeaders    = []string{"X-Auth-Token", "battery-token", "Content-Type", ctJSON, "X-Repo-Auth", huaweitest.RepoAuth}
	httpErrorInfoType      = "type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo"
	codeArtsCodeRE         = regexp.MustCompile(`^CH\.[0-9]{6}$`)
	gatewayCodeRE          = regexp.MustCompile(`^APIGW\.[0-9]{4}$`)
	stageCodeRE            = regexp.MustCompile(`^(SVCSTG\.REPO|APIGW)\.[0-9]{4}$`)
)

func (c batteryCase) defaults() batteryCase {
	if c.method == "" {
		c.method = http.MethodPost
	}
	var hdr []string
	switch c.vendor {
	case vendorEndor:
		if c.target == "" {
			c.target = endortest.Path
		}
		hdr = batteryEndorHeaders
	case vendorCodeArts:
		if c.target == "" {
			c.target = "/v1/repositories"
		}
		hdr = batteryCodeArtsHeaders
	case vendorStage:
		if c.target == "" {
			c.target = stageFiles + "new.txt?ref=master"
		}
		hdr = batteryStageHeaders
	}
	if c.headers == nil {
		c.headers = append(slices.Clone(hdr), c.extra...)
	}
	return c
}

// deepJSON nests inner n levels deep in open/close.
func deepJSON(open, close string, n int, inner string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

func endorCases() []batteryCase {
	const p = endortest.Project
	ctx := `"context":{"id":"main","type":"CONTEXT_TYPE_REF"}`
	// The seed's key with a new description: accepted, it would change the seed.
	valid := `{"meta":{"name":"main","parent_uuid":"` + p + `","description":"changed"},` + ctx + `}`
	meta := func(fields string) string { return `{"meta":{` + fields + `},` + ctx + `}` }
	bad := func(name, body string) batteryCase {
		return batteryCase{vendor: vendorEndor, name: name, body: body, status: []int{400}, code: "3"}
	}
	gap := func(c batteryCase, why string) batteryCase { c.gap = why; return c }
	overLimit := `{"meta":{"name":"main","parent_uuid":"` + p + `","description":"` + strings.Repeat("x", batteryMaxBody) + `"},` + ctx + `}`
	longFilter := "meta.name==" + strings.Repeat("a", 100<<10)
	return []batteryCase{
		bad("truncated JSON", `{"meta":{"name":"main"`),
		bad("truncated inside a string", `{"meta":{"name":"ma`),
		bad("single-quoted JSON", `{'meta':{'name':'main'}}`),
		bad("unquoted key", `{meta:{"name":"main"}}`),
		bad("trailing comma", meta(`"name":"main","parent_uuid":"`+p+`",`)),
		gap(bad("trailing garbage after the object", valid+`xyz`), "trailing data after the JSON value is ignored"),
		gap(bad("a second object after the first", valid+`{}`), "trailing data after the JSON value is ignored"),
		gap(bad("duplicate key meta.name", meta(`"name":"main","name":"other","parent_uuid":"`+p+`"`)), "duplicate keys are accepted, the last one wins"),
		gap(bad("duplicate top-level key meta", `{"meta":{"name":"main","parent_uuid":"`+p+`"},"meta":{"name":"main","parent_uuid":"`+p+`","description":"changed"},`+ctx+`}`), "duplicate keys are accepted, the last one wins"),
		gap(bad("duplicate key with the same value", meta(`"name":"main","name":"main","parent_uuid":"`+p+`","description":"changed"`)), "duplicate keys are accepted"),
		bad("10,000-deep array", deepJSON("[", "]", 10000, "")),
		bad("10,000-deep object as meta.name", `{"meta":{"name":`+deepJSON(`{"a":`, `}`, 9998, `1`)+`,"parent_uuid":"`+p+`"},`+ctx+`}`),
		bad("100,000-deep nesting", deepJSON("[", "]", 100000, "")),
		bad("900 KB meta.name", meta(`"name":"`+strings.Repeat("n", hugeString)+`","parent_uuid":"`+p+`"`)),
		bad("900 KB meta.description", meta(`"name":"main","parent_uuid":"`+p+`","description":"`+strings.Repeat("d", hugeString)+`"`)),
		bad("900 KB annotation value", meta(`"name":"main","parent_uuid":"`+p+`","annotations":{"k":"`+strings.Repeat("a", hugeString)+`"}`)),
		bad("meta.name is a number", meta(`"name":42,"parent_uuid":"`+p+`"`)),
		bad("context is an array", `{"meta":{"name":"main","parent_uuid":"`+p+`"},"context":["main"]}`),
		bad("meta.tags is an object", meta(`"name":"main","parent_uuid":"`+p+`","tags":{"a":"b"}`)),
		bad("meta.parent_uuid is a boolean", meta(`"name":"main","parent_uuid":true`)),
		bad("meta is null", `{"meta":null,`+ctx+`}`),
		bad("body is null", `null`),
		bad("body is a string", `"main"`),
		bad("invalid UTF-8 in a value", "{\"meta\":{\"name\":\"ma\xffin\",\"parent_uuid\":\""+p+"\"},"+ctx+"}"),
		bad("invalid UTF-8 in a key", "{\"meta\":{\"name\":\"main\",\"parent_uuid\":\""+p+"\",\"\xfe\":1},"+ctx+"}"),
		bad("raw NUL byte in a string", "{\"meta\":{\"name\":\"ma\x00in\",\"parent_uuid\":\""+p+"\"},"+ctx+"}"),
		bad("raw NUL byte between tokens", "{\"meta\":\x00{\"name\":\"main\",\"parent_uuid\":\""+p+"\"},"+ctx+"}"),
		bad(`\u0000 in an annotation key`, meta(`"name":"main","parent_uuid":"`+p+`","annotations":{"k\u0000":"v"}`)),
		bad("byte-order mark before the object", "\xef\xbb\xbf"+valid),
		bad("empty body", ``),
		// Endor reads any body as JSON whatever its Content-Type (grpc-gateway's
		// fallback marshaler): what is bad is a body that is not JSON.
		{vendor: vendorEndor, name: "text/plain content type, text body", body: "plain text", headers: []string{"Authorization", token, "Content-Type", "text/plain"}, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "application/xml content type, XML body", body: "<rv><name>main</name></rv>", headers: []string{"Authorization", token, "Content-Type", "application/xml"}, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "missing content type, form body", body: "meta.name=main", headers: []string{"Authorization", token}, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "NUL in the namespace", target: "/v1/namespaces/acme%00prod/repository-versions", body: valid, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "invalid UTF-8 in the namespace", target: "/v1/namespaces/acme%FFprod/repository-versions", body: valid, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "traversal in the namespace", target: "/v1/namespaces/..%2F..%2Fetc/repository-versions", body: valid, status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "traversal in the uuid", method: http.MethodGet, target: endortest.Path + "/..%2F..%2Fetc%2Fpasswd", status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "NUL in the uuid", method: http.MethodDelete, target: endortest.Path + "/0123456789abcdef0123456%00", status: []int{400}, code: "3"},
		{vendor: vendorEndor, name: "body over the limit", body: overLimit, status: []int{413}, code: "8"},
		{vendor: vendorEndor, name: "body over the limit, chunked", body: overLimit, chunked: true, status: []int{413}, code: "8"},
		{vendor: vendorEndor, name: "body over the limit, no token", body: overLimit, headers: []string{"Content-Type", ctJSON}, status: []int{413}, code: "8"},
		{vendor: vendorEndor, name: "100 KB namespace in the path", method: http.MethodGet, target: "/v1/namespaces/" + strings.Repeat("a", 100<<10) + "/repository-versions", status: []int{400, 414},
			gap: "the 400 message quotes the whole 100 KB namespace"},
		{vendor: vendorEndor, name: "100 KB query (a well-formed filter)", method: http.MethodGet, target: endortest.Path + "?list_parameters.filter=" + longFilter, status: []int{400, 414},
			gap: "no limit on the URL: a 100 KB query is served"},
		{vendor: vendorEndor, name: "64 KB header", method: http.MethodGet, target: endortest.Path, extra: []string{"X-Padding", strings.Repeat("p", 64<<10)}, status: []int{400, 431},
			gap: "no limit on header size below net/http's 1 MB"},
	}
}

func codeArtsCases() []batteryCase {
	const p = huaweitest.RepoProject
	valid := `{"project_uuid":"` + p + `","name":"newrepo"}`
	body := func(fields string) string { return `{"project_uuid":"` + p + `",` + fields + `}` }
	bad := func(name, body string) batteryCase {
		return batteryCase{vendor: vendorCodeArts, name: name, body: body, status: []int{400}, code: "CH.010001"}
	}
	gap := func(c batteryCase, why string) batteryCase { c.gap = why; return c }
	overLimit := body(`"name":"newrepo","description":"` + strings.Repeat("x", batteryMaxBody) + `"`)
	return []batteryCase{
		bad("truncated JSON", `{"project_uuid":"`+p+`","name":"newr`),
		bad("truncated after a key", `{"project_uuid":`),
		bad("the doc's example: a string integer and a trailing comma", body(`"name":"demotest1","import_members":"0",`)),
		bad("unquoted key", `{project_uuid:"`+p+`",name:"newrepo"}`),
		gap(bad("trailing garbage after the object", valid+`]`), "trailing data after the JSON value is ignored"),
		gap(bad("a second object after the first", valid+valid), "trailing data after the JSON value is ignored"),
		gap(bad("duplicate key name", body(`"name":"existing","name":"newrepo"`)), "duplicate keys are accepted, the last one wins"),
		gap(bad("duplicate key project_uuid", `{"project_uuid":"0123456789abcdef0123456789abcdef","project_uuid":"`+p+`","name":"newrepo"}`), "duplicate keys are accepted, the last one wins"),
		bad("10,000-deep array", deepJSON("[", "]", 10000, "")),
		bad("10,000-deep object as name", body(`"name":`+deepJSON(`{"a":`, `}`, 9999, `1`))),
		bad("100,000-deep nesting", deepJSON(`{"a":`, `}`, 100000, `1`)),
		bad("900 KB name", body(`"name":"`+strings.Repeat("n", hugeString)+`"`)),
		bad("900 KB description", body(`"name":"newrepo","description":"`+strings.Repeat("d", hugeString)+`"`)),
		bad("900 KB import_url", body(`"name":"newrepo","import_url":"`+strings.Repeat("u", hugeString)+`"`)),
		bad("name is a number", body(`"name":42`)),
		bad("visibility_level is a word", body(`"name":"newrepo","visibility_level":"public"`)),
		bad("import_members is a fraction in a string", body(`"name":"newrepo","import_members":"0.5"`)),
		bad("visibility_level is a fraction", body(`"name":"newrepo","visibility_level":20.5`)),
		bad("license_id over int32", body(`"name":"newrepo","license_id":2147483648`)),
		bad("name is null", body(`"name":null`)),
		bad("body is an array", `[`+valid+`]`),
		bad("invalid UTF-8 in name", "{\"project_uuid\":\""+p+"\",\"name\":\"new\xffrepo\"}"),
		bad("invalid UTF-8 in a key", "{\"project_uuid\":\""+p+"\",\"name\":\"newrepo\",\"\xfe\":1}"),
		bad("raw NUL byte in a string", "{\"project_uuid\":\""+p+"\",\"name\":\"new\x00repo\"}"),
		bad(`\u0000 in name`, body(`"name":"new\u0000repo"`)),
		bad("empty body", ``),
		{vendor: vendorCodeArts, name: "text/plain content type", body: valid, headers: []string{"X-Auth-Token", "battery-token", "Content-Type", "text/plain"}, status: []int{400}, code: "CH.010001"},
		{vendor: vendorCodeArts, name: "missing content type", body: valid, headers: []string{"X-Auth-Token", "battery-token"}, status: []int{400}, code: "CH.010001"},
		{vendor: vendorCodeArts, name: "body over the limit", body: overLimit, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorCodeArts, name: "body over the limit, chunked", body: overLimit, chunked: true, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorCodeArts, name: "body over the limit, no credentials", body: overLimit, headers: []string{"Content-Type", ctJSON}, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorCodeArts, name: "X-Auth-Token over 100,000 characters", body: valid, headers: []string{"X-Auth-Token", strings.Repeat("t", 100001), "Content-Type", ctJSON}, status: []int{401}, code: "APIGW.0301"},
		{vendor: vendorCodeArts, name: "traversal in repository_uuid", method: http.MethodGet, target: "/v2/repositories/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", status: []int{400}, code: "CH.010001"},
		{vendor: vendorCodeArts, name: "traversal in the name check", method: http.MethodGet, target: "/v1/projects/" + p + "/repositories/validation/..%2F..%2Fetc", status: []int{400}, code: "CH.010001"},
		{vendor: vendorCodeArts, name: "NUL in project_uuid", method: http.MethodGet, target: "/v1/projects/4838955a48e2492bbe44b31bc4c272f%00/repositories", status: []int{400}, code: "CH.010001"},
		{vendor: vendorCodeArts, name: "100 KB repository_uuid in the path", method: http.MethodDelete, target: "/v1/repositories/" + strings.Repeat("a", 100<<10), status: []int{400, 414}},
		{vendor: vendorCodeArts, name: "100 KB query (search)", method: http.MethodGet, target: "/v1/projects/" + p + "/repositories?search=" + strings.Repeat("s", 100<<10), status: []int{400, 414},
			gap: "no limit on the URL: a 100 KB query is served"},
		{vendor: vendorCodeArts, name: "64 KB header", method: http.MethodGet, target: "/v1/projects/" + p + "/repositories", extra: []string{"X-Padding", strings.Repeat("p", 64<<10)}, status: []int{400, 431},
			gap: "no limit on header size below net/http's 1 MB"},
	}
}

func stageCases() []batteryCase {
	valid := `{"message":"m","content":"aGk="}`
	bad := func(name, body string) batteryCase {
		return batteryCase{vendor: vendorStage, name: name, body: body, status: []int{400}, code: "SVCSTG.REPO.0400"}
	}
	gap := func(c batteryCase, why string) batteryCase { c.gap = why; return c }
	at := func(c batteryCase, target string, state ...string) batteryCase {
		c.target, c.state = target, state
		return c
	}
	overLimit := `{"message":"m","content":"` + strings.Repeat("QUFB", batteryMaxBody/4) + `"}`
	longRef := strings.Repeat("r", 100<<10)
	return []batteryCase{
		bad("truncated JSON", `{"message":"m","content":"aG`),
		bad("truncated after a key", `{"message":`),
		bad("unquoted key", `{message:"m",content:"aGk="}`),
		bad("trailing comma", `{"message":"m","content":"aGk=",}`),
		gap(bad("trailing garbage after the object", valid+`}`), "trailing data after the JSON value is ignored"),
		gap(bad("a second object after the first", valid+valid), "trailing data after the JSON value is ignored"),
		gap(bad("duplicate key content", `{"message":"m","content":"aGk=","content":"aGVsbG8="}`), "duplicate keys are accepted, the last one wins"),
		gap(bad("duplicate key message", `{"message":"m","message":"n","content":"aGk="}`), "duplicate keys are accepted, the last one wins"),
		bad("10,000-deep array", deepJSON("[", "]", 10000, "")),
		bad("10,000-deep object as content", `{"message":"m","content":`+deepJSON(`{"a":`, `}`, 9999, `1`)+`}`),
		bad("100,000-deep nesting", deepJSON("[", "]", 100000, "")),
		bad("900 KB of content that is not base64", `{"message":"m","content":"`+strings.Repeat("!", hugeString)+`"}`),
		bad("content is a number", `{"message":"m","content":5}`),
		bad("message is an array", `{"message":["m"],"content":"aGk="}`),
		bad("content is null", `{"message":"m","content":null}`),
		bad("body is an array", `[`+valid+`]`),
		bad("invalid UTF-8 in message", "{\"message\":\"m\xff\",\"content\":\"aGk=\"}"),
		bad("raw NUL byte in a string", "{\"message\":\"m\x00\",\"content\":\"aGk=\"}"),
		gap(bad(`\u0000 in the commit message`, `{"message":"a\u0000b","content":"aGk="}`), "git refuses a NUL in a commit message; the fake accepts it"),
		gap(at(bad("NUL in the file path", valid), stageFiles+"new%00.txt?ref=master"), "a path with a NUL (which git cannot store) is accepted"),
		gap(at(bad("invalid UTF-8 in the file path", valid), stageFiles+"new%FF.txt?ref=master"), "stored as invalid UTF-8, answered with U+FFFD: the answered path is not the stored one"),
		gap(at(bad("NUL in the ref", valid), stageFiles+"new.txt?ref=mas%00ter", stageFiles+"trees?ref=mas%00ter"), "a ref with a NUL (which git cannot name) is accepted"),
		at(bad("empty path segment", valid), stageFiles+"a::b.txt?ref=master"),
		bad("URL-safe base64", `{"message":"m","content":"-_-_"}`),
		bad("empty message", `{"message":"","content":"aGk="}`),
		bad("empty body", ``),
		{vendor: vendorStage, name: "text/plain content type", body: valid, headers: []string{"X-Auth-Token", "battery-token", "X-Repo-Auth", huaweitest.RepoAuth, "Content-Type", "text/plain"}, status: []int{400}, code: "SVCSTG.REPO.0400"},
		{vendor: vendorStage, name: "missing content type", body: valid, headers: []string{"X-Auth-Token", "battery-token", "X-Repo-Auth", huaweitest.RepoAuth}, status: []int{400}, code: "SVCSTG.REPO.0400"},
		{vendor: vendorStage, name: "body over the limit", body: overLimit, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorStage, name: "body over the limit, chunked", body: overLimit, chunked: true, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorStage, name: "body over the limit, no credentials", body: overLimit, headers: []string{"Content-Type", ctJSON}, status: []int{413}, code: "APIGW.0201"},
		{vendor: vendorStage, name: "creating an existing file", target: stageFiles + "seed.txt?ref=master", body: `{"message":"m","content":"b3RoZXI="}`, status: []int{400}, code: "SVCSTG.REPO.0403"},
		{vendor: vendorStage, name: "missing X-Repo-Auth", body: valid, headers: []string{"X-Auth-Token", "battery-token", "Content-Type", ctJSON}, status: []int{400}, code: "SVCSTG.REPO.0450"},
		{vendor: vendorStage, name: "malformed X-Repo-Auth", body: valid, headers: []string{"X-Auth-Token", "battery-token", "Content-Type", ctJSON, "X-Repo-Auth", "../x"}, status: []int{400}, code: "SVCSTG.REPO.0451"},
		{vendor: vendorStage, name: "X-Auth-Token over 100,000 characters", body: valid, headers: []string{"X-Auth-Token", strings.Repeat("t", 100001), "Content-Type", ctJSON, "X-Repo-Auth", huaweitest.RepoAuth}, status: []int{401}, code: "APIGW.0301"},
		{vendor: vendorStage, name: "100 KB file path", target: stageFiles + strings.Repeat("f", 100<<10) + "?ref=master", body: valid, status: []int{400, 414},
			gap: "no limit on the URL: a file with a 100 KB name is created"},
		{vendor: vendorStage, name: "100 KB ref", target: stageFiles + "new.txt?ref=" + longRef, body: valid, status: []int{400, 414}, state: []string{stageFiles + "trees?ref=" + longRef},
			gap: "no limit on the URL: a 100 KB ref is created"},
		{vendor: vendorStage, name: "64 KB header", method: http.MethodGet, target: stageFiles + "trees?ref=master", extra: []string{"X-Padding", strings.Repeat("p", 64<<10)}, status: []int{400, 431},
			gap: "no limit on header size below net/http's 1 MB"},
	}
}

// batteryState reads every vendor's state back: the Endor namespace, the
// CodeArts project, the ServiceStage ref and its seed file, and the case's
// own targets.
func batteryState(t *testing.T, h *servertest.Server, extra []string) string {
	t.Helper()
	var b strings.Builder
	read := func(target string, headers []string) {
		r := batterySend(t, h, batteryCase{method: http.MethodGet, target: target, headers: headers})
		fmt.Fprintf(&b, "%s → %d %s\n", target[:min(len(target), 120)], r.Status, r.Raw)
	}
	read(endortest.Path+"?list_parameters.page_size=500", batteryEndorHeaders)
	read("/v1/projects/"+huaweitest.RepoProject+"/repositories?page_size=100", batteryCodeArtsHeaders)
	read(stageFiles+"trees?ref=master", batteryStageHeaders)
	read(stageFiles+"seed.txt?ref=master", batteryStageHeaders)
	for _, target := range extra {
		read(target, batteryStageHeaders)
	}
	return b.String()
}

// stateDiff shows the state reads whose answers changed.
func stateDiff(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out strings.Builder
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(b) {
			x = b[i]
		}
		if i < len(a) {
			y = a[i]
		}
		if x != y {
			fmt.Fprintf(&out, "before: %.3000s\nafter:  %.3000s\n", x, y)
		}
	}
	return out.String()
}

// batterySend sends one request over real HTTP; t is the case's own test.
func batterySend(t *testing.T, h *servertest.Server, c batteryCase) response {
	t.Helper()
	var body io.Reader = http.NoBody
	if c.body != "" || c.method == http.MethodPost {
		if c.chunked {
			body = io.MultiReader(strings.NewReader(c.body)) // no length known: sent chunked
		} else {
			body = strings.NewReader(c.body)
		}
	}
	req, err := http.NewRequest(c.method, h.URL+c.target, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Set(c.headers[i], c.headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.100s: %v", c.method, c.target, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.JSON)
	return r
}

// checkEnvelope asserts r is an error in vendor's envelope with code (any code when "").
func checkEnvelope(t *testing.T, vendor string, r response, code string) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if len(r.Raw) > maxErrorBody {
		t.Errorf("error body of %d bytes (over %d): it quotes the input: %.200s…", len(r.Raw), maxErrorBody, r.Raw)
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(r.Raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("error body is not a JSON object: %v: %.300s", err, r.Raw)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	isGateway := m["error_code"] != nil && gatewayCodeRE.MatchString(fmt.Sprint(m["error_code"]))
	switch {
	case vendor == vendorEndor:
		if !slices.Equal(keys, []string{"code", "details", "message"}) && !slices.Equal(keys, []string{"code", "message"}) {
			t.Errorf("Endor error with keys %v, want code, message[, details]: %s", keys, r.Raw)
		}
		n, ok := m["code"].(json.Number)
		if !ok || n.String() == "0" || strings.ContainsAny(n.String(), ".eE") {
			t.Errorf("Endor code %v is not a non-zero gRPC code", m["code"])
		}
		if msg, _ := m["message"].(string); msg == "" {
			t.Errorf("Endor error without a message: %s", r.Raw)
		}
		if d, ok := m["details"].([]any); ok {
			info, _ := d[0].(map[string]any)
			if len(d) != 1 || info["@type"] != httpErrorInfoType || fmt.Sprint(info["status_code"]) != fmt.Sprint(r.Status) {
				t.Errorf("Endor details %v, want one HTTPErrorInfo with status_code %d", d, r.Status)
			}
		}
		if code != "" && fmt.Sprint(m["code"]) != code {
			t.Errorf("Endor code %v, want %s: %s", m["code"], code, r.Raw)
		}
		return
	case isGateway && (vendor == vendorStage || vendor == vendorCodeArts):
		// Huawei's API gateway answers in its own shape, in front of both
		// services (documented).
		for _, k := range keys {
			if k != "error_code" && k != "error_msg" && k != "request_id" {
				t.Errorf("gateway error with key %q: %s", k, r.Raw)
			}
		}
		if msg, _ := m["error_msg"].(string); msg == "" {
			t.Errorf("gateway error without error_msg: %s", r.Raw)
		}
	case vendor == vendorCodeArts:
		e, _ := m["error"].(map[string]any)
		if !slices.Equal(keys, []string{"error", "status"}) || m["status"] != "failed" || len(e) != 2 ||
			!codeArtsCodeRE.MatchString(fmt.Sprint(e["code"])) || fmt.Sprint(e["message"]) == "" {
			t.Errorf(`not the CodeArts envelope {"error":{"code","message"},"status":"failed"}: %s`, r.Raw)
		}
		if code != "" && fmt.Sprint(e["code"]) != code {
			t.Errorf("CodeArts code %v, want %s: %s", e["code"], code, r.Raw)
		}
		return
	case vendor == vendorStage:
		if !slices.Equal(keys, []string{"error_code", "error_msg"}) || !stageCodeRE.MatchString(fmt.Sprint(m["error_code"])) || fmt.Sprint(m["error_msg"]) == "" {
			t.Errorf(`not the ServiceStage envelope {"error_code","error_msg"}: %s`, r.Raw)
		}
	default:
		t.Fatalf("a %s error in the gateway's shape: %s", vendor, r.Raw)
	}
	if code != "" && fmt.Sprint(m["error_code"]) != code {
		t.Errorf("error_code %v, want %s: %s", m["error_code"], code, r.Raw)
	}
}

// batterySeed resets the server and stores one object, repository and file
// each, that a wrongly accepted case would overwrite or add to. Every case
// starts from it, so that a case that changes the state cannot make a later
// case pass for the wrong reason (as a duplicate, say).
func batterySeed(t *testing.T, h *servertest.Server) {
	t.Helper()
	h.Srv.Reset()
	endorSeed, _ := json.Marshal(endortest.Version("main"))
	for _, c := range []batteryCase{
		{target: endortest.Path, body: string(endorSeed), headers: batteryEndorHeaders},
		{target: "/v1/repositories", body: `{"project_uuid":"` + huaweitest.RepoProject + `","name":"existing"}`, headers: batteryCodeArtsHeaders},
		{target: stageFiles + "seed.txt?ref=master", body: `{"message":"seed","content":"c2VlZA=="}`, headers: batteryStageHeaders},
	} {
		c.method = http.MethodPost
		if r := batterySend(t, h, c); r.Status != http.StatusOK {
			t.Fatalf("seeding %s: %d %s", c.target, r.Status, r.Raw)
		}
	}
}

func TestBatteryBadInputChangesNoState(t *testing.T) {
	h := servertest.New(t, server.Config{MaxBodyBytes: batteryMaxBody})
	cases := slices.Concat(endorCases(), codeArtsCases(), stageCases())
	counts := map[string]int{}
	for _, c := range cases {
		c = c.defaults()
		counts[c.vendor]++
		t.Run(c.vendor+"/"+c.name, func(t *testing.T) {
			if c.gap != "" {
				t.Logf("known gap: %s", c.gap)
			}
			batterySeed(t, h)
			before := batteryState(t, h, c.state)
			r := batterySend(t, h, c)
			if !slices.Contains(c.status, r.Status) {
				t.Errorf("status %d, want %v: %.300s", r.Status, c.status, r.Raw)
			} else {
				checkEnvelope(t, c.vendor, r, c.code)
			}
			if after := batteryState(t, h, c.state); after != before {
				t.Errorf("the request changed the state:\n%s", stateDiff(before, after))
			}
		})
	}
	t.Logf("battery: %d cases (Endor %d, CodeArts %d, ServiceStage %d)", len(cases), counts[vendorEndor], counts[vendorCodeArts], counts[vendorStage])
	if len(cases) < 50 {
		t.Errorf("the battery has %d cases, want at least 50", len(cases))
	}
}

// A JSON media type with parameters is still JSON: the battery's content
// type cases must not be refused for the wrong reason.
func TestReliabilityContentTypeWithCharsetIsAccepted(t *testing.T) {
	h := servertest.New(t, server.Config{})
	const ct = "application/json; charset=utf-8"
	for _, c := range []struct {
		name, target, body string
		headers            []string
	}{
		{"endor", endortest.Path, `{"meta":{"name":"main","parent_uuid":"` + endortest.Project + `"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, []string{"Authorization", token, "Content-Type", ct}},
		{"codearts", "/v1/repositories", `{"project_uuid":"` + huaweitest.RepoProject + `","name":"charset"}`, []string{"X-Auth-Token", "t", "Content-Type", ct}},
		{"servicestage", stageFiles + "charset.txt?ref=master", `{"message":"m","content":"aGk="}`, []string{"X-Auth-Token", "t", "X-Repo-Auth", huaweitest.RepoAuth, "Content-Type", ct}},
	} {
		if r := h.Do(http.MethodPost, c.target, c.body, c.headers...); r.Status != http.StatusOK {
			t.Errorf("%s with %q: %d %s", c.name, ct, r.Status, r.Raw)
		}
	}
}

// ".." and "." are names inside the fake repository: a traversal path is
// stored and read back as a repository path and never touches the disk.
func TestReliabilityServiceStagePathTraversalStaysInTheFake(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const escape = "../../etc/passwd"
	statOf := func(p string) string {
		fi, err := os.Lstat(p)
		if err != nil {
			return "absent"
		}
		return fmt.Sprintf("%v %d %v", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
	}
	beforeEscape, beforeEtc := statOf(escape), statOf("/etc/passwd")

	h := servertest.New(t, server.Config{})
	content := []byte("root:x:0:0:repomock:/root:/bin/sh\n")
	body := map[string]string{"message": "traversal", "content": base64.StdEncoding.EncodeToString(content)}
	r := h.Do(http.MethodPost, stageFiles+"..:..:etc:passwd?ref=master", body, stageHeaders...)
	if r.Status != http.StatusOK {
		t.Fatalf("create ..:..:etc:passwd: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, r.Raw, `{"path":"../../etc/passwd"}`)
	// The same file through the %2F form of the path.
	for _, target := range []string{stageFiles + "..:..:etc:passwd?ref=master", stageFiles + "..%2F..%2Fetc%2Fpasswd?ref=master"} {
		sh := h.Do(http.MethodGet, target, nil, stageHeaders...)
		if sh.Status != http.StatusOK {
			t.Fatalf("read %s: %d %s", target, sh.Status, sh.Raw)
		}
		vendorstest.JSONEqual(t, sh.Raw, fmt.Sprintf(`{"path":%q,"sha":%q,"encoding":"base64","content":%q}`, escape, huaweitest.FileSHA(content), body["content"]))
	}
	// A traversal in the project is a repository name.
	r = h.Do(http.MethodPost, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/..:..:../etc:shadow?ref=master", body, stageHeaders...)
	if r.Status != http.StatusOK {
		t.Fatalf("create in project ..:..:..: %d %s", r.Status, r.Raw)
	}
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/..:..:../trees?ref=master", nil, stageHeaders...).Raw, `{"paths":["etc/shadow"]}`)
	vendorstest.JSONEqual(t, h.Do(http.MethodGet, stageFiles+"trees?ref=master", nil, stageHeaders...).Raw, `{"paths":["../../etc/passwd"]}`)
	// An absolute path is an empty first segment: refused.
	r = h.Do(http.MethodPost, stageFiles+":etc:passwd?ref=master", body, stageHeaders...)
	if r.Status != http.StatusBadRequest || r.JSON["error_code"] != "SVCSTG.REPO.0400" {
		t.Errorf("create :etc:passwd: %d %s, want 400 SVCSTG.REPO.0400", r.Status, r.Raw)
	}

	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the working directory is not empty: %v %v", entries, err)
	}
	if got := statOf(escape); got != beforeEscape {
		t.Errorf("%s relative to the working directory changed: %s → %s", escape, beforeEscape, got)
	}
	if got := statOf("/etc/passwd"); got != beforeEtc {
		t.Errorf("/etc/passwd changed: %s → %s", beforeEtc, got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "etc")); err == nil {
		t.Errorf("an etc directory appeared in the working directory")
	}
}

// A path parameter is percent-decoded once: "%2541" on the wire is the
// name "%41", not "A"; "%252F" is a literal "%2F", not a slash. Today the
// fakes decode again what net/http already decoded (when the request path
// needs no RawPath), so "%41" is stored or checked as "A".
func TestReliabilityPathParamsDecodeOnce(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := map[string]string{"message": "m", "content": "aGk="}

	r := h.Do(http.MethodPost, stageFiles+"%2541.txt?ref=master", body, stageHeaders...)
	if r.Status != http.StatusOK || r.JSON["path"] != "%41.txt" {
		t.Errorf("create file %%41.txt (sent as %%2541.txt): %d %s, want 200 {\"path\":\"%%41.txt\"}", r.Status, r.Raw)
	}
	r = h.Do(http.MethodPost, stageFiles+"a%252Fb.txt?ref=master", body, stageHeaders...)
	if r.Status != http.StatusOK || r.JSON["path"] != "a%2Fb.txt" {
		t.Errorf("create file a%%2Fb.txt (sent as a%%252Fb.txt): %d %s, want 200 {\"path\":\"a%%2Fb.txt\"}", r.Status, r.Raw)
	}
	if tr := h.Do(http.MethodGet, stageFiles+"trees?ref=master", nil, stageHeaders...); !strings.Contains(tr.Raw, `"%41.txt"`) || strings.Contains(tr.Raw, `"A.txt"`) {
		t.Errorf("trees: %s, want %%41.txt and no A.txt", tr.Raw)
	}
	// The project is one parameter too.
	r = h.Do(http.MethodPost, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/grp%2541/x.txt?ref=master", body, stageHeaders...)
	if r.Status != http.StatusOK {
		t.Fatalf("create in project grp%%41: %d %s", r.Status, r.Raw)
	}
	if tr := h.Do(http.MethodGet, "/v1/"+huaweitest.ProjectID+"/git/files/repomock/grpA/trees?ref=master", nil, stageHeaders...); strings.TrimSpace(tr.Raw) != `{"paths":[]}` {
		t.Errorf("project grpA has files written to grp%%41: %s", tr.Raw)
	}
	// CodeArts: the name "%41" breaks the name rule; it must not be checked as "A".
	r = h.Do(http.MethodGet, "/v1/projects/"+huaweitest.RepoProject+"/repositories/validation/%2541", nil, "X-Auth-Token", "t")
	if r.Status != http.StatusBadRequest {
		t.Errorf("name check of %%41 (sent as %%2541): %d %s, want 400 CH.010001", r.Status, r.Raw)
	}
}

// Beyond net/http's own header limit (1 MB by default, for httptest and
// for server.Server.Serve alike) the request never reaches the handler:
// net/http answers a plain-text 431 that no vendor sends. This documents
// that limit; the battery's 64 KB case is what the handler itself sees.
func TestReliabilityHeadersBeyondNetHTTPLimit(t *testing.T) {
	h := servertest.New(t, server.Config{})
	srv, err := server.New(server.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	for _, base := range []struct{ name, url string }{{"httptest", h.URL}, {"server.Server.Serve", "http://" + ln.Addr().String()}} {
		req, _ := http.NewRequest(http.MethodGet, base.url+endortest.Path, nil)
		req.Header.Set("Authorization", token)
		req.Header.Set("X-Padding", strings.Repeat("p", 2<<20))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", base.name, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s: a 2 MB header got %d, want net/http's 431", base.name, resp.StatusCode)
		}
		t.Logf("%s: 2 MB header → %d %q %q (net/http's own answer, not the vendor's shape)",
			base.name, resp.StatusCode, resp.Header.Get("Content-Type"), bytes.TrimSpace(raw))
	}
}

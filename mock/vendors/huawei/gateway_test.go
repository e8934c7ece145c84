package huawei_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/vendors/huawei"
)

var signedAt = time.Date(2026, 11, 22, 7, 24, 42, 0, time.UTC)

const (
	ak = "HPUAEXAMPLEACCESSKEY"
	sk = "exampleSecretKeyForTheMockOnly0123456789"
)

// sdkRequest builds and signs a request with the official SDK's own signer,
// as its clients do, and returns it as net/http sees it.
type sdkRequest struct {
	method, path string
	query        map[string]string
	headers      map[string]string
	body         string
}

func (r sdkRequest) sign(t *testing.T, ak, sk string, at time.Time) *http.Request {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint("http://127.0.0.1:8080").WithPath(r.path).WithMethod(r.method)
	for k, v := range r.query {
		b.AddQueryParam(k, reflect.ValueOf(v))
	}
	for k, v := range r.headers {
		b.AddHeaderParam(k, v)
	}
	b.AddHeaderParam(huawei.HeaderDate, at.UTC().Format("20060102T150405Z"))
	if r.body != "" {
		b.WithBody("json", r.body)
	}
	sdkReq := b.Build()
	headers, err := signer.Sign(sdkReq, ak, sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		sdkReq.AddHeaderParam(k, v)
	}
	req, err := sdkReq.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	return req
}

var createFile = sdkRequest{
	method:  http.MethodPost,
	path:    "/v1/0123456789abcdef0123456789abcdef/git/files/team/group:app/app:project.rb",
	query:   map[string]string{"ref": "master"},
	headers: map[string]string{"Content-Type": "application/json;charset=UTF-8", "X-Repo-Auth": "my-auth", "X-Project-Id": "0123456789abcdef0123456789abcdef"},
	body:    `{"message":"create a new file","content":"aGVsbG8K"}`,
}

func verifier(creds ...huawei.Credential) *huawei.Verifier {
	return huawei.New(huawei.Config{
		Credentials: creds,
		Clock:       func() time.Time { return signedAt },
		RequestID:   func() string { return "req-1" },
	})
}

func authenticate(v *huawei.Verifier, req *http.Request) error {
	return v.Authenticate(echo.New().NewContext(req, httptest.NewRecorder()))
}

// failure checks err is the gateway's 401 with the given reason, body compared whole.
func failure(t *testing.T, err error, why string) {
	t.Helper()
	var gw *huawei.Error
	if !errors.As(err, &gw) {
		t.Fatalf("err = %v, want the gateway's 401", err)
	}
	if gw.StatusCode() != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", gw.StatusCode())
	}
	body, _ := json.Marshal(gw)
	want := `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: ` + why + `","request_id":"req-1"}`
	if string(body) != want {
		t.Errorf("body\n got: %s\nwant: %s", body, want)
	}
}

func TestSDKSignatureVerifies(t *testing.T) {
	v := verifier(huawei.Credential{AK: ak, SK: sk})
	for name, r := range map[string]sdkRequest{
		"create file (colons in the path, a query, a body)": createFile,
		"get without body": {method: http.MethodGet, path: "/v2/repositories/d161fd00d9194816a455cb3c1d6a783e"},
		"several query parameters": {method: http.MethodDelete, path: "/v1/p/git/files/n/p/a.txt",
			query: map[string]string{"ref": "master", "message": "remove it, please", "sha": "ce013625030ba8dba906f756967f9e9ca394464a"}},
	} {
		t.Run(name, func(t *testing.T) {
			req := r.sign(t, ak, sk, signedAt)
			if err := authenticate(v, req); err != nil {
				t.Fatalf("a correct SDK signature was refused: %v", err)
			}
			// The body is still there for the handler.
			got, _ := io.ReadAll(req.Body)
			if string(got) != r.body {
				t.Errorf("body after Authenticate = %q, want %q", got, r.body)
			}
		})
	}
}

func TestTamperedRequestsFail(t *testing.T) {
	v := verifier(huawei.Credential{AK: ak, SK: sk})
	cases := map[string]func(*http.Request){
		"signature": func(r *http.Request) {
			h := r.Header.Get("Authorization")
			last := h[len(h)-1]
			flip := byte('0')
			if last == '0' {
				flip = '1'
			}
			r.Header.Set("Authorization", h[:len(h)-1]+string(flip))
		},
		"body": func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(`{"message":"x","content":"aGVsbG8K"}`))
		},
		"query":         func(r *http.Request) { r.URL.RawQuery = "ref=develop" },
		"path":          func(r *http.Request) { r.URL.Path = strings.Replace(r.URL.Path, "app:project.rb", "app:other.rb", 1) },
		"signed header": func(r *http.Request) { r.Header.Set("X-Repo-Auth", "someone-else") },
		"method":        func(r *http.Request) { r.Method = http.MethodPut },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			req := createFile.sign(t, ak, sk, signedAt)
			tamper(req)
			failure(t, authenticate(v, req), "signature does not match")
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		failure(t, authenticate(v, createFile.sign(t, ak, "another-secret", signedAt)), "signature does not match")
	})
	t.Run("unknown access key", func(t *testing.T) {
		failure(t, authenticate(v, createFile.sign(t, "HPUAUNKNOWNKEY", sk, signedAt)), "unknown access key HPUAUNKN…")
	})
}

// The gateway refuses an X-Sdk-Date more than 15 minutes from its clock
// (vendors.md §4), whether or not it knows the key (§7): so does the
// verifier without credentials, which checks no signature.
func TestSigningDateWindow(t *testing.T) {
	for name, v := range map[string]*huawei.Verifier{
		"credentials":    verifier(huawei.Credential{AK: ak, SK: sk}),
		"no credentials": verifier(),
	} {
		t.Run(name, func(t *testing.T) {
			for _, off := range []time.Duration{14 * time.Minute, -14 * time.Minute, 15 * time.Minute} {
				if err := authenticate(v, createFile.sign(t, ak, sk, signedAt.Add(off))); err != nil {
					t.Errorf("signed %v from the server's time: %v", off, err)
				}
			}
			for _, off := range []time.Duration{16 * time.Minute, -16 * time.Minute, 24 * time.Hour} {
				failure(t, authenticate(v, createFile.sign(t, ak, sk, signedAt.Add(off))), "X-Sdk-Date is more than 15 minutes off the server's time")
			}
		})
	}
	// Without credentials the date is checked before anything else about
	// the key: an unknown one, stale, gets the same answer.
	failure(t, authenticate(verifier(), createFile.sign(t, "HPUAUNKNOWNKEY", "x", signedAt.Add(time.Hour))), "X-Sdk-Date is more than 15 minutes off the server's time")
}

func TestMalformedCredentials(t *testing.T) {
	v := verifier(huawei.Credential{AK: ak, SK: sk})
	req := func(headers ...string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/v1/repositories", strings.NewReader(`{}`))
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	date := signedAt.Format("20060102T150405Z")
	cases := []struct {
		name    string
		headers []string
		why     string
	}{
		{"nothing", nil, "no X-Auth-Token and no signed Authorization header"},
		{"bearer", []string{"Authorization", "Bearer abc"}, "malformed Authorization header: want SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…"},
		{"parts missing", []string{"Authorization", "SDK-HMAC-SHA256 Access=" + ak, huawei.HeaderDate, date}, "malformed Authorization header: want Access, SignedHeaders and Signature"},
		{"no date", []string{"Authorization", "SDK-HMAC-SHA256 Access=" + ak + ", SignedHeaders=x-sdk-date, Signature=00"}, "X-Sdk-Date is missing or not of the form 20060102T150405Z"},
		{"bad date", []string{"Authorization", "SDK-HMAC-SHA256 Access=" + ak + ", SignedHeaders=x-sdk-date, Signature=00", huawei.HeaderDate, "2026-11-22T07:24:42Z"}, "X-Sdk-Date is missing or not of the form 20060102T150405Z"},
		{"empty token", []string{huawei.HeaderToken, ""}, "X-Auth-Token is empty"},
		{"token over 100000", []string{huawei.HeaderToken, strings.Repeat("t", 100001)}, "X-Auth-Token is longer than 100000 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := req(tc.headers...)
			if tc.name == "empty token" {
				r.Header[huawei.HeaderToken] = []string{""}
			}
			failure(t, authenticate(v, r), tc.why)
		})
	}
	// Any token of the documented length passes (IAM is not faked).
	for _, tok := range []string{"t", strings.Repeat("t", 100000)} {
		if err := authenticate(v, req(huawei.HeaderToken, tok)); err != nil {
			t.Errorf("token of %d characters refused: %v", len(tok), err)
		}
	}
}

// Without credentials a well-formed signature of any key passes, unchecked;
// its signing date is still checked (TestSigningDateWindow).
func TestWithoutCredentialsSignaturesAreNotVerified(t *testing.T) {
	v := verifier()
	req := createFile.sign(t, "ANYKEY", "any-secret", signedAt.Add(-10*time.Minute))
	req.Header.Set("X-Repo-Auth", "not-what-was-signed")
	if err := authenticate(v, req); err != nil {
		t.Fatalf("without --huawei-credentials a well-formed signature must pass: %v", err)
	}
}

func TestParseCredentials(t *testing.T) {
	got, err := huawei.ParseCredentials("AK1:SK1, AK2:S:K2")
	if err != nil {
		t.Fatal(err)
	}
	want := []huawei.Credential{{AK: "AK1", SK: "SK1"}, {AK: "AK2", SK: "S:K2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{"AK1", "AK1:", ":SK1", "AK1:SK1,nocolon"} {
		if _, err := huawei.ParseCredentials(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

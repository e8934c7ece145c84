package vendorstest

import (
	"net/http"
	"strings"
	"testing"
)

func TestReplayCatchesANonConformingResponse(t *testing.T) {
	// The replay is the independent check of every test's traffic; it must
	// be able to fail. A create answered with an object lacking its
	// required context, and an error body whose code is a string:
	traffic := []Exchange{
		{Method: "POST", Target: "/v1/namespaces/acme.prod/repository-versions", ReqHeader: http.Header{"Content-Type": {"application/json"}}, Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"uuid":"x","meta":{"name":"main"}}`)},
		{Method: "GET", Target: "/v1/namespaces/acme.prod/repository-versions" + "/0123456789abcdef01234567", Status: 404,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"code":"5","message":"Not Found"}`)},
		{Method: "GET", Target: "/v1/namespaces/acme.prod/repository-versions", Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"list":{"objects":[],"response":{}}}`)},
		// A CodeArts create answered with a short uuid, and a ServiceStage
		// error without its code: the other specs are replayed too.
		{Method: "POST", Target: "/v1/repositories", Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"result":{"repository_uuid":"abc"},"status":"success"}`)},
		{Method: "POST", Target: "/v1/" + strings.Repeat("0", 32) + "/git/files/ns/proj/a.txt?ref=master", Status: 400,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"error_msg":"no code"}`)},
	}
	checked, errs := replay(t, traffic, loadSpecRouters(t, nil))
	if checked != 5 || len(errs) != 4 {
		t.Fatalf("checked %d, %d errors (%v); want 5 checked and the 4 bad ones caught", checked, len(errs), errs)
	}
}

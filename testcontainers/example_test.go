package repomock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	repomock "github.com/repomock/repomock/testcontainers"
)

func ExampleRun() {
	ctx := context.Background()

	ctr, err := repomock.Run(ctx, repomock.DefaultImage,
		repomock.WithSeed(1),
		repomock.WithRepoAuths("my-git-auth"),
	)
	defer func() {
		if err := testcontainers.TerminateContainer(ctr); err != nil {
			log.Printf("failed to terminate container: %s", err)
		}
	}()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}

	// post sends a JSON body with the headers, and returns the status and
	// the decoded answer.
	post := func(url string, headers map[string]string, body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			log.Fatal(err)
		}
		return resp.StatusCode, out
	}

	// Endor Labs: create a repository version with a bearer token.
	endorURL, err := ctr.EndorURL(ctx)
	if err != nil {
		log.Printf("failed to get the Endor URL: %s", err)
		return
	}
	status, _ := post(endorURL+"/v1/namespaces/acme.prod/repository-versions",
		map[string]string{"Authorization": "Bearer any-token"},
		`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},
		  "context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`)
	fmt.Println("endor:", status)

	// Huawei CodeArts Repo: create a repository with an IAM token.
	codeartsURL, err := ctr.CodeArtsURL(ctx)
	if err != nil {
		log.Printf("failed to get the CodeArts URL: %s", err)
		return
	}
	status, _ = post(codeartsURL+"/v1/repositories",
		map[string]string{"X-Auth-Token": "any-token"},
		`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"demotest1"}`)
	fmt.Println("codearts:", status)

	// Huawei ServiceStage: create a file; ":" in project and path means "/".
	stageURL, err := ctr.ServiceStageURL(ctx)
	if err != nil {
		log.Printf("failed to get the ServiceStage URL: %s", err)
		return
	}
	status, file := post(stageURL+"/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/app:project.rb?ref=master",
		map[string]string{"X-Auth-Token": "any-token", "X-Repo-Auth": "my-git-auth"},
		`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`)
	fmt.Println("servicestage:", status, file["path"])

	// The journal has every vendor request, newest first.
	requests, err := ctr.Requests(ctx)
	if err != nil {
		log.Printf("failed to read the journal: %s", err)
		return
	}
	fmt.Println("requests:", len(requests))
	for _, r := range requests {
		fmt.Println(r.Method, r.OperationID, r.Status)
	}

	// Output:
	// endor: 200
	// codearts: 200
	// servicestage: 200 app/project.rb
	// requests: 3
	// POST CreateFile 200
	// POST CreateRepository 200
	// POST RepositoryVersionService_CreateRepositoryVersion 200
}

// sendJSON sends a request with a JSON body (when not empty) and an
// Authorization header, and returns the status and the body.
func sendJSON(ctx context.Context, method, url, authorization, body string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(data))
}

const exampleVersion = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`

func ExampleContainer_Session() {
	ctx := context.Background()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}

	// In a test, ctr.Session(t) names the session after the test and
	// deletes it at the end. Two sessions never see each other's objects.
	alice, _ := ctr.NewSession(ctx, "alice")
	bob, _ := ctr.NewSession(ctx, "bob")
	status, _ := sendJSON(ctx, http.MethodPost, alice.EndorURL()+"/v1/namespaces/acme.prod/repository-versions", "Bearer t", exampleVersion)
	fmt.Println("alice creates:", status)
	for _, s := range []*repomock.Session{alice, bob} {
		_, body := sendJSON(ctx, http.MethodGet, s.EndorURL()+"/v1/namespaces/acme.prod/repository-versions?list_parameters.count=true", "Bearer t", "")
		fmt.Println(s.Name, "sees:", body)
	}
	sessions, _ := ctr.Sessions(ctx)
	for _, s := range sessions {
		fmt.Println("session", s.Name, "objects", s.Objects)
	}
	_ = alice.Delete(ctx)

	// Output:
	// alice creates: 200
	// alice sees: {"count_response":{"count":1}}
	// bob sees: {"count_response":{"count":0}}
	// session alice objects map[endor:1]
	// session bob objects map[endor:0]
}

func ExampleContainer_InjectFault() {
	ctx := context.Background()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}
	s, _ := ctr.NewSession(ctx, "retries")

	// Endor is unavailable once: the client gets Endor's own 503 (code 14),
	// and its retry goes through.
	fault, err := s.InjectFault(ctx, repomock.Fault{
		Vendor: "endor", Operation: "RepositoryVersionService_CreateRepositoryVersion",
		Kind: repomock.FaultError, Status: http.StatusServiceUnavailable, Times: 1,
	})
	if err != nil {
		log.Printf("failed to inject the fault: %s", err)
		return
	}
	url := s.EndorURL() + "/v1/namespaces/acme.prod/repository-versions"
	status, body := sendJSON(ctx, http.MethodPost, url, "Bearer t", exampleVersion)
	fmt.Println(status, body)
	status, _ = sendJSON(ctx, http.MethodPost, url, "Bearer t", exampleVersion)
	fmt.Println("retry:", status)
	// Spent after its one time, the fault has removed itself: Remove is a
	// no-op, so a deferred Remove is safe whether the fault fired or not.
	fmt.Println("remove:", fault.Remove(ctx))

	// Output:
	// 503 {"code":14,"message":"Service Unavailable","details":[{"@type":"type.googleapis.com/internal.endor.ai.rpc.v1.HTTPErrorInfo","status_code":503}]}
	// retry: 200
	// remove: <nil>
}

func ExampleContainer_Stub() {
	ctx := context.Background()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}
	s, _ := ctr.NewSession(ctx, "stubbed")

	// The next get of this uuid answers Endor's own not-found (code 5),
	// once; the vendor writes its body.
	missing, err := s.Stub(ctx, repomock.Stub{
		Request: repomock.StubMatch{Operation: "RepositoryVersionService_GetRepositoryVersion",
			PathParams: map[string]string{"uuid": "656e69058032bf0abaaeb681"}},
		Response: repomock.StubResponse{Error: &repomock.StubError{Code: 5}},
		Times:    1,
	})
	if err != nil {
		log.Printf("failed to add the stub: %s", err)
		return
	}
	status, body := sendJSON(ctx, http.MethodGet, s.EndorURL()+"/v1/namespaces/acme.prod/repository-versions/656e69058032bf0abaaeb681", "Bearer t", "")
	fmt.Println(status, body)
	requests, _ := s.Requests(ctx, repomock.Limit(1))
	fmt.Println(requests[0].Verdict, "by", requests[0].Stub)
	// Spent after its one time, like a fault: Remove is a no-op.
	fmt.Println("remove:", missing.Remove(ctx))

	// A stub cannot say what the vendor never would: its answer is checked
	// against the operation's spec when it is added.
	_, err = s.Stub(ctx, repomock.Stub{
		Request:  repomock.StubMatch{Method: http.MethodGet, Path: "/v1/namespaces/acme.prod/repository-versions"},
		Response: repomock.StubResponse{Body: map[string]any{"list": map[string]any{"objects": "none"}}},
	})
	fmt.Println(err)

	// Output:
	// 404 {"code":5,"message":"Not Found"}
	// stubbed by s1
	// remove: <nil>
	// stub: POST /__admin/stubs: HTTP 400: {"message":"stub: response: Endor Labs never answers so: its spec (GET /v1/namespaces/{tenant_meta.namespace}/repository-versions) refuses it: list.objects: value must be an array"}
}

func ExampleContainer_Requests() {
	ctx := context.Background()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}
	s, _ := ctr.NewSession(ctx, "verify")
	sendJSON(ctx, http.MethodPost, s.EndorURL()+"/v1/namespaces/acme.prod/repository-versions", "Bearer secret-token", exampleVersion)
	sendJSON(ctx, http.MethodGet, s.EndorURL()+"/v1/namespaces/acme.prod/repository-versions", "Bearer secret-token", "")

	// "My code called CreateRepositoryVersion once, with this body."
	reqs, err := ctr.Requests(ctx,
		repomock.InSession("verify"),
		repomock.ForOperation("RepositoryVersionService_CreateRepositoryVersion"))
	if err != nil {
		log.Printf("failed to read the journal: %s", err)
		return
	}
	for _, r := range reqs {
		fmt.Println(r.Method, r.Path, r.Status, r.Verdict)
		fmt.Println("body:", string(r.Request.Body))
		fmt.Println("authorization:", r.Request.Header.Get("Authorization"))
	}

	// Output:
	// POST /v1/namespaces/acme.prod/repository-versions 200 passed
	// body: {"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}
	// authorization: [redacted]
}

func ExampleContainer_WaitForRequests() {
	ctx := context.Background()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage)
	defer func() { _ = testcontainers.TerminateContainer(ctr) }()
	if err != nil {
		log.Printf("failed to start container: %s", err)
		return
	}
	s, _ := ctr.NewSession(ctx, "async")

	// The code under test calls the vendor in the background.
	go func() {
		time.Sleep(200 * time.Millisecond)
		sendJSON(ctx, http.MethodPost, s.EndorURL()+"/v1/namespaces/acme.prod/repository-versions", "Bearer t", exampleVersion)
	}()

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reqs, err := s.WaitForRequests(waitCtx, 1, repomock.ForVendor("endor"), repomock.WithStatus(http.StatusOK))
	if err != nil {
		log.Printf("no request arrived: %s", err)
		return
	}
	fmt.Println(len(reqs), reqs[0].OperationID)

	// Output:
	// 1 RepositoryVersionService_CreateRepositoryVersion
}

// TestInYourRepository is the example of the README's quick start and of
// docs/testing-in-other-repos.md: they show its lines as they are here, and
// docs/docs_test.go fails when they differ. A test in another repository
// takes a session, makes Endor fail once, runs its code and reads the
// journal; the deferred Remove of the fault that fired is a no-op.
func TestInYourRepository(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ctr, err := repomock.Run(ctx, repomock.DefaultImage, repomock.WithExampleFixtures(), repomock.WithEndorTokens("test-token"))
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}

	// In each (parallel) test: a session of its own, deleted at its cleanup.
	s := ctr.Session(t)
	endorURL := s.EndorURL() // http://127.0.0.1:32768/__sessions/TestInYourRepository-1a2b3c4d

	// Endor fails the next create with its 503 (code 14), once.
	fault, err := s.InjectFault(ctx, repomock.Fault{Vendor: "endor", Operation: "RepositoryVersionService_CreateRepositoryVersion",
		Kind: repomock.FaultError, Status: 503, Times: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fault.Remove(ctx); err != nil { // nil, also once the fault has fired
			t.Error(err)
		}
	}()

	// Your code, pointed at endorURL; this one retries a create once after a 503.
	if err := createRepositoryVersion(ctx, endorURL, "test-token"); err != nil {
		t.Fatal(err)
	}

	// What it sent, newest first: the retry, then the create the fault answered.
	reqs, err := s.WaitForRequests(ctx, 2, repomock.ForOperation("RepositoryVersionService_CreateRepositoryVersion"))
	if err != nil {
		t.Fatal(err)
	}
	if reqs[0].Status != 200 || reqs[1].Status != 503 {
		t.Errorf("statuses %d then %d, want 503 then 200", reqs[1].Status, reqs[0].Status)
	}
	body := reqs[0].Request.Body // the JSON your code sent, whole; credentials would read [redacted]

	// The docs' lines end here.
	if string(body) != exampleVersion {
		t.Errorf("body %s, want %s", body, exampleVersion)
	}
}

// createRepositoryVersion stands for the code under test: it creates a
// repository version at an Endor Labs base URL, and tries once more after
// a 503.
func createRepositoryVersion(ctx context.Context, endorURL, token string) error {
	for try := 1; ; try++ {
		status, body := sendJSON(ctx, http.MethodPost, endorURL+"/v1/namespaces/acme.prod/repository-versions", "Bearer "+token, exampleVersion)
		switch {
		case status == http.StatusOK:
			return nil
		case status != http.StatusServiceUnavailable || try == 2:
			return fmt.Errorf("create: HTTP %d: %s", status, body)
		}
	}
}

package repomock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

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

package main

import (
	"net/http"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// operation is one create operation the harness drives.
type operation struct {
	key  string // as --ops names it
	name string // as the table prints it
	// fill makes the request that creates the object named unique.
	fill func(t *vegeta.Target, base, unique string)
}

// The credentials each vendor needs; repomock by default accepts any.
var (
	endorHeader = http.Header{
		"Authorization": {"Bearer t"},
		"Content-Type":  {"application/json"},
	}
	codeartsHeader = http.Header{
		"X-Auth-Token": {"t"},
		"Content-Type": {"application/json"},
	}
	stageHeader = http.Header{
		"X-Auth-Token": {"t"},
		"X-Repo-Auth":  {"repomock-load"},
		"Content-Type": {"application/json"},
	}
)

// operations are the three create operations of issue 6, in table order.
// Target.Request copies the header, so the maps above are only read.
var operations = []operation{{
	key:  "endor",
	name: "Endor CreateRepositoryVersion",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/namespaces/acme.load/repository-versions"
		t.Header = endorHeader
		t.Body = []byte(`{"meta":{"name":"` + unique + `","parent_uuid":"656e69058032bf0abaaeb600"},` +
			`"context":{"id":"main","type":"CONTEXT_TYPE_REF"},"spec":{"version":{"ref":"main"}}}`)
	},
}, {
	key:  "codearts",
	name: "CodeArts CreateRepository",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/repositories"
		t.Header = codeartsHeader
		t.Body = []byte(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"` + unique +
			`","import_members":0,"visibility_level":20}`)
	},
}, {
	key:  "servicestage",
	name: "ServiceStage CreateFile",
	fill: func(t *vegeta.Target, base, unique string) {
		t.Method = http.MethodPost
		t.URL = base + "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/" + unique + ".rb?ref=master"
		t.Header = stageHeader
		t.Body = []byte(`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`)
	},
}}

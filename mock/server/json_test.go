package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
)

// Every vendor's answers are written by one JSON writer: <, > and & as
// they are (neither protojson nor Jackson escapes them) and no trailing
// newline.
func TestOneJSONWriter(t *testing.T) {
	h := servertest.New(t, server.Config{})
	body := endortest.Version("main")
	body["meta"].(map[string]any)["description"] = "a<b & c>d"
	endorAnswer := h.Do(http.MethodPost, endortest.Path, body).Raw

	// Nothing CodeArts serves can hold <, > or &: its answer is checked for
	// the newline only.
	codeartsAnswer := h.Do(http.MethodPost, "/v1/repositories", `{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":"writer"}`,
		"X-Auth-Token", "t", "Content-Type", ctJSON).Raw
	if strings.HasSuffix(codeartsAnswer, "\n") || !strings.HasPrefix(codeartsAnswer, "{") {
		t.Errorf("codearts: %q, want one JSON object and no newline", codeartsAnswer)
	}

	stageAnswer := h.Do(http.MethodPost, "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/a%3Cb%20&%20c%3Ed.txt?ref=master",
		`{"message":"m","content":"aGk="}`, "X-Auth-Token", "t", "X-Repo-Auth", huaweitest.RepoAuth, "Content-Type", ctJSON).Raw

	for vendor, raw := range map[string]string{"endor": endorAnswer, "servicestage": stageAnswer} {
		if !strings.Contains(raw, "a<b & c>d") {
			t.Errorf("%s: %s, want a<b & c>d written as it is", vendor, raw)
		}
		if strings.HasSuffix(raw, "\n") {
			t.Errorf("%s: the answer ends with a newline", vendor)
		}
	}
}

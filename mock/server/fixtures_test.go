package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// A fixture error names the file and the line of the YAML node at fault,
// whichever step found it: the YAML parser, the type of a value, an
// unknown field, or a vendor's rule.
func TestFixtureErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, file, yaml string
		want             string // after "<dir>/<file>:"
	}{{
		name: "endor: a rule broken by the second object",
		file: "endor.yaml",
		yaml: `# comment
repository_versions:
  - namespace: acme.prod
    meta: {name: main, parent_uuid: 6560a00000000000000000aa}
    context: {id: main, type: CONTEXT_TYPE_REF}
  - namespace: acme.prod
    meta:
      parent_uuid: 6560a00000000000000000aa
    context: {id: x, type: CONTEXT_TYPE_REF}
`,
		want: "7: repository_versions[1]: meta.name: value is required",
	}, {
		name: "endor: a field of the object at fault",
		file: "endor.yaml",
		yaml: `repository_versions:
  - namespace: acme.prod
    meta: {name: main, parent_uuid: 6560a00000000000000000aa}
    context: {id: main, type: CONTEXT_TYPE_REF}
  - namespace: acme.prod
    uuid: 6560a00000000000000000aa
    meta: {name: dev, parent_uuid: 6560a00000000000000000aa}
    context: {id: dev, type: CONTEXT_TYPE_REF}
  - namespace: acme.prod
    meta:
      name: x
      parent_uuid: 6560A00000000000000000AA
    context: {id: x, type: CONTEXT_TYPE_REF}
`,
		want: "12: repository_versions[2]: meta.parent_uuid: must be 24 lowercase hexadecimal characters",
	}, {
		name: "endor: a rule whose path is not in the file",
		file: "endor.yaml",
		yaml: "repository_versions:\n  - namespace: acme.prod\n    meta: {name: main, parent_uuid: 6560a00000000000000000aa}\n    context: {id: main, type: CONTEXT_TYPE_REF}\n  - namespace: Acme\n    meta: {name: x, parent_uuid: 6560a00000000000000000aa}\n    context: {id: x, type: CONTEXT_TYPE_REF}\n",
		want: `5: repository_versions[1]: tenant_meta.namespace: "Acme" may contain only a-z, 0-9, '_', '-' and '.'`,
	}, {
		name: "endor: unknown field",
		file: "endor.yaml",
		yaml: `api_keys:
  - {key: k, secret: s}
repository_versions:
  - namespace: acme.prod
    meta:
      name: main
      parent_uuid: 6560a00000000000000000aa
      colour: red
    context: {id: main, type: CONTEXT_TYPE_REF}
`,
		want: "8: repository_versions[0].meta.colour: unknown field",
	}, {
		name: "endor: unknown field at the top",
		file: "endor.yaml",
		yaml: "api_keys: []\nrepository_version: []\n",
		want: "2: repository_version: unknown field",
	}, {
		name: "codearts: a rule broken by the third repository",
		file: "codearts.yaml",
		yaml: `repositories:
  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6
    name: payments-service
  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6
    name: web
  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6
    description: again
    name: Payments-Service
`,
		want: `8: repositories[2]: name: a repository named "Payments-Service" already exists in project 4838955a48e2492bbe44b31bc4c272f6`,
	}, {
		name: "codearts: a value of the wrong type",
		file: "codearts.yaml",
		yaml: `repositories:
  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6
    name: a
  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6
    name: b
    visibility_level: public
`,
		want: `6: repositories[1].visibility_level: want a whole number (int32), not "public"`,
	}, {
		name: "codearts: a list where a string goes",
		file: "codearts.yaml",
		yaml: "repositories:\n  - project_uuid: 4838955a48e2492bbe44b31bc4c272f6\n    name:\n      - a\n",
		want: `3: repositories[0].name: want a string, not a list`,
	}, {
		name: "servicestage: a rule broken by a file",
		file: "servicestage.yaml",
		yaml: `strict: false
repositories:
  - project_id: 0123456789abcdef0123456789abcdef
    namespace: repomock
    project: group/app
    files:
      - {ref: master, path: a.txt, content: a}
      - ref: master
        path: b.bin
        content_base64: "not base64!"
`,
		want: "10: repositories[0]: files[1]: content_base64: is not valid base64 (standard alphabet, padded): bad input at offset 3",
	}, {
		name: "servicestage: a required field missing",
		file: "servicestage.yaml",
		yaml: "repositories:\n  - project_id: 0123456789abcdef0123456789abcdef\n    namespace: n\n    project: a\n  - project_id: 0123456789abcdef0123456789abcdef\n    project: b\n",
		want: "5: repositories[1]: project_id and namespace are required",
	}, {
		name: "servicestage: a project id the gateway refuses",
		file: "servicestage.yaml",
		yaml: "repositories:\n  - project_id: p\n    namespace: n\n    project: a\n",
		want: `2: repositories[0]: project_id "p": must be 32 lowercase hexadecimal digits, as the gateway requires of every request`,
	}, {
		name: "servicestage: unknown field in a file",
		file: "servicestage.yaml",
		yaml: "repositories:\n  - project_id: 0123456789abcdef0123456789abcdef\n    namespace: n\n    project: a\n    files:\n      - ref: main\n        path: x\n        contents: hi\n",
		want: "8: repositories[0].files[0].contents: unknown field",
	}, {
		name: "YAML syntax: a list item out of line",
		file: "endor.yaml",
		yaml: "api_keys:\n  - key: k\n    secret: s\nrepository_versions:\n  - namespace: a\n  namespace: b\n",
		want: "6: did not find expected '-' indicator (while parsing a block collection started on line 5)",
	}, {
		name: "YAML syntax: an unclosed quote",
		file: "codearts.yaml",
		yaml: "repositories:\n  - name: 'web\n    project_uuid: x\n",
		want: "4: found unexpected end of stream (while scanning a quoted scalar started on line 2)",
	}, {
		name: "YAML: a key twice",
		file: "servicestage.yaml",
		yaml: "strict: true\nrepositories: []\nstrict: false\n",
		want: `3: mapping key "strict" already defined at line 1`,
	}, {
		name: "the top level is a list",
		file: "endor.yaml",
		yaml: "# a list\n- namespace: a\n",
		want: "2: top level: want a mapping, not a list",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			vendorstest.WriteFile(t, dir, tc.file, tc.yaml)
			_, err := server.New(server.Config{FixturesDir: dir})
			want := filepath.Join(dir, tc.file) + ":" + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant   %s", err, want)
			}
		})
	}
}

// Fixtures lists each file loaded, with what it holds, for the banner.
func TestFixturesListsTheFilesLoaded(t *testing.T) {
	srv, err := server.New(server.Config{FixturesDir: "../../fixtures"})
	if err != nil {
		t.Fatal(err)
	}
	want := []server.FixtureFile{
		{Path: "../../fixtures/endor.yaml", Summary: "2 API keys, 3 repository versions"},
		{Path: "../../fixtures/codearts.yaml", Summary: "3 repositories"},
		{Path: "../../fixtures/servicestage.yaml", Summary: "2 repositories, 2 refs, 5 files"},
	}
	if got := srv.Fixtures(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fixtures() = %v\nwant %v", got, want)
	}

	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "codearts.yaml", "# nothing yet\n")
	vendorstest.WriteFile(t, dir, "servicestage.yaml", "strict: true\nrepositories:\n  - {project_id: 0123456789abcdef0123456789abcdef, namespace: n, project: a, refs: [main]}\n")
	if srv, err = server.New(server.Config{FixturesDir: dir}); err != nil {
		t.Fatal(err)
	}
	want = []server.FixtureFile{
		{Path: filepath.Join(dir, "codearts.yaml"), Summary: "0 repositories"},
		{Path: filepath.Join(dir, "servicestage.yaml"), Summary: "1 repository, 1 ref, 0 files, strict"},
	}
	if got := srv.Fixtures(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fixtures() = %v\nwant %v", got, want)
	}
}

// A file no vendor reads is a warning that names it, since a misnamed
// fixture would otherwise be skipped without a word. Dotfiles are not.
func TestUnreadFixtureFileIsAWarning(t *testing.T) {
	dir := t.TempDir()
	vendorstest.WriteFile(t, dir, "endor.yml", "api_keys: []\n")
	vendorstest.WriteFile(t, dir, "README.md", "# fixtures\n")
	vendorstest.WriteFile(t, dir, ".keep", "")
	vendorstest.WriteFile(t, dir, "codearts.yaml", "repositories: []\n")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	if _, err := server.New(server.Config{FixturesDir: dir, Logger: log}); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.HasPrefix(line, "level=WARN") {
			warnings = append(warnings, line)
		}
	}
	want := []string{
		`level=WARN msg="fixtures: file not read; the files read are endor.yaml, codearts.yaml, servicestage.yaml" file=` + filepath.Join(dir, "README.md"),
		`level=WARN msg="fixtures: file not read; the files read are endor.yaml, codearts.yaml, servicestage.yaml" file=` + filepath.Join(dir, "endor.yml"),
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

// Seed reports the seed in use: the one configured, or the one drawn for
// 0, which repeats the run when configured.
func TestSeedRepeatsARandomRun(t *testing.T) {
	if got := mustNew(t, server.Config{Seed: 42}).Seed(); got != 42 {
		t.Errorf("Seed() = %d with Config.Seed 42", got)
	}
	random := mustNew(t, server.Config{})
	other := mustNew(t, server.Config{})
	if random.Seed() == 0 || random.Seed() == other.Seed() {
		t.Fatalf("two servers without a seed drew %d and %d; want two different seeds, not 0", random.Seed(), other.Seed())
	}
	again := mustNew(t, server.Config{Seed: random.Seed()})
	first, second, third := createUUID(t, random), createUUID(t, again), createUUID(t, other)
	if first != second {
		t.Errorf("uuid %s with the drawn seed, %s with it configured: want the same", first, second)
	}
	if first == third {
		t.Errorf("uuid %s from two different random seeds", first)
	}
}

func mustNew(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// createUUID creates an Endor repository version and returns its uuid.
func createUUID(t *testing.T, srv *server.Server) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/namespaces/acme.prod/repository-versions",
		strings.NewReader(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", ctJSON)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	var obj struct{ UUID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &obj); rec.Code != http.StatusOK || err != nil || obj.UUID == "" {
		t.Fatalf("create: HTTP %d %s", rec.Code, rec.Body)
	}
	return obj.UUID
}

package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/mock"
)

func startMock(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := mock.New(mock.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestContractCommandAgainstRepomock(t *testing.T) {
	url := startMock(t, nil)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"contract",
		"--endor-url", url, "--endor-token", "t",
		"--codearts-url", url, "--servicestage-url", url, "--huawei-token", "iam",
		"--junit", junit}, env{}.get, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"VENDOR", "negative_data_rejection", "CreateRepository", "CreateFile", " 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit file does not parse: %v", err)
	}
	if doc.Tests < 60 || doc.Failures != 0 || len(doc.Suites) != 3 {
		t.Errorf("JUnit: %d tests, %d failures, %d suites", doc.Tests, doc.Failures, len(doc.Suites))
	}
}

// A broken target fails the command with exit 1 and names the check.
func TestContractCommandFailsOnABrokenTarget(t *testing.T) {
	// Every 4xx turned into 200: invalid requests are "accepted".
	url := startMock(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			status := rec.Code
			if status == http.StatusBadRequest {
				status = http.StatusOK
			}
			w.WriteHeader(status)
			_, _ = w.Write(rec.Body.Bytes())
		})
	})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"contract", "--servicestage-url", url, "--huawei-token", "iam"}, env{}.get, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "negative_data_rejection") || !strings.Contains(stdout.String(), "FAIL") {
		t.Errorf("the table does not name the failing check:\n%s", stdout.String())
	}
}

func TestContractCommandUsage(t *testing.T) {
	cases := []struct {
		args []string
		env  env
		code int
		want string
	}{
		{nil, nil, 2, "name at least one target"},
		{[]string{"--endor-url", "http://127.0.0.1:1"}, nil, 2, "Endor Labs needs a token"},
		{[]string{"--codearts-url", "http://127.0.0.1:1"}, nil, 2, "CodeArts Repo needs a Huawei token"},
		{[]string{"stray"}, nil, 2, "unexpected argument"},
		{[]string{"--no-such-flag"}, nil, 2, "no-such-flag"},
		{nil, env{"REPOMOCK_CONTRACT_SEED": "x", "REPOMOCK_CONTRACT_ENDOR_URL": "http://127.0.0.1:1"}, 2, "REPOMOCK_CONTRACT_SEED"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"contract"}, tc.args...), tc.env.get, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// Every REPOMOCK_CONTRACT_ variable has its flag, and the variable works
// when the flag is not given.
func TestContractEnvMatchesFlags(t *testing.T) {
	var usage, stderr bytes.Buffer
	run(context.Background(), []string{"contract", "-h"}, env{}.get, &usage, &stderr)
	for _, v := range contracts.EnvVars() {
		if !strings.Contains(usage.String(), "-"+contractFlag(v[0])+" ") {
			t.Errorf("%s%s has no flag --%s in the usage", contracts.EnvPrefix, v[0], contractFlag(v[0]))
		}
	}
	url := startMock(t, nil)
	e := env{"REPOMOCK_CONTRACT_SERVICESTAGE_URL": url, "REPOMOCK_CONTRACT_HUAWEI_TOKEN": "iam"}
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"contract"}, e.get, &stdout, &stderr); code != 0 {
		t.Fatalf("targets from the environment: exit %d\n%s", code, stdout.String())
	}
	// ServiceStage was checked; the vendors without a URL are reported as skipped.
	out := stdout.String()
	if !regexp.MustCompile(`Huawei ServiceStage\s+CreateFile\s+create_twice_rejection\s+PASS`).MatchString(out) ||
		!regexp.MustCompile(`Huawei CodeArts Repo\s+CreateRepository\s+\S+\s+SKIP\s+0\s+Huawei CodeArts Repo is not configured`).MatchString(out) {
		t.Errorf("unexpected table:\n%s", out)
	}
}

func TestHealthCommand(t *testing.T) {
	url := startMock(t, nil)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"health", "--url", url}, env{}.get, &stdout, &stderr); code != 0 || stdout.String() != "ok\n" {
		t.Fatalf("health of a running server: exit %d, %q %q", code, stdout.String(), stderr.String())
	}
	// Nothing listens on port 1.
	if code := run(context.Background(), []string{"health", "--url", "http://127.0.0.1:1"}, env{}.get, &stdout, &stderr); code != 1 {
		t.Fatalf("health of no server: exit %d, want 1", code)
	}
	// A server that is not ready answers 503.
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer notReady.Close()
	stderr.Reset()
	if code := run(context.Background(), []string{"health", "--url", notReady.URL}, env{}.get, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "503") {
		t.Fatalf("health of a server answering 503: exit %d, %q", code, stderr.String())
	}
}

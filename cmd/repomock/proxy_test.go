package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/proxy"
	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

func TestProxyFlags(t *testing.T) {
	cfg, _, _, err := parseProxy([]string{"--endor-upstream", "https://api.endorlabs.com", "--strict", "--upstream-timeout", "5s", "--max-body", "1MiB"},
		env{"REPOMOCK_CODEARTS_UPSTREAM": "http://127.0.0.1:9", "REPOMOCK_FORWARDED_HEADERS": "true", "REPOMOCK_HUAWEI_CREDENTIALS": "AK:SK",
			"REPOMOCK_ALLOWED_HOSTS": "proxy.internal", "REPOMOCK_VALIDATOR": "kin-openapi"}.get, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upstreams["endor"].Host != "api.endorlabs.com" || cfg.Upstreams["codearts"].Host != "127.0.0.1:9" || cfg.Upstreams["servicestage"] != nil {
		t.Errorf("upstreams %v", cfg.Upstreams)
	}
	if !cfg.Strict || !cfg.ForwardedHeaders || cfg.UpstreamTimeout != 5*time.Second || cfg.Server.MaxBodyBytes != 1<<20 || len(vendorstest.Of(cfg.Server.Vendors).HuaweiCredentials) != 1 ||
		fmt.Sprint(cfg.Server.AllowedHosts) != "[proxy.internal]" || cfg.Server.Validator != "kin-openapi" {
		t.Errorf("parsed %+v", cfg)
	}
	for _, tc := range []struct {
		args []string
		env  env
		want string
	}{
		{[]string{"--endor-upstream", "api.endorlabs.com"}, nil, "--endor-upstream"},
		{nil, env{"REPOMOCK_SERVICESTAGE_UPSTREAM": "ftp://x"}, "REPOMOCK_SERVICESTAGE_UPSTREAM"},
		{[]string{"--upstream-timeout", "0s"}, nil, "--upstream-timeout"},
		{[]string{"--huawei-credentials", "AKONLY"}, nil, "huawei-credentials"},
		{[]string{"--validator", "fast"}, nil, `--validator: "fast" is not compiled or kin-openapi`},
		{[]string{"extra"}, nil, "unexpected argument"},
	} {
		if _, _, _, err := parseProxy(tc.args, tc.env.get, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err %v, want it to name %s", tc.args, tc.env, err, tc.want)
		}
	}
}

// repomock proxy --record in front of a repomock upstream: the exchange
// goes through, and the recording is one repomock contract diff reads.
func TestRunProxy(t *testing.T) {
	up, err := server.New(server.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(up.Handler())
	defer ts.Close()
	dir := filepath.Join(t.TempDir(), "rec")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"proxy", "--addr", "127.0.0.1:0", "--codearts-upstream", ts.URL, "--record", dir, "--log-level", "error"}, env{}.get, w, io.Discard)
		w.Close()
	}()
	first, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	base := strings.TrimSpace(strings.TrimPrefix(first, "repomock proxy listening on "))
	req, _ := http.NewRequest("POST", base+"/v1/repositories", strings.NewReader(`{"name":"via-cli","project_uuid":"4838955a48e2492bbe44b31bc4c272f6"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", "t")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("create through repomock proxy: %d", res.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "codearts.yaml")); err != nil {
		t.Errorf("no fixtures recorded: %v", err)
	}
	if code := run(context.Background(), []string{"contract", "diff", filepath.Join(dir, proxy.ExchangesDir), filepath.Join(dir, proxy.ExchangesDir)}, env{}.get, io.Discard, io.Discard); code != 0 {
		t.Errorf("repomock contract diff of the recording with itself: exit %d", code)
	}
}

func TestProxyHelpAndBadFlag(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"proxy", "--help"}, env{}.get, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Errorf("proxy --help: exit %d, stderr %q", code, stderr.String())
	}
	if first, _, _ := strings.Cut(stdout.String(), "\n"); first != "Usage: repomock proxy [flags]" || !strings.Contains(stdout.String(), "-endor-upstream") {
		t.Errorf("proxy --help printed:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"proxy", "--no-such-flag"}, env{}.get, &stdout, &stderr); code != 2 ||
		strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "--help") {
		t.Errorf("a wrong flag: exit %d, stderr %q", code, stderr.String())
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/repomock/repomock/mock/server/admin"
)

// runHealth is `repomock health`: exit 0 when the server at --url answers
// 200 on /__admin/health, 1 otherwise. The container image has no shell and
// no curl, so its HEALTHCHECK uses this.
//
// Health needs no admin token, but when REPOMOCK_ADMIN_TOKEN is set (as it
// is in a container started with one) the token is sent too, so that a
// server which does require it on health still answers 200.
func runHealth(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("repomock health", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "base `URL` of the server to ask")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this `duration`")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "repomock health: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "repomock health: unexpected argument %q (see repomock health --help)\n", fs.Arg(0))
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(*url, "/")+"/__admin/health", nil)
	if err != nil {
		fmt.Fprintf(stderr, "repomock health: %v\n", err)
		return 2
	}
	if tok := getenv(envName("admin-token")); tok != "" {
		req.Header.Set(admin.TokenHeader, tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "repomock health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "repomock health: %s answered HTTP %d\n", req.URL, resp.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

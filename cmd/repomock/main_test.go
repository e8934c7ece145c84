package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

// env is an injected environment for parse and run.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// safeBuffer is a bytes.Buffer that run's goroutines and the test may use at once.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// flagNames lists the flags that -h prints, so a table below that misses
// a flag fails.
func flagNames(t *testing.T) []string {
	t.Helper()
	var stdout bytes.Buffer
	if _, err := parse([]string{"-h"}, env{}.get, &stdout); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parse(-h) err = %v, want flag.ErrHelp", err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`).FindAllStringSubmatch(stdout.String(), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("no flags found in usage:\n%s", stdout.String())
	}
	return names
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"addr":              "REPOMOCK_ADDR",
		"max-body":          "REPOMOCK_MAX_BODY",
		"lenient-responses": "REPOMOCK_LENIENT_RESPONSES",
		"endor-tokens":      "REPOMOCK_ENDOR_TOKENS",
	} {
		if got := envName(flagName); got != want {
			t.Errorf("envName(%q) = %q, want %q", flagName, got, want)
		}
	}
}

// flagCase sets one flag through its variable and through the command line.
type flagCase struct {
	flag      string
	envValue  string // a valid value that is not the default
	flagValue string // another valid value, different from envValue
	// get reads the option the flag sets, as a string to compare.
	get func(o *options) string
	// wantEnv and wantFlag are what get returns after envValue / flagValue.
	wantEnv, wantFlag string
}

var flagCases = []flagCase{
	{"addr", "127.0.0.1:9001", "127.0.0.1:9002",
		func(o *options) string { return o.cfg.Addr }, "127.0.0.1:9001", "127.0.0.1:9002"},
	{"specs", "/env/specs", "/flag/specs",
		func(o *options) string { return o.cfg.SpecsDir }, "/env/specs", "/flag/specs"},
	{"fixtures", "/env/fixtures", "/flag/fixtures",
		func(o *options) string { return o.cfg.FixturesDir }, "/env/fixtures", "/flag/fixtures"},
	{"seed", "42", "7",
		func(o *options) string { return fmt.Sprint(o.cfg.Seed) }, "42", "7"},
	{"lenient-responses", "true", "false",
		func(o *options) string { return fmt.Sprint(o.cfg.LenientResponses) }, "true", "false"},
	{"validator", "kin-openapi", "compiled",
		func(o *options) string { return o.cfg.Validator }, "kin-openapi", "compiled"},
	{"max-body", "512KiB", "2MiB",
		func(o *options) string { return fmt.Sprint(o.cfg.MaxBodyBytes) }, "524288", "2097152"},
	{"journal-size", "5", "9",
		func(o *options) string { return fmt.Sprint(o.cfg.JournalSize) }, "5", "9"},
	{"max-sessions", "5", "9",
		func(o *options) string { return fmt.Sprint(o.cfg.MaxSessions) }, "5", "9"},
	{"max-stream-clients", "5", "9",
		func(o *options) string { return fmt.Sprint(o.cfg.MaxStreamClients) }, "5", "9"},
	{"stream-max-bytes", "1MiB", "4096",
		func(o *options) string { return fmt.Sprint(o.cfg.StreamMaxBytes) }, "1048576", "4096"},
	{"max-faults", "5", "9",
		func(o *options) string { return fmt.Sprint(o.cfg.MaxFaults) }, "5", "9"},
	{"max-stubs", "5", "9",
		func(o *options) string { return fmt.Sprint(o.cfg.MaxStubs) }, "5", "9"},
	{"journal-max-bytes", "1MiB", "4096",
		func(o *options) string { return fmt.Sprint(o.cfg.JournalMaxBytes) }, "1048576", "4096"},
	{"endor-tokens", "envtok=acme:github:env@example.com", "flagtok",
		func(o *options) string { return fmt.Sprint(vendorstest.Of(o.cfg.Vendors).EndorTokens) }, "[{envtok acme github env@example.com}]", "[{flagtok   }]"},
	{"endor-max-issued-tokens", "5", "9",
		func(o *options) string { return fmt.Sprint(vendorstest.Of(o.cfg.Vendors).EndorMaxIssuedTokens) }, "5", "9"},
	{"huawei-credentials", "ENVAK:envsk", "FLAGAK:flagsk,AK2:sk2",
		func(o *options) string { return fmt.Sprint(vendorstest.Of(o.cfg.Vendors).HuaweiCredentials) }, "[{ENVAK envsk}]", "[{FLAGAK flagsk} {AK2 sk2}]"},
	{"repo-auths", "env-auth", "flag-auth, other-auth",
		func(o *options) string { return fmt.Sprint(vendorstest.Of(o.cfg.Vendors).RepoAuths) }, "[env-auth]", "[flag-auth other-auth]"},
	{"state-file", "/env/state.json", "/flag/state.json",
		func(o *options) string { return o.cfg.StateFile }, "/env/state.json", "/flag/state.json"},
	{"state-durability", "fsync", "interval",
		func(o *options) string { return o.cfg.StateDurability }, "fsync", "interval"},
	{"state-interval", "5s", "2m",
		func(o *options) string { return o.cfg.StateInterval.String() }, "5s", "2m0s"},
	{"admin-token", "env-admin", "flag-admin",
		func(o *options) string { return o.cfg.AdminToken }, "env-admin", "flag-admin"},
	{"admin-open", "true", "false",
		func(o *options) string { return fmt.Sprint(o.cfg.AdminOpen) }, "true", "false"},
	{"allowed-hosts", "repomock", "ci.example, .corp.example",
		func(o *options) string { return fmt.Sprint(o.cfg.AllowedHosts) }, "[repomock]", "[ci.example .corp.example]"},
	{"log-level", "debug", "error",
		func(o *options) string { return o.logLevel.String() }, "DEBUG", "ERROR"},
	{"log-json", "true", "false",
		func(o *options) string { return fmt.Sprint(o.logJSON) }, "true", "false"},
	{"watch", "true", "false",
		func(o *options) string { return fmt.Sprint(o.cfg.Watch) }, "true", "false"},
}

func TestEveryFlagHasACase(t *testing.T) {
	var covered []string
	for _, c := range flagCases {
		covered = append(covered, c.flag)
	}
	for _, name := range flagNames(t) {
		// --version is an action, not a setting: TestVersion covers it.
		if !slices.Contains(covered, name) && name != "version" {
			t.Errorf("flag --%s has no case in flagCases: add one so its %s is tested", name, envName(name))
		}
	}
}

func TestFlagsAndEnv(t *testing.T) {
	defaults, err := parse(nil, env{}.get, io.Discard)
	if err != nil {
		t.Fatalf("parse with no flags: %v", err)
	}
	for _, c := range flagCases {
		t.Run(c.flag, func(t *testing.T) {
			if got := c.get(defaults); got == c.wantEnv {
				t.Fatalf("default of --%s is already %q: the env case proves nothing", c.flag, got)
			}

			// The variable applies when the flag is not given.
			o, err := parse(nil, env{envName(c.flag): c.envValue}.get, io.Discard)
			if err != nil {
				t.Fatalf("%s=%s: %v", envName(c.flag), c.envValue, err)
			}
			if got := c.get(o); got != c.wantEnv {
				t.Errorf("%s=%s: option = %q, want %q", envName(c.flag), c.envValue, got, c.wantEnv)
			}

			// The command line wins over the variable.
			args := []string{"--" + c.flag + "=" + c.flagValue}
			o, err = parse(args, env{envName(c.flag): c.envValue}.get, io.Discard)
			if err != nil {
				t.Fatalf("%v with %s=%s: %v", args, envName(c.flag), c.envValue, err)
			}
			if got := c.get(o); got != c.wantFlag {
				t.Errorf("%v with %s=%s: option = %q, want the flag's %q", args, envName(c.flag), c.envValue, got, c.wantFlag)
			}
		})
	}
}

// A variable whose flag is given is not even read, so a bad one is no error.
func TestFlagHidesBadEnv(t *testing.T) {
	e := env{"REPOMOCK_SEED": "abc", "REPOMOCK_MAX_BODY": "lots", "REPOMOCK_LOG_LEVEL": "loud"}
	o, err := parse([]string{"--seed", "3", "--max-body", "1KiB", "--log-level", "warn"}, e.get, io.Discard)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if o.cfg.Seed != 3 || o.cfg.MaxBodyBytes != 1024 || o.logLevel != slog.LevelWarn {
		t.Errorf("got seed %d, max body %d, level %v; want 3, 1024, WARN", o.cfg.Seed, o.cfg.MaxBodyBytes, o.logLevel)
	}
}

func TestBadEnvNamesTheVariable(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"REPOMOCK_SEED", "abc"},
		{"REPOMOCK_SEED", "-1"},
		{"REPOMOCK_LENIENT_RESPONSES", "maybe"},
		{"REPOMOCK_LOG_JSON", "yes please"},
		{"REPOMOCK_JOURNAL_SIZE", "many"},
		{"REPOMOCK_JOURNAL_SIZE", "0"},
		{"REPOMOCK_MAX_BODY", "lots"},
		{"REPOMOCK_MAX_BODY", "0"},
		{"REPOMOCK_LOG_LEVEL", "loud"},
		{"REPOMOCK_VALIDATOR", "fast"},
		{"REPOMOCK_ENDOR_TOKENS", "=acme"},
		{"REPOMOCK_HUAWEI_CREDENTIALS", "AK-without-secret"},
		{"REPOMOCK_STATE_INTERVAL", "soon"},
		{"REPOMOCK_STATE_INTERVAL", "0s"},
		{"REPOMOCK_STATE_INTERVAL", "-1m"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			e := env{tc.name: tc.value}
			_, err := parse(nil, e.get, io.Discard)
			if err == nil {
				t.Fatal("parse: no error")
			}
			if !strings.Contains(err.Error(), tc.name) {
				t.Errorf("parse err = %q, want it to name %s", err, tc.name)
			}

			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), nil, e.get, &stdout, &stderr); code != 2 {
				t.Errorf("run = %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.name) {
				t.Errorf("run stderr = %q, want it to name %s", stderr.String(), tc.name)
			}
			if stdout.Len() != 0 {
				t.Errorf("run stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestBadFlagNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  env
		flag string
	}{
		{[]string{"--seed", "abc"}, nil, "-seed"},
		{[]string{"--lenient-responses=maybe"}, nil, "-lenient-responses"},
		{[]string{"--journal-size", "many"}, nil, "-journal-size"},
		{[]string{"--journal-size", "0"}, nil, "-journal-size"},
		{[]string{"--max-body", "lots"}, nil, "-max-body"},
		{[]string{"--log-level", "loud"}, nil, "-log-level"},
		{[]string{"--validator", "kin"}, env{"REPOMOCK_VALIDATOR": "compiled"}, "-validator"},
		{[]string{"--endor-tokens", "=acme"}, nil, "-endor-tokens"},
		{[]string{"--huawei-credentials", ":sk"}, nil, "-huawei-credentials"},
		{[]string{"--no-such-flag"}, nil, "-no-such-flag"},
		{[]string{"--state-interval", "soon"}, nil, "-state-interval"},
		{[]string{"--state-interval=0"}, env{"REPOMOCK_STATE_INTERVAL": "1m"}, "-state-interval"},
		// A good variable for the same flag does not take the blame.
		{[]string{"--max-body", "lots"}, env{"REPOMOCK_MAX_BODY": "1MiB"}, "-max-body"},
		{[]string{"--log-level", "loud"}, env{"REPOMOCK_LOG_LEVEL": "debug"}, "-log-level"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parse(tc.args, tc.env.get, io.Discard)
			if err == nil {
				t.Fatal("parse: no error")
			}
			if !strings.Contains(err.Error(), tc.flag) {
				t.Errorf("parse err = %q, want it to name %s", err, tc.flag)
			}
			if strings.Contains(err.Error(), "REPOMOCK_") {
				t.Errorf("parse err = %q names a variable, but the flag was given", err)
			}

			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, tc.env.get, &stdout, &stderr); code != 2 {
				t.Errorf("run = %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.flag) {
				t.Errorf("run stderr = %q, want it to name %s", stderr.String(), tc.flag)
			}
		})
	}
}

func TestPositionalArgumentsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"serve"},
		{"--seed", "1", "extra"},
		{"--addr", "127.0.0.1:0", "--", "x"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if _, err := parse(args, env{}.get, io.Discard); err == nil || !strings.Contains(err.Error(), "unexpected argument") {
				t.Errorf("parse err = %v, want an unexpected argument error", err)
			}
			var stdout, stderr bytes.Buffer
			// Were the argument accepted, a canceled context stops the server at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if code := run(ctx, args, env{}.get, &stdout, &stderr); code != 2 {
				t.Errorf("run = %d, want 2 (stderr %q)", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "unexpected argument") {
				t.Errorf("run stderr = %q, want it to refuse the argument", stderr.String())
			}
		})
	}
}

// Help asked for is the output asked for: stdout, exit 0, for the server
// and for each subcommand.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		first string // the usage's first line
		want  []string
	}{
		{[]string{"-h"}, "Usage: repomock [flags]              serve the fakes (below)", []string{"REPOMOCK_", "-max-body", "-addr", "-version", "repomock version", "Exit status: 0"}},
		{[]string{"--help"}, "Usage: repomock [flags]              serve the fakes (below)", []string{"-addr"}},
		{[]string{"--seed", "1", "-help"}, "Usage: repomock [flags]              serve the fakes (below)", []string{"-addr"}},
		{[]string{"contract", "--help"}, "Usage: repomock contract [flags]", []string{"REPOMOCK_CONTRACT_", "-endor-url", "-junit"}},
		{[]string{"contract", "-h"}, "Usage: repomock contract [flags]", []string{"-junit"}},
		{[]string{"health", "--help"}, "Usage of repomock health:", []string{"-url"}},
		{[]string{"health", "--url", "http://127.0.0.1:1", "-h"}, "Usage of repomock health:", []string{"-url"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, env{}.get, &stdout, &stderr); code != 0 {
				t.Errorf("run = %d, want 0", code)
			}
			if first, _, _ := strings.Cut(stdout.String(), "\n"); first != tc.first {
				t.Errorf("stdout starts %q, want %q", first, tc.first)
			}
			for _, want := range tc.want {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout does not contain %q:\n%s", want, stdout.String())
				}
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}

// A wrong flag is one line that names it and points at --help, not the
// usage, which would push the mistake off the screen.
func TestWrongFlagIsOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "repomock: flag provided but not defined: -nope (see repomock --help)\n"},
		{[]string{"--seed", "1", "-x=2"}, "repomock: flag provided but not defined: -x (see repomock --help)\n"},
		{[]string{"--addr"}, "repomock: flag needs an argument: -addr (see repomock --help)\n"},
		{[]string{"serve"}, "repomock: unexpected argument \"serve\" (see repomock --help)\n"},
		{[]string{"version", "--short"}, "repomock version: unexpected argument \"--short\" (see repomock --help)\n"},
		{[]string{"contract", "--nope"}, "repomock contract: flag provided but not defined: -nope (see repomock contract --help)\n"},
		{[]string{"contract", "--timeout", "soon"}, "repomock contract: --timeout: \"soon\" is not a duration of more than 0, such as 10m\n"},
		{[]string{"contract", "stray"}, "repomock contract: unexpected argument \"stray\" (see repomock contract --help)\n"},
		{[]string{"health", "--nope"}, "repomock health: flag provided but not defined: -nope (see repomock health --help)\n"},
		{[]string{"health", "stray"}, "repomock health: unexpected argument \"stray\" (see repomock health --help)\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, env{}.get, &stdout, &stderr); code != 2 {
				t.Errorf("run = %d, want 2", code)
			}
			if stderr.String() != tc.want {
				t.Errorf("stderr = %q\nwant     %q", stderr.String(), tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

// A bad value is one line that names where it came from, the flag or its
// variable, and says what would do.
func TestBadValueSaysWhatWouldDo(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  env
		want string
	}{
		{[]string{"--seed", "abc"}, nil, `repomock: --seed: "abc" is not a whole number from 0 to 18446744073709551615 (0 means random)`},
		{[]string{"--seed=18446744073709551616"}, nil, `repomock: --seed: "18446744073709551616" is not a whole number from 0 to 18446744073709551615 (0 means random)`},
		{nil, env{"REPOMOCK_SEED": "-1"}, `repomock: REPOMOCK_SEED: "-1" is not a whole number from 0 to 18446744073709551615 (0 means random)`},
		{[]string{"--log-level", "loud"}, nil, `repomock: --log-level: "loud" is not one of debug, info, warn, error`},
		{nil, env{"REPOMOCK_LOG_LEVEL": "verbose"}, `repomock: REPOMOCK_LOG_LEVEL: "verbose" is not one of debug, info, warn, error`},
		{[]string{"--journal-size", "0"}, nil, `repomock: --journal-size: "0" is not a whole number of at least 1`},
		{nil, env{"REPOMOCK_MAX_SESSIONS": "0"}, `repomock: REPOMOCK_MAX_SESSIONS: "0" is not a whole number of at least 1`},
		{[]string{"--max-stream-clients", "-1"}, nil, `repomock: --max-stream-clients: "-1" is not a whole number of at least 1`},
		{nil, env{"REPOMOCK_MAX_FAULTS": "lots"}, `repomock: REPOMOCK_MAX_FAULTS: "lots" is not a whole number of at least 1`},
		{[]string{"--max-stubs", "0"}, nil, `repomock: --max-stubs: "0" is not a whole number of at least 1`},
		{[]string{"--stream-max-bytes", "big"}, nil, `repomock: --stream-max-bytes: "big" is not a size such as 1048576, 512KiB or 10MiB`},
		{[]string{"--state-durability", "always"}, nil, `repomock: --state-durability: "always" is not interval or fsync`},
		{[]string{"--endor-max-issued-tokens", "none"}, nil, `repomock: invalid value "none" for flag -endor-max-issued-tokens: "none" is not a whole number of at least 1 (see repomock --help)`},
		{nil, env{"REPOMOCK_JOURNAL_SIZE": "many"}, `repomock: REPOMOCK_JOURNAL_SIZE: "many" is not a whole number of at least 1`},
		{[]string{"--state-interval", "soon"}, nil, `repomock: --state-interval: "soon" is not a duration of more than 0, such as 30s or 5m`},
		{[]string{"--lenient-responses=maybe"}, nil, `repomock: --lenient-responses: "maybe" is not true or false`},
		{nil, env{"REPOMOCK_ADMIN_OPEN": "yes"}, `repomock: REPOMOCK_ADMIN_OPEN: "yes" is not true or false`},
		{nil, env{"REPOMOCK_LOG_JSON": "on"}, `repomock: REPOMOCK_LOG_JSON: "on" is not true or false`},
		{[]string{"--max-body", "lots"}, nil, `repomock: --max-body: "lots" is not a size such as 1048576, 512KiB or 10MiB`},
		{[]string{"--validator", "fast"}, nil, `repomock: --validator: "fast" is not compiled or kin-openapi`},
		{nil, env{"REPOMOCK_VALIDATOR": "kin"}, `repomock: REPOMOCK_VALIDATOR: "kin" is not compiled or kin-openapi`},
	} {
		t.Run(strings.Join(tc.args, " ")+fmt.Sprint(tc.env), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, tc.env.get, &stdout, &stderr); code != 2 {
				t.Errorf("run = %d, want 2", code)
			}
			if stderr.String() != tc.want+"\n" {
				t.Errorf("stderr = %q\nwant     %q", stderr.String(), tc.want+"\n")
			}
		})
	}
}

func TestVersion(t *testing.T) {
	// What the go command records, by how the binary was built.
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i+1 < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{{
		"go build in a checkout",
		&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/repomock/repomock", Version: "v0.0.0-20261130233139-5229280dc990+dirty"},
			Settings: settings("-buildmode", "exe", "GOARCH", "amd64", "GOOS", "linux", "vcs", "git", "vcs.revision", "5229280dc990cb71a59d369bf7e6d035b14a86e8", "vcs.time", "2026-11-30T23:31:39Z", "vcs.modified", "true")},
		true,
		"repomock v0.0.0-20261130233139-5229280dc990+dirty\n" +
			"revision 5229280dc990cb71a59d369bf7e6d035b14a86e8, committed 2026-11-30T23:31:39Z, with uncommitted changes\n" +
			"built with go1.26.8 for linux/amd64\n",
	}, {
		"a clean tagged build",
		&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"},
			Settings: settings("vcs.revision", "5229280dc990cb71a59d369bf7e6d035b14a86e8", "vcs.modified", "false")},
		true,
		"repomock v1.2.0\nrevision 5229280dc990cb71a59d369bf7e6d035b14a86e8\nbuilt with go1.26.8\n",
	}, {
		// What go install github.com/repomock/repomock/cmd/repomock@v1.2.0 records.
		"go install of a version",
		&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/repomock/repomock", Version: "v1.2.0", Sum: "h1:Qo4qWW+Pj8o90LUTE6MDyG5TJAtWnfvrcWOBcWg7eBw="},
			Settings: settings("-buildmode", "exe", "CGO_ENABLED", "1", "GOARCH", "arm64", "GOOS", "darwin")},
		true,
		"repomock v1.2.0\n" +
			"revision not recorded: go install built the module's v1.2.0 from the Go module proxy (the tag v1.2.0 names the commit)\n" +
			"built with go1.26.8 for darwin/arm64\n",
	}, {
		"go run",
		&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/repomock/repomock", Version: "(devel)"}},
		true,
		"repomock (devel)\nrevision unknown: the build recorded none (go run, -buildvcs=false, or not built in a git clone)\nbuilt with go1.26.8\n",
	}, {
		"no build information",
		nil, false,
		"repomock (unknown version: built without module information)\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionText(tc.bi, tc.ok); got != tc.want {
				t.Errorf("versionText =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}

	// Both spellings print this binary's own build information, and
	// REPOMOCK_VERSION does not turn the server into a version printer.
	want := versionText(debug.ReadBuildInfo())
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version=true", "--seed", "1"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, env{"REPOMOCK_SEED": "x"}.get, &stdout, &stderr); code != 0 || stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("run %v = %d, stdout %q, stderr %q; want 0 and %q", args, code, stdout.String(), stderr.String(), want)
		}
	}
	o, err := parse(nil, env{"REPOMOCK_VERSION": "true"}.get, io.Discard)
	if err != nil || o.version {
		t.Errorf("REPOMOCK_VERSION=true: version %v, err %v; want a server, not --version", o != nil && o.version, err)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1048576", 1048576},
		{"1", 1},
		{"100B", 100},
		{"512KiB", 512 << 10},
		{"10MiB", 10 << 20},
		{"1GiB", 1 << 30},
		{"10 MiB", 10 << 20},
		{" 3KiB ", 3 << 10},
		{"1024GiB", 1 << 40},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "0", "-1", "0KiB", "-5MiB", "ten", "5TB", "1TB", "5KB", "1.5MiB", "MiB", "10 M",
		"1099511627777",       // over the 1 TiB bound
		"1025GiB",             // over the bound after the multiplier
		"9007199254740993KiB", // n*mult would overflow int64
		"9223372036854775808", // does not fit int64
	} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("parseSize(%q) err = %q, want it to quote the input", in, err)
		}
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunStartupErrors(t *testing.T) {
	brokenSyntax := t.TempDir()
	writeFile(t, filepath.Join(brokenSyntax, "endor.yaml"), "openapi: 3.0.3\ninfo: [unclosed\n")
	brokenRef := t.TempDir()
	writeFile(t, filepath.Join(brokenRef, "endor.yaml"),
		"openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/missing'}\n")
	emptyDir := t.TempDir()
	badFixtureYAML := t.TempDir()
	writeFile(t, filepath.Join(badFixtureYAML, "endor.yaml"), "repository_versions: [\n")
	badFixtureField := t.TempDir()
	writeFile(t, filepath.Join(badFixtureField, "endor.yaml"), "no_such_field: 1\n")
	badFixtureObject := t.TempDir()
	writeFile(t, filepath.Join(badFixtureObject, "endor.yaml"), "repository_versions:\n  - meta: {name: main}\n")
	aFile := filepath.Join(t.TempDir(), "not-a-dir")
	writeFile(t, aFile, "x")
	badState := filepath.Join(t.TempDir(), "state.json")
	writeFile(t, badState, `{"format":"repomock-state/1","endor":{"version":1,`)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, tc := range []struct {
		name string
		args []string
		want string // stderr must contain this
	}{
		{"broken spec syntax", []string{"--specs", brokenSyntax}, "endor.yaml"},
		{"broken spec ref", []string{"--specs", brokenRef}, "endor.yaml"},
		{"missing spec", []string{"--specs", emptyDir}, "endor.yaml"},
		{"missing specs dir", []string{"--specs", filepath.Join(emptyDir, "nope")}, "endor.yaml"},
		{"fixtures bad yaml", []string{"--fixtures", badFixtureYAML}, filepath.Join(badFixtureYAML, "endor.yaml")},
		{"fixtures unknown field", []string{"--fixtures", badFixtureField}, filepath.Join(badFixtureField, "endor.yaml")},
		{"fixtures bad object", []string{"--fixtures", badFixtureObject}, filepath.Join(badFixtureObject, "endor.yaml")},
		{"fixtures is a file", []string{"--fixtures", aFile}, aFile},
		{"fixtures missing", []string{"--fixtures", filepath.Join(emptyDir, "nope")}, filepath.Join(emptyDir, "nope")},
		{"address in use", []string{"--addr", busy.Addr().String()}, busy.Addr().String()},
		{"corrupt state file", []string{"--state-file", badState}, badState},
		{"state file in a missing directory", []string{"--state-file", filepath.Join(emptyDir, "nope", "state.json")}, filepath.Join(emptyDir, "nope", "state.json")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0"}, tc.args...)
			// Were startup to succeed, a canceled context stops the server at
			// once and run answers 0, which fails the test instead of hanging.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var stdout, stderr safeBuffer
			if code := run(ctx, args, env{}.get, &stdout, &stderr); code != 1 {
				t.Errorf("run %v = %d, want 1\nstderr: %s", args, code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to name %s", stderr.String(), tc.want)
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Errorf("stdout = %q, want no listening line", stdout.String())
			}
		})
	}
}

// A port in use is named with the setting that chose it, and what to do.
func TestPortInUseNamesTheSetting(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	port := busy.Addr().(*net.TCPAddr).Port
	next := fmt.Sprintf("127.0.0.1:%d", port+1)
	if port == 65535 {
		next = "127.0.0.1:65534"
	}
	for _, tc := range []struct {
		args []string
		env  env
	}{
		{[]string{"--addr", addr}, nil},
		{nil, env{"REPOMOCK_ADDR": addr}},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var stdout, stderr safeBuffer
		if code := run(ctx, tc.args, tc.env.get, &stdout, &stderr); code != 1 {
			t.Errorf("run = %d, want 1", code)
		}
		want := "repomock: cannot listen on " + addr + " (--addr / REPOMOCK_ADDR): address already in use; " +
			"another repomock may be running, or pick another port with --addr " + next + "\n"
		if stderr.String() != want {
			t.Errorf("stderr = %q\nwant     %q", stderr.String(), want)
		}
	}
}

// The banner lists, after the routes, each fixture file loaded with what it
// holds, and the seed; a random one is printed so that the run can be
// repeated. A file in the directory that no vendor reads is a warning.
func TestBannerListsFixturesAndSeed(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"endor.yaml", "codearts.yaml"} {
		data, err := os.ReadFile(filepath.Join("../../fixtures", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name), string(data))
	}
	writeFile(t, filepath.Join(dir, "servicestage.yml"), "strict: true\n")

	r := startRun(t, "--fixtures", dir, "--seed", "7")
	_, tail, _ := strings.Cut(r.stdout.String(), "  sessions: /__sessions/{name}/… or the header X-Repomock-Session\n")
	want := "  fixtures: " + filepath.Join(dir, "endor.yaml") + ": 2 API keys, 3 repository versions\n" +
		"  fixtures: " + filepath.Join(dir, "codearts.yaml") + ": 3 repositories\n" +
		"  seed: 7\n"
	if tail != want {
		t.Errorf("banner after the routes:\n%s\nwant:\n%s", tail, want)
	}
	warning := `level=WARN msg="fixtures: file not read; the files read are endor.yaml, codearts.yaml, servicestage.yaml" file=` +
		filepath.Join(dir, "servicestage.yml") + "\n"
	if !strings.Contains(r.stderr.String(), warning) {
		t.Errorf("stderr = %q, want the warning %q", r.stderr.String(), warning)
	}

	r = startRun(t, "--fixtures", t.TempDir())
	_, tail, _ = strings.Cut(r.stdout.String(), "X-Repomock-Session\n")
	m := regexp.MustCompile(`^  fixtures: none: \S+ has no endor.yaml, codearts.yaml or servicestage.yaml\n  seed: (\d+) \(random; --seed (\d+) repeats this run\)\n$`).FindStringSubmatch(tail)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Errorf("banner after the routes with a random seed:\n%s", tail)
	}

	r = startRun(t)
	if _, tail, _ = strings.Cut(r.stdout.String(), "X-Repomock-Session\n"); !strings.HasPrefix(tail, "  fixtures: none (--fixtures DIR loads them)\n  seed: ") {
		t.Errorf("banner after the routes without --fixtures:\n%s", tail)
	}
}

// running is run started in the background on 127.0.0.1:0.
type running struct {
	addr   string
	cancel context.CancelFunc
	done   chan int // run's exit code
	stdout *safeBuffer
	stderr *safeBuffer
}

var listeningRE = regexp.MustCompile(`repomock listening on http://(\S+)\n`)

func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan int, 1), stdout: &safeBuffer{}, stderr: &safeBuffer{}}
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	go func() { r.done <- run(ctx, args, env{}.get, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	deadline := time.After(10 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(r.stdout.String()); m != nil {
			r.addr = m[1]
			return r
		}
		select {
		case code := <-r.done:
			t.Fatalf("run returned %d before listening\nstderr: %s", code, r.stderr.String())
		case <-deadline:
			t.Fatalf("no listening line after 10s\nstdout: %s\nstderr: %s", r.stdout.String(), r.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// wait returns run's exit code, failing the test if it takes too long.
func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code // for the cleanup
		return code
	case <-time.After(15 * time.Second):
		t.Fatalf("run did not return\nstderr: %s", r.stderr.String())
		return -1
	}
}

func TestRunServesAndStops(t *testing.T) {
	r := startRun(t)
	if host, _, err := net.SplitHostPort(r.addr); err != nil || host != "127.0.0.1" {
		t.Fatalf("listening address %q: want 127.0.0.1:<port> (%v)", r.addr, err)
	}
	if _, port, _ := net.SplitHostPort(r.addr); port == "0" {
		t.Fatalf("listening address %q: want the bound port, not 0", r.addr)
	}
	out := r.stdout.String()
	for _, want := range []string{
		"POST   /v1/namespaces/{tenant_meta.namespace}/repository-versions",
		// URLs to click (issue 25), not bare paths.
		"\n  console: http://" + r.addr + "/__admin/ui\n",
		"\n  admin API: http://" + r.addr + "/__admin (its routes; described at http://" + r.addr + "/__admin/openapi.yaml)\n",
		"admin and console hosts: localhost, IP addresses (--allowed-hosts adds names)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not list %q:\n%s", want, out)
		}
	}

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + r.addr + "/__admin/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("GET /__admin/health = %d %s, want 200 ok", resp.StatusCode, body)
	}
	client.CloseIdleConnections()

	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Errorf("run = %d after cancel, want 0\nstderr: %s", code, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "stopped") {
		t.Errorf("stderr = %q, want the stopped log line", r.stderr.String())
	}
}

// A port alone is a port of 127.0.0.1 (issue 25: --addr 8081 was refused
// as "not a loopback address"), from the flag and from the variable.
func TestAddrMayBeAPort(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  env
	}{
		{[]string{"--addr", "8081"}, nil},
		{nil, env{"REPOMOCK_ADDR": "8081"}},
	} {
		o, err := parse(tc.args, tc.env.get, io.Discard)
		if err != nil || o.cfg.Addr != "127.0.0.1:8081" {
			t.Errorf("parse %v %v: addr %q, %v; want 127.0.0.1:8081", tc.args, tc.env, o.cfg.Addr, err)
		}
	}
	// Served: a free port, named alone.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	r := startRun(t, "--addr", port)
	if r.addr != "127.0.0.1:"+port {
		t.Errorf("listening on %s, want 127.0.0.1:%s", r.addr, port)
	}
	// Everywhere (":8081") is not loopback: still refused without a token.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr safeBuffer
	if code := run(ctx, []string{"--addr", ":" + port}, env{}.get, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--admin-token") {
		t.Errorf("--addr :%s: %d %s, want 1 and a refusal naming --admin-token", port, code, stderr.String())
	}
}

// The banner's URLs are ones to click: an address that listens everywhere
// is reached on 127.0.0.1.
func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "http://[::1]:8080"},
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 9}, "http://192.0.2.10:9"},
	} {
		if got := baseURL(tc.addr); got != tc.want {
			t.Errorf("baseURL(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func dialRefused(addr string) (bool, error) {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err == nil {
		c.Close()
		return false, nil
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true, nil
	}
	return false, err
}

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	r := startRun(t)
	const body = `{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`
	half := len(body) / 2

	conn, err := net.DialTimeout("tcp", r.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	head := "POST /v1/namespaces/acme.prod/repository-versions HTTP/1.1\r\n" +
		"Host: " + r.addr + "\r\n" +
		"Authorization: Bearer t\r\n" +
		"Content-Type: application/json\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"\r\n"
	if _, err := io.WriteString(conn, head+body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the server read the head

	r.cancel()

	// Shutdown has begun once the listener refuses new connections; the
	// request above is still waiting for the rest of its body. A probe that
	// races the closing listener may be reset or have its SYN dropped, so
	// only "refused" ends the wait.
	deadline := time.Now().Add(10 * time.Second)
	for {
		refused, err := dialRefused(r.addr)
		if refused {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new connections are not refused 10s after cancel (last dial error: %v)", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case code := <-r.done:
		t.Fatalf("run returned %d while a request was in flight", code)
	case <-time.After(50 * time.Millisecond):
	}

	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatalf("writing the rest of the body: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v\nstderr: %s", err, r.stderr.String())
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, got)
	}
	var obj endor.RepositoryVersion
	if err := json.Unmarshal(got, &obj); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if obj.UUID == "" || obj.Meta.Name != "main" || obj.Meta.ParentUUID != "656e69058032bf0abaaeb600" ||
		obj.TenantMeta.Namespace != "acme.prod" || obj.Context.ID != "main" || obj.Context.Type != "CONTEXT_TYPE_REF" {
		t.Errorf("created object = %s, want main in acme.prod with a uuid", got)
	}
	if !resp.Close {
		t.Errorf("response does not close the connection during shutdown")
	}

	if code := r.wait(t); code != 0 {
		t.Errorf("run = %d, want 0\nstderr: %s", code, r.stderr.String())
	}
	if refused, err := dialRefused(r.addr); !refused {
		t.Errorf("a new connection after shutdown was not refused (err %v)", err)
	}
}

// --state-file keeps what was written across a restart, and a reset is
// kept too once saved.
func TestRunKeepsStateAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(addr string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/namespaces/acme.prod/repository-versions",
			strings.NewReader(`{"meta":{"name":"main","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var obj endor.RepositoryVersion
		if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil || obj.UUID == "" {
			t.Fatalf("create: HTTP %d, %v", resp.StatusCode, err)
		}
		return obj.UUID
	}
	get := func(addr, id string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/namespaces/acme.prod/repository-versions/"+id, nil)
		req.Header.Set("Authorization", "Bearer t")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	r := startRun(t, "--state-file", path)
	id := post(r.addr)
	client.CloseIdleConnections()
	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("run = %d\nstderr: %s", code, r.stderr.String())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no state file after shutdown: %v", err)
	}

	r = startRun(t, "--state-file", path)
	if got := get(r.addr, id); got != http.StatusOK {
		t.Errorf("the object after a restart: HTTP %d, want 200", got)
	}
	resp, err := client.Post("http://"+r.addr+"/__admin/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	client.CloseIdleConnections()
	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("run = %d\nstderr: %s", code, r.stderr.String())
	}

	r = startRun(t, "--state-file", path)
	if got := get(r.addr, id); got != http.StatusNotFound {
		t.Errorf("the object after a reset and a restart: HTTP %d, want 404", got)
	}
	client.CloseIdleConnections()
}

// TestEveryFlagIsInTheFlagsPage: docs/flags.md is where a user looks a
// flag up, so each flag of the usage has a row there, with its variable,
// and the page names no flag the server does not have.
func TestEveryFlagIsInTheFlagsPage(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "flags.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag → its row
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z][a-z-]*)` \\|(.*)$").FindAllStringSubmatch(string(page), -1) {
		rows[m[1]] = m[2]
	}
	names := flagNames(t)
	for _, name := range names {
		row, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("--%s has no row in docs/flags.md", name)
		case name != "version" && !strings.Contains(row, "`"+envName(name)+"`"):
			t.Errorf("docs/flags.md's row of --%s does not name %s", name, envName(name))
		}
	}
	for name := range rows {
		if !slices.Contains(names, name) {
			t.Errorf("docs/flags.md has a row for --%s, which the server does not have", name)
		}
	}
}

// Command repomock serves stateful, spec-validating fakes of the Endor Labs,
// Huawei CodeArts Repo and Huawei ServiceStage repository APIs. Every flag can also be set by an environment
// variable: REPOMOCK_ and the flag's name in capitals with - as _
// (--max-body → REPOMOCK_MAX_BODY). A flag given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	// CA roots built in, used when the system has none (the container image
	// is FROM scratch), so that repomock contract can reach https vendors.
	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/repomock/repomock/mock"
	"github.com/repomock/repomock/mock/endor"
	"github.com/repomock/repomock/mock/huaweiauth"
	"github.com/repomock/repomock/mock/servicestage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// options are the parsed flags.
type options struct {
	cfg      mock.Config
	logLevel slog.Level
	logJSON  bool
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("repomock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: repomock [flags]\n       repomock contract [flags]   (run the contract suite against a target; repomock contract -h)\n       repomock health [--url U]   (exit 0 when the server at U is ready)\n\nServes fakes of the Endor Labs, Huawei CodeArts Repo and Huawei ServiceStage APIs that validate every request and response against the vendor's OpenAPI.\nEach flag may also be set as REPOMOCK_<FLAG> (for example REPOMOCK_ADDR); the command line wins.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.cfg.Addr, "addr", mock.DefaultAddr, "`host:port` to listen on")
	fs.StringVar(&o.cfg.SpecsDir, "specs", "", "`dir`ectory of spec files replacing the embedded ones (same file names)")
	fs.StringVar(&o.cfg.FixturesDir, "fixtures", "", "`dir`ectory of fixture files (endor.yaml) loaded at start and on reset")
	fs.Uint64Var(&o.cfg.Seed, "seed", 0, "seed for ids and generated values; 0 picks a random seed")
	fs.BoolVar(&o.cfg.LenientResponses, "lenient-responses", false, "log a response that breaks its spec and mark it with X-Repomock-Violation instead of answering 500")
	maxBody := fs.String("max-body", "10MiB", "largest request `size` accepted (bytes, or with KiB/MiB/GiB); larger gets 413")
	fs.IntVar(&o.cfg.JournalSize, "journal-size", mock.DefaultJournalSize, "number of requests kept for GET /__admin/requests")
	huaweiCreds := fs.String("huawei-credentials", "", "comma-separated `AK:SK` pairs whose SDK-HMAC-SHA256 signatures are verified on the Huawei APIs; empty accepts any well-formed signature")
	repoAuths := fs.String("repo-auths", "", "comma-separated ServiceStage X-Repo-Auth `names` to accept; empty accepts any well-formed name")
	tokens := fs.String("endor-tokens", "", "comma-separated Endor bearer `tokens` to accept (token=namespace limits one to a namespace and its children); empty accepts any token")
	fs.StringVar(&o.cfg.StateFile, "state-file", "", "`path` of a JSON file that keeps all state across restarts: loaded at start when it exists (a file that cannot be loaded stops the server), saved with an atomic write every --state-interval and at shutdown")
	fs.DurationVar(&o.cfg.StateInterval, "state-interval", mock.DefaultStateInterval, "how often the state is saved to --state-file (a `duration` such as 30s or 5m)")
	fs.StringVar(&o.cfg.AdminToken, "admin-token", "", "require this `token` in the X-Repomock-Admin-Token header of every /__admin request but GET /__admin/health")
	fs.BoolVar(&o.cfg.AdminOpen, "admin-open", false, "serve /__admin without a token on a non-loopback address (only where the network is private, as in a container)")
	level := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	fs.BoolVar(&o.logJSON, "log-json", false, "write logs as JSON")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := applyEnv(fs, getenv, envName); err != nil {
		return nil, err
	}
	// origin names where a flag's value came from, for the checks below.
	origin := func(name string) string {
		if !given[name] && getenv(envName(name)) != "" {
			return envName(name)
		}
		return "--" + name
	}
	var err error
	if o.cfg.MaxBodyBytes, err = parseSize(*maxBody); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("max-body"), err)
	}
	if o.cfg.EndorTokens, err = endor.ParseTokens(*tokens); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("endor-tokens"), err)
	}
	if o.cfg.HuaweiCredentials, err = huaweiauth.ParseCredentials(*huaweiCreds); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("huawei-credentials"), err)
	}
	if o.cfg.RepoAuths, err = servicestage.ParseRepoAuths(*repoAuths); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("repo-auths"), err)
	}
	if err := o.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return nil, fmt.Errorf("%s: %w", origin("log-level"), err)
	}
	if o.cfg.JournalSize <= 0 {
		return nil, fmt.Errorf("%s: must be at least 1", origin("journal-size"))
	}
	if o.cfg.StateInterval <= 0 {
		return nil, fmt.Errorf("%s: must be more than 0", origin("state-interval"))
	}
	return o, nil
}

// applyEnv sets every flag not given on the command line from its
// variable, named by envName.
func applyEnv(fs *flag.FlagSet, getenv func(string) string, envName func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", name, serr)
			}
		}
	})
	return err
}

func envName(flagName string) string {
	return "REPOMOCK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseSize reads 1048576, 512KiB, 10MiB or 1GiB.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size such as 1048576, 512KiB or 10MiB", s)
	}
	return n * mult, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "contract":
			return runContract(ctx, args[1:], getenv, stdout, stderr)
		case "health":
			return runHealth(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	o, err := parse(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "repomock: %v\n", err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: o.logLevel}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if o.logJSON {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	o.cfg.Logger = slog.New(h)

	srv, err := mock.New(o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "repomock: %v\n", err)
		return 1
	}
	err = srv.Run(ctx, func(addr net.Addr) {
		fmt.Fprintf(stdout, "repomock listening on http://%s\n", addr)
		for _, r := range srv.Routes() {
			fmt.Fprintf(stdout, "  %s\n", r)
		}
		fmt.Fprintf(stdout, "  admin: GET /__admin/health, POST /__admin/reset, GET /__admin/requests\n")
	})
	if err != nil {
		fmt.Fprintf(stderr, "repomock: %v\n", err)
		return 1
	}
	o.cfg.Logger.Info("stopped")
	return 0
}

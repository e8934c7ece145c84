package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/repomock/repomock/contracts"
)

// contractFlag is the flag for a REPOMOCK_CONTRACT_ variable: ENDOR_URL → endor-url.
func contractFlag(envSuffix string) string {
	return strings.ToLower(strings.ReplaceAll(envSuffix, "_", "-"))
}

// runContract is `repomock contract`: the contract suite against any
// target, with a table on stdout and, with --junit, JUnit XML. It exits 0
// when every check passed, 1 when one failed, 2 on a usage error.
func runContract(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("repomock contract", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: repomock contract [flags]\n\n"+
			"Runs the contract suite against the vendors named by URL (repomock itself, or the real APIs),\n"+
			"prints a table of check × operation and exits 1 if any check failed.\n"+
			"Each flag may also be set as %s<FLAG> (for example %sENDOR_URL); the command line wins.\n"+
			"Against a real account the suite creates objects named %q…, and deletes them where the API can.\n\nFlags:\n",
			contracts.EnvPrefix, contracts.EnvPrefix, "repomock-contract-")
		fs.PrintDefaults()
	}
	values := map[string]*string{}
	for _, v := range contracts.EnvVars() {
		values[v[0]] = fs.String(contractFlag(v[0]), "", v[1])
	}
	junit := fs.String("junit", "", "also write the results as JUnit XML to `file`")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this `duration`")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "repomock contract: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "repomock contract: unexpected argument %q (see repomock contract --help)\n", fs.Arg(0))
		return 2
	}
	// A flag given on the command line wins over its variable.
	lookup := func(name string) string {
		if v := values[strings.TrimPrefix(name, contracts.EnvPrefix)]; v != nil && *v != "" {
			return *v
		}
		return getenv(name)
	}
	target, ok, err := contracts.TargetFromEnv(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "repomock contract: %v\n", err)
		return 2
	}
	if !ok {
		fmt.Fprintf(stderr, "repomock contract: name at least one target: --endor-url, --codearts-url or --servicestage-url (or %sENDOR_URL, …)\n", contracts.EnvPrefix)
		return 2
	}
	target.Name = strings.Join(nonEmpty(target.Endor.URL, target.CodeArts.URL, target.ServiceStage.URL), ", ")

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := contracts.Evaluate(ctx, target)
	if err != nil {
		fmt.Fprintf(stderr, "repomock contract: %v\n", err)
		return 2
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "repomock contract: %v\n", err)
		return 2
	}
	if *junit != "" {
		if err := writeJUnit(*junit, rep); err != nil {
			fmt.Fprintf(stderr, "repomock contract: --junit: %v\n", err)
			return 2
		}
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

func writeJUnit(path string, rep *contracts.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJUnit(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func nonEmpty(ss ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

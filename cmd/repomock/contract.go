package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/repomock/repomock/contracts"
	"github.com/repomock/repomock/contracts/diff"
	"github.com/repomock/repomock/contracts/vendors"
	"github.com/repomock/repomock/mock/recording"
)

// The exit codes of repomock contract and repomock contract diff.
const (
	exitPassed     = 0 // every check passed; the recordings agree
	exitFailed     = 1 // a contract failure; a scenario differs
	exitCannotRun  = 2 // a usage error, refused credentials, an unreachable URL
	contractPrefix = "repomock contract"
)

// contractFlag is the flag for a REPOMOCK_CONTRACT_ variable: ENDOR_URL → endor-url.
func contractFlag(envSuffix string) string {
	return strings.ToLower(strings.ReplaceAll(envSuffix, "_", "-"))
}

// contractEnvName is the variable of a flag of repomock contract:
// endor-url → REPOMOCK_CONTRACT_ENDOR_URL.
func contractEnvName(flagName string) string {
	return vendors.EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// runContract is `repomock contract`: the contract suite against any
// target, with a table on stdout and, with --junit, JUnit XML; or, as
// `repomock contract diff`, the comparison of two recordings. It exits 0
// when every check passed, 1 when one failed, 2 when it could not run.
func runContract(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "diff" {
		return runContractDiff(args[1:], stdout, stderr)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, contractPrefix+": "+format+"\n", a...)
		return exitCannotRun
	}
	fs := flag.NewFlagSet(contractPrefix, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: repomock contract [flags]\n"+
			"       repomock contract diff VENDOR_DIR MOCK_DIR [--junit FILE]\n\n"+
			"Runs the contract suite against the vendors named by URL (repomock itself, or the real APIs),\n"+
			"prints a table of check × operation, then every failure in full.\n"+
			"--url names one server for all %s vendors; %s override it.\n"+
			"Each flag may also be set as %s<FLAG> (for example %sENDOR_URL); the command line wins.\n"+
			"Against a real account the suite creates objects named %q…, and deletes them where the API can.\n"+
			"diff compares two --record directories scenario by scenario (see the README).\n\n"+
			"Exit status: 0 every check passed, 1 a contract failure (diff: a scenario differs),\n"+
			"2 could not run (a bad flag, credentials the vendor refuses, an unreachable URL).\n\nFlags:\n",
			vendors.Count(), urlFlags("and"), vendors.EnvPrefix, vendors.EnvPrefix, "repomock-contract-")
		fs.PrintDefaults()
	}
	values := map[string]*string{}
	for _, v := range vendors.EnvVars() {
		values[v[0]] = fs.String(contractFlag(v[0]), "", v[1])
	}
	junit := fs.String("junit", "", "also write the results as JUnit XML to `file`")
	record := fs.String("record", "", "write every exchange to `dir`, one JSON file per scenario (for repomock contract diff)")
	verbose := fs.Bool("verbose", false, "print every exchange as it happens")
	timeout := text("10m")
	fs.Var(&timeout, "timeout", "give up after this `duration`")
	if err := parseFlags(fs, args, stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPassed
		}
		return fail("%v", err)
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (see repomock contract --help)", fs.Arg(0))
	}
	// Every flag not given is read from its variable, as the help says.
	timeoutFrom := contractEnvName("timeout") // where a bad --timeout came from
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "timeout" {
			timeoutFrom = "--timeout"
		}
	})
	if err := applyEnv(fs, getenv, contractEnvName); err != nil {
		return fail("%v", err)
	}
	limit, err := time.ParseDuration(string(timeout))
	if err != nil || limit <= 0 {
		return fail("%s: %q is not a duration of more than 0, such as 10m", timeoutFrom, timeout)
	}
	target, ok, err := vendors.TargetFromEnv(func(name string) string {
		if v := values[strings.TrimPrefix(name, vendors.EnvPrefix)]; v != nil {
			return *v
		}
		return ""
	})
	if err != nil {
		return fail("%v", err)
	}
	if !ok {
		return fail("name at least one target: --url, or %s (or %sURL, …)", urlFlags("or"), vendors.EnvPrefix)
	}
	var urls []string
	for _, v := range target.Vendors {
		urls = append(urls, v.URL)
	}
	target.Name = strings.Join(nonEmpty(urls...), ", ")

	// Everything that can be checked is checked before anything is sent.
	var junitFile *os.File
	if *junit != "" {
		if junitFile, err = os.Create(*junit); err != nil {
			return fail("--junit: %v", err)
		}
		defer junitFile.Close()
	}
	if *record != "" {
		if err := emptyDir(*record); err != nil {
			return fail("--record: %v", err)
		}
	}
	var recordErr error
	target.Observe = func(x recording.Exchange) {
		if *verbose {
			fmt.Fprintln(stdout, verboseLine(x))
		}
		if *record != "" && recordErr == nil {
			recordErr = recording.Write(*record, x)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	rep, err := contracts.Evaluate(ctx, target)
	if err != nil {
		return fail("%s", strings.TrimPrefix(err.Error(), "contracts: "))
	}
	if err := rep.WriteTable(stdout); err != nil {
		return fail("%v", err)
	}
	if recordErr != nil {
		return fail("--record: %v", recordErr)
	}
	if junitFile != nil {
		if err := rep.WriteJUnit(junitFile); err != nil {
			return fail("--junit: %v", err)
		}
		if err := junitFile.Close(); err != nil {
			return fail("--junit: %v", err)
		}
	}
	if rep.Failed() {
		return exitFailed
	}
	return exitPassed
}

// urlFlags lists the vendors' URL flags, the last joined by conj:
// "--endor-url, --codearts-url or --servicestage-url".
func urlFlags(conj string) string {
	var flags []string
	for _, v := range vendors.URLVars() {
		flags = append(flags, "--"+contractFlag(v))
	}
	if len(flags) < 2 {
		return strings.Join(flags, "")
	}
	return strings.Join(flags[:len(flags)-1], ", ") + " " + conj + " " + flags[len(flags)-1]
}

// verboseLine is one exchange on one line: scenario, request, answer.
func verboseLine(x recording.Exchange) string {
	answer := fmt.Sprintf("HTTP %d %s", x.Status, clip(string(x.ResponseBody), 200))
	if x.Error != "" {
		answer = x.Error
	}
	body := ""
	if len(x.RequestBody) > 0 {
		body = " " + clip(string(x.RequestBody), 200)
	}
	return fmt.Sprintf("%s: %s %s%s → %s", x.Scenario, x.Method, x.URL, body, answer)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// emptyDir makes dir, or accepts it when it holds no recording yet, so
// that a recording never mixes two runs.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(old) > 0 {
		return fmt.Errorf("%s already holds %d recorded files: give a new or empty directory", dir, len(old))
	}
	return nil
}

// runContractDiff is `repomock contract diff VENDOR_DIR MOCK_DIR [--junit FILE]`.
func runContractDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(contractPrefix+" diff", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: repomock contract diff VENDOR_DIR MOCK_DIR [--junit FILE]\n\n"+
			"Compares two recordings of repomock contract --record scenario by scenario: the status, the\n"+
			"vendor's error code, the fields and their JSON types, and the values of fields that are not\n"+
			"volatile (ids, timestamps, request ids, tokens, messages and generated names are masked by rule).\n"+
			"Prints a table and \"N scenarios, M differ\"; exits 0 when none differ, 1 when one does, 2 when it\n"+
			"cannot read a recording.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	junit := fs.String("junit", "", "also write the comparison as JUnit XML to `file`")
	// Flags may come before, between or after the two directories.
	var dirs []string
	for {
		if err := parseFlags(fs, args, stdout); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitPassed
			}
			fmt.Fprintf(stderr, "%s diff: %v\n", contractPrefix, err)
			return exitCannotRun
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(dirs) != 2 {
		fmt.Fprintf(stderr, "%s diff: want two directories, VENDOR_DIR and MOCK_DIR, got %d (see repomock contract diff --help)\n", contractPrefix, len(dirs))
		return exitCannotRun
	}
	d, err := diff.Recordings(dirs[0], dirs[1])
	if err != nil {
		fmt.Fprintf(stderr, "%s diff: %v\n", contractPrefix, err)
		return exitCannotRun
	}
	if err := d.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "%s diff: %v\n", contractPrefix, err)
		return exitCannotRun
	}
	if *junit != "" {
		if err := writeReport(*junit, d.WriteJUnit); err != nil {
			fmt.Fprintf(stderr, "%s diff: --junit: %v\n", contractPrefix, err)
			return exitCannotRun
		}
	}
	if d.Differ() > 0 {
		return exitFailed
	}
	return exitPassed
}

func writeReport(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
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

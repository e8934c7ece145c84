package repomock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/testcontainers/testcontainers-go"
)

// fixtureFiles are the files repomock reads from a fixtures directory, one
// per vendor, each optional. WithFixtures copies these and nothing else.
var fixtureFiles = []string{"endor.yaml", "codearts.yaml", "servicestage.yaml"}

const (
	// FixturesPath is where WithFixtures puts the fixture files in the
	// container. It is a directory of its own, so it can never merge into
	// the image's files (/repomock, /fixtures).
	FixturesPath = "/fixtures-custom"
	// ExampleFixturesPath holds the example fixtures built into the image,
	// which WithExampleFixtures loads.
	ExampleFixturesPath = "/fixtures"
)

// options is the state the module options collect before Run builds the
// container request from it.
type options struct {
	fixturesDir     string // a host directory, from WithFixtures
	exampleFixtures bool
	seed            uint64
	endorTokens     []string
	huaweiCreds     []string
	repoAuths       []string
}

// Compiler check that Option can be passed to Run as a customizer.
var _ testcontainers.ContainerCustomizer = (Option)(nil)

// Option configures the repomock container. It is applied by Run before
// the container request is built, and checks its arguments there: a bad
// one makes Run fail without creating a container.
type Option func(*options) error

// Customize is a no-op, defined to satisfy testcontainers.ContainerCustomizer:
// Run reads an Option's settings itself.
func (o Option) Customize(*testcontainers.GenericContainerRequest) error {
	return nil
}

// WithFixtures loads the fixture files of the host directory dir
// (endor.yaml, codearts.yaml, servicestage.yaml; at least one must exist)
// at start and on every Reset. The files are copied to FixturesPath, owned
// by root with mode 0644, so that the server, which runs as the non-root
// user 65532, can read them. Other files in dir are not copied.
func WithFixtures(dir string) Option {
	return func(o *options) error {
		if o.exampleFixtures {
			return errors.New("WithFixtures: WithExampleFixtures was given too; choose one")
		}
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("WithFixtures: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("WithFixtures: %s is not a directory", dir)
		}
		found := false
		for _, name := range fixtureFiles {
			f, err := os.Open(filepath.Join(dir, name))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("WithFixtures: %w", err)
			}
			st, err := f.Stat()
			f.Close()
			if err != nil {
				return fmt.Errorf("WithFixtures: %w", err)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("WithFixtures: %s is not a regular file", f.Name())
			}
			found = true
		}
		if !found {
			return fmt.Errorf("WithFixtures: %s holds none of %s", dir, strings.Join(fixtureFiles, ", "))
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("WithFixtures: %w", err)
		}
		o.fixturesDir = abs
		return nil
	}
}

// WithExampleFixtures loads the example fixtures built into the image (the
// project's fixtures/ directory, at ExampleFixturesPath): Endor repository
// versions in acme.prod and acme.dev, CodeArts repositories and
// ServiceStage files in repomock/group/app.
func WithExampleFixtures() Option {
	return func(o *options) error {
		if o.fixturesDir != "" {
			return errors.New("WithExampleFixtures: WithFixtures was given too; choose one")
		}
		o.exampleFixtures = true
		return nil
	}
}

// WithSeed makes the ids, tokens and other generated values repeatable: two
// containers with the same seed that receive the same requests answer the
// same. Without it every container picks a random seed; 0 is refused, as
// the server reads it as "random".
func WithSeed(seed uint64) Option {
	return func(o *options) error {
		if seed == 0 {
			return errors.New("WithSeed: 0 means a random seed; leave the option out instead")
		}
		o.seed = seed
		return nil
	}
}

// namespaceRe is Endor's namespace syntax: dot-separated segments.
var namespaceRe = regexp.MustCompile(`^[a-z0-9_-]{1,32}(\.[a-z0-9_-]{1,32})*$`)

// WithEndorTokens makes the Endor API accept only these bearer tokens; any
// other gets the vendor's 401. "token=acme.prod" limits a token to the
// namespace acme.prod and its children (elsewhere it gets 403, code 7).
// Without it any non-empty token is accepted.
func WithEndorTokens(tokens ...string) Option {
	return func(o *options) error {
		if len(tokens) == 0 {
			return errors.New("WithEndorTokens: no token given")
		}
		for i, tok := range tokens {
			value, ns, limited := strings.Cut(tok, "=")
			switch {
			case value == "" || strings.TrimSpace(tok) != tok:
				return fmt.Errorf("WithEndorTokens: token %d is empty or has surrounding spaces", i+1)
			case strings.Contains(tok, ","):
				return fmt.Errorf("WithEndorTokens: token %d contains a comma", i+1)
			case limited && !namespaceRe.MatchString(ns):
				return fmt.Errorf("WithEndorTokens: token %d: namespace %q must be dot-separated segments of 1-32 characters from a-z 0-9 _ -", i+1, ns)
			}
		}
		o.endorTokens = append(o.endorTokens, tokens...)
		return nil
	}
}

// WithHuaweiCredentials makes both Huawei APIs verify every SDK-HMAC-SHA256
// signature against these access key pairs, each written "AK:SK". An
// unknown AK or a wrong signature gets 401 APIGW.0301. X-Auth-Token
// requests are not affected. Without it any well-formed signature passes.
func WithHuaweiCredentials(akSK ...string) Option {
	return func(o *options) error {
		if len(akSK) == 0 {
			return errors.New("WithHuaweiCredentials: no credential given")
		}
		for i, c := range akSK {
			ak, sk, ok := strings.Cut(c, ":")
			if !ok || ak == "" || sk == "" || strings.ContainsAny(c, ", \t\n") {
				return fmt.Errorf("WithHuaweiCredentials: credential %d: want AK:SK, without commas or spaces", i+1)
			}
		}
		o.huaweiCreds = append(o.huaweiCreds, akSK...)
		return nil
	}
}

// repoAuthRe is the console's rule for ServiceStage authorization names.
var repoAuthRe = regexp.MustCompile(`^[A-Za-z0-9._-]{4,63}$`)

// WithRepoAuths makes ServiceStage accept only these X-Repo-Auth names;
// any other gets SVCSTG.REPO.0451. Without it any well-formed name (4 to
// 63 letters, digits, '.', '_' or '-') is accepted.
func WithRepoAuths(names ...string) Option {
	return func(o *options) error {
		if len(names) == 0 {
			return errors.New("WithRepoAuths: no name given")
		}
		for _, n := range names {
			if !repoAuthRe.MatchString(n) {
				return fmt.Errorf("WithRepoAuths: %q must be 4 to 63 letters, digits, '.', '_' or '-'", n)
			}
		}
		o.repoAuths = append(o.repoAuths, names...)
		return nil
	}
}

// customizers turns the settings into container request options: the
// server's REPOMOCK_* variables, and the fixture files to copy.
func (o options) customizers() []testcontainers.ContainerCustomizer {
	env := map[string]string{}
	var out []testcontainers.ContainerCustomizer
	switch {
	case o.exampleFixtures:
		env["REPOMOCK_FIXTURES"] = ExampleFixturesPath
	case o.fixturesDir != "":
		env["REPOMOCK_FIXTURES"] = FixturesPath
		// One ContainerFile per file rather than the directory: tc-go copies
		// a directory under its host name (…/<basename>) with one mode for
		// files and directories alike, so neither the path nor the non-root
		// user's access would be under our control. Single files land
		// exactly at ContainerFilePath; Docker creates the missing
		// FixturesPath directory as root, mode 0755.
		var files []testcontainers.ContainerFile
		for _, name := range fixtureFiles {
			host := filepath.Join(o.fixturesDir, name)
			if _, err := os.Stat(host); err != nil {
				continue
			}
			files = append(files, testcontainers.ContainerFile{
				HostFilePath:      host,
				ContainerFilePath: FixturesPath + "/" + name,
				FileMode:          0o644,
			})
		}
		out = append(out, testcontainers.WithFiles(files...))
	}
	if o.seed != 0 {
		env["REPOMOCK_SEED"] = strconv.FormatUint(o.seed, 10)
	}
	if len(o.endorTokens) > 0 {
		env["REPOMOCK_ENDOR_TOKENS"] = strings.Join(o.endorTokens, ",")
	}
	if len(o.huaweiCreds) > 0 {
		env["REPOMOCK_HUAWEI_CREDENTIALS"] = strings.Join(o.huaweiCreds, ",")
	}
	if len(o.repoAuths) > 0 {
		env["REPOMOCK_REPO_AUTHS"] = strings.Join(o.repoAuths, ",")
	}
	if len(env) > 0 {
		out = append(out, testcontainers.WithEnv(env))
	}
	return out
}

package repomock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

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

// Option is a customizer of the container request: each With… option of
// this package sets the server's REPOMOCK_* variables (and, for
// WithFixtures, the files to copy) on the request itself. So the options
// work with testcontainers.Run and testcontainers.GenericContainer as well
// as with Run. An option checks its arguments when it is applied: a bad
// one makes Run fail before any container is created.
type Option = testcontainers.CustomizeRequestOption

// The server's variables the options set.
const (
	envFixtures    = "REPOMOCK_FIXTURES"
	envWatch       = "REPOMOCK_WATCH"
	envSeed        = "REPOMOCK_SEED"
	envEndorTokens = "REPOMOCK_ENDOR_TOKENS"
	envHuaweiCreds = "REPOMOCK_HUAWEI_CREDENTIALS"
	envRepoAuths   = "REPOMOCK_REPO_AUTHS"
	envAdminToken  = "REPOMOCK_ADMIN_TOKEN"
	envAllowedHost = "REPOMOCK_ALLOWED_HOSTS"
)

// setEnv sets one variable of the request.
func setEnv(req *testcontainers.GenericContainerRequest, name, value string) {
	if req.Env == nil {
		req.Env = map[string]string{}
	}
	req.Env[name] = value
}

// appendEnv adds values to a comma-separated list variable, so that an
// option given twice adds to the list rather than replacing it.
func appendEnv(req *testcontainers.GenericContainerRequest, name string, values []string) {
	list := strings.Join(values, ",")
	if old := req.Env[name]; old != "" {
		list = old + "," + list
	}
	setEnv(req, name, list)
}

// WithFixtures loads the fixture files of the host directory dir
// (endor.yaml, codearts.yaml, servicestage.yaml; at least one must exist)
// at start and on every Reset. The files are copied to FixturesPath, owned
// by root with mode 0644, so that the server, which runs as the non-root
// user 65532, can read them. Other files in dir are not copied.
func WithFixtures(dir string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if req.Env[envFixtures] == ExampleFixturesPath {
			return errors.New("WithFixtures: WithExampleFixtures was given too; choose one")
		}
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("WithFixtures: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("WithFixtures: %s is not a directory", dir)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return fmt.Errorf("WithFixtures: %w", err)
		}
		// One ContainerFile per file rather than the directory: tc-go copies
		// a directory under its host name (…/<basename>) with one mode for
		// files and directories alike, so neither the path nor the non-root
		// user's access would be under our control. Single files land
		// exactly at ContainerFilePath; Docker creates the missing
		// FixturesPath directory as root, mode 0755.
		var files []testcontainers.ContainerFile
		for _, name := range fixtureFiles {
			host := filepath.Join(abs, name)
			st, err := os.Stat(host)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("WithFixtures: %w", err)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("WithFixtures: %s is not a regular file", host)
			}
			files = append(files, testcontainers.ContainerFile{
				HostFilePath:      host,
				ContainerFilePath: FixturesPath + "/" + name,
				FileMode:          0o644,
			})
		}
		if len(files) == 0 {
			return fmt.Errorf("WithFixtures: %s holds none of %s", dir, strings.Join(fixtureFiles, ", "))
		}
		setEnv(req, envFixtures, FixturesPath)
		return testcontainers.WithFiles(files...)(req)
	}
}

// WithExampleFixtures loads the example fixtures built into the image (the
// project's fixtures/ directory, at ExampleFixturesPath): Endor repository
// versions in acme.prod and acme.dev, CodeArts repositories and
// ServiceStage files in repomock/group/app.
func WithExampleFixtures() Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if req.Env[envFixtures] == FixturesPath {
			return errors.New("WithExampleFixtures: WithFixtures was given too; choose one")
		}
		setEnv(req, envFixtures, ExampleFixturesPath)
		return nil
	}
}

// WithWatch reloads the fixtures when their files in the container change
// (a test's CopyToContainer over FixturesPath, say), and starts every
// session afresh from them; the journal, faults and stubs stay. A file
// that does not load keeps the fixtures in use: Container.Fixtures says
// why. It needs WithFixtures or WithExampleFixtures.
func WithWatch() Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		setEnv(req, envWatch, "true")
		return nil
	}
}

// WithSeed makes the ids, tokens and other generated values repeatable: two
// containers with the same seed that receive the same requests answer the
// same. Without it every container picks a random seed; 0 is refused, as
// the server reads it as "random".
func WithSeed(seed uint64) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if seed == 0 {
			return errors.New("WithSeed: 0 means a random seed; leave the option out instead")
		}
		setEnv(req, envSeed, strconv.FormatUint(seed, 10))
		return nil
	}
}

// namespaceRe is Endor's namespace syntax: dot-separated segments.
var namespaceRe = regexp.MustCompile(`^[a-z0-9_-]{1,32}(\.[a-z0-9_-]{1,32})*$`)

// WithEndorTokens makes the Endor API accept only these bearer tokens; any
// other gets the vendor's 401. "token=acme.prod" limits a token to the
// namespace acme.prod and its children (elsewhere it gets 403, code 7), and
// "token=acme.prod:github:alice@example.com" also gives it the login that
// GET /v1/auth reports (repomock's --endor-tokens: TOKEN[=[NAMESPACE][:PROVIDER[:EMAIL]]]).
// Without it any non-empty token is accepted.
func WithEndorTokens(tokens ...string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if len(tokens) == 0 {
			return errors.New("WithEndorTokens: no token given")
		}
		for i, tok := range tokens {
			value, rest, _ := strings.Cut(tok, "=")
			ns, _, _ := strings.Cut(rest, ":")
			switch {
			case value == "" || strings.TrimSpace(tok) != tok:
				return fmt.Errorf("WithEndorTokens: token %d is empty or has surrounding spaces", i+1)
			case strings.Contains(tok, ","):
				return fmt.Errorf("WithEndorTokens: token %d contains a comma", i+1)
			case ns != "" && !namespaceRe.MatchString(ns):
				return fmt.Errorf("WithEndorTokens: token %d: namespace %q must be dot-separated segments of 1-32 characters from a-z 0-9 _ -", i+1, ns)
			}
		}
		appendEnv(req, envEndorTokens, tokens)
		return nil
	}
}

// WithHuaweiCredentials makes both Huawei APIs verify every SDK-HMAC-SHA256
// signature against these access key pairs, each written "AK:SK". An
// unknown AK or a wrong signature gets 401 APIGW.0301. X-Auth-Token
// requests are not affected. Without it any well-formed signature passes.
func WithHuaweiCredentials(akSK ...string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if len(akSK) == 0 {
			return errors.New("WithHuaweiCredentials: no credential given")
		}
		for i, c := range akSK {
			ak, sk, ok := strings.Cut(c, ":")
			if !ok || ak == "" || sk == "" || strings.ContainsAny(c, ", \t\n") {
				return fmt.Errorf("WithHuaweiCredentials: credential %d: want AK:SK, without commas or spaces", i+1)
			}
		}
		appendEnv(req, envHuaweiCreds, akSK)
		return nil
	}
}

// repoAuthRe is the console's rule for ServiceStage authorization names.
var repoAuthRe = regexp.MustCompile(`^[A-Za-z0-9._-]{4,63}$`)

// WithRepoAuths makes ServiceStage accept only these X-Repo-Auth names;
// any other gets SVCSTG.REPO.0451. Without it any well-formed name (4 to
// 63 letters, digits, '.', '_' or '-') is accepted.
func WithRepoAuths(names ...string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if len(names) == 0 {
			return errors.New("WithRepoAuths: no name given")
		}
		for _, n := range names {
			if !repoAuthRe.MatchString(n) {
				return fmt.Errorf("WithRepoAuths: %q must be 4 to 63 letters, digits, '.', '_' or '-'", n)
			}
		}
		appendEnv(req, envRepoAuths, names)
		return nil
	}
}

// WithAdminToken makes the server require token in the
// X-Repomock-Admin-Token header of every /__admin request but health (the
// image otherwise serves /__admin without one). The Container that Run
// returns sends it on Reset and Requests; the image's HEALTHCHECK and
// Run's wait need none.
func WithAdminToken(token string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if token == "" || strings.TrimSpace(token) != token || strings.ContainsFunc(token, unicode.IsControl) {
			return errors.New("WithAdminToken: the token is empty, has surrounding spaces or a control character")
		}
		setEnv(req, envAdminToken, token)
		return nil
	}
}

// hostRe is a host name, or a domain with a leading dot.
var hostRe = regexp.MustCompile(`^\.?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)

// WithAllowedHosts adds Host names that /__admin and the console answer
// to. They answer to localhost and IP addresses whatever the options (the
// Container reaches them at an address, or at localhost); any other name
// gets 403, so that a web page cannot reach them by DNS rebinding. Give
// the name the tests reach the container by when it is not one of those:
// a Docker host by name (DOCKER_HOST=tcp://docker:2376), or a network
// alias. ".example.com" allows a domain and its subdomains, "*" any host.
func WithAllowedHosts(hosts ...string) Option {
	return func(req *testcontainers.GenericContainerRequest) error {
		if len(hosts) == 0 {
			return errors.New("WithAllowedHosts: no host given")
		}
		for _, h := range hosts {
			if h != "*" && !hostRe.MatchString(h) {
				return fmt.Errorf("WithAllowedHosts: %q is not a host name (a name, .example.com, or *)", h)
			}
		}
		appendEnv(req, envAllowedHost, hosts)
		return nil
	}
}

// Package repomock runs repomock, the mock server for the Endor Labs, Huawei
// CodeArts Repo and Huawei ServiceStage APIs, in a container for tests, with
// Testcontainers for Go.
//
// One container serves all three APIs on one port, so EndorURL, CodeArtsURL
// and ServiceStageURL return the same base URL; each names the URL to give
// that vendor's client. Session gives a test its own state in a shared
// container; InjectFault makes the vendors fail as they do; Requests and
// WaitForRequests read what the server received. They wrap the server's
// admin API. The package starts containers only; it does not build the
// image: Run pulls DefaultImage, or names how to get it when it cannot.
package repomock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	// DefaultImage is the published image of this module's Version,
	// ghcr.io/repomock/repomock:vX.Y.Z. Run pulls it when the Docker host
	// does not have it. A locally built image is run by passing its name to
	// Run instead (the repository's README shows how to build one).
	DefaultImage = imageRepository + ":" + Version
	// Port is the container port repomock serves every API on.
	Port = "8080/tcp"
	// StartupTimeout bounds how long Run waits for /__admin/health to
	// answer 200. The server is ready in well under a second; the margin is
	// for slow Docker hosts.
	StartupTimeout = 60 * time.Second
)

// Container is a running repomock container.
type Container struct {
	testcontainers.Container
	// adminToken is sent on admin calls when the server requires one.
	adminToken string
}

// Run creates and starts a repomock container from the image img (for
// example DefaultImage), exposes Port and waits until GET /__admin/health
// answers 200. opts are this package's options and any testcontainers-go
// customizer, applied in order after those defaults, so they can override
// them (testcontainers.WithEnv can set any REPOMOCK_* variable).
//
// When the server requires an admin token (WithAdminToken, or
// REPOMOCK_ADMIN_TOKEN set by any other means), the Container sends it on
// Reset and Requests.
//
// When the container was created but did not become ready, Run returns it
// with the error, so that the caller can read its logs and must terminate it.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	moduleOpts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(Port),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/__admin/health").
			WithPort(Port).
			WithStatusCodeMatcher(func(status int) bool { return status == http.StatusOK }).
			WithStartupTimeout(StartupTimeout)),
	}
	moduleOpts = append(moduleOpts, opts...)

	ctr, err := testcontainers.Run(ctx, img, moduleOpts...)
	var c *Container
	// Check the concrete pointer: a nil *DockerContainer stored in the
	// interface would make a non-nil Container that panics on use.
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		if ctr == nil {
			err = explainMissingImage(ctx, img, err)
		}
		return c, fmt.Errorf("run repomock: %w", err)
	}

	// Read the token from the container itself, whichever customizer (or
	// the image) set it.
	inspect, err := ctr.Inspect(ctx)
	if err != nil {
		return c, fmt.Errorf("run repomock: inspect: %w", err)
	}
	for _, env := range inspect.Config.Env {
		if v, ok := strings.CutPrefix(env, envAdminToken+"="); ok {
			c.adminToken = v
		}
	}
	return c, nil
}

// buildCommand builds the image from a checkout of the repository and
// names it img, pulling nothing: the Dockerfile copies the binary built
// first.
func buildCommand(img string) string {
	return "CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o build/repomock ./cmd/repomock && docker build -t " + img + " ."
}

// explainMissingImage adds to err, the failure of a Run that created no
// container, what to do when the reason is that img is not on the Docker
// host: testcontainers-go then tried to pull it, and its error alone
// (a registry lookup) never says that the image can be pulled elsewhere or
// built. Any other failure is returned as it is.
func explainMissingImage(ctx context.Context, img string, err error) error {
	// The check gets a moment of its own, even when ctx ran out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cli, cerr := testcontainers.NewDockerClientWithOpts(ctx)
	if cerr != nil {
		return err
	}
	defer cli.Close()
	if _, ierr := cli.ImageInspect(ctx, img); !errdefs.IsNotFound(ierr) {
		return err
	}
	return fmt.Errorf("image %s is not on this Docker host: pull it where its registry is reachable (docker pull %s), "+
		"or build it in a checkout of github.com/repomock/repomock (%s): %w", img, img, buildCommand(img), err)
}

// URL returns the base URL of the server as reachable from the host, for
// example "http://127.0.0.1:32768", without a trailing slash.
func (c *Container) URL(ctx context.Context) (string, error) {
	return c.PortEndpoint(ctx, Port, "http")
}

// EndorURL returns the base URL to give an Endor Labs client (in place of
// https://api.endorlabs.com). Paths start with /v1/namespaces/….
func (c *Container) EndorURL(ctx context.Context) (string, error) { return c.URL(ctx) }

// CodeArtsURL returns the base URL to give a Huawei CodeArts Repo client
// as its endpoint, in place of the region's endpoint.
// Paths start with /v1/repositories or /v1/projects/….
func (c *Container) CodeArtsURL(ctx context.Context) (string, error) { return c.URL(ctx) }

// ServiceStageURL returns the base URL to give a Huawei ServiceStage client
// as its endpoint, in place of the region's endpoint.
// Paths start with /v1/{project_id}/git/….
func (c *Container) ServiceStageURL(ctx context.Context) (string, error) { return c.URL(ctx) }

// Reset reads the fixture files again, clears every vendor's state in
// every session and the issued tokens, loads the fixtures, and empties the
// request journal, the faults and the stubs (POST /__admin/reset). When a
// fixture file no longer loads, nothing is reset, and the error names the
// file and the line.
func (c *Container) Reset(ctx context.Context) error {
	if err := c.admin(ctx, http.MethodPost, "/__admin/reset", nil, nil); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	return nil
}

// adminTokenHeader carries the admin token (the server's
// mock.AdminTokenHeader; this module does not import the server's).
const adminTokenHeader = "X-Repomock-Admin-Token"

// admin calls the admin API with in as a JSON body (when not nil) and
// decodes a 2xx answer into out (when not nil).
func (c *Container) admin(ctx context.Context, method, path string, in, out any) error {
	base, err := c.URL(ctx)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.adminToken != "" {
		req.Header.Set(adminTokenHeader, c.adminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &adminError{method: method, path: path, status: resp.StatusCode, body: bytes.TrimSpace(data)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// adminError is an answer of the admin API other than 2xx; its status lets
// a caller tell "not there" from a failure.
type adminError struct {
	method, path string
	status       int
	body         []byte
}

func (e *adminError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.method, e.path, e.status, e.body)
}

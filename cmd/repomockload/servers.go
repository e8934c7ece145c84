package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server"
)

// servers are repomock and the baseline, served in this process.
type servers struct {
	repomockURL, baselineURL     string
	resetRepomock, resetBaseline func() error
	close                        func() error
}

// startServers serves repomock (server.New, as cmd/repomock builds it,
// with cfg) and the baseline, each with a real http.Server on 127.0.0.1:0.
func startServers(cfg server.Config) (*servers, error) {
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	base, err := newBaseline(cfg)
	if err != nil {
		return nil, err
	}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	rerr := make(chan error, 1)
	go func() { rerr <- srv.Serve(ctx, rln) }()
	// The same timeouts as server.Server.Serve.
	bsrv := &http.Server{
		Handler:           base.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	berr := make(chan error, 1)
	go func() { berr <- bsrv.Serve(bln) }()
	return &servers{
		repomockURL:   "http://" + rln.Addr().String(),
		baselineURL:   "http://" + bln.Addr().String(),
		resetRepomock: func() error { srv.Reset(); return nil },
		resetBaseline: func() error { base.reset(); return nil },
		close: func() error {
			cancel()
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			err := bsrv.Shutdown(sctx)
			if e := <-berr; !errors.Is(e, http.ErrServerClosed) {
				err = errors.Join(err, e)
			}
			return errors.Join(err, <-rerr)
		},
	}, nil
}

// baseline is the bare echo instance: every operation of the vendors'
// specs routed as repomock routes it (pipeline.Validator.Operations gives the
// method and echo path) to the same fake's handler, with no validation,
// no codec, no authentication, no journal and no error rendering: only
// what any server must do around a handler (bare).
type baseline struct {
	echo  *echo.Echo
	reset func()
}

func newBaseline(cfg server.Config) (*baseline, error) {
	// The same vendors, and specs, repomock builds for cfg.
	vendors, err := server.NewVendors(cfg)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	for _, v := range vendors {
		doc, err := server.LoadSpec(cfg, v.Spec())
		if err != nil {
			return nil, err
		}
		val, err := pipeline.New(doc, pipeline.Options{})
		if err != nil {
			return nil, fmt.Errorf("spec %s: %w", v.Spec().File, err)
		}
		handlers := v.Handlers()
		for _, op := range val.Operations() {
			h := handlers[op.ID]
			if h == nil {
				return nil, fmt.Errorf("baseline: spec %s: no handler for %s", v.Spec().File, op.ID)
			}
			e.Add(op.Method, op.EchoPath, bare(h))
		}
	}
	b := &baseline{echo: e, reset: func() {
		for _, v := range vendors {
			v.Reset()
		}
	}}
	// Not on any measured path: lets --reset empty a --serve baseline.
	e.POST("/__admin/reset", func(c echo.Context) error {
		b.reset()
		return c.NoContent(http.StatusNoContent)
	})
	return b, nil
}

// bare serves h with the least a server does around it: the body decoded
// (by repomock's own reader) and the path parameters unescaped for it, its
// answer written with the shared writer. What repomock does beyond this is what it is measured for.
func bare(h pipeline.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		in := pipeline.Request{Params: pipeline.Params{}}
		for i, name := range c.ParamNames() {
			v := c.ParamValues()[i]
			if c.Request().URL.RawPath != "" { // echo routed on the raw path
				if u, err := url.PathUnescape(v); err == nil {
					v = u
				}
			}
			in.Params[name] = v
		}
		if c.Request().ContentLength != 0 {
			data, err := io.ReadAll(c.Request().Body)
			if err == nil {
				in.Body, err = jsonvalue.Decode(context.Background(), data)
			}
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, err.Error())
			}
		}
		status, body, err := h(c, in)
		if err != nil {
			return err
		}
		if body == nil {
			return c.NoContent(status)
		}
		return pipeline.WriteJSON(c, status, body)
	}
}

// serve is --serve: both servers, with cfg, until ctx is done.
func serve(ctx context.Context, cfg server.Config, stdout io.Writer) error {
	srvs, err := startServers(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "repomock  %s\nbaseline  %s\n\nIn another shell:\n  go run ./cmd/repomockload --url %s --baseline-url %s --reset\n",
		srvs.repomockURL, srvs.baselineURL, srvs.repomockURL, srvs.baselineURL)
	<-ctx.Done()
	return srvs.close()
}

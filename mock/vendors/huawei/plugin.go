package huawei

import (
	"flag"
	"fmt"
	"sync"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/repomock/repomock/mock/vendor"
)

// Plugin is the entry of Huawei's API gateway in the list of vendors: one
// gateway, with its settings, in front of the Huawei services it is given.
// It serves no API of its own: its services are the vendors.
type Plugin struct {
	// Credentials, when not empty, are the AK/SK pairs whose signatures
	// the gateway verifies (--huawei-credentials); otherwise any
	// well-formed signature passes.
	Credentials []Credential
	// Services are the APIs behind the gateway, in the order they are
	// served.
	Services []Service
}

// Service is a Huawei API behind the gateway: its settings, and how it is
// built behind a gateway.
type Service interface {
	// Flags adds the service's settings to fs (vendor.Plugin.Flags).
	Flags(fs *flag.FlagSet, proxy bool)
	// Vendor builds the service for env, behind gw.
	Vendor(env vendor.Env, gw *Verifier) (vendor.Vendor, error)
}

var _ vendor.Plugin = (*Plugin)(nil)

// Flags adds --huawei-credentials, then the services' flags. The proxy
// verifies signatures with them and signs each forwarded request again.
func (p *Plugin) Flags(fs *flag.FlagSet, proxy bool) {
	usage := "comma-separated `AK:SK` pairs whose SDK-HMAC-SHA256 signatures are verified on the Huawei APIs; empty accepts any well-formed signature (with either, X-Sdk-Date must be within 15 minutes)"
	if proxy {
		usage = "comma-separated `AK:SK` pairs: the proxy verifies the clients' SDK-HMAC-SHA256 signatures with them and signs each request again for the upstream; without them a signed request gets 401"
	}
	fs.Func("huawei-credentials", usage, vendor.Parse(&p.Credentials, ParseCredentials))
	for _, s := range p.Services {
		s.Flags(fs, proxy)
	}
}

// Vendors builds the gateway and its services behind it. The gateway
// names requests from the seed's stream 100: with a seed, the n-th Huawei
// request gets the same id on every run.
func (p *Plugin) Vendors(env vendor.Env) ([]vendor.Vendor, error) {
	gw := New(Config{Credentials: p.Credentials, Clock: env.Clock, RequestID: requestIDs(env.Faker(100))})
	out := make([]vendor.Vendor, 0, len(p.Services))
	for _, s := range p.Services {
		v, err := s.Vendor(env, gw)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// requestIDs makes the ids Huawei's gateway names its requests with
// (X-Request-Id, and request_id in its error bodies): 32 hex digits, as
// the vendor's look.
func requestIDs(f *gofakeit.Faker) func() string {
	var mu sync.Mutex // keeps an id's two draws together
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%016x%016x", f.Uint64(), f.Uint64())
	}
}

package vendor

import (
	"flag"
	"log/slog"
	"reflect"
	"time"

	"github.com/brianvoe/gofakeit/v7"
)

// Env is what the server gives each vendor it builds.
type Env struct {
	// Clock gives the time; never nil.
	Clock func() time.Time
	// Seed makes ids and generated values repeatable (see Faker); never 0.
	Seed uint64
	// Log receives what a vendor logs; never nil.
	Log *slog.Logger
	// Fixtures reads the vendors' fixture files; nil when there are none
	// (see ReadFixtures).
	Fixtures Fixtures
}

// Faker returns the generator of one stream of the seed: each vendor draws
// from a stream of its own, so that one vendor's traffic never shifts
// another's ids. A vendor package documents the streams it takes (Endor
// 0, CodeArts 1, ServiceStage 2, the Huawei gateway's request ids 100).
func (e Env) Faker(stream uint64) *gofakeit.Faker {
	s := e.Seed + stream
	if s < e.Seed {
		// Wrapped past the top: 0 would mean random, and the small values
		// after it belong to other streams of a small seed.
		s += 1 << 32
	}
	return gofakeit.New(s)
}

// Fixtures reads the vendors' fixture files: the server's, from its
// fixtures directory, where each vendor's file is named for its ID
// (endor.yaml).
type Fixtures interface {
	// Read reads the fixtures file of the vendor id with parse, which takes
	// the file's JSON form, decodes it into a value of type t, holds it to
	// the vendor's rules and returns a summary of what it holds ("2 API
	// keys, 3 repository versions"). found is false when there is no such
	// file. An error names the file and, where it can, the line.
	Read(id string, t reflect.Type, parse func(data []byte) (summary string, err error)) (found bool, err error)
}

// ReadFixtures reads the fixtures file of the vendor id from env with
// parse, or returns nil when there is none. The fixtures' type says what a
// summary of them is.
func ReadFixtures[F any, P interface {
	*F
	Summary() string
}](env Env, id string, parse func([]byte) (P, error)) (P, error) {
	if env.Fixtures == nil {
		return nil, nil
	}
	var out P
	found, err := env.Fixtures.Read(id, reflect.TypeFor[F](), func(data []byte) (string, error) {
		fx, err := parse(data)
		if err != nil {
			return "", err
		}
		out = fx
		return fx.Summary(), nil
	})
	if err != nil || !found {
		return nil, err
	}
	return out, nil
}

// Serve is a Plugin that serves vendors already built (a fake a test
// holds), with no settings of its own.
func Serve(vs ...Vendor) Plugin { return served(vs) }

type served []Vendor

func (served) Flags(*flag.FlagSet, bool)       {}
func (s served) Vendors(Env) ([]Vendor, error) { return s, nil }

// Parse is a flag.FlagSet.Func that sets *dst to what parse reads, for a
// Plugin's flags.
func Parse[T any](dst *T, parse func(string) (T, error)) func(string) error {
	return func(s string) error {
		v, err := parse(s)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/repomock/repomock/mock/codearts"
	"github.com/repomock/repomock/mock/endor"
	"github.com/repomock/repomock/mock/servicestage"
)

// fixtures is the seed data of every vendor, read once at start.
type fixtures struct {
	endor        *endor.Fixtures
	codearts     *codearts.Fixtures
	servicestage *servicestage.Fixtures
}

// loadFixtures reads each vendor's file in dir (endor.yaml, codearts.yaml,
// servicestage.yaml)
// when it exists. A file that does not parse, or holds what a client could
// not store, stops the server.
func loadFixtures(dir string) (fixtures, error) {
	var fx fixtures
	if dir == "" {
		return fx, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fx, fmt.Errorf("fixtures: %s is not a directory", dir)
	}
	var err error
	if fx.endor, err = load(dir, "endor.yaml", endor.ParseFixtures); err != nil {
		return fx, err
	}
	if fx.codearts, err = load(dir, "codearts.yaml", codearts.ParseFixtures); err != nil {
		return fx, err
	}
	if fx.servicestage, err = load(dir, "servicestage.yaml", servicestage.ParseFixtures); err != nil {
		return fx, err
	}
	return fx, nil
}

// load parses dir/name with parse, or returns nil when the file does not exist.
func load[T any](dir, name string, parse func([]byte) (*T, error)) (*T, error) {
	path := filepath.Join(dir, name)
	data, err := readYAMLAsJSON(path)
	if err != nil || data == nil {
		return nil, err
	}
	fx, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", path, err)
	}
	return fx, nil
}

// readYAMLAsJSON returns the file as JSON, or nil when it does not exist.
func readYAMLAsJSON(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", path, err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", path, err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: not representable as JSON: %w", path, err)
	}
	return data, nil
}

package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/repomock/repomock/mock/endor"
)

// fixtures is the seed data of every vendor, read once at start.
type fixtures struct {
	endor *endor.Fixtures
}

// loadFixtures reads <dir>/endor.yaml when it exists. A file that does not
// parse, or holds what a client could not store, stops the server.
func loadFixtures(dir string) (fixtures, error) {
	var fx fixtures
	if dir == "" {
		return fx, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fx, fmt.Errorf("fixtures: %s is not a directory", dir)
	}
	data, err := readYAMLAsJSON(filepath.Join(dir, "endor.yaml"))
	if err != nil || data == nil {
		return fx, err
	}
	if fx.endor, err = endor.ParseFixtures(data); err != nil {
		return fx, fmt.Errorf("fixtures %s: %w", filepath.Join(dir, "endor.yaml"), err)
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

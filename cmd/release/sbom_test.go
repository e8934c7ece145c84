package main

import (
	"bytes"
	"runtime/debug"
	"slices"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func TestWriteSBOM(t *testing.T) {
	// What go version -m shows of a release binary, in part.
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/repomock/repomock", Version: "v0.1.0"},
		Deps: []*debug.Module{
			{Path: "github.com/getkin/kin-openapi", Version: "v0.153.0", Sum: "h1:Qo4qWW+Pj8o90LUTE6MDyG5TJAtWnfvrcWOBcWg7eBw="},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
		},
	}
	var a, b bytes.Buffer
	if err := writeSBOM(&a, info, platform{"darwin", "arm64"}, []byte("binary"), testDate); err != nil {
		t.Fatal(err)
	}
	if err := writeSBOM(&b, info, platform{"darwin", "arm64"}, []byte("binary"), testDate); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two SBOMs of the same binary differ")
	}

	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(bytes.NewReader(a.Bytes()), cdx.BOMFileFormatJSON).Decode(bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != cdx.SpecVersion1_6 || bom.SerialNumber != "" {
		t.Errorf("format %s %s, serial %q; want CycloneDX 1.6 without a serial number", bom.BOMFormat, bom.SpecVersion, bom.SerialNumber)
	}
	main := bom.Metadata.Component
	// sha256 of "binary".
	const binarySHA256 = "9a3a45d01531a20e89ac6ae10b0b0beb0492acd7216a368aa062d1a5fecaf9cd"
	if bom.Metadata.Timestamp != "2026-12-01T03:32:57Z" || main.PackageURL != "pkg:golang/github.com/repomock/repomock@v0.1.0?type=module" ||
		main.Hashes == nil || (*main.Hashes)[0].Value != binarySHA256 {
		t.Errorf("metadata: %s, component %+v", bom.Metadata.Timestamp, main)
	}
	var purls []string
	for _, c := range *bom.Components {
		purls = append(purls, c.PackageURL)
	}
	// The toolchain's standard library, each module, a replaced one as its replacement.
	want := []string{
		"pkg:golang/std@go1.26.8?type=module",
		"pkg:golang/github.com/getkin/kin-openapi@v0.153.0?type=module",
		"pkg:golang/example.com/fork@v1.0.1?type=module",
	}
	if !slices.Equal(purls, want) {
		t.Errorf("components:\n%q\nwant\n%q", purls, want)
	}
	if deps := *bom.Dependencies; len(deps) != 1 || deps[0].Ref != main.BOMRef || !slices.Equal(*deps[0].Dependencies, want) {
		t.Errorf("dependencies = %+v, want the binary depending on every component", deps)
	}
}

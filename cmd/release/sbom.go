package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"runtime/debug"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// writeSBOM writes the CycloneDX 1.6 SBOM of one binary, from what the go
// command recorded in it (the modules go version -m lists): the binary
// itself with its SHA-256, each module linked into it, and the Go standard
// library of the toolchain that built it. It has no serial number, so that
// the same binary gives the same bytes.
func writeSBOM(w io.Writer, info *debug.BuildInfo, p platform, binary []byte, created time.Time) error {
	main := cdx.Component{
		BOMRef:     purl(info.Main.Path, info.Main.Version),
		Type:       cdx.ComponentTypeApplication,
		Name:       "repomock",
		Version:    info.Main.Version,
		PackageURL: purl(info.Main.Path, info.Main.Version),
		Hashes:     &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: fmt.Sprintf("%x", sha256.Sum256(binary))}},
		Properties: &[]cdx.Property{{Name: "GOOS", Value: p.os}, {Name: "GOARCH", Value: p.arch}},
	}
	std := cdx.Component{
		BOMRef:     purl("std", info.GoVersion),
		Type:       cdx.ComponentTypeLibrary,
		Name:       "std",
		Version:    info.GoVersion,
		PackageURL: purl("std", info.GoVersion),
	}
	components := []cdx.Component{std}
	refs := []string{std.BOMRef}
	for _, m := range info.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		c := cdx.Component{
			BOMRef:     purl(m.Path, m.Version),
			Type:       cdx.ComponentTypeLibrary,
			Name:       m.Path,
			Version:    m.Version,
			PackageURL: purl(m.Path, m.Version),
			Scope:      cdx.ScopeRequired,
		}
		components = append(components, c)
		refs = append(refs, c.BOMRef)
	}
	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{Timestamp: created.Format(time.RFC3339), Component: &main}
	bom.Components = &components
	bom.Dependencies = &[]cdx.Dependency{{Ref: main.BOMRef, Dependencies: &refs}}
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).EncodeVersion(bom, cdx.SpecVersion1_6)
}

// purl is the package URL of a Go module version
// (https://github.com/package-url/purl-spec, type golang).
func purl(path, version string) string {
	return "pkg:golang/" + path + "@" + url.PathEscape(version) + "?type=module"
}

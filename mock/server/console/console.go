// Package console is the web console: one page under /__admin/ui, from
// files embedded in the binary (plain HTML, CSS and JavaScript, no
// library, no build step), and the admin routes it reads besides those of
// the admin API (and the journal's stream): a session's objects, and the
// vendors with their operations.
package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/vendor"
)

//go:embed ui
var uiFiles embed.FS

// consolePath is the page's address.
const consolePath = admin.Prefix + "/ui"

// The files of the page, by name, with their media types.
var uiTypes = map[string]string{
	"index.html":  "text/html; charset=utf-8",
	"console.js":  "text/javascript; charset=utf-8",
	"console.css": "text/css; charset=utf-8",
}

// consoleCSP keeps the page to its own files: no inline script, nothing
// from elsewhere, and no framing. What it shows (request bodies) is
// written as text, never as markup; this is the second line.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// The number of objects GET /__admin/objects lists of each vendor when
// not told (specs/admin.yaml bounds it).
const defaultObjectsLimit = 100

// Handlers are the console's routes of the admin API, by operationId
// (specs/admin.yaml): its page and files, and the routes it reads besides
// the others: the vendors served, in order, with ops, their operationIds
// by vendor id, and a session's objects.
//
// The page holds no data and no secret, and a browser cannot add the
// admin token to a navigation: the spec serves it to anyone who names
// this server, and each call it makes needs the token like any other.
func Handlers(vendors []vendor.Vendor, ops func() map[string][]string) map[string]pipeline.Handler {
	page := func(echo.Context, pipeline.Request) (int, any, error) { return serveUI("index.html") }
	return map[string]pipeline.Handler{
		"getConsole":      page,
		"getConsoleIndex": page, // /__admin/ui/, as a browser may complete it
		"getConsoleFile": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			return serveUI(in.Params["file"])
		},
		"listObjects": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			return listObjects(in.Query, vendors)
		},
		"listVendors": func(echo.Context, pipeline.Request) (int, any, error) {
			return http.StatusOK, struct {
				Vendors []VendorInfo `json:"vendors"`
			}{vendorInfos(vendors, ops())}, nil
		},
	}
}

// serveUI answers with a file of the page.
func serveUI(name string) (int, any, error) {
	typ, ok := uiTypes[name]
	if !ok {
		return 0, nil, &admin.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("%s/%s: no such file; the console's files are %s",
			consolePath, admin.Clip(name), strings.Join(slices.Sorted(maps.Keys(uiTypes)), ", "))}
	}
	data, err := fs.ReadFile(uiFiles, path.Join("ui", name))
	if err != nil {
		return 0, nil, err
	}
	h := http.Header{}
	h.Set(echo.HeaderContentType, typ)
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The page changes with the binary: always ask.
	h.Set(echo.HeaderCacheControl, "no-cache")
	return http.StatusOK, &pipeline.Raw{Status: http.StatusOK, Header: h, Body: data}, nil
}

// VendorInfo is one vendor in GET /__admin/vendors.
type VendorInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Operations are its operationIds, in the order of its spec.
	Operations []string `json:"operations"`
}

func vendorInfos(vendors []vendor.Vendor, ops map[string][]string) []VendorInfo {
	out := make([]VendorInfo, 0, len(vendors))
	for _, v := range vendors {
		out = append(out, VendorInfo{ID: v.ID(), Name: v.Name(), Operations: append([]string{}, ops[v.ID()]...)})
	}
	return out
}

// VendorObjects is one vendor in GET /__admin/objects.
type VendorObjects struct {
	Vendor string `json:"vendor"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	// Count is how many the session holds; Objects are the first of them.
	Count   int               `json:"count"`
	Objects []json.RawMessage `json:"objects"`
}

// listObjects is GET /__admin/objects?session=NAME&limit=N, which the
// spec has checked: a session's objects in every vendor (no session, or
// an empty one: the default).
func listObjects(q url.Values, vendors []vendor.Vendor) (int, any, error) {
	name := q.Get("session")
	limit := defaultObjectsLimit
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v) // 0 to maxObjectsLimit: the spec's bounds
	}
	out := []VendorObjects{}
	for _, v := range vendors {
		kind, total, objs := v.Objects(name, limit)
		if kind == "" {
			continue // a vendor that keeps no objects: the proxy's
		}
		if objs == nil {
			objs = []json.RawMessage{}
		}
		out = append(out, VendorObjects{Vendor: v.ID(), Name: v.Name(), Kind: kind, Count: total, Objects: objs})
	}
	return http.StatusOK, struct {
		Session string          `json:"session"`
		Vendors []VendorObjects `json:"vendors"`
	}{name, out}, nil
}

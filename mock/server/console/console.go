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
	"net/http"
	"path"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/sessions"
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

// Bounds of GET /__admin/objects.
const (
	defaultObjectsLimit = 100
	maxObjectsLimit     = 1000
)

// Routes adds the page to e, and the console's routes to g, the admin
// API's group: the vendors served, in order, with ops, their operationIds
// by vendor id.
func Routes(e *echo.Echo, g *echo.Group, hosts admin.Hosts, vendors []vendor.Vendor, ops func() map[string][]string) {
	// The page holds no data and no secret, and a browser cannot add the
	// admin token to a navigation: it is served to anyone who names this
	// server, and each call it makes needs the token like any other admin
	// call.
	e.GET(consolePath, serveUI, admin.HostCheck(hosts))
	e.GET(consolePath+"/:file", serveUI, admin.HostCheck(hosts))
	g.GET("/objects", func(c echo.Context) error { return listObjects(c, vendors) })
	g.GET("/vendors", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"vendors": vendorInfos(vendors, ops())})
	})
}

func serveUI(c echo.Context) error {
	name := c.Param("file")
	if name == "" {
		name = "index.html"
	}
	typ, ok := uiTypes[name]
	if !ok {
		return &admin.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("%s/%s: no such file", consolePath, admin.Clip(name))}
	}
	data, err := fs.ReadFile(uiFiles, path.Join("ui", name))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The page changes with the binary: always ask.
	h.Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, typ, data)
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

// listObjects is GET /__admin/objects?session=NAME&limit=N: a session's
// objects in every vendor (no session, or an empty one: the default).
func listObjects(c echo.Context, vendors []vendor.Vendor) error {
	name := c.QueryParam("session")
	if name != "" && !sessions.ValidName(name) {
		return &admin.Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("session: %q is not a session name (%s)", admin.Clip(name), sessions.NameRule)}
	}
	limit := defaultObjectsLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxObjectsLimit {
			return &admin.Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("limit: must be a whole number from 0 to %d", maxObjectsLimit)}
		}
		limit = n
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
	return c.JSON(http.StatusOK, map[string]any{"session": name, "vendors": out})
}

package servicestage

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// How the load harness (cmd/repomockload) drives ServiceStage
// (vendor.Load).

const (
	// loadFiles is the repository the load's files are in (the README's
	// example project).
	loadFiles = "/v1/0123456789abcdef0123456789abcdef/git/files/repomock"
	// soakSlots is the soak's working set: this many file paths, each
	// going create → show (which gives the sha) → delete → create …; more
	// than the soak keeps requests in flight (128).
	soakSlots = 256
)

// Load creates files; its soak cycles a fixed set of paths. The gateway
// takes any X-Auth-Token, a server with no --repo-auths any X-Repo-Auth.
func (f *Fake) Load() vendor.Load {
	create := http.Header{huawei.HeaderToken: {"t"}, HeaderRepoAuth: {"repomock-load"}, "Content-Type": {"application/json"}}
	read := http.Header{huawei.HeaderToken: {"t"}, HeaderRepoAuth: {"repomock-load"}}
	soak := loadFiles + "/soak"
	var content, sha [soakSlots]string // each slot's file: base64, and its sha for a cross-check
	for s := range soakSlots {
		data := []byte(fmt.Sprintf("soak file %03d\n", s))
		content[s], sha[s] = base64.StdEncoding.EncodeToString(data), contentSHA(data)
	}
	file := func(s int) string { return soak + "/" + soakPath(s) }
	cycles := vendor.Cycles{
		Slots: soakSlots,
		Steps: []vendor.Step{{
			Request: func(s int, _ string) vendor.Request {
				return vendor.Request{Method: http.MethodPost, Path: file(s) + "?ref=master", Header: create,
					Body: []byte(`{"message":"soak create","content":"` + content[s] + `"}`)}
			},
		}, {
			Request: func(s int, _ string) vendor.Request {
				return vendor.Request{Method: http.MethodGet, Path: file(s) + "?ref=master", Header: read}
			},
			Read: func(s, code int, body []byte) (string, error) {
				var r struct {
					SHA string `json:"sha"`
				}
				if json.Unmarshal(body, &r) != nil || r.SHA == "" {
					return "", fmt.Errorf("show of %s answered %d without a sha", soakPath(s), code)
				}
				if r.SHA != sha[s] {
					return r.SHA, fmt.Errorf("show of %s gave sha %s, want its SHA-256 %s", soakPath(s), r.SHA, sha[s])
				}
				return r.SHA, nil
			},
		}, {
			Request: func(s int, sha string) vendor.Request {
				q := url.Values{"ref": {"master"}, "message": {"soak delete"}, "sha": {sha}}
				return vendor.Request{Method: http.MethodDelete, Path: file(s) + "?" + q.Encode(), Header: read}
			},
		}},
		Idle: vendor.Request{Method: http.MethodGet, Path: soak + "/trees?ref=master", Header: read},
	}
	return vendor.Load{
		Name:      "ServiceStage",
		Operation: "ServiceStage CreateFile",
		Create: func(unique string) vendor.Request {
			return vendor.Request{Method: http.MethodPost, Path: loadFiles + "/group:app/" + unique + ".rb?ref=master", Header: create,
				Body: []byte(`{"message":"create a new file","content":"IyA9PSBTY2hlbWEgSW5mb3JtYXRpb24K"}`)}
		},
		Soak: &vendor.Soak{
			Set:     fmt.Sprintf("%d paths", soakSlots),
			Work:    "each create → show → delete, out of phase",
			Setting: "huawei_slots",
			Size:    soakSlots,
			Start:   cycles.Start,
			Op:      soakOp,
			Count:   cycles.Idle,
			Counted: func(body []byte) (int, error) {
				var r struct {
					Paths []string `json:"paths"`
				}
				err := json.Unmarshal(body, &r)
				return len(r.Paths), err
			},
			Objects: "files",
		},
	}
}

func soakPath(s int) string { return fmt.Sprintf("soak-f%03d.txt", s) }

// soakOp names a soak request's operation.
func soakOp(method, path string) string {
	if !strings.Contains(path, "/git/files/") {
		return ""
	}
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodDelete:
		return "delete"
	case http.MethodPut:
		return "update"
	}
	if strings.HasSuffix(path, "/trees") {
		return "tree"
	}
	return "show"
}

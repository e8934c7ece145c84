package codearts

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/huawei"
)

// How the load harness (cmd/repomockload) drives CodeArts Repo
// (vendor.Load).

const (
	// loadProject holds every repository the load makes (the README's
	// example).
	loadProject = "4838955a48e2492bbe44b31bc4c272f6"
	// soakSlots is the soak's working set: this many repository names,
	// each going create → show → delete (the name is free again) → create
	// …; more than the soak keeps requests in flight (128).
	soakSlots = 256
)

// Load creates repositories; its soak cycles a fixed set of names. The
// gateway takes any X-Auth-Token.
func (f *Fake) Load() vendor.Load {
	create := http.Header{huawei.HeaderToken: {"t"}, "Content-Type": {"application/json"}}
	read := http.Header{huawei.HeaderToken: {"t"}}
	body := func(name string) []byte {
		return []byte(`{"project_uuid":"` + loadProject + `","name":"` + name + `","import_members":0,"visibility_level":20}`)
	}
	list := "/v1/projects/" + loadProject + "/repositories"
	cycles := vendor.Cycles{
		Slots: soakSlots,
		Steps: []vendor.Step{{
			Request: func(s int, _ string) vendor.Request {
				return vendor.Request{Method: http.MethodPost, Path: "/v1/repositories", Header: create, Body: body(soakName(s))}
			},
			Read: func(s, code int, body []byte) (string, error) {
				var r struct {
					Result struct {
						UUID string `json:"repository_uuid"`
					} `json:"result"`
				}
				if json.Unmarshal(body, &r) != nil || r.Result.UUID == "" {
					return "", fmt.Errorf("create of %s answered %d without result.repository_uuid", soakName(s), code)
				}
				return r.Result.UUID, nil
			},
		}, {
			Request: func(_ int, uuid string) vendor.Request {
				return vendor.Request{Method: http.MethodGet, Path: "/v2/repositories/" + uuid, Header: read}
			},
		}, {
			Request: func(_ int, uuid string) vendor.Request {
				return vendor.Request{Method: http.MethodDelete, Path: "/v1/repositories/" + uuid, Header: read}
			},
		}},
		Idle: vendor.Request{Method: http.MethodGet, Path: list + "?page_size=5", Header: read},
	}
	return vendor.Load{
		Name:      "CodeArts",
		Operation: "CodeArts CreateRepository",
		Create: func(unique string) vendor.Request {
			return vendor.Request{Method: http.MethodPost, Path: "/v1/repositories", Header: create, Body: body(unique)}
		},
		Soak: &vendor.Soak{
			Set:     fmt.Sprintf("%d names", soakSlots),
			Work:    "each create → show → delete, out of phase",
			Setting: "huawei_slots",
			Size:    soakSlots,
			Start:   cycles.Start,
			Op:      soakOp,
			Count:   vendor.Request{Method: http.MethodGet, Path: list + "?page_size=1", Header: read},
			Counted: func(body []byte) (int, error) {
				var r struct {
					Result struct {
						Total int `json:"total"`
					} `json:"result"`
				}
				err := json.Unmarshal(body, &r)
				return r.Result.Total, err
			},
			Objects: "repositories",
		},
	}
}

func soakName(s int) string { return fmt.Sprintf("soak-r%03d", s) }

// soakOp names a soak request's operation.
func soakOp(method, path string) string {
	switch {
	case !strings.HasPrefix(path, "/v1/repositories") && !strings.HasPrefix(path, "/v2/repositories") && !strings.HasPrefix(path, "/v1/projects/"):
		return ""
	case method == http.MethodPost:
		return "create"
	case method == http.MethodDelete:
		return "delete"
	case strings.HasPrefix(path, "/v1/projects/"):
		return "list"
	}
	return "show"
}

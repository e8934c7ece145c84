package server

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/console"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/server/stubs"
	"github.com/repomock/repomock/specs"
)

// registerAdmin serves the admin API: the server's own routes (health,
// reset, sessions) and those of its parts (the journal, the faults, the
// console), behind the pipeline that holds them to the admin API's spec
// (specs/admin.yaml), which lives outside the vendor specs.
func (s *Server) registerAdmin() error {
	text, err := fs.ReadFile(specs.FS(), specs.Admin)
	if err != nil {
		return err
	}
	doc, err := specs.Load(context.Background(), specs.FS(), specs.Admin)
	if err != nil {
		return err
	}
	handlers := map[string]pipeline.Handler{
		// Health needs no admin token even when one is set (the spec
		// says so): it reveals only "ok" or "stopping", and health
		// checkers (Docker's HEALTHCHECK, a load balancer, a wait
		// strategy) should not have to hold a secret.
		"getHealth": func(echo.Context, pipeline.Request) (int, any, error) {
			if !s.ready.Load() {
				return http.StatusServiceUnavailable, map[string]any{"status": "stopping"}, nil
			}
			return http.StatusOK, map[string]any{"status": "ok"}, nil
		},
		"reset": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			if !in.Query.Has("session") {
				if err := s.resetFromDisk(); err != nil {
					return 0, nil, err
				}
				return http.StatusOK, map[string]any{"status": "reset"}, nil
			}
			name := in.Query.Get("session")
			if err := s.resetSession(name); err != nil {
				return 0, nil, err
			}
			return http.StatusOK, map[string]any{"status": "reset", "session": name}, nil
		},
		"listSessions": func(echo.Context, pipeline.Request) (int, any, error) {
			return http.StatusOK, s.sessionsReport(), nil
		},
		"deleteSession": func(_ echo.Context, in pipeline.Request) (int, any, error) {
			if err := s.resetSession(in.Params["name"]); err != nil {
				return 0, nil, err
			}
			return http.StatusNoContent, nil, nil
		},
		"getFixtures": func(echo.Context, pipeline.Request) (int, any, error) {
			return http.StatusOK, s.fixturesReport(), nil
		},
	}
	for _, part := range []map[string]pipeline.Handler{
		s.journal.Handlers(journal.Streaming{MaxClients: s.cfg.MaxStreamClients, MaxBytes: s.cfg.StreamMaxBytes, Log: s.log}),
		s.faults.Handlers(s.operationsByVendor),
		s.stubs.Handlers(stubs.Env{Operations: s.stubOps, Route: s.stubRoute, Try: s.tryStub}),
		console.Handlers(s.vendors, s.operationsByVendor),
	} {
		for id, h := range part {
			if handlers[id] != nil {
				return fmt.Errorf("admin API: two handlers for %s", id)
			}
			handlers[id] = h
		}
	}
	return admin.Register(s.echo, admin.Spec{Doc: doc, Text: text}, handlers, admin.Options{
		Hosts: s.adminHosts, Token: s.cfg.AdminToken, Validator: s.cfg.Validator, MaxBodyBytes: s.cfg.MaxBodyBytes,
		ErrFunc: s.writeError, Logger: s.log,
	})
}

// AdminHosts are the Host names, beyond localhost and IP addresses, that
// the admin API and the console answer to: the listen address's host and
// Config.AllowedHosts, or "*" for any. The banner shows them.
func (s *Server) AdminHosts() []string { return s.adminHosts.Names() }

// resetSession is ResetSession for the admin API, whose spec has checked
// the name.
func (s *Server) resetSession(name string) error {
	s.ResetSession(name)
	if err := s.syncChanges(); err != nil {
		return &admin.Error{Status: http.StatusInternalServerError, Message: "reset, but the change log cannot be written: " + err.Error()}
	}
	return nil
}

// operationsByVendor lists the operationIds served, by vendor id.
func (s *Server) operationsByVendor() map[string][]string {
	ids := map[string]string{} // vendor name → id
	for _, v := range s.vendors {
		ids[v.Name()] = v.ID()
	}
	out := map[string][]string{}
	for _, v := range s.vendors {
		out[v.ID()] = nil
	}
	for _, r := range s.routes {
		id := ids[r.Vendor]
		out[id] = append(out[id], r.OperationID)
	}
	return out
}

// sessionsReport is what GET /__admin/sessions answers.
func (s *Server) sessionsReport() sessions.Report {
	_, limit, evicted := s.sessions.Stats()
	return sessions.Report{Sessions: s.Sessions(), MaxSessions: limit, Evicted: evicted}
}

// Sessions lists the sessions in use, by name, the default one ("") first.
func (s *Server) Sessions() []sessions.Info {
	byName := map[string]*sessions.Info{}
	get := func(name string) *sessions.Info {
		if si, ok := byName[name]; ok {
			return si
		}
		si := &sessions.Info{Name: name, Objects: map[string]int{}}
		byName[name] = si
		return si
	}
	for _, v := range s.vendors {
		for name, n := range v.SessionObjects() {
			get(name).Objects[v.ID()] = n
		}
	}
	for name, n := range s.journal.CountBySession() {
		get(name).Requests = n
	}
	for _, f := range s.faults.List() {
		get(f.Session).Faults++
	}
	for name, n := range s.stubs.CountBySession() {
		if name != stubs.AllSessions {
			get(name).Stubs = n
		}
	}
	out := make([]sessions.Info, 0, len(byName))
	for _, si := range byName {
		out = append(out, *si)
	}
	slices.SortFunc(out, func(a, b sessions.Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ResetSession drops one session: its objects in every fake (made afresh,
// fixtures included, on its next use), its journal entries, its faults and
// its stubs.
func (s *Server) ResetSession(name string) {
	s.dropSession(name)
	s.sessions.Forget(name)
}

// dropSession drops a session's state everywhere it is kept, for a reset
// or an eviction.
func (s *Server) dropSession(name string) {
	for _, v := range s.vendors {
		v.DropSession(name)
	}
	s.journal.DropSession(name)
	s.faults.DropSession(name)
	s.stubs.DropSession(name)
}

// evictSession drops the least recently used session to make room for a
// new one (the tracker's evict). What it held is logged, so that nothing
// a client stored goes without a word.
func (s *Server) evictSession(name string) {
	var held []any
	for _, v := range s.vendors {
		if kind, n, _ := v.Objects(name, 0); kind != "" {
			held = append(held, v.ID(), fmt.Sprintf("%d %s", n, kind))
		}
	}
	s.dropSession(name)
	s.log.Info("session evicted: the least recently used, to stay within --max-sessions; it starts afresh from the fixtures on its next request",
		append([]any{"session", name, "max_sessions", s.cfg.MaxSessions}, held...)...)
}

// trackRestored tracks the sessions a state file brought back, so that
// they count against Config.MaxSessions like any other.
func (s *Server) trackRestored() {
	names := map[string]bool{}
	for _, v := range s.vendors {
		for name := range v.SessionObjects() {
			names[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		_ = s.sessions.Add(name) // nothing is in flight yet: never ErrAllBusy
	}
}

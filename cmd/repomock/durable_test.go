package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 21, finding 9: with --state-file saved every 30 s, the 21,330 writes
// acknowledged in an 8 s burst before a kill -9 were all lost. With
// --state-durability fsync, every write the server answered must survive a
// kill -9: five times, writers change all three vendors at once (creates,
// updates, deletes, issued tokens, in several sessions) while the log is
// folded into the state file every 200 ms; the server is killed at a random
// moment, started again on the same file, and every write it answered is
// read back as answered. A write whose answer never came may have happened
// or not: it is left out of the check.
func TestDurableWritesSurviveKill9(t *testing.T) {
	const (
		cycles  = 5
		writers = 6
	)
	state := t.TempDir() + "/state.json"
	args := []string{"--state-file", state, "--state-durability", "fsync", "--state-interval", "200ms", "--fixtures", "../../fixtures"}
	var (
		mu      sync.Mutex
		objects []*tracked // every object a writer made, with what it should read as
	)
	rng := rand.New(rand.NewPCG(21, 9))
	total := 0
	for cycle := range cycles {
		p := startProcess(t, args...)
		if checked := verify(t, p, objects); cycle > 0 {
			t.Logf("cycle %d: after kill -9 and a restart, all %d objects read back as their last answered write left them", cycle, checked)
		}
		var wg sync.WaitGroup
		acked := make([]int, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := p.dial()
				if err != nil {
					return
				}
				defer c.close()
				wr := &writer{c: c, session: fmt.Sprintf("kill-%d", w%3), prefix: fmt.Sprintf("c%dw%d", cycle, w)}
				if w == 0 {
					wr.session = "" // the default session too
				}
				for i := 0; ; i++ {
					obj, ok := wr.step(i)
					if obj != nil {
						mu.Lock()
						objects = append(objects, obj)
						mu.Unlock()
					}
					if !ok {
						return // the server is gone
					}
					acked[w]++
				}
			}()
		}
		time.Sleep(time.Duration(300+rng.IntN(400)) * time.Millisecond)
		p.kill()
		wg.Wait()
		n := 0
		for _, a := range acked {
			n += a
		}
		total += n
		t.Logf("cycle %d: killed with SIGKILL after %d answered requests", cycle, n)
		if n == 0 {
			t.Fatalf("cycle %d: no write was answered before the kill\n%s", cycle, p.stderr.String())
		}
	}
	p := startProcess(t, args...)
	t.Logf("after the last kill: all %d objects read back as answered (%d requests answered in all)", verify(t, p, objects), total)
}

// tracked is an object a writer made, and what it must read as.
type tracked struct {
	session string
	get     string // the path that reads it
	headers []string
	want    string // what the answer holds ("" when gone)
	gone    bool   // deleted: the read is a 404 (a 400 for ServiceStage)
	unsure  bool   // a change of it got no answer: it is not checked
}

var (
	endorHeaders  = []string{"Authorization: Bearer t", "Content-Type: application/json"}
	huaweiHeaders = []string{"X-Auth-Token: t", "X-Repo-Auth: kill-test", "Content-Type: application/json"}
)

// writer makes and changes objects of its own over one connection.
type writer struct {
	c       *conn
	session string
	prefix  string
	live    []*tracked // made and not deleted, for updates and deletes
}

// call sends one request in the writer's session; ok is false when no
// answer came.
func (w *writer) call(method, path string, headers []string, body string) (status int, answer []byte, ok bool) {
	if w.session != "" {
		headers = append(headers[:len(headers):len(headers)], "X-Repomock-Session: "+w.session)
	}
	status, answer, err := w.c.do(method, path, headers, []byte(body))
	return status, answer, err == nil
}

// step makes the i-th write: creates in each vendor, an issued token, and
// updates and deletes of earlier objects. It returns the object it made,
// if any, and whether the server answered.
func (w *writer) step(i int) (*tracked, bool) {
	name := fmt.Sprintf("%s-%d", w.prefix, i)
	switch {
	case i%7 == 3 && len(w.live) > 0: // update or delete an earlier object
		obj := w.live[len(w.live)-1]
		return nil, w.change(obj, i)
	case i%4 == 0:
		status, answer, ok := w.call("POST", "/v1/namespaces/acme.kill/repository-versions", endorHeaders,
			fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":"656e69058032bf0abaaeb600","description":"v0"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, name))
		var rv struct{ UUID string }
		if !ok || status != http.StatusOK || json.Unmarshal(answer, &rv) != nil {
			return nil, ok
		}
		return w.made(&tracked{get: "/v1/namespaces/acme.kill/repository-versions/" + rv.UUID, headers: endorHeaders, want: `"description":"v0"`}), true
	case i%4 == 1:
		status, answer, ok := w.call("POST", "/v1/repositories", huaweiHeaders, fmt.Sprintf(`{"project_uuid":"4838955a48e2492bbe44b31bc4c272f6","name":%q}`, name))
		var repo struct {
			Result struct {
				RepositoryUUID string `json:"repository_uuid"`
			}
		}
		if !ok || status != http.StatusOK || json.Unmarshal(answer, &repo) != nil {
			return nil, ok
		}
		return w.made(&tracked{get: "/v2/repositories/" + repo.Result.RepositoryUUID, headers: huaweiHeaders, want: fmt.Sprintf(`"repository_name":%q`, name)}), true
	case i%4 == 2:
		content := base64.StdEncoding.EncodeToString([]byte(name))
		path := "/v1/0123456789abcdef0123456789abcdef/git/files/repomock/group:app/" + name + ".txt?ref=master"
		status, _, ok := w.call("POST", path, huaweiHeaders, fmt.Sprintf(`{"message":"m","content":%q}`, content))
		if !ok || status != http.StatusOK {
			return nil, ok
		}
		return w.made(&tracked{get: path, headers: huaweiHeaders, want: fmt.Sprintf(`"content":%q`, content)}), true
	default:
		status, answer, ok := w.call("POST", "/v1/auth/api-key", []string{"Content-Type: application/json"}, fmt.Sprintf(`{"key":"endr+%s","secret":"s"}`, name))
		var tok struct{ Token string }
		if !ok || status != http.StatusOK || json.Unmarshal(answer, &tok) != nil {
			return nil, ok
		}
		// An issued token is not a repository version to update or delete.
		return &tracked{session: w.session, get: "/v1/auth", headers: []string{"Authorization: Bearer " + tok.Token}, want: fmt.Sprintf(`"name":"%s"`, name)}, true
	}
}

func (w *writer) made(obj *tracked) *tracked {
	obj.session = w.session
	w.live = append(w.live, obj)
	return obj
}

// change updates obj (Endor: the same key with a new description;
// ServiceStage: new content) or deletes it (every other time, and always
// for CodeArts, which has no update).
func (w *writer) change(obj *tracked, i int) bool {
	w.live = w.live[:len(w.live)-1]
	obj.unsure = true // until the answer comes
	var (
		status  int
		ok      bool
		want    string
		deleted = i%2 == 1 || strings.HasPrefix(obj.get, "/v2/")
	)
	switch {
	case deleted && strings.HasPrefix(obj.get, "/v1/0123"):
		_, answer, got := w.call("GET", obj.get, obj.headers, "")
		var file struct{ Sha string }
		if !got || json.Unmarshal(answer, &file) != nil {
			return got
		}
		status, _, ok = w.call("DELETE", obj.get+"&sha="+file.Sha, obj.headers, "")
	case deleted && strings.HasPrefix(obj.get, "/v2/"):
		status, _, ok = w.call("DELETE", "/v1/repositories/"+strings.TrimPrefix(obj.get, "/v2/repositories/"), obj.headers, "")
	case deleted:
		status, _, ok = w.call("DELETE", obj.get, obj.headers, "")
	case strings.HasPrefix(obj.get, "/v1/0123"):
		_, answer, got := w.call("GET", obj.get, obj.headers, "")
		var file struct{ Sha string }
		if !got || json.Unmarshal(answer, &file) != nil {
			return got
		}
		content := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("changed %d", i)))
		status, _, ok = w.call("PUT", obj.get, obj.headers, fmt.Sprintf(`{"message":"m","content":%q,"sha":%q}`, content, file.Sha))
		want = fmt.Sprintf(`"content":%q`, content)
	default:
		// The same upsert key (the name is in the object) with a new description.
		_, answer, got := w.call("GET", obj.get, obj.headers, "")
		var rv struct {
			Meta struct{ Name string }
		}
		if !got || json.Unmarshal(answer, &rv) != nil {
			return got
		}
		want = fmt.Sprintf(`"description":"v%d"`, i)
		status, _, ok = w.call("POST", "/v1/namespaces/acme.kill/repository-versions", endorHeaders,
			fmt.Sprintf(`{"meta":{"name":%q,"parent_uuid":"656e69058032bf0abaaeb600","description":"v%d"},"context":{"id":"main","type":"CONTEXT_TYPE_REF"}}`, rv.Meta.Name, i))
	}
	if ok && status == http.StatusOK {
		obj.unsure, obj.gone, obj.want = false, deleted, want
	}
	return ok
}

// verify reads back every object whose last change was answered, and
// returns how many it checked.
func verify(t *testing.T, p *process, objects []*tracked) int {
	t.Helper()
	c, err := p.dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	checked := 0
	for _, obj := range objects {
		if obj.unsure {
			continue
		}
		headers := obj.headers
		if obj.session != "" {
			headers = append(headers[:len(headers):len(headers)], "X-Repomock-Session: "+obj.session)
		}
		status, answer, err := c.do("GET", obj.get, headers, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", obj.get, err)
		}
		switch {
		case obj.gone && status != http.StatusNotFound && status != http.StatusBadRequest:
			t.Errorf("session %q: %s was deleted, and reads %d %.200s", obj.session, obj.get, status, answer)
		case !obj.gone && (status != http.StatusOK || !strings.Contains(string(answer), obj.want)):
			t.Errorf("session %q: %s reads %d %.300s; want %s", obj.session, obj.get, status, answer, obj.want)
		}
		checked++
	}
	if t.Failed() {
		t.FailNow()
	}
	return checked
}

package server_test

// Concurrency: many clients racing for the same key over real HTTP on
// 127.0.0.1. Each store decides under its lock, so exactly one write wins
// and the others see its result. Run with -race.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/endor/endortest"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const racers = 64

// raceClient keeps a connection per racer, so that 64 requests really are
// in flight together.
var raceClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * racers, MaxIdleConnsPerHost: 2 * racers}}

// raceResult is one racer's answer; err is a transport failure.
type raceResult struct {
	status int
	raw    string
	json   map[string]any
	err    error
}

// race sends n requests at once, all released by one signal; req(i) builds
// the i-th. It is safe to call from the test goroutine only; the racers
// never touch t.
func race(t *testing.T, h *servertest.Server, n int, req func(i int) (method, target string, body []byte, headers []string)) []raceResult {
	t.Helper()
	out := make([]raceResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		method, target, body, headers := req(i)
		r, err := http.NewRequest(method, h.URL+target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j+1 < len(headers); j += 2 {
			r.Header.Set(headers[j], headers[j+1])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := raceClient.Do(r)
			if err != nil {
				out[i].err = err
				return
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			out[i] = raceResult{status: resp.StatusCode, raw: string(raw), err: err}
			_ = json.Unmarshal(raw, &out[i].json)
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range out {
		if r.err != nil {
			t.Fatalf("racer %d: %v", i, r.err)
		}
		if r.status >= 500 {
			t.Fatalf("racer %d: %d %s", i, r.status, r.raw)
		}
	}
	return out
}

// tally counts the results by status.
func tally(rs []raceResult) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

func TestConcurrentEndorUpsertSameKey(t *testing.T) {
	h := servertest.New(t, server.Config{})
	descriptions := make([]string, racers)
	rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
		descriptions[i] = fmt.Sprintf("writer %02d", i)
		body := endortest.Version("main")
		body["meta"].(map[string]any)["description"] = descriptions[i]
		data, _ := json.Marshal(body)
		return http.MethodPost, endortest.Path, data, []string{"Authorization", token, "Content-Type", ctJSON}
	})
	if got := tally(rs); got[http.StatusOK] != racers {
		t.Fatalf("statuses %v, want %d × 200", got, racers)
	}
	id, _ := rs[0].json["uuid"].(string)
	created := vendorstest.Get(rs[0].json, "meta.create_time")
	for i, r := range rs {
		if r.json["uuid"] != id {
			t.Errorf("racer %d got uuid %v, racer 0 got %s", i, r.json["uuid"], id)
		}
		if vendorstest.Get(r.json, "meta.create_time") != created {
			t.Errorf("racer %d got create_time %v, want %v", i, vendorstest.Get(r.json, "meta.create_time"), created)
		}
	}
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Fatalf("count = %d after %d upserts of one key, want 1", n, racers)
	}
	// The object holds one racer's write, whole.
	g := h.Do(http.MethodGet, endortest.Path+"/"+id, nil)
	if g.Status != http.StatusOK {
		t.Fatalf("get: %d %s", g.Status, g.Raw)
	}
	if d, _ := vendorstest.Get(g.JSON, "meta.description").(string); !slices.Contains(descriptions, d) {
		t.Errorf("stored description %q is no racer's", d)
	}
}

func TestConcurrentEndorDistinctKeys(t *testing.T) {
	h := servertest.New(t, server.Config{})
	rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
		data, _ := json.Marshal(endortest.Version(fmt.Sprintf("branch-%02d", i)))
		return http.MethodPost, endortest.Path, data, []string{"Authorization", token, "Content-Type", ctJSON}
	})
	seen := map[string]bool{}
	for i, r := range rs {
		id, _ := r.json["uuid"].(string)
		if r.status != http.StatusOK || seen[id] {
			t.Fatalf("racer %d: %d, uuid %q (seen before: %v)", i, r.status, id, seen[id])
		}
		seen[id] = true
	}
	if n := endortest.Count(h, "acme.prod"); n != racers {
		t.Fatalf("count = %d, want %d", n, racers)
	}
}

func TestConcurrentEndorDeleteSameObject(t *testing.T) {
	h := servertest.New(t, server.Config{})
	id := endortest.Create(h, "acme.prod", endortest.Version("main")).JSON["uuid"].(string)
	rs := race(t, h, racers, func(int) (string, string, []byte, []string) {
		return http.MethodDelete, endortest.Path + "/" + id, nil, []string{"Authorization", token}
	})
	if got := tally(rs); got[http.StatusOK] != 1 || got[http.StatusNotFound] != racers-1 {
		t.Fatalf("statuses %v, want one 200 and %d × 404", got, racers-1)
	}
	if n := endortest.Count(h, "acme.prod"); n != 0 {
		t.Fatalf("count = %d after delete", n)
	}
}

var (
	codeartsHeaders = []string{"X-Auth-Token", "race-token", "Content-Type", ctJSON}
	stageHeaders    = []string{"X-Auth-Token", "race-token", "Content-Type", ctJSON, "X-Repo-Auth", huaweitest.RepoAuth}
)

// codeartsListed lists the test project's repositories.
func codeartsListed(t *testing.T, h *servertest.Server) (total int, ids []string) {
	t.Helper()
	r := h.Do(http.MethodGet, "/v1/projects/"+huaweitest.RepoProject+"/repositories?page_size=100", nil, codeartsHeaders...)
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	n, _ := vendorstest.Get(r.JSON, "result.total").(float64)
	repos, _ := vendorstest.Get(r.JSON, "result.repositorys").([]any)
	for _, x := range repos {
		ids = append(ids, fmt.Sprint(x.(map[string]any)["id"]))
	}
	return int(n), ids
}

func TestConcurrentCodeArtsCreateSameName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names func(i int) string
	}{
		{"same spelling", func(int) string { return "demotest1" }},
		// Names compare without regard to case: still one winner.
		{"case variants", func(i int) string { return []string{"demotest1", "DemoTest1", "DEMOTEST1", "demoTEST1"}[i%4] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := servertest.New(t, server.Config{})
			rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
				data, _ := json.Marshal(map[string]any{"project_uuid": huaweitest.RepoProject, "name": tc.names(i)})
				return http.MethodPost, "/v1/repositories", data, codeartsHeaders
			})
			if got := tally(rs); got[http.StatusOK] != 1 || got[http.StatusBadRequest] != racers-1 {
				t.Fatalf("statuses %v, want one 200 and %d × 400", got, racers-1)
			}
			var winner string
			for i, r := range rs {
				switch r.status {
				case http.StatusOK:
					winner, _ = vendorstest.Get(r.json, "result.repository_uuid").(string)
				default:
					if vendorstest.Get(r.json, "error.code") != "CH.010001" || r.json["status"] != "failed" {
						t.Errorf("racer %d: %s, want CH.010001 in the CodeArts envelope", i, r.raw)
					}
				}
			}
			total, ids := codeartsListed(t, h)
			if total != 1 || len(ids) != 1 || ids[0] != winner {
				t.Fatalf("listed %d %v, want only the winner %s", total, ids, winner)
			}
			// The losers used up no repository_id: the winner is 1, the next is 2.
			sh := h.Do(http.MethodGet, "/v2/repositories/"+winner, nil, codeartsHeaders...)
			if vendorstest.Get(sh.JSON, "result.repository_id") != float64(1) {
				t.Errorf("winner: %s, want repository_id 1", sh.Raw)
			}
			next := h.Do(http.MethodPost, "/v1/repositories", map[string]any{"project_uuid": huaweitest.RepoProject, "name": "next"}, codeartsHeaders...)
			nextID, _ := vendorstest.Get(next.JSON, "result.repository_uuid").(string)
			sh = h.Do(http.MethodGet, "/v2/repositories/"+nextID, nil, codeartsHeaders...)
			if vendorstest.Get(sh.JSON, "result.repository_id") != float64(2) {
				t.Errorf("the next repository: %s, want repository_id 2", sh.Raw)
			}
		})
	}
}

func TestConcurrentCodeArtsDeleteSameRepository(t *testing.T) {
	h := servertest.New(t, server.Config{})
	c := h.Do(http.MethodPost, "/v1/repositories", map[string]any{"project_uuid": huaweitest.RepoProject, "name": "doomed"}, codeartsHeaders...)
	id, _ := vendorstest.Get(c.JSON, "result.repository_uuid").(string)
	rs := race(t, h, racers, func(int) (string, string, []byte, []string) {
		return http.MethodDelete, "/v1/repositories/" + id, nil, codeartsHeaders[:2]
	})
	if got := tally(rs); got[http.StatusOK] != 1 || got[http.StatusNotFound] != racers-1 {
		t.Fatalf("statuses %v, want one 200 and %d × 404", got, racers-1)
	}
	if total, _ := codeartsListed(t, h); total != 0 {
		t.Fatalf("listed %d after delete", total)
	}
}

const stageFiles = "/v1/" + huaweitest.ProjectID + "/git/files/repomock/group:app/"

func TestConcurrentServiceStageCreateSameFile(t *testing.T) {
	h := servertest.New(t, server.Config{})
	contents := make([]string, racers)
	rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
		contents[i] = base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("content of racer %02d\n", i)))
		data, _ := json.Marshal(map[string]string{"message": fmt.Sprintf("racer %d", i), "content": contents[i]})
		return http.MethodPost, stageFiles + "app:race.txt?ref=master", data, stageHeaders
	})
	if got := tally(rs); got[http.StatusOK] != 1 || got[http.StatusBadRequest] != racers-1 {
		t.Fatalf("statuses %v, want one 200 and %d × 400", got, racers-1)
	}
	for i, r := range rs {
		if r.status == http.StatusOK {
			if r.json["path"] != "app/race.txt" {
				t.Errorf("winner: %s", r.raw)
			}
			continue
		}
		if r.json["error_code"] != "SVCSTG.REPO.0403" || !strings.HasPrefix(fmt.Sprint(r.json["error_msg"]), "resource already exist") {
			t.Errorf("racer %d: %s, want SVCSTG.REPO.0403", i, r.raw)
		}
	}
	tr := h.Do(http.MethodGet, stageFiles+"trees?ref=master", nil, stageHeaders...)
	if tr.Status != http.StatusOK || strings.TrimSpace(tr.Raw) != `{"paths":["app/race.txt"]}` {
		t.Fatalf("trees: %d %s", tr.Status, tr.Raw)
	}
	// The file holds one racer's content, whole, with its sha.
	sh := h.Do(http.MethodGet, stageFiles+"app:race.txt?ref=master", nil, stageHeaders...)
	content, _ := sh.JSON["content"].(string)
	if !slices.Contains(contents, content) {
		t.Fatalf("stored content %q is no racer's", content)
	}
	data, _ := base64.StdEncoding.DecodeString(content)
	if sh.JSON["sha"] != huaweitest.FileSHA(data) {
		t.Errorf("sha %v, want %s", sh.JSON["sha"], huaweitest.FileSHA(data))
	}
}

// A sha is a compare-and-swap token: of many updates or deletes that name
// the same sha, exactly one applies.
func TestConcurrentServiceStageUpdateAndDeleteWithOneSha(t *testing.T) {
	h := servertest.New(t, server.Config{})
	file := stageFiles + "cas.txt?ref=master"
	c := h.Do(http.MethodPost, file, map[string]string{"message": "m", "content": "djA="}, stageHeaders...)
	if c.Status != http.StatusOK {
		t.Fatalf("create: %d %s", c.Status, c.Raw)
	}
	sha := huaweitest.FileSHA([]byte("v0"))

	rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
		data, _ := json.Marshal(map[string]string{"message": "m", "sha": sha, "content": base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("v1 by %02d", i)))})
		return http.MethodPut, file, data, stageHeaders
	})
	if got := tally(rs); got[http.StatusOK] != 1 || got[http.StatusBadRequest] != racers-1 {
		t.Fatalf("updates: statuses %v, want one 200 and %d × 400", got, racers-1)
	}
	sh := h.Do(http.MethodGet, file, nil, stageHeaders...)
	newSHA, _ := sh.JSON["sha"].(string)
	if newSHA == sha {
		t.Fatalf("no update applied: %s", sh.Raw)
	}

	rs = race(t, h, racers, func(int) (string, string, []byte, []string) {
		return http.MethodDelete, file + "&message=m&sha=" + newSHA, nil, []string{"X-Auth-Token", "race-token", "X-Repo-Auth", huaweitest.RepoAuth}
	})
	if got := tally(rs); got[http.StatusNoContent] != 1 || got[http.StatusBadRequest] != racers-1 {
		t.Fatalf("deletes: statuses %v, want one 204 and %d × 400", got, racers-1)
	}
	tr := h.Do(http.MethodGet, stageFiles+"trees?ref=master", nil, stageHeaders...)
	if strings.TrimSpace(tr.Raw) != `{"paths":[]}` {
		t.Fatalf("trees after delete: %s", tr.Raw)
	}
}

// Traffic to every vendor while the admin API resets the server: no 5xx,
// no data race, and the server still answers correctly afterwards.
func TestConcurrentTrafficDuringReset(t *testing.T) {
	h := servertest.New(t, server.Config{})
	rs := race(t, h, racers, func(i int) (string, string, []byte, []string) {
		switch i % 5 {
		case 0:
			data, _ := json.Marshal(endortest.Version(fmt.Sprintf("b%d", i)))
			return http.MethodPost, endortest.Path, data, []string{"Authorization", token, "Content-Type", ctJSON}
		case 1:
			data, _ := json.Marshal(map[string]any{"project_uuid": huaweitest.RepoProject, "name": fmt.Sprintf("r%d", i)})
			return http.MethodPost, "/v1/repositories", data, codeartsHeaders
		case 2:
			data, _ := json.Marshal(map[string]string{"message": "m", "content": "aGk="})
			return http.MethodPost, stageFiles + fmt.Sprintf("f%d.txt?ref=master", i), data, stageHeaders
		case 3:
			return http.MethodGet, endortest.Path + "?list_parameters.count=true", nil, []string{"Authorization", token}
		default:
			return http.MethodPost, "/__admin/reset", nil, nil
		}
	})
	for i, r := range rs {
		if r.status != http.StatusOK {
			t.Errorf("racer %d (kind %d): %d %s", i, i%5, r.status, r.raw)
		}
	}
	h.Srv.Reset()
	if n := endortest.Count(h, "acme.prod"); n != 0 {
		t.Errorf("count after a final reset = %d", n)
	}
	endortest.Create(h, "acme.prod", endortest.Version("after"))
	if n := endortest.Count(h, "acme.prod"); n != 1 {
		t.Errorf("count after reset and one create = %d", n)
	}
}

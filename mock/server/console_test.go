package server_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/admin"
	"github.com/repomock/repomock/mock/server/console"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
)

// The console's admin routes, without a browser.

// TestConsolePage: the page and its two files are served without the
// admin token (they hold no data), locked to their own origin by a CSP;
// every route they read needs the token.
func TestConsolePage(t *testing.T) {
	l := newLive(t, server.Config{AdminToken: "tok"})
	for _, c := range []struct{ path, typ string }{
		{"/__admin/ui", "text/html; charset=utf-8"},
		{"/__admin/ui/console.js", "text/javascript; charset=utf-8"},
		{"/__admin/ui/console.css", "text/css; charset=utf-8"},
	} {
		resp, err := http.Get(l.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != c.typ ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("GET %s: %d %v", c.path, resp.StatusCode, resp.Header)
		}
	}
	if status, _ := l.Do(http.MethodGet, "/__admin/ui/../admin.go", "").Result(); status != http.StatusNotFound {
		t.Errorf("a file outside the page: %d, want 404", status)
	}
	for _, path := range []string{"/__admin/requests/stream", "/__admin/objects", "/__admin/vendors"} {
		if status, raw := l.Do(http.MethodGet, path, "").Result(); status != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d %s, want 401", path, status, raw)
		}
	}
	if status, raw := l.Do(http.MethodGet, "/__admin/vendors", "", admin.TokenHeader, "tok").Result(); status != http.StatusOK ||
		!strings.Contains(raw, `{"id":"codearts","name":"Huawei CodeArts Repo","operations":[`) {
		t.Errorf("GET /__admin/vendors: %d %s", status, raw)
	}
}

// TestConsolePageIsSmall: the page adds less than 200 KB to the binary.
func TestConsolePageIsSmall(t *testing.T) {
	total := int64(0)
	err := filepath.WalkDir("console/ui", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		total += info.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 200<<10 {
		t.Errorf("mock/server/console/ui holds %d bytes; the page must add under 200 KB", total)
	}
	t.Logf("mock/server/console/ui: %d bytes", total)
}

func TestAdminObjects(t *testing.T) {
	l := newLive(t, server.Config{})
	sendAll(l, "objs", "one")
	sendAll(l, "objs", "two")
	sendEndor(l, "other", "three")

	type listing struct {
		Session string
		Vendors []console.VendorObjects
	}
	counts := func(v []console.VendorObjects) string {
		var out []string
		for _, vo := range v {
			out = append(out, fmt.Sprintf("%s=%d/%d %s", vo.Vendor, vo.Count, len(vo.Objects), vo.Kind))
		}
		return strings.Join(out, ", ")
	}
	cases := []struct {
		query string
		want  string
	}{
		{"?session=objs", "endor=2/2 repository versions, codearts=2/2 repositories, servicestage=2/2 files"},
		{"?session=objs&limit=1", "endor=2/1 repository versions, codearts=2/1 repositories, servicestage=2/1 files"},
		{"?session=other", "endor=1/1 repository versions, codearts=0/0 repositories, servicestage=0/0 files"},
		{"", "endor=0/0 repository versions, codearts=0/0 repositories, servicestage=0/0 files"},
		{"?session=never-used", "endor=0/0 repository versions, codearts=0/0 repositories, servicestage=0/0 files"},
	}
	for _, c := range cases {
		var got listing
		l.Do(http.MethodGet, "/__admin/objects"+c.query, "").Decode(l.T, http.StatusOK, &got)
		if counts(got.Vendors) != c.want {
			t.Errorf("%s: %s, want %s", c.query, counts(got.Vendors), c.want)
		}
	}
	// A listing makes no session.
	var sessions struct{ Sessions []sessions.Info }
	l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &sessions)
	for _, s := range sessions.Sessions {
		if s.Name == "never-used" {
			t.Errorf("listing made session never-used: %+v", s)
		}
	}
	// The objects themselves.
	var got listing
	l.Do(http.MethodGet, "/__admin/objects?session=objs", "").Decode(l.T, http.StatusOK, &got)
	want := map[string][]string{
		"endor":        {`"name":"one"`, `"uuid":"`},
		"codearts":     {`"name":"one"`, `"repository_uuid":"`},
		"servicestage": {`"path":"app/one.txt"`, `"ref":"master"`, `"content":"hello"`, `"size":5`},
	}
	for _, v := range got.Vendors {
		for _, w := range want[v.Vendor] {
			if !strings.Contains(string(v.Objects[0]), w) {
				t.Errorf("%s: first object %s, want %s in it", v.Vendor, v.Objects[0], w)
			}
		}
	}
	for _, q := range []string{"?session=a%20b", "?limit=-1", "?limit=1001", "?limit=x"} {
		l.Do(http.MethodGet, "/__admin/objects"+q, "").Decode(l.T, http.StatusBadRequest, nil)
	}
}

// TestAdminObjectsShowsBinaryFilesInBase64: a file that is not UTF-8 is
// shown in base64; a large one is cut.
func TestAdminObjectsShowsBinaryFilesInBase64(t *testing.T) {
	l := newLive(t, server.Config{})
	big := strings.Repeat("é", 3000) // 6000 bytes, cut inside no character
	for name, content := range map[string]string{"bin": "\xff\xfe\x00", "big": big} {
		body := `{"message":"m","content":"` + base64.StdEncoding.EncodeToString([]byte(content)) + `"}`
		if status, raw := l.Do(http.MethodPost, sessions.Prefix+"files/v1/"+huaweitest.ProjectID+"/git/files/repomock/group:app/"+name+"?ref=master", body, "Content-Type", "application/json", "X-Auth-Token", "t", "X-Repo-Auth", huaweitest.RepoAuth).Result(); status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, status, raw)
		}
	}
	var got struct{ Vendors []console.VendorObjects }
	l.Do(http.MethodGet, "/__admin/objects?session=files", "").Decode(l.T, http.StatusOK, &got)
	type file struct {
		Path          string
		Content       string
		ContentBase64 string `json:"content_base64"`
		ContentCut    bool   `json:"content_cut"`
		Size          int
	}
	var files []file
	for _, o := range got.Vendors[2].Objects {
		var f file
		if err := json.Unmarshal(o, &f); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) != 2 || files[0].Path != "big" || files[1].Path != "bin" {
		t.Fatalf("files %+v", files)
	}
	if f := files[0]; !f.ContentCut || f.Size != 6000 || len(f.Content) != 4096 || !strings.HasPrefix(big, f.Content) {
		t.Errorf("big: cut %v, size %d, %d bytes shown", f.ContentCut, f.Size, len(f.Content))
	}
	if f := files[1]; f.ContentBase64 != "//4A" || f.Content != "" || f.ContentCut {
		t.Errorf("bin: %+v", f)
	}
}

// event is one server-sent event.
type event struct{ name, data string }

// readEvent reads the next event, skipping comments.
func readEvent(r *bufio.Reader) (event, error) {
	var ev event
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev, nil
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestConsoleStream(t *testing.T) {
	l := newLive(t, server.Config{})
	sendEndor(l, "s", "before")
	resp, err := http.Get(l.URL + "/__admin/requests/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	next := func(want string) map[string]any {
		t.Helper()
		ev, err := readEvent(r)
		if err != nil || ev.name != want {
			t.Fatalf("event %q %.200s, %v; want %s", ev.name, ev.data, err, want)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(ev.data), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// It starts with the journal as it is, then each new entry, bodies as
	// their text.
	backlog := next("backlog")["entries"].([]any)
	if len(backlog) != 1 || backlog[0].(map[string]any)["session"] != "s" {
		t.Fatalf("backlog %v", backlog)
	}
	ex := sendCodeArts(l, "s", "after")
	entry := next("entry")
	req := entry["request"].(map[string]any)
	if entry["operation_id"] != "CreateRepository" || req["body"] != ex.body || req["header"].(map[string]any)["X-Auth-Token"].([]any)[0] != "[redacted]" {
		t.Fatalf("entry %v", entry)
	}
	// A reset drops entries: the client gets the journal again.
	l.Do(http.MethodPost, "/__admin/reset?session=s", "").Decode(l.T, http.StatusOK, nil)
	if backlog := next("backlog")["entries"].([]any); len(backlog) != 0 {
		t.Fatalf("backlog after the reset: %v", backlog)
	}
}

// TestConsoleStreamNeverBlocksRequests: a console that stops reading (a
// stalled or gone browser) never slows a vendor request; it misses
// entries, and is sent the journal again once it reads.
func TestConsoleStreamNeverBlocksRequests(t *testing.T) {
	srv, err := server.New(server.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Small socket buffers, so that a few entries fill them.
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener = smallBuffers{ts.Listener}
	ts.Start()
	t.Cleanup(ts.Close)
	l := servertest.At(t, srv, ts.URL)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(64 << 10)
	if _, err := io.WriteString(conn, "GET /__admin/requests/stream HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Each entry carries an 8 KB body (not JSON: the vendor refuses it
	// cheaply, and the journal keeps it): 400 of them are more than the
	// socket buffers and the stream's buffer (256 entries) hold, so its
	// writes block.
	body := strings.Repeat("x", 8<<10)
	slowest := time.Duration(0)
	start := time.Now()
	const n = 400
	for i := range n {
		began := time.Now()
		status, raw := l.Do(http.MethodPost, sessions.Prefix+"busy/v1/namespaces/acme.prod/repository-versions", body, "Content-Type", "application/json", "Authorization", "Bearer t").Result()
		if status != http.StatusBadRequest {
			t.Fatalf("request %d: %d %.200s", i, status, raw)
		}
		slowest = max(slowest, time.Since(began))
	}
	t.Logf("%d requests of 8 KB with a stalled console: %v, the slowest %v", n, time.Since(start).Round(time.Millisecond), slowest.Round(time.Millisecond))
	if slowest > time.Second {
		t.Errorf("the slowest request took %v with a stalled console", slowest)
	}
	// Read now: the entries that fitted, then the journal again.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReaderSize(conn, 1<<20)
	if _, err := http.ReadResponse(r, nil); err != nil {
		t.Fatal(err)
	}
	// The body is chunked: events are read from the raw lines, skipping
	// the chunk sizes, which are never "event: …".
	backlogs, entries := 0, 0
	for backlogs < 2 {
		ev, err := readEvent(r)
		if err != nil {
			t.Fatalf("after %d backlogs and %d entries: %v", backlogs, entries, err)
		}
		switch ev.name {
		case "backlog":
			backlogs++
		case "entry":
			entries++
		}
	}
	if entries >= n {
		t.Errorf("%d entries came through a stalled stream of %d; want fewer, and a new backlog", entries, n)
	}
	t.Logf("the stalled console got %d entries, then the journal again", entries)
}

// smallBuffers gives each connection a send buffer of 64 KB (smaller
// than a loopback segment, TCP crawls).
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(64 << 10)
	}
	return c, err
}

// TestConsoleStreamEndsOnShutdown: an open stream does not hold the
// server's shutdown (up to ShutdownTimeout).
func TestConsoleStreamEndsOnShutdown(t *testing.T) {
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", ShutdownTimeout: 30 * time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(a net.Addr) { addr <- a }) }()
	resp, err := http.Get("http://" + (<-addr).String() + "/__admin/requests/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ev, err := readEvent(bufio.NewReader(resp.Body)); err != nil || ev.name != "backlog" {
		t.Fatalf("first event %v, %v", ev, err)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("stopped in %v with a stream open", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop within 5 s with a console stream open")
	}
}

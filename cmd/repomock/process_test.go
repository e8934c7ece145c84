package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Tests that need the server as a process of its own: its memory as the
// kernel counts it (RSS, which a test inside the process cannot measure
// apart from its own), or a kill -9. The binary is built once per test
// run, without -race: the race detector would multiply both the memory
// and the time measured.

var built struct {
	once sync.Once
	path string
	err  error
}

// repomockBinary builds this command into a temporary directory, once.
func repomockBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the repomock binary")
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "repomock-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "repomock")
		out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// process is a repomock server running as a child process on 127.0.0.1.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:PORT
	addr   string
	stderr *safeBuffer
	done   chan struct{} // closed when the process has ended
}

// startProcess starts the binary with args (and --addr 127.0.0.1:0) and
// waits for its banner. It is killed at the end of the test.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(repomockBinary(t), append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	// Only what the test gives: no REPOMOCK_ variable of the caller's.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	p := &process{t: t, cmd: cmd, stderr: &safeBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	banner := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		banner <- line
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case line := <-banner:
		url, ok := strings.CutPrefix(strings.TrimSpace(line), "repomock listening on ")
		if !ok {
			t.Fatalf("the server did not start: %q\n%s", line, p.stderr.String())
		}
		p.url, p.addr = url, strings.TrimPrefix(url, "http://")
	case <-time.After(30 * time.Second):
		t.Fatalf("no banner after 30s\n%s", p.stderr.String())
	}
	return p
}

// kill ends the process with SIGKILL and waits for it.
func (p *process) kill() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("process %d still there 10s after SIGKILL", p.cmd.Process.Pid)
	}
}

// stop ends the process with SIGTERM, as a user would, and waits for it
// to save and exit.
func (p *process) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("still running 20s after SIGTERM\n%s", p.stderr.String())
	}
}

// memory reads the process's resident set now (VmRSS) and at its peak
// (VmHWM), in bytes, from /proc.
func (p *process) memory() (rss, peak int64) {
	p.t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			p.t.Fatalf("/proc status %q: %v", line, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}

// conn is one keep-alive connection to the process, for many requests
// quickly: a request is written by hand and its answer read with
// net/http, without a client's pool in between.
type conn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func (p *process) dial() (*conn, error) {
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, nil
}

// do sends one request (headers as "Name: value" lines) and returns the
// status and the body.
func (c *conn) do(method, path string, headers []string, body []byte) (int, []byte, error) {
	fmt.Fprintf(c.w, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n", method, path, len(body))
	for _, h := range headers {
		c.w.WriteString(h + "\r\n")
	}
	c.w.WriteString("\r\n")
	c.w.Write(body)
	if err := c.w.Flush(); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (c *conn) close() { c.c.Close() }

// get is one request on a connection of its own.
func (p *process) get(path string, headers ...string) (int, []byte) {
	p.t.Helper()
	c, err := p.dial()
	if err != nil {
		p.t.Fatal(err)
	}
	defer c.close()
	status, body, err := c.do(http.MethodGet, path, headers, nil)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	return status, body
}

const mib = 1 << 20

// endorFixtures writes an endor.yaml of n repository versions (JSON is
// YAML), each with a description, tags, a spec and a scan object like the
// objects of fixtures/endor.yaml, into a new directory.
func endorFixtures(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"repository_versions":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"namespace":"acme.fixtures","meta":{"name":"branch-%04d","parent_uuid":"6560a00000000000000000aa",`+
			`"description":"Fixture branch %04d of the payments service, loaded into every session","tags":["payments","tier-1","fixture-%d"]},`+
			`"context":{"id":"default","type":"CONTEXT_TYPE_REF"},`+
			`"spec":{"version":{"ref":"branch-%04d","sha":"3f786850e387550fdab836ed7e6dc881de23%04d"}},`+
			`"scan_object":{"status":"STATUS_SCANNED","scan_time":"2026-11-20T09:30:00Z"}}`, i, i, i, i, i)
	}
	b.WriteString(`]}`)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "endor.yaml"), b.String())
	return dir
}

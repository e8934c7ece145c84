package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// storeSizes counts what each vendor's store holds at the end, through
// its API, by vendor id.
func storeSizes(base string, parts []soakPart) (map[string]int, error) {
	client := newClient(1)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	count := func(p soakPart) (int, error) {
		r := p.Soak.Count
		req, err := http.NewRequest(r.Method, base+r.Path, bytes.NewReader(r.Body))
		if err != nil {
			return 0, err
		}
		req.Header = r.Header.Clone()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s %s: %s", r.Method, r.Path, resp.Status)
		}
		return p.Soak.Counted(body)
	}
	sizes := map[string]int{}
	var errs []error
	for _, p := range parts {
		n, err := count(p)
		sizes[p.id] = n
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sizes, nil
}

// buildRepomock builds ./cmd/repomock into dir, from the module this is
// run in.
func buildRepomock(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build repomock with (%v): give --binary", err)
	}
	bin := filepath.Join(dir, "repomock")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/repomock/repomock/cmd/repomock")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/repomock: %v\n%s(run from inside the repomock module, or give --binary)", err, out.String())
	}
	return bin, nil
}

// serverProc is repomock running as a child process.
type serverProc struct {
	cmd     *exec.Cmd
	pid     int
	url     string
	out     *serverOutput
	exited  chan struct{}
	waitErr error
	stopped bool
}

// serverOutput keeps repomock's output (its last 64 KiB) and finds the
// line that names the address it listens on.
type serverOutput struct {
	mu   sync.Mutex
	buf  []byte
	addr chan string
	sent bool
}

const listeningPrefix = "repomock listening on "

func (o *serverOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	if !o.sent {
		if i := bytes.Index(o.buf, []byte(listeningPrefix)); i >= 0 {
			rest := o.buf[i+len(listeningPrefix):]
			if j := bytes.IndexByte(rest, '\n'); j >= 0 {
				o.addr <- strings.TrimSpace(string(rest[:j]))
				o.sent = true
			}
		}
	}
	if o.sent && len(o.buf) > 64<<10 {
		o.buf = append(o.buf[:0], o.buf[len(o.buf)-64<<10:]...)
	}
	return len(p), nil
}

func (o *serverOutput) tail(n int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.buf
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// startRepomock runs the binary on 127.0.0.1:0 with its default flags
// (REPOMOCK_* variables are not passed on) and waits until its health
// check answers 200.
func startRepomock(ctx context.Context, binary string) (*serverProc, error) {
	out := &serverOutput{addr: make(chan string, 1)}
	cmd := exec.Command(binary, "--addr", "127.0.0.1:0")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "REPOMOCK_") })
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	p := &serverProc{cmd: cmd, pid: cmd.Process.Pid, out: out, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	fail := func(format string, a ...any) (*serverProc, error) {
		p.kill()
		return nil, fmt.Errorf("repomock: "+format+"\n%s", append(a, out.tail(4<<10))...)
	}
	deadline := time.NewTimer(serverStartTimeout)
	defer deadline.Stop()
	select {
	case addr := <-out.addr:
		base, err := checkLoopbackURL(addr)
		if err != nil {
			return fail("%v", err)
		}
		p.url = base
	case <-p.exited:
		return fail("exited at start: %v", p.waitErr)
	case <-deadline.C:
		return fail("named no address within %s", serverStartTimeout)
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
	client := newClient(1)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	for {
		resp, err := client.Get(p.url + "/__admin/health")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return fail("exited at start: %v", p.waitErr)
		case <-deadline.C:
			return fail("not healthy within %s", serverStartTimeout)
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGINT and requires exit status 0 within serverStopTimeout.
func (p *serverProc) stop() error {
	p.stopped = true
	select {
	case <-p.exited:
		return fmt.Errorf("repomock had exited before the end: %v", p.waitErr)
	default:
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("SIGINT to repomock: %w", err)
	}
	select {
	case <-p.exited:
	case <-time.After(serverStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("repomock did not exit within %s of SIGINT, and was killed", serverStopTimeout)
	}
	if p.waitErr != nil {
		return fmt.Errorf("repomock exited with %v after SIGINT, want exit status 0", p.waitErr)
	}
	return nil
}

// kill ends the server unless stop already has.
func (p *serverProc) kill() {
	if p.stopped {
		return
	}
	p.stopped = true
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

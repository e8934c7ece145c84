package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/server/faults"
	"github.com/repomock/repomock/mock/server/journal"
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/server/sessions"
	"github.com/repomock/repomock/mock/vendors/huawei/huaweitest"
)

// The web console's tests drive Debian's headless Chromium with chromedp.
// Without chromium they skip, except on CI (CI=true), where they fail.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI must run the web console's browser tests: apt-get install chromium")
	}
	t.Skip("chromium is not installed (apt-get install chromium): the web console's browser tests are skipped")
	return ""
}

// newBrowser starts a headless Chromium for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return browser
}

// page is one tab on the console.
type page struct {
	t   *testing.T
	ctx context.Context

	mu     sync.Mutex
	errors []string // uncaught exceptions of the page
}

// openConsole opens the console of the server at base in a new tab of
// 1280×800 and waits until its journal stream is live.
func openConsole(t *testing.T, browser context.Context, base string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	p := &page{t: t, ctx: ctx}
	t.Cleanup(func() {
		cancel()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, e := range p.errors {
			t.Errorf("the page threw: %s", e)
		}
	})
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*runtime.EventExceptionThrown); ok {
			text := ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				text += " " + ex.Description
			}
			p.mu.Lock()
			p.errors = append(p.errors, text)
			p.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/__admin/ui"))
	return p
}

func (p *page) waitLive() {
	p.t.Helper()
	p.waitFor("the journal stream to be live", `document.querySelector("#live").dataset.state === "live"`, 5*time.Second)
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor waits until the JavaScript expression is true.
func (p *page) waitFor(what, expr string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(10*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("waiting %v for %s: %v", timeout, what, err)
	}
}

// eval runs a JavaScript expression and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// js quotes a string for JavaScript.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// choose selects an option, as a person does: a change event follows.
func (p *page) choose(sel, value string) {
	p.t.Helper()
	p.waitFor(sel+" to offer "+value, fmt.Sprintf(`[...document.querySelector(%s).options].some(o => o.value === %s)`, js(sel), js(value)), 3*time.Second)
	eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`, js(sel), js(value)))
}

// set sets an input's value, as typing it would (an input event follows).
func (p *page) set(sel, value string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s; s.dispatchEvent(new Event("input", {bubbles: true})); return s.value === %s })()`, js(sel), js(value), js(value)))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(sel)))
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "testdata", "console", name), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// sentRequest is one request sent to a vendor and what it answered.
type sentRequest struct {
	vendor, operation string
	body              string // as sent
	status            int
	answer            string
}

// sendAll sends one create to each vendor in session, plain HTTP, each
// body marked with tag.
func sendAll(l *servertest.Server, session, tag string) []sentRequest {
	l.T.Helper()
	return []sentRequest{sendEndor(l, session, tag), sendCodeArts(l, session, tag), sendServiceStage(l, session, tag)}
}

func send(l *servertest.Server, ex sentRequest, path string, headers ...string) sentRequest {
	l.T.Helper()
	ex.status, ex.answer = l.Do(http.MethodPost, sessions.Prefix+path, ex.body, append([]string{"Content-Type", "application/json"}, headers...)...).Result()
	return ex
}

func sendEndor(l *servertest.Server, session, tag string) sentRequest {
	return send(l, sentRequest{vendor: "endor", operation: "RepositoryVersionService_CreateRepositoryVersion",
		body: fmt.Sprintf(`{"meta":{"name":"%s","parent_uuid":"656e69058032bf0abaaeb600","tags":["café ☕"]},"context":{"id":"%s","type":"CONTEXT_TYPE_REF"}}`, tag, tag)},
		session+"/v1/namespaces/acme.prod/repository-versions", "Authorization", "Bearer endor-secret-token")
}

func sendCodeArts(l *servertest.Server, session, tag string) sentRequest {
	return send(l, sentRequest{vendor: "codearts", operation: "CreateRepository",
		body: fmt.Sprintf(`{"project_uuid":"%s","name":"%s","visibility_level":20,"description":"made by the console test"}`, huaweitest.RepoProject, tag)},
		session+"/v1/repositories", "X-Auth-Token", "iam-secret-token")
}

func sendServiceStage(l *servertest.Server, session, tag string) sentRequest {
	return send(l, sentRequest{vendor: "servicestage", operation: "CreateFile",
		body: `{"message":"add ` + tag + `","content":"aGVsbG8="}`},
		session+"/v1/"+huaweitest.ProjectID+"/git/files/repomock/group:app/app:"+tag+".txt?ref=master", "X-Auth-Token", "iam-secret-token", "X-Repo-Auth", huaweitest.RepoAuth)
}

// rows is what the journal table shows, top to bottom.
type row struct {
	ID, Session, Vendor, Operation, Status, Verdict string
}

func (p *page) rows(session string) []row {
	p.t.Helper()
	return eval[[]row](p, fmt.Sprintf(`[...document.querySelectorAll('#requests tbody.entry[data-session=%s]')].map(g => {
		const c = g.querySelector("tr.row").cells;
		return {ID: g.dataset.id, Session: c[1].textContent, Vendor: c[2].textContent, Operation: c[3].textContent, Status: c[4].textContent, Verdict: c[5].textContent};
	})`, js(session)))
}

var vendorNames = map[string]string{"endor": "Endor Labs", "codearts": "Huawei CodeArts Repo", "servicestage": "Huawei ServiceStage"}

// journalIDs returns the ids of a session's entries, newest first.
func journalIDs(l *servertest.Server, session string) []string {
	l.T.Helper()
	var got struct{ Requests []journal.Entry }
	l.Do(http.MethodGet, "/__admin/requests?session="+session, "").Decode(l.T, http.StatusOK, &got)
	var ids []string
	for _, e := range got.Requests {
		ids = append(ids, fmt.Sprint(e.ID))
	}
	return ids
}

func indented(t *testing.T, body string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(body), "", "  "); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return b.String()
}

func TestConsole(t *testing.T) {
	browser := newBrowser(t)
	l := newLive(t, server.Config{Clock: time.Now})

	t.Run("rows appear within 2 s", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		var sent []sentRequest
		for i, send := range []func(*servertest.Server, string, string) sentRequest{sendEndor, sendCodeArts, sendServiceStage} {
			ex := send(l, "rows", "rows-"+fmt.Sprint(i))
			if ex.status != http.StatusOK {
				t.Fatalf("%s: %d %s", ex.vendor, ex.status, ex.answer)
			}
			sent = append(sent, ex)
			start := time.Now()
			p.waitFor(fmt.Sprintf("row %d", i+1), fmt.Sprintf(`document.querySelectorAll('#requests tbody.entry[data-session="rows"]').length === %d`, i+1), 2*time.Second)
			t.Logf("%s: its row appeared %v after the answer", ex.vendor, time.Since(start).Round(time.Millisecond))
		}
		got := p.rows("rows")
		for i, r := range got {
			ex := sent[len(sent)-1-i] // newest first
			want := row{ID: r.ID, Session: "rows", Vendor: vendorNames[ex.vendor], Operation: ex.operation, Status: "200", Verdict: "passed"}
			if r != want {
				t.Errorf("row %d: %+v, want %+v", i, r, want)
			}
		}
	})

	t.Run("a row expands to the exact body sent", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		sent := sendAll(l, "bodies", "bodies")
		// A body JSON.parse would change: a number beyond 2^53, keys that
		// look like indexes (reordered), an escape. The vendor refuses it
		// (unknown field) and the console shows it as it was sent.
		odd := send(l, sentRequest{vendor: "endor", operation: "RepositoryVersionService_CreateRepositoryVersion",
			body: `{"meta":{"name":"odd","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"odd","type":"CONTEXT_TYPE_REF"},"x":{"10":1,"2":12345678901234567890123,"e":"\u00e9\n"}}`},
			"bodies/v1/namespaces/acme.prod/repository-versions", "Authorization", "Bearer endor-secret-token")
		if odd.status != http.StatusBadRequest {
			t.Fatalf("odd body: %d %s, want 400", odd.status, odd.answer)
		}
		sent = append(sent, odd)
		ids := journalIDs(l, "bodies") // newest first
		if len(ids) != len(sent) {
			t.Fatalf("journal ids %v for %d requests", ids, len(sent))
		}
		for i, ex := range sent {
			id := ids[len(ids)-1-i]
			group := fmt.Sprintf(`#requests tbody.entry[data-id="%s"]`, id)
			p.waitFor("row "+id, fmt.Sprintf(`document.querySelector(%s) !== null`, js(group)), 2*time.Second)
			if i%2 == 0 {
				p.click(group + " tr.row td.vendor") // the row, by mouse
			} else {
				p.do(chromedp.Focus(chromedp.CSS(group+" button.toggle")), chromedp.KeyEvent("\r")) // by keyboard
			}
			p.waitFor("the detail of "+id, fmt.Sprintf(`!document.querySelector(%s).hidden`, js(group+" tr.detail")), 2*time.Second)
			shown := eval[map[string]string](p, fmt.Sprintf(`(() => { const g = document.querySelector(%s); const t = s => (g.querySelector(s) || {}).textContent;
				return {request: t('pre[aria-label="Request body"]'), response: t('pre[aria-label="Response body"]'), headers: t('pre[aria-label="Request headers"]')} })()`, js(group)))
			if want := indented(t, ex.body); shown["request"] != want {
				t.Errorf("%s: request body shown\n%s\nwant\n%s", ex.vendor, shown["request"], want)
			}
			if want := indented(t, ex.answer); shown["response"] != want {
				t.Errorf("%s: response body shown\n%s\nwant\n%s", ex.vendor, shown["response"], want)
			}
			if !strings.Contains(shown["headers"], ": [redacted]") {
				t.Errorf("%s: request headers show no redacted credential:\n%s", ex.vendor, shown["headers"])
			}
		}
		if text := eval[string](p, `document.body.innerText`); strings.Contains(text, "secret-token") {
			t.Errorf("the page shows a credential")
		}

		// Copy as curl: the command sends the same request again (with the
		// credential put back in).
		endorID := ids[len(ids)-1]
		group := fmt.Sprintf(`#requests tbody.entry[data-id="%s"]`, endorID)
		p.click(group + " button.copy-curl")
		p.waitFor("the curl command", fmt.Sprintf(`document.querySelector(%s).value !== ""`, js(group+" textarea.curl")), 2*time.Second)
		cmd := eval[string](p, fmt.Sprintf(`document.querySelector(%s).value`, js(group+" textarea.curl")))
		if !strings.Contains(cmd, "'"+l.URL+"/__sessions/bodies/v1/namespaces/acme.prod/repository-versions'") || !strings.Contains(cmd, "--data-raw '"+sent[0].body+"'") {
			t.Fatalf("curl command: %s", cmd)
		}
		cmd = strings.Replace(cmd, "'Authorization: [redacted]'", "'Authorization: Bearer endor-secret-token'", 1)
		out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"name":"bodies"`) {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		ids = journalIDs(l, "bodies")
		var again struct{ Requests []journal.Entry }
		l.Do(http.MethodGet, "/__admin/requests?session=bodies&limit=1", "").Decode(l.T, http.StatusOK, &again)
		if e := again.Requests[0]; e.Status != http.StatusOK || string(e.Request.Body) != sent[0].body || len(ids) != len(sent)+1 {
			t.Fatalf("the curl command sent %d %s, want 200 %s", e.Status, e.Request.Body, sent[0].body)
		}
	})

	// Failed only shows what a test author looks for: the requests the
	// vendor refused (rejected: the spec's violations, or the vendor's
	// rule, such as a create without meta.parent_uuid), answers that broke
	// the spec (invalid) and requests no operation matched (unrouted); not
	// the answers the test asked for (a stub, Prefer), nor a 404 of a read.
	t.Run("each verdict, and the failed filter", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		sendAll(l, "failed", "ok")
		endor := sessions.Prefix + "failed/v1/namespaces/acme.prod/repository-versions"
		auth := []string{"Content-Type", "application/json", "Authorization", "Bearer t"}
		for _, b := range []struct {
			method, target, body string
			status               int
		}{
			{http.MethodPost, endor, `{"meta":{"name":"x","colour":"red","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`, http.StatusBadRequest},
			{http.MethodPost, endor, `{"meta":{"name":"x"},"context":{"id":"x","type":"CONTEXT_TYPE_REF"}}`, http.StatusBadRequest},
			{http.MethodPost, sessions.Prefix + "failed/v1/namespaces/acme.prod/no-such-thing", ``, http.StatusNotFound},
			{http.MethodGet, endor + "/656e69058032bf0abaaeb6ff", ``, http.StatusNotFound},
		} {
			if status, raw := l.Do(b.method, b.target, b.body, auth...).Result(); status != b.status {
				t.Fatalf("%s %s: %d %s, want %d", b.method, b.target, status, raw, b.status)
			}
		}
		if status, raw := l.Do(http.MethodPost, sessions.Prefix+"failed/v1/repositories", `{"project_uuid":"`+huaweitest.RepoProject+`"}`, "Content-Type", "application/json", "X-Auth-Token", "t").Result(); status != http.StatusBadRequest {
			t.Fatalf("codearts without a name: %d %s", status, raw)
		}
		// A failure the test asked for (Prefer) is not a failure.
		if status, raw := l.Do(http.MethodGet, endor, "", "Authorization", "Bearer t", "Prefer", "code=503").Result(); status != http.StatusServiceUnavailable {
			t.Fatalf("Prefer: code=503: %d %s", status, raw)
		}
		// Nor is a stub's answer; but a patch that breaks the spec is invalid.
		l.Do(http.MethodPost, "/__admin/stubs", `{"session":"failed","request":{"operation":"RepositoryVersionService_GetRepositoryVersion","path_params":{"uuid":"656e69058032bf0abaaeb6aa"}},"response":{"error":{"code":5}}}`).Decode(t, http.StatusCreated, nil)
		l.Do(http.MethodPost, "/__admin/stubs", `{"session":"failed","request":{"operation":"RepositoryVersionService_CreateRepositoryVersion","body":{"meta":{"name":"broken"}}},"response":{"patch":{"uuid":5}}}`).Decode(t, http.StatusCreated, nil)
		if status, raw := l.Do(http.MethodGet, endor+"/656e69058032bf0abaaeb6aa", "", auth...).Result(); status != http.StatusNotFound {
			t.Fatalf("the stub's 404: %d %s", status, raw)
		}
		if status, raw := l.Do(http.MethodPost, endor, `{"meta":{"name":"broken","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"b","type":"CONTEXT_TYPE_REF"}}`, auth...).Result(); status != http.StatusInternalServerError {
			t.Fatalf("a patch that breaks the spec: %d %s", status, raw)
		}
		var entries struct{ Requests []journal.Entry }
		l.Do(http.MethodGet, "/__admin/requests?session=failed", "").Decode(l.T, http.StatusOK, &entries)
		var all, want []row
		count := map[string]int{}
		for _, e := range entries.Requests {
			count[e.Verdict]++
			verdict := e.Verdict
			switch e.Verdict {
			case journal.VerdictRejected:
				verdict = "rejected: " + strings.Join(e.Violations, "")
				if len(e.Violations) == 0 {
					verdict += e.Reason
				}
			case journal.VerdictInvalid:
				verdict = "invalid: " + strings.Join(e.Violations, "")
			case journal.VerdictUnrouted:
				verdict = "unrouted: no operation matched"
			case journal.VerdictStubbed:
				verdict = "stubbed: stub " + e.Stub
			case journal.VerdictFaulted:
				verdict = "faulted: Prefer"
			}
			op := e.OperationID
			if op == "" {
				op = e.Method + " " + e.Path
			}
			r := row{ID: fmt.Sprint(e.ID), Session: "failed", Vendor: vendorNames[e.Vendor], Operation: op, Status: fmt.Sprint(e.Status), Verdict: verdict}
			all = append(all, r)
			if e.Verdict == journal.VerdictRejected || e.Verdict == journal.VerdictInvalid || e.Verdict == journal.VerdictUnrouted {
				want = append(want, r)
			}
		}
		wantCount := map[string]int{"passed": 4, "rejected": 3, "unrouted": 1, "faulted": 1, "stubbed": 1, "invalid": 1}
		if fmt.Sprint(count) != fmt.Sprint(wantCount) {
			t.Fatalf("journal verdicts %v, want %v: %+v", count, wantCount, entries.Requests)
		}
		// The patched answer that broke the spec is invalid, and the stub's.
		if e := entries.Requests[0]; e.Verdict != journal.VerdictInvalid || e.Stub != "s2" || e.Status != http.StatusInternalServerError {
			t.Fatalf("the broken patch: %+v", e)
		}
		// The vendor's rule has no violation of the spec: the reason is the vendor's.
		if e := entries.Requests[len(entries.Requests)-5]; e.Verdict != journal.VerdictRejected || len(e.Violations) != 0 || !strings.Contains(e.Reason, "parent_uuid") {
			t.Fatalf("the create without meta.parent_uuid: %+v", e)
		}
		p.waitFor("11 rows", `document.querySelectorAll('#requests tbody.entry[data-session="failed"]').length === 11`, 2*time.Second)
		p.choose("#f-session", "failed")
		if got := p.rows("failed"); fmt.Sprint(got) != fmt.Sprint(all) {
			t.Errorf("the journal shows\n%+v\nwant\n%+v", got, all)
		}
		p.click("#f-failed")
		p.waitFor(fmt.Sprint(len(want), " rows"), fmt.Sprintf(`document.querySelectorAll('#requests tbody.entry').length === %d`, len(want)), 2*time.Second)
		if got := p.rows("failed"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("failed only shows\n%+v\nwant\n%+v", got, want)
		}
		p.click("#f-failed")
		p.waitFor("11 rows again", `document.querySelectorAll('#requests tbody.entry').length === 11`, 2*time.Second)

		// The legend says what each verdict means.
		p.click("#legend summary")
		legend := eval[[]string](p, `[...document.querySelectorAll("#legend dt")].filter(dt => dt.getClientRects().length && dt.nextElementSibling.textContent.length > 20).map(dt => dt.textContent)`)
		if fmt.Sprint(legend) != "[passed rejected invalid unrouted stubbed faulted]" {
			t.Errorf("the legend explains %v", legend)
		}
	})

	t.Run("a fault added in the form fails the next request in the vendor's shape", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		p.click("#tab-faults")
		cases := []struct {
			vendor, operation, status string
			send                      func(*servertest.Server, string, string) sentRequest
			shape                     string // the answer's error code, where the vendor puts it
		}{
			{"endor", "RepositoryVersionService_CreateRepositoryVersion", "503", sendEndor, `"code":14`},
			{"codearts", "CreateRepository", "500", sendCodeArts, `"code":"CH.000001"`},
			{"servicestage", "CreateFile", "429", sendServiceStage, `"error_code":"APIGW.0308"`},
		}
		for i, c := range cases {
			p.set("#fa-session", "")
			p.do(chromedp.SendKeys(chromedp.CSS("#fa-session"), "faults"))
			p.choose("#fa-vendor", c.vendor)
			p.choose("#fa-operation", c.operation)
			p.choose("#fa-kind", "error")
			p.set("#fa-status", c.status)
			p.set("#fa-times", "1")
			p.click("#fa-add")
			id := fmt.Sprintf("f%d", i+1)
			p.waitFor("fault "+id+" listed", fmt.Sprintf(`document.querySelector('#fault-rows tr[data-id="%s"]') !== null`, id), 2*time.Second)
			if msg := eval[string](p, `document.querySelector("#fa-error").textContent`); msg != "" {
				t.Fatalf("the form says %q", msg)
			}
			failed := c.send(l, "faults", "faulted")
			if fmt.Sprint(failed.status) != c.status || !strings.Contains(failed.answer, c.shape) {
				t.Errorf("%s after the fault: %d %s, want %s with %s", c.vendor, failed.status, failed.answer, c.status, c.shape)
			}
			if next := c.send(l, "faults", "faulted"); next.status != http.StatusOK {
				t.Errorf("%s: the next request: %d %s, want 200 (the fault fired its one time)", c.vendor, next.status, next.answer)
			}
			p.waitFor("fault "+id+" gone once fired", fmt.Sprintf(`document.querySelector('#fault-rows tr[data-id="%s"]') === null`, id), 3*time.Second)
		}
		// The journal says which fault answered.
		p.click("#tab-journal")
		p.waitFor("the faulted rows", `[...document.querySelectorAll('#requests tbody.entry[data-session="faults"] td.verdict')].filter(td => /^faulted: fault f[123]$/.test(td.textContent)).length === 3`, 2*time.Second)

		// Remove: a fault for ever, removed from its row.
		p.click("#tab-faults")
		p.choose("#fa-kind", "delay")
		p.set("#fa-times", "0")
		p.click("#fa-add")
		p.waitFor("fault f4 listed", `document.querySelector('#fault-rows tr[data-id="f4"]') !== null`, 2*time.Second)
		p.click(`#fault-rows tr[data-id="f4"] button.remove`)
		p.waitFor("no fault listed", `document.querySelectorAll("#fault-rows tr").length === 0`, 2*time.Second)
		var got struct{ Faults []faults.Fault }
		l.Do(http.MethodGet, "/__admin/faults", "").Decode(l.T, http.StatusOK, &got)
		if len(got.Faults) != 0 {
			t.Errorf("faults left: %+v", got.Faults)
		}
	})

	t.Run("reset empties the state view", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		sendAll(l, "state", "kept")
		p.click("#tab-state")
		p.choose("#s-session", "state")
		counts := `[...document.querySelectorAll("#objects section.objects")].map(s => s.dataset.vendor + "=" + s.querySelector(".count").textContent + "/" + s.querySelectorAll("details.object").length).join(" ")`
		p.waitFor("one object in each vendor", counts+` === "endor=1/1 codearts=1/1 servicestage=1/1"`, 2*time.Second)
		p.click(`#objects section[data-vendor="codearts"] details.object summary`)
		if got := eval[string](p, `document.querySelector('#objects section[data-vendor="codearts"] details.object pre').textContent`); !strings.Contains(got, `"name": "kept"`) {
			t.Errorf("the codearts repository shows as\n%s", got)
		}
		p.click("#s-reset")
		p.waitFor("no object in any vendor", counts+` === "endor=0/0 codearts=0/0 servicestage=0/0"`, 2*time.Second)
		var got struct{ Sessions []sessions.Info }
		l.Do(http.MethodGet, "/__admin/sessions", "").Decode(l.T, http.StatusOK, &got)
		for _, s := range got.Sessions {
			if s.Name == "state" {
				t.Errorf("session state after its reset: %+v", s)
			}
		}
	})

	// vendors.md §7, the mock's assumption beyond the vendor: "the journal
	// entry says which keys the vendor would ignore, so a test author
	// still sees a typo", and so does the console, in the opened row.
	t.Run("an opened row names the query keys the vendor ignores", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.waitLive()
		list := sessions.Prefix + "ignored/v1/namespaces/acme.prod/repository-versions"
		for _, q := range []string{"?list_parameters.page_size=1", "?_=1732528800000&list_parameters.pagesize=1"} {
			if status, body := l.Do(http.MethodGet, list+q, "", "Authorization", "Bearer endor-secret-token").Result(); status != http.StatusOK {
				t.Fatalf("list%s: %d %s", q, status, body)
			}
		}
		ids := journalIDs(l, "ignored") // newest first
		for i, want := range []string{"Query keys the vendor ignores: _, list_parameters.pagesize", ""} {
			group := fmt.Sprintf(`#requests tbody.entry[data-id="%s"]`, ids[i])
			p.waitFor("row "+ids[i], fmt.Sprintf(`document.querySelector(%s) !== null`, js(group)), 2*time.Second)
			p.click(group + " button.toggle")
			p.waitFor("the detail of "+ids[i], fmt.Sprintf(`!document.querySelector(%s).hidden`, js(group+" tr.detail")), 2*time.Second)
			if got := eval[string](p, fmt.Sprintf(`(document.querySelector(%s) || {textContent: ""}).textContent`, js(group+" .ignored-query"))); got != want {
				t.Errorf("request %s shows %q, want %q", ids[i], got, want)
			}
		}
	})

	t.Run("a narrow window", func(t *testing.T) {
		p := openConsole(t, browser, l.URL)
		p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		p.waitLive()
		sendAll(l, "narrow", "narrow")
		p.choose("#f-session", "narrow")
		p.waitFor("3 rows", `document.querySelectorAll('#requests tbody.entry').length === 3`, 2*time.Second)
		p.click(`#requests tbody.entry button.toggle`)
		p.waitFor("a detail", `document.querySelector("#requests tr.detail:not([hidden]) pre.body") !== null`, 2*time.Second)
		// Nothing sticks out of the window, which the page does not widen.
		if w := eval[[]int](p, `[window.innerWidth, document.documentElement.scrollWidth]`); w[0] != 390 || w[1] > 390 {
			t.Errorf("a 390 px window is %d px wide, its page %d px", w[0], w[1])
		}
		if out := eval[[]string](p, `[...document.querySelectorAll("body *")].filter(e => e.getClientRects().length && e.getBoundingClientRect().right > 391 && !e.closest(".scroll, pre")).map(e => e.tagName + "#" + e.id + "." + e.className)`); len(out) > 0 {
			t.Errorf("past the right edge of a 390 px window: %v", out)
		}
	})
}

// TestConsoleAsksForTheAdminToken: with an admin token, the page asks for
// it once, keeps it in sessionStorage, and never puts it in a URL.
func TestConsoleAsksForTheAdminToken(t *testing.T) {
	browser := newBrowser(t)
	l := newLive(t, server.Config{AdminToken: "console-admin-secret"})
	p := openConsole(t, browser, l.URL)
	p.waitFor("the token dialog", `document.querySelector("#token-dialog").open`, 5*time.Second)
	p.do(chromedp.SendKeys(chromedp.CSS("#token-input"), "wrong"), chromedp.KeyEvent("\r"))
	p.waitFor("the refusal", `document.querySelector("#token-dialog").open && document.querySelector("#token-error").textContent.includes("refused")`, 5*time.Second)
	p.do(chromedp.SendKeys(chromedp.CSS("#token-input"), "console-admin-secret"), chromedp.KeyEvent("\r"))
	p.waitLive()
	sendEndor(l, "tok", "tok")
	p.waitFor("the row", `document.querySelectorAll('#requests tbody.entry[data-session="tok"]').length === 1`, 2*time.Second)
	if got := eval[string](p, `sessionStorage.getItem("repomock.adminToken")`); got != "console-admin-secret" {
		t.Errorf("sessionStorage holds %q", got)
	}
	// Asked once: a reload uses the kept token.
	p.do(chromedp.Reload())
	p.waitLive()
	if eval[bool](p, `document.querySelector("#token-dialog").open`) {
		t.Error("the page asked for the token again after a reload")
	}
	if urls := eval[[]string](p, `[location.href, ...performance.getEntriesByType("resource").map(e => e.name)].filter(u => u.includes("secret"))`); len(urls) > 0 {
		t.Errorf("the token is in URLs: %v", urls)
	}
}

// TestConsoleScreenshot saves testdata/console/console.png, the README's
// picture, at 1280×800. The server's clock and seed are fixed, so that the
// picture changes only when the page does.
func TestConsoleScreenshot(t *testing.T) {
	browser := newBrowser(t)
	clock := steppingClock(time.Date(2026, 11, 30, 9, 41, 0, 0, time.UTC))
	l := newLive(t, server.Config{Clock: clock, Seed: 7})
	p := openConsole(t, browser, l.URL)
	p.waitLive()
	sendAll(l, "checkout-service", "checkout")
	l.Do(http.MethodPost, sessions.Prefix+"checkout-service/v1/namespaces/acme.prod/repository-versions", `{"meta":{"name":"release","colour":"red","parent_uuid":"656e69058032bf0abaaeb600"},"context":{"id":"release","type":"CONTEXT_TYPE_REF"}}`, "Content-Type", "application/json", "Authorization", "Bearer t").Result()
	inject(l, `{"session":"checkout-service","vendor":"codearts","kind":"error","status":503,"times":1}`)
	sendCodeArts(l, "checkout-service", "retry")
	sendCodeArts(l, "checkout-service", "retry")
	sendEndor(l, "billing", "billing")
	p.waitFor("7 rows", `document.querySelectorAll('#requests tbody.entry').length === 7`, 2*time.Second)
	p.click(`#requests tbody.entry[data-verdict="rejected"] button.toggle`) // the refused create
	p.waitFor("its detail", `document.querySelector("#requests tr.detail:not([hidden])") !== null`, 2*time.Second)
	p.screenshot("console.png")
}

// steppingClock starts at t and moves 125 ms a reading: the same requests
// get the same times on every run.
func steppingClock(t time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(125 * time.Millisecond)
		return t
	}
}

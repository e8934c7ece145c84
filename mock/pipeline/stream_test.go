package pipeline_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// A stream of server-sent events, as the admin API's journal stream: a
// media type and a header, no schema a body could be held to.
const streamSpec = `
openapi: 3.0.3
info: {title: events, version: '1'}
paths:
  /events:
    get:
      operationId: Events
      responses:
        '200':
          description: the events
          headers:
            Cache-Control: {schema: {type: string, enum: [no-store]}}
          content:
            text/event-stream: {}
        default:
          description: an error
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
`

// A Stream's body reaches the client as it is written, before Send
// returns; its status and headers are checked first, and when they break
// the spec the answer is a 500 and Drop runs in Send's place.
func TestStreamIsSentAsItIsMade(t *testing.T) {
	var sent, dropped atomic.Int32
	release := make(chan struct{})
	h := func(c echo.Context, _ pipeline.Request) (int, any, error) {
		c.Response().Header().Set("Content-Type", c.QueryParam("type"))
		c.Response().Header().Set("Cache-Control", "no-store")
		return http.StatusOK, &pipeline.Stream{
			Send: func() error {
				sent.Add(1)
				fmt.Fprint(c.Response(), "data: one\n\n")
				c.Response().Flush()
				select {
				case <-release:
				case <-c.Request().Context().Done():
				}
				fmt.Fprint(c.Response(), "data: two\n\n")
				return nil
			},
			Drop: func() { dropped.Add(1) },
		}, nil
	}
	v, err := pipeline.New(loadDoc(t, streamSpec), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	if err := v.Register(e, map[string]pipeline.Handler{"Events": h}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/events?type=text/event-stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	// Read while Send still waits: a buffered answer would never come.
	if line, err := r.ReadString('\n'); err != nil || line != "data: one\n" {
		t.Fatalf("first line %q, %v; want the first event before Send returns", line, err)
	}
	close(release)
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "\ndata: two\n\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}

	// A media type the spec does not declare: nothing is sent.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/events?type=application/json", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "response of Events (HTTP 200) violates the spec") {
		t.Errorf("undeclared media type: %d %s, want the 500 of a response that breaks the spec", resp.StatusCode, body)
	}
	if sent.Load() != 1 || dropped.Load() != 1 {
		t.Errorf("Send ran %d times and Drop %d; want each once (Drop for the refused stream)", sent.Load(), dropped.Load())
	}
}

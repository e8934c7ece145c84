package codearts_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/repomock/repomock/mock/server"
	"github.com/repomock/repomock/mock/vendors/codearts"
)

func TestErrorFor(t *testing.T) {
	tests := []struct {
		status     int
		message    string
		wantStatus int
		wantBody   string
	}{
		{400, "name: value is required", 400, chError("CH.010001", "name: value is required")},
		{415, "Content-Type: must be application/json", 400, chError("CH.010001", "Content-Type: must be application/json")},
		{401, "", 401, chError("CH.080401", "No Permission")},
		{403, "", 403, chError("CH.080403", "Forbidden")},
		{404, "Not Found", 404, chError("CH.000404", "Not Found")},
		{404, "", 404, chError("CH.000404", "Not Found")},
		{500, "", 500, chError("CH.000001", "Unknown error")},
		{504, "", 504, chError("CH.080504", "Gateway Timeout")},
		{429, "slow down", 429, chError("CH.010001", "slow down")},
		{503, "", 503, chError("CH.000001", "Unknown error")},
		{0, "", 500, chError("CH.000001", "Unknown error")},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			e := codearts.ErrorFor(tt.status, tt.message)
			if e.StatusCode() != tt.wantStatus {
				t.Errorf("status %d, want %d", e.StatusCode(), tt.wantStatus)
			}
			body, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tt.wantBody {
				t.Errorf("body\n got: %s\nwant: %s", body, tt.wantBody)
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	// The gateway refuses a body over its limit in its own shape, and the
	// spec declares it, so the response check lets it through.
	v := serveWith(t, newFake(nil), server.Config{MaxBodyBytes: 64})
	r := do(t, v, http.MethodPost, "/v1/repositories", `{"project_uuid":"`+projectA+`","name":"x","description":"0123456789012345678901234567890123456789"}`)
	expect(t, r, http.StatusRequestEntityTooLarge, gatewayBody("APIGW.0201", "Request entity too large"))
}

package server_test

import (
	"encoding/json"

	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	token  = servertest.Token
	ctJSON = "application/json"
)

// response is what a request's answer is (Server.Do).
type response = vendorstest.Response

func jsonUnmarshal(raw string, v any) error { return json.Unmarshal([]byte(raw), v) }

package huawei_test

import (
	"github.com/repomock/repomock/mock/server/servertest"
	"github.com/repomock/repomock/mock/vendors/vendorstest"
)

const (
	token  = servertest.Token
	ctJSON = "application/json"
)

// response is what a request's answer is (vendorstest.Server.Do).
type response = vendorstest.Response

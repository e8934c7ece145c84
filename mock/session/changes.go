package session

import (
	"encoding/json"
	"sync/atomic"
)

// Changes hands each change a fake makes to its state to the server's
// change log (--state-durability fsync), which makes it durable before
// the request that made it is answered. A change is handed on while the
// state it changes is locked, so that the log holds the changes of one
// state in the order they were made. The zero value hands on nothing.
type Changes struct {
	to atomic.Pointer[func(json.RawMessage)]
}

// Set sends every change from now on to log.
func (c *Changes) Set(log func(change json.RawMessage)) { c.to.Store(&log) }

// Add hands on change, encoded as JSON, when a log is set. A change is the
// fake's own value, made of what its snapshot is made of: it encodes.
func (c *Changes) Add(change any) {
	log := c.to.Load()
	if log == nil {
		return
	}
	data, err := json.Marshal(change)
	if err != nil {
		panic("session: a change does not encode: " + err.Error())
	}
	(*log)(data)
}

// Package server is wiregen's test input: wire types as a server writes
// them.
package server

import (
	"encoding/json"
	"time"

	"example.com/elsewhere"
)

// Kinds of things.
const (
	// KindA is the first kind.
	KindA = "a"
	KindB = "b" // no doc
)

// Typed is a typed constant, copied with its type.
const Typed Kind = "t"

// Kind is a kind.
type Kind string

// Entry is one entry, with its answer.
type Entry struct {
	// ID numbers the entries.
	ID   uint64    `json:"id"`
	When time.Time `json:"when"`
	// Secret is the server's own.
	Secret        string            `json:"-"`
	Answer, Query Message           `json:"answer"` // two at once
	Tags          map[string][]Kind `json:"tags,omitempty"`
	Inline        struct {
		N int `json:"n"`
	} `json:"inline"`
}

// Message is what an entry holds.
type Message struct {
	Body json.RawMessage `json:"body"`
}

// Foreign has a field of a package outside the standard library.
type Foreign struct {
	X elsewhere.Thing
}

// Alone names a type that is not copied with it.
type Alone struct {
	M Message
}

// NotAStruct is a string.
type NotAStruct string

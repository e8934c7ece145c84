package store

import "slices"

// arena holds the bytes of a store's records in chunks of chunkSize, so
// that a million objects are a few hundred allocations with no pointer in
// them, which the garbage collector marks without looking into. A chunk
// is only appended to, and by one store: bytes once written never change,
// so a slice of them may be read after the store's lock is let go (a
// record's JSON, served as it is).
type arena struct {
	chunks [][]byte
	// open says that the last chunk may be appended to: a clone's chunks
	// are its original's, which goes on appending to its own.
	open bool
	// next is the size of the last chunk this arena made.
	next int
	// used counts the bytes written, live those of the records stored:
	// an update or a delete leaves its old bytes behind, until compact.
	used, live int64
}

// A chunk is twice the size of the one before, from firstChunk to
// chunkSize (a session's store is small; a store of a million objects
// is a few hundred chunks); a larger record gets one of its own.
const (
	firstChunk = 4 << 10
	chunkSize  = 1 << 20
)

// span is where a record's bytes are.
type span struct{ chunk, off, n uint32 }

// add copies b into the arena, and says where.
func (a *arena) add(b []byte) span {
	last := len(a.chunks) - 1
	if !a.open || len(a.chunks[last])+len(b) > cap(a.chunks[last]) {
		a.next = min(max(2*a.next, firstChunk), chunkSize)
		a.chunks = append(a.chunks, make([]byte, 0, max(a.next, len(b))))
		a.open, last = true, last+1
	}
	c := a.chunks[last]
	a.chunks[last] = append(c, b...)
	a.used += int64(len(b))
	a.live += int64(len(b))
	return span{chunk: uint32(last), off: uint32(len(c)), n: uint32(len(b))}
}

// bytes returns the bytes at sp, capped so that no append reaches past them.
func (a *arena) bytes(sp span) []byte {
	c := a.chunks[sp.chunk]
	end := sp.off + sp.n
	return c[sp.off:end:end]
}

// drop notes that the bytes at sp are no longer a record's.
func (a *arena) drop(sp span) { a.live -= int64(sp.n) }

// wasteful reports whether the bytes left behind outweigh the records':
// then compact is worth its copy.
func (a *arena) wasteful() bool { return a.used-a.live > max(a.live, 8*chunkSize) }

// shared returns a copy of a for a clone: the same chunks (the list of
// them its own), none open.
func (a *arena) shared() arena {
	return arena{chunks: slices.Clone(a.chunks), used: a.used, live: a.live}
}

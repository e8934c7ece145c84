package vendor

import "encoding/json"

// Recorded holds what a Recorder has seen, by key, in the order each key
// was first seen. The zero value is empty and ready.
type Recorded[T any] struct {
	keys []string
	vals map[string]T
}

// Put keeps v under key, in key's place when it was seen before.
func (r *Recorded[T]) Put(key string, v T) {
	if r.vals == nil {
		r.vals = map[string]T{}
	}
	if _, ok := r.vals[key]; !ok {
		r.keys = append(r.keys, key)
	}
	r.vals[key] = v
}

// Get returns what is kept under key.
func (r *Recorded[T]) Get(key string) (T, bool) {
	v, ok := r.vals[key]
	return v, ok
}

// Delete forgets key, and reports whether it was kept.
func (r *Recorded[T]) Delete(key string) bool {
	if _, ok := r.vals[key]; !ok {
		return false
	}
	delete(r.vals, key)
	for i, k := range r.keys {
		if k == key {
			r.keys = append(r.keys[:i], r.keys[i+1:]...)
			break
		}
	}
	return true
}

// Values returns what is kept, in the order first seen.
func (r *Recorded[T]) Values() []T {
	out := make([]T, 0, len(r.keys))
	for _, k := range r.keys {
		out = append(out, r.vals[k])
	}
	return out
}

// FixturesLoad reports whether fx passes a vendor's fixtures parser: an
// object a recorder keeps must be one a client could have stored.
func FixturesLoad[F, T any](fx F, parse func([]byte) (*T, error)) bool {
	data, err := json.Marshal(fx)
	if err != nil {
		return false
	}
	_, err = parse(data)
	return err == nil
}

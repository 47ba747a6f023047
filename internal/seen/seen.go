// Package seen remembers recently handled ids so that something delivered
// twice (after a reconnect, say) is handled once.
package seen

import "strings"

// Recent maps the last n keys it was given to a value. Memory is bounded:
// the oldest key is forgotten when a new one arrives and the ring is full.
// The ring and the map grow with use up to n, so an idle channel costs next
// to nothing. A Recent is not safe for concurrent use; its owner guards it.
type Recent[V any] struct {
	ring []string
	max  int
	next int
	by   map[string]V
}

// NewRecent returns a Recent that remembers the last n keys; n must be at
// least 1.
func NewRecent[V any](n int) *Recent[V] {
	return &Recent[V]{max: n, by: make(map[string]V)}
}

// Put records v for key. It keeps a copy of key, so key may point into a
// larger buffer (a raw chat line) without keeping that buffer alive.
func (r *Recent[V]) Put(key string, v V) {
	key = strings.Clone(key)
	if len(r.ring) < r.max {
		r.ring = append(r.ring, key)
	} else {
		delete(r.by, r.ring[r.next])
		r.ring[r.next] = key
		r.next = (r.next + 1) % r.max
	}
	r.by[key] = v
}

// Has reports whether key is remembered.
func (r *Recent[V]) Has(key string) bool {
	_, ok := r.by[key]
	return ok
}

// Take returns and forgets the value recorded for key.
func (r *Recent[V]) Take(key string) (V, bool) {
	v, ok := r.by[key]
	if ok {
		delete(r.by, key)
	}
	return v, ok
}

// IDs remembers the last n ids it was given, bounded as Recent is.
type IDs struct{ r *Recent[struct{}] }

// New returns an IDs that remembers the last n ids; n must be at least 1.
func New(n int) *IDs {
	return &IDs{r: NewRecent[struct{}](n)}
}

// Add records id and reports whether it was new. It keeps a copy of id.
func (s *IDs) Add(id string) bool {
	if s.r.Has(id) {
		return false
	}
	s.r.Put(id, struct{}{})
	return true
}

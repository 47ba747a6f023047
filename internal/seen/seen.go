// Package seen remembers recently handled ids so that something delivered
// twice (after a reconnect, say) is handled once.
package seen

import "hash/maphash"

// Recent maps the last n keys it was given to a value. Memory is bounded:
// the oldest key is forgotten when a new one arrives and the ring is full.
// The ring and the map grow with use up to n, so an idle channel costs next
// to nothing. A Recent is not safe for concurrent use; its owner guards it.
//
// Keys are kept as 64-bit hashes: no copy of a key is kept (a key may point
// into a raw chat line), and the map works on integers. Two of the n keys
// remembered share a hash with odds of about n²/2^65, a few in a trillion
// for 8,192 keys; the cost would be one message taken for a duplicate.
type Recent[V any] struct {
	ring []uint64
	max  int
	next int
	by   map[uint64]V
}

// seed seeds the key hashes for the life of the process.
var seed = maphash.MakeSeed()

func hash(key string) uint64 { return maphash.String(seed, key) }

// NewRecent returns a Recent that remembers the last n keys; n must be at
// least 1.
func NewRecent[V any](n int) *Recent[V] {
	return &Recent[V]{max: n, by: make(map[uint64]V)}
}

// Put records v for key. It keeps nothing of key itself, so key may point
// into a larger buffer (a raw chat line) without keeping that buffer
// alive.
func (r *Recent[V]) Put(key string, v V) { r.put(hash(key), v) }

// put records v under the hash h.
func (r *Recent[V]) put(h uint64, v V) {
	if len(r.ring) < r.max {
		r.ring = append(r.ring, h)
	} else {
		delete(r.by, r.ring[r.next])
		r.ring[r.next] = h
		r.next = (r.next + 1) % r.max
	}
	r.by[h] = v
}

// Has reports whether key is remembered.
func (r *Recent[V]) Has(key string) bool {
	_, ok := r.by[hash(key)]
	return ok
}

// Take returns and forgets the value recorded for key.
func (r *Recent[V]) Take(key string) (V, bool) {
	h := hash(key)
	v, ok := r.by[h]
	if ok {
		delete(r.by, h)
	}
	return v, ok
}

// IDs remembers the last n ids it was given, bounded as Recent is.
type IDs struct{ r *Recent[struct{}] }

// New returns an IDs that remembers the last n ids; n must be at least 1.
func New(n int) *IDs {
	return &IDs{r: NewRecent[struct{}](n)}
}

// Add records id and reports whether it was new. It keeps nothing of id
// itself (see Recent).
func (s *IDs) Add(id string) bool {
	h := hash(id)
	if _, ok := s.r.by[h]; ok {
		return false
	}
	s.r.put(h, struct{}{})
	return true
}

// Package seen remembers recently handled ids so that something delivered
// twice (after a reconnect, say) is handled once.
package seen

// IDs remembers the last n ids it was given. Memory is bounded: the oldest
// id is forgotten when a new one arrives and the ring is full. An IDs is not
// safe for concurrent use; its owner guards it.
type IDs struct {
	ring []string
	next int
	set  map[string]struct{}
}

// New returns an IDs that remembers the last n ids; n must be at least 1.
func New(n int) *IDs {
	return &IDs{ring: make([]string, n), set: make(map[string]struct{}, n)}
}

// Add records id and reports whether it was new.
func (s *IDs) Add(id string) bool {
	if _, dup := s.set[id]; dup {
		return false
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.set, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % len(s.ring)
	s.set[id] = struct{}{}
	return true
}

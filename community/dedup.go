package community

// seenIDs remembers the last N event ids so an event delivered twice (after
// a reconnect, say) counts once. Memory is bounded: the oldest id is
// forgotten when a new one arrives and the ring is full.
type seenIDs struct {
	ring []string
	next int
	set  map[string]struct{}
}

func newSeenIDs(n int) *seenIDs {
	return &seenIDs{ring: make([]string, n), set: make(map[string]struct{}, n)}
}

// add records id and reports whether it was new.
func (s *seenIDs) add(id string) bool {
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

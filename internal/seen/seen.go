// Package seen remembers recently handled ids so that something delivered
// twice (after a reconnect, say) is handled once.
package seen

import "strings"

// IDs remembers the last n ids it was given. Memory is bounded: the oldest
// id is forgotten when a new one arrives and the ring is full. The ring and
// the set grow with use up to n, so an idle channel costs next to nothing.
// An IDs is not safe for concurrent use; its owner guards it.
type IDs struct {
	ring []string
	max  int
	next int
	set  map[string]struct{}
}

// New returns an IDs that remembers the last n ids; n must be at least 1.
func New(n int) *IDs {
	return &IDs{max: n, set: make(map[string]struct{})}
}

// Add records id and reports whether it was new. It keeps a copy of id,
// so id may point into a larger buffer (a raw chat line) without keeping
// that buffer alive.
func (s *IDs) Add(id string) bool {
	if _, dup := s.set[id]; dup {
		return false
	}
	id = strings.Clone(id)
	if len(s.ring) < s.max {
		s.ring = append(s.ring, id)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % s.max
	}
	s.set[id] = struct{}{}
	return true
}

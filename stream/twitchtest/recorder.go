package twitchtest

import (
	"slices"
	"sync"

	"github.com/hearthlive/hearth"
)

// Recorder gathers the events a chat, Helix or EventSub client under test
// hands on; pass its Handle as the client's handler. It is safe for
// concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []hearth.Event
}

// Handle records ev.
func (r *Recorder) Handle(ev hearth.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// Count returns how many events were recorded.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// Events returns a copy of the events recorded so far, from the from-th on.
func (r *Recorder) Events(from int) []hearth.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events[min(from, len(r.events)):])
}

package engine

import (
	"math"
	"time"
)

// recency counts the distinct ids seen within each of a few windows that
// end now, exactly, at a cost per sighting rather than per id: the active
// chatter figures of a channel with a hundred thousand recent chatters
// are read every second.
//
// It keeps one entry per id, in a list ordered by the time of the id's
// latest sighting; each window holds a cursor at its oldest entry still
// inside it, and counts the entries from there to the newest. A sighting
// moves its id's entry to its new place, nearly always the newest end;
// advancing the clock moves the cursors past the entries that fell out of
// their windows, and forgets ids that fell out of the longest one.
type recency struct {
	windows []time.Duration
	byID    map[string]int32 // id -> entry
	entries []recent         // entries, linked in order of latest sighting
	free    int32            // first free entry, linked through next; -1 when none
	oldest  int32            // -1 when empty
	newest  int32
	// Per window: its start at the last advance (Unix nanoseconds), its
	// oldest entry inside it (-1 when none) and how many entries are
	// inside: exactly those from the cursor on, whose sightings are at or
	// after the start.
	start  []int64
	cursor []int32
	count  []int
}

// recent is one id's entry.
type recent struct {
	id         string
	at         int64 // latest sighting, Unix nanoseconds
	prev, next int32 // -1 at the ends
}

// newRecency returns a recency over the given windows.
func newRecency(windows ...time.Duration) *recency {
	r := &recency{
		windows: windows,
		byID:    make(map[string]int32),
		free:    -1,
		oldest:  -1,
		newest:  -1,
		start:   make([]int64, len(windows)),
		cursor:  make([]int32, len(windows)),
		count:   make([]int, len(windows)),
	}
	for i := range r.cursor {
		r.start[i] = math.MinInt64
		r.cursor[i] = -1
	}
	return r
}

// see records a sighting of id at t. The recency keeps id itself, so it
// must not be a piece of a larger buffer such as a chat line: the
// channel's own copy of a viewer's id is (community.Result.ChatterID).
// Sightings usually come in time order; one that comes late is filed in
// its place, found walking back from the newest.
func (r *recency) see(id string, t time.Time) {
	at := t.UnixNano()
	e, ok := r.byID[id]
	if ok {
		if r.entries[e].at >= at {
			return // an older message than the one that counts
		}
		for w, c := range r.cursor {
			if r.entries[e].at >= r.start[w] {
				r.count[w]--
				if c == e {
					r.cursor[w] = r.entries[e].next
				}
			}
		}
		r.unlink(e)
	} else {
		e = r.alloc()
		r.entries[e].id = id
		r.byID[id] = e
	}
	after := r.newest
	for after >= 0 && r.entries[after].at > at {
		after = r.entries[after].prev
	}
	r.entries[e].at = at
	r.link(e, after)
	for w, c := range r.cursor {
		if at >= r.start[w] {
			r.count[w]++
			if c < 0 || c == r.entries[e].next {
				r.cursor[w] = e
			}
		}
	}
}

// advance moves the windows to end at now: ids last seen before a
// window's start leave it, and ids that left every window are forgotten.
func (r *recency) advance(now time.Time) {
	longest := 0
	for w, d := range r.windows {
		r.start[w] = max(r.start[w], now.Add(-d).UnixNano())
		for c := r.cursor[w]; c >= 0 && r.entries[c].at < r.start[w]; c = r.cursor[w] {
			r.cursor[w] = r.entries[c].next
			r.count[w]--
		}
		if d > r.windows[longest] {
			longest = w
		}
	}
	for r.oldest >= 0 && r.entries[r.oldest].at < r.start[longest] {
		e := r.oldest
		delete(r.byID, r.entries[e].id)
		r.unlink(e)
		r.entries[e] = recent{next: r.free}
		r.free = e
	}
}

// seen returns how many ids were seen within window w (an index into the
// windows newRecency was given) as of the last advance.
func (r *recency) seen(w int) int { return r.count[w] }

// alloc returns a free entry.
func (r *recency) alloc() int32 {
	if r.free >= 0 {
		e := r.free
		r.free = r.entries[e].next
		return e
	}
	r.entries = append(r.entries, recent{})
	return int32(len(r.entries) - 1)
}

// link puts entry e in the list after entry after, or first if after is
// -1.
func (r *recency) link(e, after int32) {
	n := &r.entries[e]
	n.prev = after
	if after >= 0 {
		n.next = r.entries[after].next
		r.entries[after].next = e
	} else {
		n.next = r.oldest
		r.oldest = e
	}
	if n.next >= 0 {
		r.entries[n.next].prev = e
	} else {
		r.newest = e
	}
}

// unlink takes entry e out of the list.
func (r *recency) unlink(e int32) {
	n := &r.entries[e]
	if n.prev >= 0 {
		r.entries[n.prev].next = n.next
	} else {
		r.oldest = n.next
	}
	if n.next >= 0 {
		r.entries[n.next].prev = n.prev
	} else {
		r.newest = n.prev
	}
}

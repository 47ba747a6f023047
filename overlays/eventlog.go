package overlays

import (
	"context"
	"sort"
	"time"

	"github.com/hearthlive/hearth"
)

// The event log's side of the hub. A page of the events topic is not given
// the latest state, as the other topics' pages are: it is given every
// event after the last one it got, in order, in as few messages as the
// push rate allows. The hub keeps each channel's last events in memory;
// a page that asks for older ones gets them from the EventSource.
const (
	// DefaultEventsKept is how many of a channel's last events the hub
	// keeps when Options.EventsKept is unset.
	DefaultEventsKept = 1000
	// historyEvents is how many of the last events a page that asks for
	// none is given, as the past: what the feed shows on load.
	historyEvents = 100
	// maxBatch bounds the events of one message.
	maxBatch = 500
	// maxResume bounds how far back a page may ask: one that was away
	// longer gets the last maxResume events.
	maxResume = 5000
	// sourceWait bounds one read of the EventSource.
	sourceWait = 10 * time.Second
	// maxEventsHeld bounds a channel's log in memory while sockets that
	// are behind hold it longer than EventsKept: they are dropped once a
	// write waits writeWait, so a burst of this many events within that
	// time is what it takes to reach it.
	maxEventsHeld = 100_000
)

// EventSource reads a channel's stored events, for a page that asks for
// events older than the hub keeps; *engine.Engine is one.
type EventSource interface {
	// OverlayEvents returns up to limit of the channel's events after
	// seq after, in order.
	OverlayEvents(ctx context.Context, channel string, after int64, limit int) ([]hearth.OverlayEvent, error)
}

// eventLog is one channel's last events in the hub, in seq order, and the
// last message made of them, which the sockets at the same point share.
// Guarded by Hub.mu.
type eventLog struct {
	events []hearth.OverlayEvent
	head   int64
	cached struct {
		after, to int64
		f         *frame
	}
}

// PublishEvents appends events, in seq order, to the channel's log and
// schedules them for its pages. An event whose seq the log holds already
// is skipped, so handing the hub the same events again (a channel that
// loads again) is harmless. It never blocks on a browser. PublishEvents
// implements hearth.EventBroadcaster.
func (h *Hub) PublishEvents(channel string, events []hearth.OverlayEvent) {
	name := hearth.NormalizeChannel(channel)
	if name == "" || len(events) == 0 {
		return
	}
	k := key{name, hearth.TopicEvents}
	h.mu.Lock()
	l := h.logs[name]
	if l == nil {
		l = &eventLog{}
		h.logs[name] = l
	}
	added := false
	for _, ev := range events {
		if ev.Seq <= l.head {
			continue
		}
		l.events = append(l.events, ev)
		l.head, added = ev.Seq, true
	}
	if len(l.events) > h.eventsKept+h.eventsKept/2 {
		h.trim(l, h.topics[k])
	}
	var waiting bool
	if added {
		_, waiting = h.dirty[k]
		h.dirty[k] = h.topic(k)
	}
	h.mu.Unlock()
	if added && !waiting {
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}
}

// ForgetEvents drops a forgotten viewer's events from the channel's log
// in memory, as the store deletes them. ForgetEvents implements
// hearth.EventBroadcaster.
func (h *Hub) ForgetEvents(channel, userID string) {
	name := hearth.NormalizeChannel(channel)
	if name == "" || userID == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.logs[name]
	if l == nil {
		return
	}
	kept := make([]hearth.OverlayEvent, 0, len(l.events))
	for _, ev := range l.events {
		if ev.UserID != userID {
			kept = append(kept, ev)
		}
	}
	l.events = kept
	l.cached.f = nil
}

// trim drops the events of l beyond the last EventsKept, but for those a
// socket of t has still to be sent (the store may not hold them yet) up
// to maxEventsHeld. Trimming only once the log is half again as long
// keeps the walk over the sockets rare. h.mu must be held.
func (h *Hub) trim(l *eventLog, t *topic) {
	n := len(l.events)
	keep := l.events[n-h.eventsKept].Seq
	if t != nil {
		for _, c := range t.clients {
			keep = min(keep, c.sent.Load()+1)
		}
	}
	if n > maxEventsHeld {
		keep = max(keep, l.events[n-maxEventsHeld].Seq)
	}
	i := sort.Search(n, func(i int) bool { return l.events[i].Seq >= keep })
	if i > 0 {
		// A fresh array, so the dropped events can go.
		l.events = append([]hearth.OverlayEvent(nil), l.events[i:]...)
	}
}

// eventsFrame returns the next message for c, a socket of the events
// topic, and the seq of its last event; nil when c has had everything.
// The first message of a socket always goes, with Resync set: the events
// after the seq the page asked for (since), or the last historyEvents as
// History when it asked for none.
func (h *Hub) eventsFrame(c *client) (*frame, int64, error) {
	h.mu.Lock()
	l := h.logs[c.key.channel]
	if l == nil {
		l = &eventLog{}
	}
	batch := hearth.OverlayEventBatch{Channel: c.key.channel, Head: l.head, Events: []hearth.OverlayEvent{}}
	after := c.sent.Load()
	if c.resync {
		batch.Resync = true
		switch {
		case c.since < 0:
			batch.History = true
			after = max(l.head-historyEvents, 0)
			if n := len(l.events); n > 0 {
				after = max(after, l.events[0].Seq-1)
			}
		case c.since > l.head:
			after = l.head // the page counts from here again
		default:
			after = max(c.since, l.head-maxResume)
		}
	} else if after >= l.head {
		h.mu.Unlock()
		return nil, after, nil
	}
	oldest := l.head + 1
	if len(l.events) > 0 {
		oldest = l.events[0].Seq
	}
	if after+1 < oldest && h.source != nil && !batch.History {
		// Older than the hub keeps: from the store, without the lock.
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), sourceWait)
		defer cancel()
		limit := int(min(oldest-1-after, maxBatch))
		stored, err := h.source.OverlayEvents(ctx, c.key.channel, after, limit)
		if err != nil {
			return nil, after, err
		}
		// What the hub keeps comes from the hub, once.
		to := oldest - 1
		for _, ev := range stored {
			if ev.Seq >= oldest {
				break
			}
			batch.Events = append(batch.Events, ev)
		}
		if n := len(batch.Events); len(stored) == limit && n > 0 {
			to = batch.Events[n-1].Seq // there may be more before oldest
		}
		f, err := encodeFrame(c.key, batch)
		return f, to, err
	}
	defer h.mu.Unlock()
	i := sort.Search(len(l.events), func(i int) bool { return l.events[i].Seq > after })
	events := l.events[i:min(len(l.events), i+maxBatch)]
	to := after
	if len(events) > 0 {
		to = events[len(events)-1].Seq
	} else if !batch.Resync {
		return nil, after, nil
	}
	if !batch.Resync && l.cached.f != nil && l.cached.after == after && l.cached.to == to {
		return l.cached.f, to, nil
	}
	batch.Events = events
	f, err := encodeFrame(c.key, batch)
	if err != nil {
		return nil, after, err
	}
	if !batch.Resync {
		l.cached.after, l.cached.to, l.cached.f = after, to, f
	}
	return f, to, nil
}

// writeEvents sends c every event it has not had, in order, waiting up
// to writeWait for each message. c.wmu must be held.
func (h *Hub) writeEvents(c *client) error {
	for {
		f, to, err := h.eventsFrame(c)
		if err != nil {
			return err
		}
		if f == nil {
			return nil
		}
		if err := c.writeWaiting(f.data); err != nil {
			return err
		}
		c.resync = false
		c.sent.Store(to)
		h.pushed(c.key, 1)
	}
}

package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
)

// DefaultRelayEvery is how often a Relay writes the overlay states
// published since its last write: it bounds how stale an overlay shown by
// an instance that does not run its channel is, and how often the owner
// writes (a few rows per channel, a few times a second at most).
const DefaultRelayEvery = 250 * time.Millisecond

// OverlayStore holds the overlays' latest states and the channels' event
// logs, and notifies; store/postgres's DB implements it.
type OverlayStore interface {
	PutOverlayStates(ctx context.Context, states []hearth.OverlayState) error
	OverlayStates(ctx context.Context, channels []string) ([]hearth.OverlayState, error)
	OverlayEvents(ctx context.Context, channel string, after int64, limit int) ([]hearth.OverlayEvent, error)
	// NotifyOverlayEvents tells the other instances which events each
	// channel's log gained: from the first seq to the last.
	NotifyOverlayEvents(ctx context.Context, added map[string][2]int64) error
}

// Local is what a relay shows on this instance: the overlay hub.
type Local interface {
	hearth.Broadcaster
	hearth.EventBroadcaster
}

// eventsFrom is the notice topic that gives the first seq of the events
// a hearth.TopicEvents notice announces.
const eventsFrom = "events_from"

// eventsChaseTicks bounds how many rounds a relay keeps reading a channel's
// event log for events a notice announced but the store does not hold yet
// (the owner's writer commits them within a flush interval, or, if it
// lost the channel, never).
const eventsChaseTicks = 40

// Relay keeps the overlays live on every instance. It is the engine's
// hearth.Broadcaster: what the channels run here publish goes to the local
// overlays at once and, every DefaultRelayEvery, the latest state of each
// topic that changed is written to the store, which notifies the other
// instances. On a notice (Notified), or after the notifier reconnects
// (Resync), it reads the states of the channels run elsewhere and publishes
// them to the local overlays, newest version only.
type Relay struct {
	local Local
	store OverlayStore
	owns  func(channel string) bool
	fence func() hearth.Fence
	every time.Duration
	log   *slog.Logger

	kick chan struct{}

	mu     sync.Mutex
	dirty  map[overlayKey]any
	wanted map[string]bool // channels to read: notices named them
	resync bool            // read every channel
	shown  map[overlayKey]int64
	// heads are the event logs' last seqs published here, by channel;
	// newHeads those of the events published here since the last round,
	// for the others; chase the heads notices announced, and how many
	// rounds are left to read up to them.
	heads        map[string]int64
	newHeads     map[string][2]int64
	chase        map[string]chase
	eventsResync bool
}

type chase struct {
	head  int64
	ticks int
}

type overlayKey struct{ channel, topic string }

// NewRelay returns a relay that publishes to local, writes and reads
// through store, and treats as its own the channels owns reports (their
// states never come back from the store), writing under fence.
func NewRelay(local Local, store OverlayStore, owns func(string) bool, fence func() hearth.Fence, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{local: local, store: store, owns: owns, fence: fence, every: DefaultRelayEvery, log: log,
		kick: make(chan struct{}, 1), dirty: map[overlayKey]any{}, wanted: map[string]bool{}, resync: true, shown: map[overlayKey]int64{},
		heads: map[string]int64{}, newHeads: map[string][2]int64{}, chase: map[string]chase{}}
}

// Publish shows state on the local overlays and queues it for the others.
// It implements hearth.Broadcaster.
func (r *Relay) Publish(channel, topic string, state any) {
	r.local.Publish(channel, topic, state)
	r.mu.Lock()
	r.dirty[overlayKey{channel, topic}] = state
	r.mu.Unlock()
}

// PublishEvents shows events on the local overlays and tells the others,
// which read them from the store. It implements hearth.EventBroadcaster.
func (r *Relay) PublishEvents(channel string, events []hearth.OverlayEvent) {
	r.local.PublishEvents(channel, events)
	if len(events) == 0 {
		return
	}
	r.mu.Lock()
	span, seen := r.newHeads[channel]
	if !seen {
		span[0] = events[0].Seq
	}
	span[1] = max(span[1], events[len(events)-1].Seq)
	r.newHeads[channel] = span
	r.mu.Unlock()
}

// ForgetEvents drops a forgotten viewer's events from the local overlays.
// It implements hearth.EventBroadcaster.
func (r *Relay) ForgetEvents(channel, userID string) {
	r.local.ForgetEvents(channel, userID)
}

// Notified is told of the states another instance wrote, as a
// hearth_overlay notification names them (their State is empty); the
// topic hearth.TopicEvents names an event log's head instead.
func (r *Relay) Notified(written []hearth.OverlayState) {
	r.mu.Lock()
	for _, s := range written {
		switch s.Topic {
		case hearth.TopicEvents:
			if s.Version > r.chase[s.Channel].head {
				r.chase[s.Channel] = chase{head: s.Version, ticks: eventsChaseTicks}
			}
			continue
		case eventsFrom:
			// A log not read here before is read from the first event
			// announced, not from its beginning: the older ones are
			// history, which pages read from the store themselves.
			if r.heads[s.Channel] == 0 {
				r.heads[s.Channel] = s.Version - 1
			}
			continue
		}
		if s.Version > r.shown[overlayKey{s.Channel, s.Topic}] {
			r.wanted[s.Channel] = true
		}
	}
	r.mu.Unlock()
	r.wake()
}

// Resync reads every channel's states at the next round: notices sent
// while the notifier was away are lost.
func (r *Relay) Resync() {
	r.mu.Lock()
	r.resync, r.eventsResync = true, true
	r.mu.Unlock()
	r.wake()
}

func (r *Relay) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run writes and reads states until ctx ends, then writes what is
// pending once more.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.write(wctx)
			cancel()
			return nil
		case <-t.C:
			r.write(ctx)
			r.read(ctx)
			r.readEvents(ctx)
		case <-r.kick:
			r.read(ctx)
			r.readEvents(ctx)
		}
	}
}

// write stores the latest state of every topic published since the last
// write. A channel whose lease is lost has its states dropped; other
// failures keep them for the next round, unless newer ones come first.
func (r *Relay) write(ctx context.Context) {
	r.mu.Lock()
	dirty, heads := r.dirty, r.newHeads
	r.dirty, r.newHeads = map[overlayKey]any{}, map[string][2]int64{}
	r.mu.Unlock()
	if len(heads) > 0 {
		if err := r.store.NotifyOverlayEvents(ctx, heads); err != nil && ctx.Err() == nil {
			r.log.Warn("cluster: unable to announce overlay events", "err", err)
		}
	}
	if len(dirty) == 0 {
		return
	}
	states := make([]hearth.OverlayState, 0, len(dirty))
	for k, v := range dirty {
		b, err := json.Marshal(v)
		if err != nil {
			r.log.Error("cluster: an overlay state cannot be encoded", "channel", k.channel, "topic", k.topic, "err", err)
			continue
		}
		states = append(states, hearth.OverlayState{Channel: k.channel, Topic: k.topic, State: b})
	}
	for len(states) > 0 {
		err := r.store.PutOverlayStates(hearth.WithFence(ctx, r.fence()), states)
		var lost *hearth.LeaseLostError
		switch {
		case err == nil:
			return
		case errors.As(err, &lost):
			r.log.Info("cluster: overlay states dropped: the channel's lease is lost", "channel", lost.Channel)
			kept := states[:0]
			for _, s := range states {
				if s.Channel != lost.Channel {
					kept = append(kept, s)
				}
			}
			if len(kept) == len(states) {
				return
			}
			states = kept
		default:
			if ctx.Err() == nil {
				r.log.Warn("cluster: unable to relay overlay states; retrying", "err", err)
			}
			r.mu.Lock()
			for _, s := range states {
				k := overlayKey{s.Channel, s.Topic}
				if _, newer := r.dirty[k]; !newer {
					r.dirty[k] = json.RawMessage(s.State)
				}
			}
			r.mu.Unlock()
			return
		}
	}
}

// read publishes to the local overlays the newer states of the channels
// that notices named, or of every channel after a reconnect, but for the
// channels run here.
func (r *Relay) read(ctx context.Context) {
	r.mu.Lock()
	all := r.resync
	var channels []string
	for c := range r.wanted {
		channels = append(channels, c)
	}
	r.resync, r.wanted = false, map[string]bool{}
	r.mu.Unlock()
	if !all && len(channels) == 0 {
		return
	}
	if all {
		channels = nil
	}
	states, err := r.store.OverlayStates(ctx, channels)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("cluster: unable to read relayed overlay states", "err", err)
		}
		r.mu.Lock()
		r.resync = r.resync || all
		for _, c := range channels {
			r.wanted[c] = true
		}
		r.mu.Unlock()
		return
	}
	for _, s := range states {
		if r.owns(s.Channel) {
			continue
		}
		k := overlayKey{s.Channel, s.Topic}
		r.mu.Lock()
		newer := s.Version > r.shown[k]
		if newer {
			r.shown[k] = s.Version
		}
		r.mu.Unlock()
		if newer {
			r.local.Publish(s.Channel, s.Topic, json.RawMessage(s.State))
		}
	}
}

// readEvents publishes to the local overlays the events of the channels
// run elsewhere that notices announced, reading each log from the last
// seq published here; after a reconnect, of every channel read before.
func (r *Relay) readEvents(ctx context.Context) {
	r.mu.Lock()
	if r.eventsResync {
		r.eventsResync = false
		for c, h := range r.heads {
			if _, ok := r.chase[c]; !ok {
				r.chase[c] = chase{head: h + 1, ticks: 1}
			}
		}
	}
	todo := make(map[string]int64, len(r.chase))
	for c, ch := range r.chase {
		todo[c] = r.heads[c]
		if ch.ticks--; ch.ticks <= 0 {
			delete(r.chase, c)
		} else {
			r.chase[c] = ch
		}
	}
	r.mu.Unlock()
	for c, after := range todo {
		if r.owns(c) {
			continue
		}
		events, err := r.store.OverlayEvents(ctx, c, after, 100)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("cluster: unable to read relayed overlay events", "channel", c, "err", err)
			}
			continue
		}
		if len(events) == 0 {
			continue
		}
		r.local.PublishEvents(c, events)
		head := events[len(events)-1].Seq
		r.mu.Lock()
		r.heads[c] = max(r.heads[c], head)
		if ch, ok := r.chase[c]; ok && head >= ch.head {
			delete(r.chase, c)
		}
		r.mu.Unlock()
	}
}

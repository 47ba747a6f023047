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

// OverlayStore holds the overlays' latest states; store/postgres's DB
// implements it.
type OverlayStore interface {
	PutOverlayStates(ctx context.Context, states []hearth.OverlayState) error
	OverlayStates(ctx context.Context, channels []string) ([]hearth.OverlayState, error)
}

// Relay keeps the overlays live on every instance. It is the engine's
// hearth.Broadcaster: what the channels run here publish goes to the local
// overlays at once and, every DefaultRelayEvery, the latest state of each
// topic that changed is written to the store, which notifies the other
// instances. On a notice (Notified), or after the notifier reconnects
// (Resync), it reads the states of the channels run elsewhere and publishes
// them to the local overlays, newest version only.
type Relay struct {
	local hearth.Broadcaster
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
}

type overlayKey struct{ channel, topic string }

// NewRelay returns a relay that publishes to local, writes and reads
// through store, and treats as its own the channels owns reports (their
// states never come back from the store), writing under fence.
func NewRelay(local hearth.Broadcaster, store OverlayStore, owns func(string) bool, fence func() hearth.Fence, log *slog.Logger) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{local: local, store: store, owns: owns, fence: fence, every: DefaultRelayEvery, log: log,
		kick: make(chan struct{}, 1), dirty: map[overlayKey]any{}, wanted: map[string]bool{}, resync: true, shown: map[overlayKey]int64{}}
}

// Publish shows state on the local overlays and queues it for the others.
// It implements hearth.Broadcaster.
func (r *Relay) Publish(channel, topic string, state any) {
	r.local.Publish(channel, topic, state)
	r.mu.Lock()
	r.dirty[overlayKey{channel, topic}] = state
	r.mu.Unlock()
}

// Notified is told of the states another instance wrote, as a
// hearth_overlay notification names them (their State is empty).
func (r *Relay) Notified(written []hearth.OverlayState) {
	r.mu.Lock()
	for _, s := range written {
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
	r.resync = true
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
		case <-r.kick:
			r.read(ctx)
		}
	}
}

// write stores the latest state of every topic published since the last
// write. A channel whose lease is lost has its states dropped; other
// failures keep them for the next round, unless newer ones come first.
func (r *Relay) write(ctx context.Context) {
	r.mu.Lock()
	dirty := r.dirty
	r.dirty = map[overlayKey]any{}
	r.mu.Unlock()
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

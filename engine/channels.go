package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// ChannelWatcher is told when a channel starts or stops being served
// while the engine runs, so that the adapters follow: chat joins and
// parts, Helix and EventSub start and stop watching it, the overlays learn
// and forget its token, its metric series come and go. Calls come from
// the goroutine that added or removed the channel, one at a time for a
// channel, and should not block for long. The channels Start serves are
// not reported: the caller reads them with Channels.
type ChannelWatcher interface {
	// ChannelAdded reports a channel served from now on, with its record.
	ChannelAdded(ch hearth.ChannelInfo)
	// ChannelRemoved reports a channel no longer served: its goroutine
	// has stopped and its changes are written (or wait for the store).
	ChannelRemoved(channel string)
}

// notServed is the error for a channel the engine does not run.
func notServed(channel string) error {
	return hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
}

// actor returns a served channel's actor.
func (e *Engine) actor(channel string) (*actor, bool) {
	a, ok := (*e.channels.Load())[channel]
	return a, ok
}

// Channels returns the channels served, by name.
func (e *Engine) Channels() []string {
	return slices.Sorted(maps.Keys(*e.channels.Load()))
}

// setActor serves a as channel, or stops serving channel when a is nil.
// The caller holds e.mu.
func (e *Engine) setActor(channel string, a *actor) {
	table := maps.Clone(*e.channels.Load())
	if a == nil {
		delete(table, channel)
	} else {
		table[channel] = a
	}
	e.channels.Store(&table)
}

// lockName waits until no other call adds, removes or changes the
// settings of channel, and holds it until unlock is called; ctx's error
// if it ends first.
func (e *Engine) lockName(ctx context.Context, channel string) (unlock func(), err error) {
	for {
		e.mu.Lock()
		busy, taken := e.busy[channel]
		if !taken {
			mine := make(chan struct{})
			e.busy[channel] = mine
			e.mu.Unlock()
			return func() {
				e.mu.Lock()
				delete(e.busy, channel)
				close(mine)
				e.mu.Unlock()
			}, nil
		}
		e.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// channelName returns the channel name names, or EINVALID.
func channelName(name string) (string, error) {
	n := hearth.NormalizeChannel(name)
	if n == "" {
		return "", hearth.Errorf(hearth.EINVALID, "%.40q is not a Twitch channel name", name)
	}
	return n, nil
}

// AddChannel serves a channel from now on: it registers it in the store
// (serving it again if an operator had removed it, with its data), loads
// its state as Start does (ending the presence spans a dead process left
// open first), starts its goroutine and tells the watcher. It returns the
// channel's record; EINVALID for a name that cannot be a Twitch login,
// ECONFLICT for a channel already served, ErrClosed once the engine
// closes. The engine must have started.
func (e *Engine) AddChannel(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	n, err := channelName(name)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	if e.writer == nil {
		return hearth.ChannelInfo{}, fmt.Errorf("engine: AddChannel before Start")
	}
	unlock, err := e.lockName(ctx, n)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	defer unlock()
	if e.Serves(n) {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.ECONFLICT, "channel %s is already served", n)
	}
	if e.isClosed() {
		return hearth.ChannelInfo{}, ErrClosed
	}
	a, info, err := e.load(ctx, n)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return hearth.ChannelInfo{}, ErrClosed
	}
	e.setActor(n, a)
	e.startActor(a)
	e.mu.Unlock()
	e.log.Info("engine: channel added", "channel", n)
	if e.opts.Watcher != nil {
		e.opts.Watcher.ChannelAdded(info)
	}
	return info, nil
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// RemoveChannel stops serving a channel: its goroutine applies the events
// already queued and stops, the watcher is told, and its pending changes
// are written before it returns. The store then remembers the channel as
// removed, with its data, so a restart does not serve it, even when it is
// configured (HEARTH_CHANNELS); with forget, the store deletes it and
// everything stored about it instead. A channel not served but stored (an
// earlier removal) is removed or forgotten in the store alone. EINVALID
// for a name that cannot be a Twitch login, ENOTFOUND for a channel the
// store does not know. When the store cannot write the last changes, the
// channel is no longer served but is not forgotten, and the error says so.
func (e *Engine) RemoveChannel(ctx context.Context, name string, forget bool) error {
	n, err := channelName(name)
	if err != nil {
		return err
	}
	unlock, err := e.lockName(ctx, n)
	if err != nil {
		return err
	}
	defer unlock()
	served, err := e.stopServing(ctx, n)
	if !served {
		return e.store.RemoveChannel(ctx, n, forget)
	}
	e.log.Info("engine: channel removed", "channel", n, "forget", forget)
	if err != nil {
		return err
	}
	if err := e.writer.flushNow(ctx, e.written); err != nil && forget {
		// Deleting now would leave its last changes to be written after,
		// into a channel the store had forgotten.
		if rerr := e.store.RemoveChannel(ctx, n, false); rerr != nil {
			e.log.Error("engine: unable to record a channel's removal", "channel", n, "err", rerr)
		}
		return fmt.Errorf("engine: channel %s is no longer served, but its last changes are not written yet, so its data is kept; forget it again once the store writes: %w", n, err)
	}
	if err := e.store.RemoveChannel(ctx, n, forget); err != nil {
		return fmt.Errorf("engine: channel %s is no longer served, but the store did not record it: %w", n, err)
	}
	return nil
}

// stopServing stops serving channel n here, with n's name lock held: its
// goroutine applies the events already queued and stops, and the watcher
// is told. It reports whether n was served; the error says the goroutine
// had not stopped when ctx ended (it still stops, once the writer takes
// its last changes: a store that hangs holds it).
func (e *Engine) stopServing(ctx context.Context, n string) (bool, error) {
	e.mu.Lock()
	a, served := e.actor(n)
	if served {
		e.setActor(n, nil)
	}
	e.mu.Unlock()
	if !served {
		return false, nil
	}
	close(a.quit)
	var err error
	select {
	case <-a.done:
	case <-ctx.Done():
		err = fmt.Errorf("engine: channel %s is no longer served, but it had not stopped when the request ended: %w", n, ctx.Err())
	}
	if e.opts.Watcher != nil {
		e.opts.Watcher.ChannelRemoved(n)
	}
	return true, err
}

// Rules returns a served channel's rules as they stand; ENOTFOUND for a
// channel not served.
func (e *Engine) Rules(channel string) (community.Rules, error) {
	a, ok := e.actor(channel)
	if !ok {
		return community.Rules{}, notServed(channel)
	}
	return *a.rules.Load(), nil
}

// SetRules makes rules a served channel's, at once and across restarts:
// they are checked (EINVALID with Rules.Validate's message), stored as
// the channel's settings (the values that differ from the configured
// rules, Options.Rules), and applied by the channel's goroutine before
// its next event. ENOTFOUND for a channel not served.
func (e *Engine) SetRules(ctx context.Context, channel string, rules community.Rules) error {
	unlock, err := e.lockName(ctx, channel)
	if err != nil {
		return err
	}
	defer unlock()
	return e.setRules(ctx, channel, rules)
}

// setRules is SetRules; the caller holds channel's name lock.
func (e *Engine) setRules(ctx context.Context, channel string, rules community.Rules) error {
	if !e.Serves(channel) {
		return notServed(channel)
	}
	if err := rules.Validate(); err != nil {
		return hearth.Errorf(hearth.EINVALID, "%v", err)
	}
	own, err := json.Marshal(community.SettingsDiff(e.opts.Rules(channel), rules))
	if err != nil {
		return fmt.Errorf("engine: unable to encode the settings of %s: %w", channel, err)
	}
	if err := e.store.SetChannelSettings(ctx, channel, own); err != nil {
		return fmt.Errorf("engine: unable to store the settings of %s: %w", channel, err)
	}
	err = e.onChannel(ctx, channel, func(a *actor) {
		a.ch.SetRules(rules)
		a.rules.Store(&rules)
		a.boardDirty = true
	})
	if err != nil {
		return err
	}
	e.log.Info("engine: channel settings changed", "channel", channel, "settings", string(own))
	return nil
}

// Settings returns a served channel's rules as settings, every one given;
// ENOTFOUND for a channel not served.
func (e *Engine) Settings(_ context.Context, channel string) (hearth.ChannelSettings, error) {
	r, err := e.Rules(channel)
	if err != nil {
		return hearth.ChannelSettings{}, err
	}
	return community.SettingsOf(r), nil
}

// SetSettings changes the settings s gives of a served channel, keeping
// the others, as SetRules does, and returns them all as they stand after.
func (e *Engine) SetSettings(ctx context.Context, channel string, s hearth.ChannelSettings) (hearth.ChannelSettings, error) {
	unlock, err := e.lockName(ctx, channel)
	if err != nil {
		return hearth.ChannelSettings{}, err
	}
	defer unlock()
	current, err := e.Rules(channel)
	if err != nil {
		return hearth.ChannelSettings{}, err
	}
	r := community.ApplySettings(current, s)
	if err := e.setRules(ctx, channel, r); err != nil {
		return hearth.ChannelSettings{}, err
	}
	return community.SettingsOf(r), nil
}

// storedRules returns rules with the settings the store holds of the
// channel's own; an error when they cannot be read or no longer make
// sense with the configured rules.
func (e *Engine) storedRules(ctx context.Context, channel string, rules community.Rules) (community.Rules, error) {
	raw, err := e.store.ChannelSettings(ctx, channel)
	if err != nil {
		return rules, fmt.Errorf("engine: unable to read the settings of %s: %w", channel, err)
	}
	own, err := hearth.ParseChannelSettings(raw)
	if err != nil {
		return rules, fmt.Errorf("engine: the stored settings of %s cannot be read (%v); they are %s", channel, err, raw)
	}
	r := community.ApplySettings(rules, own)
	if err := r.Validate(); err != nil {
		return rules, hearth.Errorf(hearth.EINVALID, "channel %s: its settings (set through the API: %s) do not fit the configured rules: %v", channel, raw, err)
	}
	return r, nil
}

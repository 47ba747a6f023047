package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/cluster"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/store/postgres"
	"github.com/hearthlive/hearth/web"
)

// clusterParts are the parts of an instance that shares the channels with
// others on one PostgreSQL database (cluster.enabled): the elector that
// holds the leases, the notifier's one LISTEN connection, the relay that
// keeps overlays live on every instance, and the forwarder that carries
// API actions to the instance running their channel.
type clusterParts struct {
	db       *postgres.DB
	elector  *cluster.Elector
	notifier *postgres.Notifier
	relay    *cluster.Relay
	forward  *cluster.Forwarder
	// stop ends the elector, which hands every channel over; done is
	// closed once it has.
	stop context.CancelFunc
	done chan struct{}
}

// openCluster makes the cluster's parts when cluster.enabled; it refuses
// a database that is not PostgreSQL. The engine and the hub are made
// after it, and Run starts it (startCluster).
func (m *Main) openCluster() error {
	cfg := m.Config.Cluster
	if !cfg.Enabled {
		return nil
	}
	db, ok := m.Store.(*postgres.DB)
	if !ok {
		return errors.New("cluster.enabled needs a postgres:// database_url: SQLite serves one instance only (see docs/operations.md)")
	}
	id := cfg.instanceID()
	c := &clusterParts{db: db, done: make(chan struct{})}
	var err error
	c.elector, err = cluster.New(db, clusterRunner{m}, func(ctx context.Context) ([]string, error) {
		return m.Engine.Served(ctx, m.Config.Channels)
	}, cluster.Options{
		InstanceID:    id,
		LeaseDuration: cfg.LeaseDuration,
		RenewInterval: cfg.RenewInterval,
		Recorder:      m.Metrics,
		Logger:        m.Logger,
	})
	if err != nil {
		return err
	}
	c.notifier, err = postgres.NewNotifier(m.Config.DatabaseURL, postgres.NotifierOptions{Logger: m.Logger})
	if err != nil {
		return err
	}
	db.FenceWith(c.elector.Fence)
	c.forward = cluster.NewForwarder(db, id, func() []string { return m.Engine.Channels() }, m.runForwarded, 0, m.Logger)
	m.cluster = c
	m.Logger.Info("cluster: this instance shares the channels with the others on the database", "instance", id)
	return nil
}

// broadcaster is what the engine publishes overlay states to: the hub, or
// in a cluster the relay in front of it.
func (m *Main) broadcaster() hearth.Broadcaster {
	if m.cluster == nil {
		return m.hub
	}
	return m.relay()
}

// eventBroadcaster is what the engine appends overlay events to: the hub,
// or in a cluster the relay in front of it.
func (m *Main) eventBroadcaster() hearth.EventBroadcaster {
	if m.cluster == nil {
		return m.hub
	}
	return m.relay()
}

// relay returns the cluster's overlay relay, made on first need, once the
// hub is.
func (m *Main) relay() *cluster.Relay {
	if m.cluster.relay == nil {
		m.cluster.relay = cluster.NewRelay(m.hub, m.cluster.db, func(ch string) bool { return m.Engine.Serves(ch) }, m.cluster.elector.Fence, m.Logger)
	}
	return m.cluster.relay
}

// fence and leaseLost keep the engine's writes within the leases held;
// nil without a cluster.
func (m *Main) fence() func() hearth.Fence {
	if m.cluster == nil {
		return nil
	}
	return m.cluster.elector.Fence
}

func (m *Main) leaseLost() func(string, int64) {
	if m.cluster == nil {
		return nil
	}
	return m.cluster.elector.Lost
}

// startCluster runs the notifier, the relay, the forwarder and the
// elector, which starts taking leases.
func (m *Main) startCluster(runCtx context.Context) {
	c := m.cluster
	n := c.notifier
	n.Listen(postgres.TopicLease, func(string) { c.elector.Wake() })
	n.Listen(postgres.TopicOverlay, func(p string) { c.relay.Notified(postgres.ParseOverlayNotice(p)) })
	n.Listen(postgres.TopicCommand, c.forward.CommandPosted)
	n.Listen(postgres.TopicCommandResult, c.forward.ResultReady)
	n.Listen(postgres.TopicOverlayToken, func(ch string) { m.overlayTokenRotated(runCtx, ch) })
	n.OnConnect(func(reconnect bool) {
		c.elector.Wake()
		c.relay.Resync()
		c.forward.Resync()
		if reconnect {
			m.overlayTokensResync(runCtx)
		}
	})
	m.parts.start("cluster notifier", func() { _ = n.Run(runCtx) })
	m.parts.start("overlay relay", func() { _ = c.relay.Run(runCtx) })
	m.parts.start("command forwarder", func() { _ = c.forward.Run(runCtx) })
	ectx, stop := context.WithCancel(context.Background())
	c.stop = stop
	m.parts.start("lease elector", func() {
		defer close(c.done)
		_ = c.elector.Run(ectx)
	})
}

// stopCluster hands this instance's channels over (each one's last
// changes written, then its lease released) before the engine closes.
func (m *Main) stopCluster(ctx context.Context) error {
	c := m.cluster
	if c == nil || c.stop == nil {
		return nil
	}
	c.stop()
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("cluster: the channels were not all handed over when the shutdown timed out; their leases expire: %w", ctx.Err())
	}
}

// clusterRunner runs the channels whose leases the elector wins, through
// the engine, whose channel watcher joins and parts chat.
type clusterRunner struct{ m *Main }

// RunChannel adds the channel to the engine; loading it writes (ending
// presence spans), so the context carries the lease's fence.
func (r clusterRunner) RunChannel(ctx context.Context, l hearth.Lease) error {
	f := hearth.Fence{Owner: r.m.cluster.elector.ID(), Epochs: map[string]int64{l.Channel: l.Epoch}}
	_, err := r.m.Engine.AddChannel(hearth.WithFence(ctx, f), l.Channel)
	return err
}

// StopChannel releases the channel from the engine.
func (r clusterRunner) StopChannel(ctx context.Context, channel string, lost bool) {
	if err := r.m.Engine.Release(ctx, channel, lost); err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		r.m.Logger.Error("cluster: unable to stop a channel cleanly", "channel", channel, "err", err)
	}
}

// Owned lists the channels this instance runs, for /readyz.
func (h health) Owned() []string { return h.m.Engine.Channels() }

// clusterEngine is the engine as the API and the console see it in a
// cluster: a channel the cluster serves is served, every action on it is
// carried out by the instance running it (channelAction.call), and
// channels are added and removed in the store's registry, which every
// instance's elector follows.
type clusterEngine struct{ m *Main }

// Serves reports whether the cluster serves channel.
func (e clusterEngine) Serves(channel string) bool {
	if e.m.Engine.Serves(channel) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	served, err := e.m.Engine.Served(ctx, e.m.Config.Channels)
	return err == nil && slices.Contains(served, channel)
}

func (e clusterEngine) Standing(ctx context.Context, channel string) (export.Ranker, error) {
	st, err := actStanding.call(ctx, e.m, channel, callArgs{})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (e clusterEngine) Leaderboard(ctx context.Context, channel string, n int) (hearth.Leaderboard, error) {
	return actLeaderboard.call(ctx, e.m, channel, callArgs{N: n})
}

func (e clusterEngine) Forget(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	return actForget.call(ctx, e.m, channel, callArgs{Login: login})
}

func (e clusterEngine) Viewer(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	return actViewer.call(ctx, e.m, channel, callArgs{Login: login})
}

func (e clusterEngine) AdjustPoints(ctx context.Context, channel, login string, delta int64, reason string) (hearth.ViewerStats, error) {
	return actAdjustPoints.call(ctx, e.m, channel, callArgs{Login: login, Delta: delta, Reason: reason})
}

func (e clusterEngine) Overview(ctx context.Context, channel string) (hearth.Overview, error) {
	return actOverview.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) Position(ctx context.Context, channel, userID string) (int, int, error) {
	p, err := actPosition.call(ctx, e.m, channel, callArgs{UserID: userID})
	return p.Pos, p.Total, err
}

func (e clusterEngine) StartPoll(ctx context.Context, channel string, req hearth.PollRequest) (hearth.Poll, error) {
	return actStartPoll.call(ctx, e.m, channel, callArgs{Poll: req})
}

func (e clusterEngine) EndPoll(ctx context.Context, channel, id string, cancel bool) (hearth.Poll, error) {
	return actEndPoll.call(ctx, e.m, channel, callArgs{ID: id, Cancel: cancel})
}

func (e clusterEngine) CurrentPoll(ctx context.Context, channel string) (hearth.Poll, bool, error) {
	p, err := actCurrentPoll.call(ctx, e.m, channel, callArgs{})
	return p.Poll, p.OK, err
}

func (e clusterEngine) StartSegment(ctx context.Context, channel, name string) (hearth.SegmentRecap, error) {
	return actStartSegment.call(ctx, e.m, channel, callArgs{Name: name})
}

func (e clusterEngine) EndSegment(ctx context.Context, channel string) (hearth.SegmentRecap, error) {
	return actEndSegment.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) Settings(ctx context.Context, channel string) (hearth.ChannelSettings, error) {
	return actSettings.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) SetSettings(ctx context.Context, channel string, s hearth.ChannelSettings) (hearth.ChannelSettings, error) {
	return actSetSettings.call(ctx, e.m, channel, callArgs{Settings: s})
}

// RotateOverlayToken has the owner rotate the token, then tells every
// instance, so that each closes the overlay sockets still open with the
// old one (the owner's hub has closed its own).
func (e clusterEngine) RotateOverlayToken(ctx context.Context, channel string) (hearth.ChannelInfo, error) {
	info, err := actRotateToken.call(ctx, e.m, channel, callArgs{})
	if err != nil {
		return info, err
	}
	if err := e.m.cluster.db.Notify(context.WithoutCancel(ctx), postgres.TopicOverlayToken, channel); err != nil {
		e.m.Logger.Warn("cluster: unable to announce a rotated overlay token; sockets open with the old one on other instances stay open", "channel", channel, "err", err)
	}
	return info, nil
}

func (e clusterEngine) TestOverlayEvent(ctx context.Context, channel, kind string) (hearth.OverlayEvent, error) {
	return actTestEvent.call(ctx, e.m, channel, callArgs{Kind: kind})
}

func (e clusterEngine) RollCredits(ctx context.Context, channel string) (hearth.OverlayEvent, error) {
	return actRollCredits.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) Goals(ctx context.Context, channel string) ([]hearth.Goal, error) {
	return actGoals.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) SetGoal(ctx context.Context, channel, id string, req hearth.GoalRequest) (hearth.Goal, error) {
	return actSetGoal.call(ctx, e.m, channel, callArgs{ID: id, Goal: req})
}

func (e clusterEngine) DeleteGoal(ctx context.Context, channel, id string) error {
	_, err := actDeleteGoal.call(ctx, e.m, channel, callArgs{ID: id})
	return err
}

func (e clusterEngine) OverlayCSS(ctx context.Context, channel string) (string, error) {
	return actOverlayCSS.call(ctx, e.m, channel, callArgs{})
}

func (e clusterEngine) SetOverlayCSS(ctx context.Context, channel, css string) error {
	_, err := actSetOverlayCSS.call(ctx, e.m, channel, callArgs{CSS: css})
	return err
}

// AddChannel registers a channel in the store, served from now on, and
// wakes every instance's elector: one of them takes its lease and runs it
// (within a lease period even if the notice is lost, as each elector
// re-reads the registry every round). ECONFLICT if the cluster serves it
// already.
func (e clusterEngine) AddChannel(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	n := hearth.NormalizeChannel(name)
	if n == "" {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.EINVALID, "%.40q is not a Twitch channel name", name)
	}
	served, err := e.m.Engine.Served(ctx, e.m.Config.Channels)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	if slices.Contains(served, n) {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.ECONFLICT, "channel %s is already served", n)
	}
	info, err := e.m.Store.EnsureChannel(ctx, n)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	e.m.Logger.Info("cluster: channel added to the registry", "channel", n)
	e.wakeElectors(ctx)
	return info, nil
}

// RemoveChannel removes a channel from the registry. The instance running
// it removes it (its goroutine stops, its last changes are written, then
// the store records the removal), so it is forwarded there; a channel no
// instance runs is removed in the store alone. Every elector is woken, and
// the owner's gives the lease up.
func (e clusterEngine) RemoveChannel(ctx context.Context, name string, forget bool) error {
	n := hearth.NormalizeChannel(name)
	if n == "" {
		return hearth.Errorf(hearth.EINVALID, "%.40q is not a Twitch channel name", name)
	}
	owned, err := e.ownedElsewhere(ctx, n)
	if err != nil {
		return err
	}
	if e.m.Engine.Serves(n) || owned {
		_, err = actRemoveChannel.call(ctx, e.m, n, callArgs{Forget: forget})
	} else {
		err = e.m.Engine.RemoveChannel(ctx, n, forget)
	}
	if err != nil {
		return err
	}
	e.wakeElectors(ctx)
	return nil
}

// ownedElsewhere reports whether a live lease of channel is held by
// another instance.
func (e clusterEngine) ownedElsewhere(ctx context.Context, channel string) (bool, error) {
	ls, err := e.m.cluster.db.Leases(ctx)
	if err != nil {
		return false, err
	}
	for _, l := range ls {
		if l.Channel == channel && !l.Free() && l.Owner != e.m.cluster.elector.ID() {
			return true, nil
		}
	}
	return false, nil
}

// wakeElectors tells every instance (this one too) that the registry
// changed.
func (e clusterEngine) wakeElectors(ctx context.Context) {
	e.m.cluster.elector.Wake()
	if err := e.m.cluster.db.Notify(ctx, postgres.TopicLease, "registry"); err != nil {
		e.m.Logger.Warn("cluster: unable to announce a change of the channels; the others see it within a renew interval", "err", err)
	}
}

// storedOverlayToken reads the overlay token of a channel the cluster
// serves but another instance runs from the store: the owner rotates it
// there, and a channel added on another instance is known there first.
// For a channel run here, ok is false: the engine keeps its token current.
func (m *Main) storedOverlayToken(ctx context.Context, channel string) (string, bool, error) {
	if m.Engine == nil || m.Engine.Serves(channel) {
		return "", false, nil
	}
	cs, err := m.Store.Channels(ctx)
	if err != nil {
		return "", false, err
	}
	for _, c := range cs {
		if c.Name == channel && !c.Removed() {
			return c.OverlayToken, true, nil
		}
	}
	return "", true, hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served", channel)
}

// overlayTokenRotated closes the overlay sockets of a channel run
// elsewhere that are still open with its old token: the hub learns the
// stored one.
func (m *Main) overlayTokenRotated(ctx context.Context, channel string) {
	tok, ok, err := m.storedOverlayToken(ctx, channel)
	if err != nil || !ok {
		return
	}
	m.hub.SetOverlayToken(channel, tok)
}

// overlayTokensResync tells the hub every stored token of the channels
// run elsewhere, after the LISTEN connection came back: a rotation
// announced meanwhile was not heard.
func (m *Main) overlayTokensResync(ctx context.Context) {
	cs, err := m.Store.Channels(ctx)
	if err != nil {
		m.Logger.Warn("cluster: unable to read the overlay tokens again", "err", err)
		return
	}
	for _, c := range cs {
		if !c.Removed() && !m.Engine.Serves(c.Name) {
			m.hub.SetOverlayToken(c.Name, c.OverlayToken)
		}
	}
}

// ownServed returns the channels this instance starts with: all those
// served, or none in a cluster.
func (m *Main) ownServed(served []string) []string {
	if m.cluster != nil {
		return nil
	}
	return served
}

// apiEngine is what the API and the console ask of the engine.
type apiEngine interface {
	web.Engine
	web.Polls
	web.Segments
	web.Channels
	web.OverlayTokens
	web.OverlaySettings
	web.OverlayActions
	console.Engine
}

// webEngine is the engine as the API and the console see it: in a
// cluster, the one that carries every channel action to its owner.
func (m *Main) webEngine() apiEngine {
	if m.cluster == nil {
		return m.Engine
	}
	return clusterEngine{m}
}

// webCluster shows the cluster at GET /api/v1/cluster; nil without one.
func (m *Main) webCluster() web.Cluster {
	if m.cluster == nil {
		return nil
	}
	return m.cluster.elector
}

// startChannels are the channels Helix and EventSub start watching: every
// channel served, or none in a cluster, where the channels come as their
// leases are won.
func (m *Main) startChannels() []hearth.ChannelInfo {
	if m.cluster != nil {
		return nil
	}
	return m.Channels
}

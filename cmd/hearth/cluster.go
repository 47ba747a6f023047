package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/cluster"
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
	n.OnConnect(func(bool) {
		c.elector.Wake()
		c.relay.Resync()
		c.forward.Resync()
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

// The actions the API forwards to the instance running their channel.
const (
	actionLeaderboard = "leaderboard"
	actionForget      = "forget"
	actionViewer      = "viewer"
	actionPoints      = "adjust_points"
)

// runForwarded runs an action forwarded by another instance for a channel
// run here.
func (m *Main) runForwarded(ctx context.Context, c hearth.ClusterCommand) ([]byte, error) {
	var args struct {
		N      int    `json:"n"`
		Login  string `json:"login"`
		Delta  int64  `json:"delta"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(c.Body, &args); err != nil {
		return nil, hearth.Errorf(hearth.EINVALID, "forwarded %s: %v", c.Action, err)
	}
	var out any
	var err error
	switch c.Action {
	case actionLeaderboard:
		out, err = m.Engine.Leaderboard(ctx, c.Channel, args.N)
	case actionForget:
		out, err = m.Engine.Forget(ctx, c.Channel, args.Login)
	case actionViewer:
		out, err = m.Engine.Viewer(ctx, c.Channel, args.Login)
	case actionPoints:
		out, err = m.Engine.AdjustPoints(ctx, c.Channel, args.Login, args.Delta, args.Reason)
	default:
		return nil, hearth.Errorf(hearth.EINVALID, "no action %q is forwarded", c.Action)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// clusterEngine is the engine as the API sees it in a cluster: a channel
// the cluster serves is served, and its leaderboard, a viewer's record,
// adjusting their points and forgetting them are forwarded to the
// instance running it when that is not this one. What needs the running channel's whole state (a viewer's standing)
// is answered only by the instance running it.
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

// Standing is the engine's, for a channel run here.
func (e clusterEngine) Standing(ctx context.Context, channel string) (export.Ranker, error) {
	if !e.m.Engine.Serves(channel) {
		return nil, elsewhere(channel)
	}
	return e.m.Engine.Standing(ctx, channel)
}

// Leaderboard asks the instance running the channel.
func (e clusterEngine) Leaderboard(ctx context.Context, channel string, n int) (hearth.Leaderboard, error) {
	if e.m.Engine.Serves(channel) {
		return e.m.Engine.Leaderboard(ctx, channel, n)
	}
	var lb hearth.Leaderboard
	err := e.forward(ctx, channel, actionLeaderboard, map[string]any{"n": n}, &lb)
	return lb, err
}

// Forget asks the instance running the channel.
func (e clusterEngine) Forget(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	if e.m.Engine.Serves(channel) {
		return e.m.Engine.Forget(ctx, channel, login)
	}
	var v hearth.ViewerStats
	err := e.forward(ctx, channel, actionForget, map[string]any{"login": login}, &v)
	return v, err
}

// Viewer asks the instance running the channel.
func (e clusterEngine) Viewer(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	if e.m.Engine.Serves(channel) {
		return e.m.Engine.Viewer(ctx, channel, login)
	}
	var v hearth.ViewerStats
	err := e.forward(ctx, channel, actionViewer, map[string]any{"login": login}, &v)
	return v, err
}

// AdjustPoints asks the instance running the channel.
func (e clusterEngine) AdjustPoints(ctx context.Context, channel, login string, delta int64, reason string) (hearth.ViewerStats, error) {
	if e.m.Engine.Serves(channel) {
		return e.m.Engine.AdjustPoints(ctx, channel, login, delta, reason)
	}
	var v hearth.ViewerStats
	err := e.forward(ctx, channel, actionPoints, map[string]any{"login": login, "delta": delta, "reason": reason}, &v)
	return v, err
}

func (e clusterEngine) forward(ctx context.Context, channel, action string, args, out any) error {
	body, err := json.Marshal(args)
	if err != nil {
		return err
	}
	res, err := e.m.cluster.forward.Forward(ctx, channel, action, body)
	if err != nil {
		return err
	}
	return json.Unmarshal(res, out)
}

// elsewhere is the error for a question only the instance running a
// channel can answer.
func elsewhere(channel string) error {
	return hearth.Errorf(hearth.ECONFLICT, "channel %s is run by another instance of the cluster; ask that one (GET /api/v1/cluster names it)", channel)
}

// ownServed returns the channels this instance starts with: all those
// served, or none in a cluster.
func (m *Main) ownServed(served []string) []string {
	if m.cluster != nil {
		return nil
	}
	return served
}

// webEngine is the engine as the API sees it.
func (m *Main) webEngine() web.Engine {
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

// Package cluster shares the channels among several Hearth instances that
// point at one PostgreSQL database, with the database as the only
// coordinator: no consensus of its own, no second service. Each channel is
// run by the instance holding its lease; the Elector takes, renews and gives
// up leases and aims at a fair share of the channels for every live
// instance; the Forwarder carries an action for a channel run elsewhere to
// its owner through the database.
//
// The lease's epoch is the fencing token: the instance's writes carry the
// epochs it holds (hearth.Fence), and the database refuses a write whose
// epoch is no longer current, so an instance that paused past its lease
// and woke up still believing it owns a channel cannot write over the new
// owner's work.
package cluster

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
)

// Defaults of Options.
const (
	DefaultLeaseDuration      = 15 * time.Second
	DefaultRenewInterval      = 5 * time.Second
	DefaultMaxReleasePerRound = 2
)

// LeaseStore is the database of leases and heartbeats; store/postgres's DB
// implements it. Times are the database's, shared by every instance.
type LeaseStore interface {
	Heartbeat(ctx context.Context, id string, ttl time.Duration) (int, error)
	LeaveCluster(ctx context.Context, id string) error
	Instances(ctx context.Context) ([]hearth.Instance, error)
	Leases(ctx context.Context) ([]hearth.Lease, error)
	AcquireLeases(ctx context.Context, owner string, channels []string, d time.Duration) ([]hearth.Lease, error)
	RenewLeases(ctx context.Context, owner string, held []hearth.Lease, d time.Duration) ([]hearth.Lease, error)
	ReleaseLeases(ctx context.Context, owner string, held []hearth.Lease, reason string) ([]string, error)
}

// Runner runs the channels whose leases the elector holds.
type Runner interface {
	// RunChannel starts running a channel under lease l: join its chat,
	// load its state, and write with l's epoch. An error gives the lease
	// up again.
	RunChannel(ctx context.Context, l hearth.Lease) error
	// StopChannel stops running the channel. When lost is false the lease
	// is still held: StopChannel writes what the channel has pending before
	// it returns, and the elector releases the lease after. When lost is
	// true the lease is gone (writes would be refused): it drops what is
	// pending.
	StopChannel(ctx context.Context, channel string, lost bool)
}

// Recorder is what the elector reports to metrics.
type Recorder interface {
	ChannelsOwned(n int)
	LeaseHandover(reason string)
	LeaseRenewFailed()
	ClusterInstances(n int)
}

// Options configure an Elector; zero fields take the defaults.
type Options struct {
	// InstanceID names this instance in leases and heartbeats; required,
	// and unique among the instances sharing the database.
	InstanceID string
	// LeaseDuration is how long a lease lasts unless renewed: how long a
	// dead instance's channels wait to be taken over.
	LeaseDuration time.Duration
	// RenewInterval is how often leases are renewed and shares checked;
	// well under LeaseDuration, so a renewal or two may fail and the
	// leases hold.
	RenewInterval time.Duration
	// MaxReleasePerRound bounds how many channels an instance over its
	// share gives up per round, so that a joining instance takes its share
	// over a few rounds rather than all at once.
	MaxReleasePerRound int
	Recorder           Recorder
	Logger             *slog.Logger
}

// held is one lease this instance holds, and where its channel's running
// stands.
type held struct {
	lease hearth.Lease
	// deadline is when the lease runs out by this host's clock, counted
	// conservatively from before the renewal that extended it was sent.
	deadline time.Time
	// started is closed once RunChannel has returned.
	started chan struct{}
	// stopping is set once the channel is being stopped to release it;
	// it no longer counts towards the share.
	stopping bool
}

// Elector takes, renews and releases this instance's leases, and starts
// and stops the channels they cover through a Runner. Create it with New,
// run it with Run.
type Elector struct {
	store    LeaseStore
	runner   Runner
	channels func(context.Context) ([]string, error)
	opts     Options
	rec      Recorder
	log      *slog.Logger

	wake chan struct{}
	// runs tracks the goroutines that start and stop channels.
	runs sync.WaitGroup
	// ctx is Run's, for the goroutines that start channels.
	ctx context.Context

	mu   sync.Mutex
	held map[string]*held
	// stopping are the channels being stopped, lost or released: none is
	// taken again until its stop is over, so a channel never starts on
	// this instance while it still stops.
	stopping map[string]int
}

// New returns an elector for the instance opts.InstanceID. channels
// returns every channel the cluster serves, the same on every instance.
func New(store LeaseStore, runner Runner, channels func(context.Context) ([]string, error), opts Options) (*Elector, error) {
	if opts.InstanceID == "" {
		return nil, hearth.Errorf(hearth.EINVALID, "cluster: an instance id is required")
	}
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = DefaultLeaseDuration
	}
	if opts.RenewInterval <= 0 {
		opts.RenewInterval = DefaultRenewInterval
	}
	if opts.MaxReleasePerRound <= 0 {
		opts.MaxReleasePerRound = DefaultMaxReleasePerRound
	}
	if opts.RenewInterval*2 > opts.LeaseDuration {
		return nil, hearth.Errorf(hearth.EINVALID, "cluster: the renew interval (%v) must be at most half the lease duration (%v)", opts.RenewInterval, opts.LeaseDuration)
	}
	e := &Elector{store: store, runner: runner, channels: channels, opts: opts, rec: opts.Recorder, log: opts.Logger,
		wake: make(chan struct{}, 1), held: map[string]*held{}, stopping: map[string]int{}}
	if e.rec == nil {
		e.rec = nopRecorder{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e, nil
}

// ID returns the instance's id.
func (e *Elector) ID() string { return e.opts.InstanceID }

// Wake asks for a round now: a lease was released, or the notifier
// reconnected and notices may have been lost.
func (e *Elector) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Leases returns the leases this instance holds, by channel.
func (e *Elector) Leases() []hearth.Lease {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]hearth.Lease, 0, len(e.held))
	for _, h := range e.held {
		out = append(out, h.lease)
	}
	slices.SortFunc(out, func(a, b hearth.Lease) int { return strings.Compare(a.Channel, b.Channel) })
	return out
}

// Fence returns the epochs of the leases held, for the writes of this
// instance to carry.
func (e *Elector) Fence() hearth.Fence {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := hearth.Fence{Owner: e.opts.InstanceID, Epochs: make(map[string]int64, len(e.held))}
	for c, h := range e.held {
		f.Epochs[c] = h.lease.Epoch
	}
	return f
}

// Status returns the cluster as the database has it: every instance with
// a heartbeat and every channel's lease.
func (e *Elector) Status(ctx context.Context) (hearth.ClusterStatus, error) {
	ins, err := e.store.Instances(ctx)
	if err != nil {
		return hearth.ClusterStatus{}, err
	}
	ls, err := e.store.Leases(ctx)
	if err != nil {
		return hearth.ClusterStatus{}, err
	}
	return hearth.ClusterStatus{Instance: e.opts.InstanceID, Instances: ins, Leases: ls}, nil
}

// Lost tells the elector that a write of channel under epoch was refused:
// the lease is gone. The channel stops at once (its pending writes
// dropped); the elector may take it again later, with a new epoch.
func (e *Elector) Lost(channel string, epoch int64) {
	e.mu.Lock()
	h, ok := e.held[channel]
	if !ok || h.lease.Epoch != epoch {
		e.mu.Unlock()
		return
	}
	delete(e.held, channel)
	e.mu.Unlock()
	e.log.Warn("cluster: lease lost; stopping the channel", "channel", channel, "epoch", epoch)
	e.stop(h, true)
	e.Wake()
}

// Run holds leases until ctx ends: every RenewInterval (and when woken)
// it records its heartbeat, renews its leases, gives up the channels over
// its share and takes free ones up to it. When ctx ends it stops every
// channel, releases their leases so that others take them over at once,
// leaves the cluster and returns.
func (e *Elector) Run(ctx context.Context) error {
	e.ctx = ctx
	for {
		next := e.Round(ctx)
		select {
		case <-ctx.Done():
			e.shutdown()
			return nil
		case <-e.wake:
		case <-time.After(next):
		}
	}
}

// Round runs one round of the elector and returns how long to wait for
// the next. Run calls it; tests call it to step an elector by hand.
func (e *Elector) Round(ctx context.Context) time.Duration {
	if e.ctx == nil {
		e.ctx = ctx
	}
	next := e.opts.RenewInterval
	// A round that hangs (the database unreachable) gives up in time for
	// the leases it renewed last to still hold when the next round starts.
	rctx, cancel := context.WithTimeout(ctx, e.opts.LeaseDuration-e.opts.RenewInterval)
	defer cancel()

	live, err := e.store.Heartbeat(rctx, e.opts.InstanceID, e.opts.LeaseDuration)
	if err == nil {
		err = e.renew(rctx)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.rec.LeaseRenewFailed()
			e.log.Warn("cluster: unable to renew leases", "err", err)
		}
		e.dropExpired()
		e.report(0)
		return next
	}
	if wait, err := e.balance(rctx, live); err != nil {
		if ctx.Err() == nil {
			e.log.Warn("cluster: unable to balance channels", "err", err)
		}
	} else {
		next = min(next, wait)
	}
	e.report(live)
	return next
}

// renew extends every lease held; a lease the database did not renew is
// lost, and its channel stops.
func (e *Elector) renew(ctx context.Context) error {
	e.mu.Lock()
	ls := make([]hearth.Lease, 0, len(e.held))
	for _, h := range e.held {
		ls = append(ls, h.lease)
	}
	e.mu.Unlock()
	sent := time.Now()
	renewed, err := e.store.RenewLeases(ctx, e.opts.InstanceID, ls, e.opts.LeaseDuration)
	if err != nil {
		return err
	}
	ok := make(map[string]hearth.Lease, len(renewed))
	for _, l := range renewed {
		ok[l.Channel] = l
	}
	var lost []*held
	e.mu.Lock()
	for _, l := range ls {
		h := e.held[l.Channel]
		if h == nil || h.lease.Epoch != l.Epoch {
			continue // stopped meanwhile
		}
		if r, found := ok[l.Channel]; found && r.Epoch == l.Epoch {
			h.lease.ExpiresAt, h.lease.Remaining = r.ExpiresAt, r.Remaining
			h.deadline = sent.Add(e.opts.LeaseDuration)
			continue
		}
		delete(e.held, l.Channel)
		lost = append(lost, h)
	}
	e.mu.Unlock()
	for _, h := range lost {
		e.log.Warn("cluster: lease not renewed; stopping the channel", "channel", h.lease.Channel, "epoch", h.lease.Epoch)
		e.stop(h, true)
	}
	return nil
}

// dropExpired stops the channels whose leases have run out by this host's
// clock while renewals failed: another instance may hold them now.
func (e *Elector) dropExpired() {
	now := time.Now()
	var lost []*held
	e.mu.Lock()
	for c, h := range e.held {
		if !now.Before(h.deadline) {
			delete(e.held, c)
			lost = append(lost, h)
		}
	}
	e.mu.Unlock()
	for _, h := range lost {
		e.log.Warn("cluster: lease expired while the database was out of reach; stopping the channel", "channel", h.lease.Channel)
		e.stop(h, true)
	}
}

// balance gives up channels over this instance's share of the channels
// served, a few per round, and takes free ones up to it. It returns how
// soon another round is worth running: just after the next lease held
// elsewhere expires, if that is sooner than the renew interval.
func (e *Elector) balance(ctx context.Context, live int) (time.Duration, error) {
	served, err := e.channels(ctx)
	if err != nil {
		return 0, err
	}
	all, err := e.store.Leases(ctx)
	if err != nil {
		return 0, err
	}
	want := fairShare(len(served), live)
	isServed := make(map[string]bool, len(served))
	for _, c := range served {
		isServed[c] = true
	}

	e.mu.Lock()
	counted := 0
	var excess, unserved []*held
	for c, h := range e.held {
		switch {
		case h.stopping:
		case !isServed[c]:
			unserved = append(unserved, h)
		default:
			counted++
			excess = append(excess, h)
		}
	}
	e.mu.Unlock()

	for _, h := range unserved {
		e.release(h, hearth.HandoverReleased)
	}
	if over := counted - want; over > 0 {
		// Give up the channels most recently taken: the ones longest held
		// keep their warm state.
		slices.SortFunc(excess, func(a, b *held) int { return cmp.Compare(b.lease.Epoch, a.lease.Epoch) })
		for _, h := range excess[:min(over, e.opts.MaxReleasePerRound)] {
			e.release(h, hearth.HandoverRebalanced)
		}
		return e.opts.RenewInterval, nil
	}

	next := e.opts.RenewInterval
	var free []string
	leased := make(map[string]hearth.Lease, len(all))
	for _, l := range all {
		leased[l.Channel] = l
	}
	e.mu.Lock()
	for _, c := range served {
		if _, mine := e.held[c]; mine || e.stopping[c] > 0 {
			continue
		}
		l, ok := leased[c]
		switch {
		case !ok || l.Free():
			free = append(free, c)
		default:
			// Wake just after it expires, in case its owner is gone.
			next = min(next, l.Remaining+20*time.Millisecond)
		}
	}
	e.mu.Unlock()
	if need := want - counted; need > 0 && len(free) > 0 {
		rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		got, err := e.acquire(ctx, free[:min(need, len(free))])
		if err != nil {
			return 0, err
		}
		// Another instance took some of those at the same moment: others
		// are still free, so try them at once rather than a round later.
		if got < need && got < len(free) {
			next = 0
		}
	}
	return max(next, 20*time.Millisecond), nil
}

// acquire takes the leases of channels that are free, starts each
// channel taken, and returns how many it took.
func (e *Elector) acquire(ctx context.Context, channels []string) (int, error) {
	sent := time.Now()
	got, err := e.store.AcquireLeases(ctx, e.opts.InstanceID, channels, e.opts.LeaseDuration)
	if err != nil {
		return 0, err
	}
	for _, l := range got {
		if l.Handover != "" {
			e.rec.LeaseHandover(l.Handover)
		}
		h := &held{lease: l, deadline: sent.Add(e.opts.LeaseDuration), started: make(chan struct{})}
		e.mu.Lock()
		e.held[l.Channel] = h
		e.mu.Unlock()
		e.log.Info("cluster: channel taken", "channel", l.Channel, "epoch", l.Epoch, "handover", l.Handover)
		runCtx := e.ctx
		e.runs.Add(1)
		go func() {
			defer e.runs.Done()
			err := e.runner.RunChannel(runCtx, l)
			close(h.started)
			if err != nil {
				e.log.Error("cluster: unable to run the channel; giving its lease up", "channel", l.Channel, "err", err)
				e.release(h, hearth.HandoverReleased)
			}
		}()
	}
	return len(got), nil
}

// release stops h's channel, writing what it has pending under the lease,
// then gives the lease up for reason. The lease is renewed meanwhile.
func (e *Elector) release(h *held, reason string) {
	e.mu.Lock()
	if h.stopping || e.held[h.lease.Channel] != h {
		e.mu.Unlock()
		return
	}
	h.stopping = true
	// Renewals go on changing h.lease's expiry; the channel and epoch
	// that the release names do not change.
	l := h.lease
	e.stopping[l.Channel]++
	e.mu.Unlock()
	e.runs.Add(1)
	go func() {
		defer e.runs.Done()
		defer e.stopped(l.Channel)
		<-h.started
		ctx, cancel := context.WithTimeout(context.Background(), e.opts.LeaseDuration)
		defer cancel()
		e.runner.StopChannel(ctx, l.Channel, false)
		e.mu.Lock()
		if e.held[l.Channel] == h {
			delete(e.held, l.Channel)
		}
		e.mu.Unlock()
		if _, err := e.store.ReleaseLeases(ctx, e.opts.InstanceID, []hearth.Lease{l}, reason); err != nil {
			e.log.Warn("cluster: unable to release a lease; it will expire", "channel", l.Channel, "err", err)
			return
		}
		e.log.Info("cluster: channel given up", "channel", l.Channel, "reason", reason)
	}()
}

// stop stops the channel of h, which is no longer held (its lease is
// lost), once it has started.
func (e *Elector) stop(h *held, lost bool) {
	channel := h.lease.Channel
	e.mu.Lock()
	e.stopping[channel]++
	e.mu.Unlock()
	e.runs.Add(1)
	go func() {
		defer e.runs.Done()
		defer e.stopped(channel)
		<-h.started
		ctx, cancel := context.WithTimeout(context.Background(), e.opts.LeaseDuration)
		defer cancel()
		e.runner.StopChannel(ctx, channel, lost)
	}()
}

// stopped notes that a stop of channel is over.
func (e *Elector) stopped(channel string) {
	e.mu.Lock()
	if e.stopping[channel]--; e.stopping[channel] <= 0 {
		delete(e.stopping, channel)
	}
	e.mu.Unlock()
	e.Wake()
}

// shutdown stops every channel, releases every lease and leaves.
func (e *Elector) shutdown() {
	e.mu.Lock()
	var all []*held
	for _, h := range e.held {
		all = append(all, h)
	}
	e.mu.Unlock()
	for _, h := range all {
		e.release(h, hearth.HandoverReleased)
	}
	e.runs.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.RenewInterval)
	defer cancel()
	if err := e.store.LeaveCluster(ctx, e.opts.InstanceID); err != nil && !errors.Is(err, context.Canceled) {
		e.log.Warn("cluster: unable to leave the cluster; its heartbeat will expire", "err", err)
	}
	e.report(0)
}

// report sets the gauges.
func (e *Elector) report(live int) {
	e.mu.Lock()
	n := len(e.held)
	e.mu.Unlock()
	e.rec.ChannelsOwned(n)
	if live > 0 {
		e.rec.ClusterInstances(live)
	}
}

// fairShare is how many of channels each of live instances aims to run:
// the ceiling, so that the shares together cover every channel.
func fairShare(channels, live int) int {
	if live < 1 {
		live = 1
	}
	return (channels + live - 1) / live
}

type nopRecorder struct{}

func (nopRecorder) ChannelsOwned(int)    {}
func (nopRecorder) LeaseHandover(string) {}
func (nopRecorder) LeaseRenewFailed()    {}
func (nopRecorder) ClusterInstances(int) {}

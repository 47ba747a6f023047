// Package engine runs Hearth's channels: one goroutine owns each channel's
// community state and applies its events in order; a batching writer
// persists what changed; overlays and metrics are fed as events go by.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// Recorder is told what the engine does, for metrics. Calls are on the hot
// path and must be cheap.
type Recorder interface {
	// EventHandled counts one event applied to a channel.
	EventHandled(channel string, kind hearth.EventKind)
	// DuplicateDropped counts an event dropped because its id was seen.
	DuplicateDropped(channel string)
	// UnknownChannel counts an event for a channel the engine does not run.
	UnknownChannel()
	// SharedChat counts an event dropped because Shared Chat brought it
	// from another channel's chat (hearth.Event.SourceChannelID).
	SharedChat(channel string)
	// PointsAwarded adds points given out in a channel.
	PointsAwarded(channel string, points int64)
	// ChannelState reports a channel's engagement gauges.
	ChannelState(channel string, e hearth.Engagement)
	// Command counts a chat command run, or refused for reason ("" when it
	// ran).
	Command(channel, command, reason string)
	// Notice counts a welcome or rank-up.
	Notice(channel, kind string)
	// Flushed reports one store flush: changes written, how long it took,
	// and its error if it failed.
	Flushed(changes int, took time.Duration, err error)
}

// Options configure an Engine. Zero values mean defaults.
type Options struct {
	// Rules returns a channel's rules; default community.DefaultRules.
	Rules func(channel string) community.Rules
	// FlushInterval and FlushSize bound how long and how many changes
	// wait before the writer commits them (defaults 250 ms, 500).
	FlushInterval time.Duration
	FlushSize     int
	// FlushTimeout, if set, bounds one flush: one that takes longer fails
	// and is tried again. By default a flush runs until it is done (or
	// Close gives up): abandoning a slow flush would only retry a larger
	// one, and a store slow enough to miss any bound would never catch up.
	FlushTimeout time.Duration
	// StallAfter is how long one flush may write before WriteErr reports
	// the store as stalled (30 s); the flush goes on meanwhile.
	StallAfter time.Duration
	// RetryMax caps the wait between tries while flushes fail (10 s); the
	// first wait is twice FlushInterval and each failure doubles it.
	RetryMax time.Duration
	// RemindEvery is how often the log is reminded, while flushes fail,
	// that they still do (1 min).
	RemindEvery time.Duration
	// LeaderboardSize is how many viewers the leaderboard shows (10).
	LeaderboardSize int
	// ActiveWindow is how recent a message must be for its sender to count
	// as an active chatter (5 min).
	ActiveWindow time.Duration
	// QueueSize is each channel's event buffer (1024). A full buffer
	// holds the chat reader back until the channel catches up; each slot
	// is an event (about 330 bytes) held for the life of the process, so
	// a larger one costs memory on every channel served.
	QueueSize int
	// EventClock makes channels keep time by event timestamps only, never
	// by the wall clock: a replay then earns exactly what the recorded
	// stream did, however fast it runs.
	EventClock bool
	// Clock is the wall clock (default the system's); tests drive it.
	Clock hearth.Clock

	Broadcaster hearth.Broadcaster
	// Events is told of every event appended to a channel's overlay event
	// log (default: nobody).
	Events hearth.EventBroadcaster
	// EventRetention is how long the overlay event log keeps events (7
	// days).
	EventRetention time.Duration
	Chat           hearth.ChatSender
	Recorder       Recorder
	Logger         *slog.Logger

	// Polls is told about votes and finished polls (default: nobody).
	Polls PollRecorder
	// Figures is told the engagement figures and ingest latency (default:
	// nobody).
	Figures FigureRecorder
	// OverlayTokens learns a channel's overlay token when it is rotated
	// (default: nobody).
	OverlayTokens hearth.OverlayTokenSink
	// Watcher is told about channels added and removed while the engine
	// runs (default: nobody).
	Watcher ChannelWatcher

	// Fence, when set, returns the lease epochs of the channels this
	// instance runs, which every flush carries (hearth.WithFence): a
	// cluster's store then refuses the rows of a channel whose lease was
	// lost. LeaseLost is told of such a channel, whose pending changes the
	// writer has dropped, with the epoch the refused write carried.
	Fence     func() hearth.Fence
	LeaseLost func(channel string, epoch int64)
}

// Defaults of Options, taken where a field is zero.
const (
	// DefaultFlushInterval is how long changes wait at most before a flush.
	DefaultFlushInterval = 250 * time.Millisecond
	// DefaultFlushSize is how many changes wait at most before a flush.
	DefaultFlushSize = 500
	// DefaultStallAfter is how long one flush writes before the store
	// counts as stalled.
	DefaultStallAfter = 30 * time.Second
	// DefaultRetryMax caps the wait between tries while flushes fail.
	DefaultRetryMax = 10 * time.Second
	// DefaultRemindEvery is how often the log is reminded that flushes
	// still fail.
	DefaultRemindEvery = time.Minute
	// DefaultLeaderboardSize is how many viewers the leaderboard shows.
	DefaultLeaderboardSize = 10
	// DefaultActiveWindow is how recent a message makes an active chatter.
	DefaultActiveWindow = 5 * time.Minute
	// DefaultQueueSize is each channel's event buffer, in events.
	DefaultQueueSize = 1024
)

// orDefault sets *v to def unless it is positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (o *Options) defaults() {
	if o.Rules == nil {
		o.Rules = func(string) community.Rules { return community.DefaultRules() }
	}
	orDefault(&o.FlushInterval, DefaultFlushInterval)
	orDefault(&o.FlushSize, DefaultFlushSize)
	orDefault(&o.StallAfter, DefaultStallAfter)
	orDefault(&o.RetryMax, DefaultRetryMax)
	orDefault(&o.RemindEvery, DefaultRemindEvery)
	orDefault(&o.LeaderboardSize, DefaultLeaderboardSize)
	orDefault(&o.ActiveWindow, DefaultActiveWindow)
	orDefault(&o.QueueSize, DefaultQueueSize)
	orDefault(&o.EventRetention, DefaultEventRetention)
	if o.Broadcaster == nil {
		o.Broadcaster = nopBroadcaster{}
	}
	if o.Events == nil {
		o.Events = nopEvents{}
	}
	if o.Clock == nil {
		o.Clock = hearth.SystemClock{}
	}
	if o.Chat == nil {
		o.Chat = nopChat{}
	}
	if o.Recorder == nil {
		o.Recorder = nopRecorder{}
	}
	if o.Polls == nil {
		o.Polls = nopPolls{}
	}
	if o.Figures == nil {
		o.Figures = nopFigures{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ErrClosed is returned by calls on an Engine that has been closed.
var ErrClosed = errors.New("engine: closed")

// Engine runs a set of channels. Create it with New, Start it once, feed it
// with Handle, and Close it to flush everything.
type Engine struct {
	store  hearth.Store
	opts   Options
	log    *slog.Logger
	writer *writer

	// channels are the channels served, by name. Every change replaces
	// the map, under mu, so Handle reads it without a lock.
	channels atomic.Pointer[map[string]*actor]
	// mu guards changes to channels, busy and closed: busy holds the
	// names being added or removed (closed when that is done), closed
	// that Close began, after which no channel starts.
	mu       sync.Mutex
	busy     map[string]chan struct{}
	closed   bool
	actors   sync.WaitGroup
	written  chan struct{} // closed when the writer has made its last flush
	stop     chan struct{}
	stopOnce sync.Once
	// stopWrites ends the writer's flush in flight, when Close gives up.
	stopWrites context.CancelFunc
	// native runs native Twitch polls; nil refuses them (SetNativePolls).
	native hearth.NativePolls
}

// New returns an Engine that persists to store.
func New(store hearth.Store, opts Options) *Engine {
	opts.defaults()
	e := &Engine{
		store:   store,
		opts:    opts,
		log:     opts.Logger,
		busy:    make(map[string]chan struct{}),
		stop:    make(chan struct{}),
		written: make(chan struct{}),
	}
	e.channels.Store(&map[string]*actor{})
	return e
}

// Start loads each channel's state from the store, as many channels at
// once as there are cores, and starts each channel's goroutine and the
// writer. The channels served are those the store holds that an operator
// did not remove, and those of seed the store does not know yet (the
// configured channels, HEARTH_CHANNELS): a seed channel an operator
// removed stays removed until AddChannel brings it back. Seed names must
// be valid Twitch logins.
func (e *Engine) Start(ctx context.Context, seed []string) error {
	e.writer = newWriter(e.store, e.opts, e.log)
	e.writer.ctx, e.stopWrites = context.WithCancel(context.Background())
	names, removed, err := e.served(ctx, seed)
	if err != nil {
		return err
	}
	for _, c := range removed {
		e.log.Info("engine: a configured channel stays removed, as an operator removed it; add it back with POST /api/v1/channels",
			"channel", c.Name, "removed_at", c.RemovedAt.Format(time.RFC3339))
	}
	// A channel's load is mostly reading and decoding its rows, on one
	// core: channels side by side use the others.
	actors := make([]*actor, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, n := range names {
		g.Go(func() (err error) {
			actors[i], _, err = e.load(gctx, n)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	e.run(names, actors)
	return nil
}

// run starts the writer and the actors of names.
func (e *Engine) run(names []string, actors []*actor) {
	go func() {
		defer close(e.written)
		e.writer.run()
	}()
	e.mu.Lock()
	table := make(map[string]*actor, len(names))
	for i, n := range names {
		table[n] = actors[i]
		e.startActor(actors[i])
	}
	e.channels.Store(&table)
	e.mu.Unlock()
	// The writer's input closes only once no channel can write to it: the
	// engine is closing, so no channel starts any more, and every one has
	// stopped.
	go func() {
		<-e.stop
		e.actors.Wait()
		close(e.writer.in)
	}()
}

// Served returns the channels Start(ctx, seed) serves, as the store
// stands now: the stored ones not removed, then the seed channels the
// store does not know, each once. EINVALID for a seed name that cannot be
// a Twitch login.
func (e *Engine) Served(ctx context.Context, seed []string) ([]string, error) {
	names, _, err := e.served(ctx, seed)
	return names, err
}

// served is Served, and the seed channels an operator removed.
func (e *Engine) served(ctx context.Context, seed []string) (names []string, removed []hearth.ChannelInfo, err error) {
	var seedNames []string
	for _, name := range seed {
		n := hearth.NormalizeChannel(name)
		if n == "" {
			return nil, nil, hearth.Errorf(hearth.EINVALID, "%q is not a Twitch channel name", name)
		}
		seedNames = append(seedNames, n)
	}
	stored, err := e.store.Channels(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("engine: unable to list the stored channels: %w", err)
	}
	known := make(map[string]bool, len(stored))
	for _, c := range stored {
		known[c.Name] = true
		if c.Removed() {
			if slices.Contains(seedNames, c.Name) {
				removed = append(removed, c)
			}
			continue
		}
		names = append(names, c.Name)
	}
	for _, n := range seedNames {
		if !known[n] && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, removed, nil
}

// startActor runs a's goroutine. The caller holds e.mu, and the engine is
// not closed.
func (e *Engine) startActor(a *actor) {
	e.actors.Add(1)
	go func() {
		defer e.actors.Done()
		defer close(a.done)
		a.run(e.stop)
	}()
}

// load registers one channel in the store (serving it again if an
// operator had removed it), reads its state and returns its actor, not
// yet running, and its record.
func (e *Engine) load(ctx context.Context, n string) (*actor, hearth.ChannelInfo, error) {
	rules := e.opts.Rules(n)
	if err := rules.Validate(); err != nil {
		return nil, hearth.ChannelInfo{}, hearth.Errorf(hearth.EINVALID, "channel %s: %v", n, err)
	}
	info, err := e.store.EnsureChannel(ctx, n)
	if err != nil {
		return nil, info, fmt.Errorf("engine: unable to register channel %s: %w", n, err)
	}
	if rules, err = e.storedRules(ctx, n, rules); err != nil {
		return nil, info, err
	}
	// Presence does not survive a restart: spans a dead process left
	// open stop counting at the last minute it stored.
	if err := e.store.EndPresence(ctx, n); err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s: %w", n, err)
	}
	stored, err := e.store.Viewers(ctx, n)
	if err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s: %w", n, err)
	}
	streams, err := e.store.Streams(ctx, n, historyStreams)
	if err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s's streams: %w", n, err)
	}
	var last *hearth.StreamSession
	if len(streams) > 0 {
		last = &streams[0]
	}
	ch := community.NewChannel(n, rules, stored, last)
	// stored is not used past here, so the collector may take the rows
	// (the channel keeps its own records) while the rest loads.
	known := len(stored)
	if err := e.loadHistory(ctx, ch, streams); err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s's recap: %w", n, err)
	}
	a := newActor(ch, e)
	if err := e.restorePolls(ctx, a); err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s's polls: %w", n, err)
	}
	if err := e.loadGoals(ctx, a); err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s's goals: %w", n, err)
	}
	if err := e.loadEvents(ctx, a); err != nil {
		return nil, info, fmt.Errorf("engine: unable to load channel %s's overlay events: %w", n, err)
	}
	e.log.Info("engine: channel loaded", "channel", n, "viewers", known)
	return a, info, nil
}

// Handle queues an event for its channel's goroutine. It blocks while that
// channel's queue is full, which slows the reader instead of losing events,
// and drops the event once the engine is closing. An event Shared Chat
// brought from another channel's chat is dropped here, counted, before
// any rule sees it: it is not this channel's.
func (e *Engine) Handle(ev hearth.Event) {
	a, ok := e.actor(ev.Channel)
	if !ok {
		e.opts.Recorder.UnknownChannel()
		return
	}
	if ev.SourceChannelID != "" {
		e.opts.Recorder.SharedChat(ev.Channel)
		return
	}
	select {
	case a.in <- ev:
	case <-e.stop:
	case <-a.done: // removed meanwhile
	}
}

// Do runs fn on the channel's goroutine, after every event queued before
// it, and waits for it. fn may read and change the channel's state; the
// changes it returns are written as one group (one transaction).
func (e *Engine) Do(ctx context.Context, channel string, fn func(*community.Channel) hearth.Batch) error {
	return e.onChannel(ctx, channel, func(a *actor) {
		a.write(fn(a.ch))
		a.writeRecap()
	})
}

// onChannel runs fn with the channel's actor on its goroutine, after every
// event queued before it, and waits for it: ENOTFOUND for a channel not
// served here (or removed before fn ran), ErrClosed once the engine
// stops, ctx's error if it ends before fn starts (fn then never runs).
// Once fn has started, onChannel returns only after it ends, so the
// caller may read what fn wrote without a race whatever ctx does.
func (e *Engine) onChannel(ctx context.Context, channel string, fn func(a *actor)) error {
	a, ok := e.actor(channel)
	if !ok {
		return notServed(channel)
	}
	done := make(chan struct{})
	// state: 0 queued, 1 running (or run), 2 abandoned by the caller.
	var state atomic.Int32
	req := func() {
		defer close(done)
		if state.CompareAndSwap(0, 1) {
			fn(a)
		}
	}
	select {
	case a.ctl <- req:
	case <-e.stop:
		return ErrClosed
	case <-a.done:
		select {
		case <-e.stop:
			return ErrClosed
		default:
			return notServed(channel)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		if state.CompareAndSwap(0, 2) {
			return ctx.Err()
		}
		<-done
		return nil
	}
}

// EndStream ends channel's live stream at at, after every event queued
// before the call (community.Channel.EndStream), and applies the result as
// an event's. Errors are onChannel's.
func (e *Engine) EndStream(ctx context.Context, channel string, at time.Time) error {
	return e.onChannel(ctx, channel, func(a *actor) {
		a.apply(a.ch.EndStream(at))
		a.writeRecap()
	})
}

// Sync waits until every event handed in before the call has been applied
// and written to the store.
func (e *Engine) Sync(ctx context.Context) error {
	for name := range *e.channels.Load() {
		if err := e.Do(ctx, name, func(*community.Channel) hearth.Batch { return hearth.Batch{} }); err != nil {
			return err
		}
	}
	return e.writer.flushNow(ctx, e.written)
}

// WriteErr says whether the store takes the engine's writes: nil while
// flushes succeed; once one fails, an error that names the store, says
// since when, how many flushes failed and how many changes wait, and
// wraps the store's error; nil again once a flush succeeds. A flush that
// has been writing for longer than StallAfter is reported the same way,
// as a stalled store, while it goes on. Readiness
// follows it: a store that answers a ping may still be unable to write (a
// full disk).
func (e *Engine) WriteErr() error {
	if e.writer == nil {
		return nil
	}
	return e.writer.writeErr()
}

// Close stops the channels after the events already queued and writes
// everything pending in one last try. It returns that flush's error, which
// says how many changes were not written; when ctx ends first, it stops
// the flush in flight and returns an error saying so.
func (e *Engine) Close(ctx context.Context) error {
	var err error
	e.stopOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		close(e.stop)
		e.mu.Unlock()
		if e.writer == nil {
			return
		}
		defer e.stopWrites()
		select {
		case <-e.written:
			err = e.writer.finalErr
		case <-ctx.Done():
			// Groups still queued hold at least a change each.
			n := e.writer.waiting.Load() + int64(len(e.writer.in))
			err = fmt.Errorf("engine: the store writer was still writing when the shutdown timed out; %d pending changes or more not written: %w", n, ctx.Err())
		}
	})
	return err
}

type nopBroadcaster struct{}

func (nopBroadcaster) Publish(string, string, any) {}

type nopRecorder struct{}

func (nopRecorder) EventHandled(string, hearth.EventKind)  {}
func (nopRecorder) DuplicateDropped(string)                {}
func (nopRecorder) UnknownChannel()                        {}
func (nopRecorder) SharedChat(string)                      {}
func (nopRecorder) PointsAwarded(string, int64)            {}
func (nopRecorder) ChannelState(string, hearth.Engagement) {}
func (nopRecorder) Command(string, string, string)         {}
func (nopRecorder) Notice(string, string)                  {}
func (nopRecorder) Flushed(int, time.Duration, error)      {}

type nopChat struct{}

func (nopChat) Say(string, string) {}

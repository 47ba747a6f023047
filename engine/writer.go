package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hearthlive/hearth"
)

// writer collects changes from every channel and commits them in one
// transaction per flush: every interval, or sooner once size rows wait. A
// row changed twice before a flush is written once, with its last state.
// Changes arrive in groups that are never split across transactions, so a
// transfer of points between two viewers is written whole or not at all.
//
// A flush that fails keeps everything pending. The next try waits, twice
// as long after each failure up to retryMax, and meanwhile changes keep
// merging into what is pending; the log hears of the failure once, then
// every remind while it lasts, and of the recovery.
type writer struct {
	store    hearth.Store
	interval time.Duration
	size     int
	timeout  time.Duration // bounds one flush; zero for no bound
	// stallAfter is how long one flush may write before writeErr calls
	// the store stalled.
	stallAfter time.Duration
	retryMax   time.Duration
	remind     time.Duration
	// retention is how long overlay events are kept; pruneAt when the
	// log is next pruned.
	retention time.Duration
	pruneAt   time.Time
	rec       Recorder
	log       *slog.Logger
	// ctx ends when Close gives up waiting: the flush in flight stops.
	ctx context.Context

	in      chan hearth.Batch
	flushes chan chan error
	// drops asks the writer to drop a channel's pending changes: the
	// channel stopped here because its lease was lost.
	drops chan dropRequest
	// fence, when set, returns the lease epochs the writes carry;
	// leaseLost is told of a channel whose write the store refused for a
	// lost lease.
	fence     func() hearth.Fence
	leaseLost func(channel string, epoch int64)

	viewers  map[hearth.ViewerKey]hearth.ViewerStats
	streams  map[streamKey]hearth.StreamSession
	forget   map[hearth.ViewerKey]bool
	polls    map[pollKey]hearth.Poll
	votes    map[voteKey]hearth.PollVote
	recaps   map[streamKey]hearth.StreamRecap
	goals    map[goalKey]hearth.GoalProgress
	events   map[streamKey]hearth.OverlayEvent
	finalErr error // set by run before it returns

	// While flushes fail: how many in a row, since when, when to try
	// again and when to remind the log.
	failures  int
	failSince time.Time
	retryAt   time.Time
	remindAt  time.Time

	// Read by other goroutines: the failure, nil while flushes succeed,
	// and how many changes are pending.
	failure atomic.Pointer[writeFailure]
	waiting atomic.Int64
	// writing is when the flush in flight began (Unix nanoseconds), 0
	// between flushes; writingN is how many changes it writes.
	writing  atomic.Int64
	writingN atomic.Int64
}

// writeFailure is what WriteErr reports while flushes fail.
type writeFailure struct {
	since    time.Time
	failures int
	err      error
}

type streamKey struct {
	channel string
	seq     int64
}

func newWriter(store hearth.Store, o Options, log *slog.Logger) *writer {
	o.defaults()
	return &writer{
		store:      store,
		interval:   o.FlushInterval,
		size:       o.FlushSize,
		timeout:    o.FlushTimeout,
		stallAfter: o.StallAfter,
		retryMax:   o.RetryMax,
		remind:     o.RemindEvery,
		retention:  o.EventRetention,
		events:     make(map[streamKey]hearth.OverlayEvent),
		rec:        o.Recorder,
		log:        log,
		ctx:        context.Background(),
		in:         make(chan hearth.Batch, 4*o.FlushSize),
		flushes:    make(chan chan error),
		drops:      make(chan dropRequest),
		fence:      o.Fence,
		leaseLost:  o.LeaseLost,
		viewers:    make(map[hearth.ViewerKey]hearth.ViewerStats),
		streams:    make(map[streamKey]hearth.StreamSession),
		forget:     make(map[hearth.ViewerKey]bool),
		polls:      make(map[pollKey]hearth.Poll),
		votes:      make(map[voteKey]hearth.PollVote),
		recaps:     make(map[streamKey]hearth.StreamRecap),
		goals:      make(map[goalKey]hearth.GoalProgress),
	}
}

// run writes until in is closed, then makes a last flush.
func (w *writer) run() {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case b, ok := <-w.in:
			if !ok {
				w.finalErr = w.last()
				return
			}
			w.add(b)
			if w.pending() >= w.size && w.due() {
				_ = w.flush()
			}
		case reply := <-w.flushes:
			w.drain()
			reply <- w.flush()
		case d := <-w.drops:
			// The channel's goroutine has stopped, so every group it
			// made is queued: drain takes them before they are dropped.
			w.drain()
			w.without(d.channel)
			close(d.done)
		case <-t.C:
			if w.pending() > 0 && w.due() {
				_ = w.flush()
			}
		}
	}
}

// due reports whether a flush may be tried now: always while flushes
// succeed, and once the wait after the last failure is over.
func (w *writer) due() bool {
	return w.failures == 0 || !time.Now().Before(w.retryAt)
}

// retryDelay is the wait after the given number of failed flushes in a
// row: twice interval after the first, doubling up to limit.
func retryDelay(interval, limit time.Duration, failures int) time.Duration {
	d := interval
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// last is the final flush, once every channel has stopped: one try,
// whatever the wait after a failure, which ends with w.ctx. Its error
// says how many changes were not written.
func (w *writer) last() error {
	if err := w.flush(); err != nil {
		return fmt.Errorf("engine: %d pending changes not written: %w", w.pending(), err)
	}
	return nil
}

// writeErr reports the failure WriteErr describes, or nil.
func (w *writer) writeErr() error {
	f := w.failure.Load()
	if f == nil {
		if began := w.writing.Load(); began != 0 {
			if d := time.Since(time.Unix(0, began)); d >= w.stallAfter {
				return fmt.Errorf("store: stalled: a flush of %d changes has been writing for %s (%d changes wait)",
					w.writingN.Load(), d.Round(time.Second), w.waiting.Load())
			}
		}
		return nil
	}
	return fmt.Errorf("store: cannot write since %s (%d flushes failed; %d changes wait, kept for the next try): %w",
		f.since.UTC().Format(time.RFC3339), f.failures, w.waiting.Load(), f.err)
}

func (w *writer) pending() int {
	return len(w.viewers) + len(w.streams) + len(w.forget) + len(w.polls) + len(w.votes) + len(w.recaps) + len(w.goals) + len(w.events)
}

// add merges a group into what is pending. A forgotten viewer's pending
// row is dropped; a row for them that comes later is new data.
func (w *writer) add(b hearth.Batch) {
	for _, k := range b.Forget {
		delete(w.viewers, k)
		w.forget[k] = true
		w.forgetVotes(k)
		w.forgetEvents(k)
	}
	for _, v := range b.Viewers {
		w.viewers[v.Key()] = v
	}
	for _, s := range b.Streams {
		w.streams[streamKey{s.Channel, s.Seq}] = s
	}
	w.addPolls(b)
	w.addRecaps(b)
	w.addGoals(b)
	w.addEvents(b)
	w.waiting.Store(int64(w.pending()))
}

// drain takes every group already queued, so a flush asked for after some
// groups were queued includes them.
func (w *writer) drain() {
	for {
		select {
		case b, ok := <-w.in:
			if !ok {
				return
			}
			w.add(b)
		default:
			return
		}
	}
}

// flush commits everything pending. On failure it all stays pending and
// a later flush tries again.
func (w *writer) flush() error {
	n := w.pending()
	if n == 0 {
		// Nothing waits, so nothing is lost: the next change finds out
		// whether the store writes.
		w.succeeded(0)
		return nil
	}
	b := w.rows()
	ctx, cancel := w.ctx, context.CancelFunc(func() {})
	if w.timeout > 0 {
		ctx, cancel = context.WithTimeout(w.ctx, w.timeout)
	}
	defer cancel()
	var fence hearth.Fence
	if w.fence != nil {
		fence = w.fence()
		ctx = hearth.WithFence(ctx, fence)
	}
	start := time.Now()
	w.writingN.Store(int64(n))
	w.writing.Store(start.UnixNano())
	err := w.store.Apply(ctx, b)
	w.writing.Store(0)
	w.rec.Flushed(n, time.Since(start), err)
	var lost *hearth.LeaseLostError
	if errors.As(err, &lost) && w.hasRows(b, lost.Channel) {
		// Another instance runs the channel now: its changes here can
		// never be written, and must not hold the others back.
		w.log.Warn("engine: lease lost; the channel's pending changes are dropped", "channel", lost.Channel)
		w.without(lost.Channel)
		if w.leaseLost != nil {
			w.leaseLost(lost.Channel, fence.Epochs[lost.Channel])
		}
		return w.flush()
	}
	if hearth.ErrorCode(err) == hearth.EINVALID && w.dropInvalid() < n {
		// Retrying cannot fix a row the store refuses, and it would block
		// every later write: the bad rows are dropped (and logged), and
		// the rest is tried at the next tick. The store is not at fault.
		w.waiting.Store(int64(w.pending()))
		return err
	}
	if err != nil {
		w.failed(n, err)
		return err
	}
	w.reset()
	w.waiting.Store(0)
	w.succeeded(n)
	w.prune()
	return nil
}

// rows returns everything pending as one batch.
func (w *writer) rows() hearth.Batch {
	b := hearth.Batch{
		Viewers: make([]hearth.ViewerStats, 0, len(w.viewers)),
		Streams: make([]hearth.StreamSession, 0, len(w.streams)),
		Forget:  make([]hearth.ViewerKey, 0, len(w.forget)),
	}
	for _, v := range w.viewers {
		b.Viewers = append(b.Viewers, v)
	}
	for _, s := range w.streams {
		b.Streams = append(b.Streams, s)
	}
	for k := range w.forget {
		b.Forget = append(b.Forget, k)
	}
	w.pollRows(&b)
	w.recapRows(&b)
	w.goalRows(&b)
	w.eventRows(&b)
	return b
}

// reset drops everything pending.
func (w *writer) reset() {
	clear(w.viewers)
	clear(w.streams)
	clear(w.forget)
	clear(w.polls)
	clear(w.votes)
	clear(w.recaps)
	clear(w.goals)
	clear(w.events)
}

// without drops the pending changes of channel and keeps the rest.
// Merging the rest again as one group gives back the same pending state:
// forgotten viewers first, then the rows.
func (w *writer) without(channel string) {
	b := w.rows().Without(channel)
	w.reset()
	w.add(b)
}

// hasRows reports whether b holds a row of channel, so that a refusal
// naming it can be cured by dropping them.
func (w *writer) hasRows(b hearth.Batch, channel string) bool {
	return b.Without(channel).Len() < b.Len()
}

// dropRequest asks the writer to drop a channel's pending changes; done
// is closed once it has.
type dropRequest struct {
	channel string
	done    chan struct{}
}

// drop drops channel's pending changes, once every group already queued
// has been taken, and waits for it.
func (w *writer) drop(ctx context.Context, channel string, closed <-chan struct{}) error {
	d := dropRequest{channel: channel, done: make(chan struct{})}
	select {
	case w.drops <- d:
	case <-closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// failed notes a failed flush of n changes: when to try again, and a log
// line when flushes start failing and then every remind.
func (w *writer) failed(n int, err error) {
	now := time.Now()
	w.failures++
	delay := retryDelay(w.interval, w.retryMax, w.failures)
	w.retryAt = now.Add(delay)
	if w.failures == 1 {
		w.failSince, w.remindAt = now, now.Add(w.remind)
	}
	switch {
	case w.ctx.Err() != nil:
		// Close gave up on the store and says what was not written.
	case w.failures == 1:
		w.log.Error("engine: the store cannot write; changes are kept and retried, further apart each time",
			"changes", n, "retry_in", delay, "err", err)
	case !now.Before(w.remindAt):
		w.remindAt = now.Add(w.remind)
		w.log.Error("engine: the store still cannot write; changes are kept and retried",
			"since", w.failSince.UTC().Format(time.RFC3339), "failed_flushes", w.failures, "changes", n, "retry_in", delay, "err", err)
	}
	w.failure.Store(&writeFailure{since: w.failSince, failures: w.failures, err: err})
}

// succeeded notes a flush of n changes that worked, and a log line if
// flushes had been failing.
func (w *writer) succeeded(n int) {
	if w.failures == 0 {
		return
	}
	w.log.Info("engine: the store writes again; the changes kept meanwhile are written",
		"changes", n, "failed_flushes", w.failures, "down_for", time.Since(w.failSince).Round(time.Millisecond).String())
	w.failures = 0
	w.failure.Store(nil)
}

// dropInvalid drops the pending rows the store would refuse and returns
// how many changes are left.
func (w *writer) dropInvalid() int {
	for k, v := range w.viewers {
		if err := (hearth.Batch{Viewers: []hearth.ViewerStats{v}}).Validate(); err != nil {
			w.log.Error("engine: dropping a viewer row the store refuses", "channel", k.Channel, "user_id", k.UserID, "err", err)
			delete(w.viewers, k)
		}
	}
	for k, s := range w.streams {
		if err := (hearth.Batch{Streams: []hearth.StreamSession{s}}).Validate(); err != nil {
			w.log.Error("engine: dropping a stream row the store refuses", "channel", k.channel, "err", err)
			delete(w.streams, k)
		}
	}
	for k := range w.forget {
		if err := (hearth.Batch{Forget: []hearth.ViewerKey{k}}).Validate(); err != nil {
			delete(w.forget, k)
		}
	}
	w.dropInvalidPolls()
	w.dropInvalidRecaps()
	w.dropInvalidGoals()
	w.dropInvalidEvents()
	return w.pending()
}

// flushNow asks the writer to flush and waits for the result.
func (w *writer) flushNow(ctx context.Context, done <-chan struct{}) error {
	reply := make(chan error, 1)
	select {
	case w.flushes <- reply:
	case <-done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

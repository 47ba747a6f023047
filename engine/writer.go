package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearthlive/hearth"
)

// writer collects changes from every channel and commits them in one
// transaction per flush: every interval, or sooner once size rows wait. A
// row changed twice before a flush is written once, with its last state.
// Changes arrive in groups that are never split across transactions, so a
// transfer of points between two viewers is written whole or not at all.
type writer struct {
	store    hearth.Store
	interval time.Duration
	size     int
	rec      Recorder
	log      *slog.Logger

	in      chan hearth.Batch
	flushes chan chan error

	viewers  map[hearth.ViewerKey]hearth.ViewerStats
	streams  map[streamKey]hearth.StreamSession
	forget   map[hearth.ViewerKey]bool
	polls    map[pollKey]hearth.Poll
	votes    map[voteKey]hearth.PollVote
	recaps   map[streamKey]hearth.StreamRecap
	finalErr error // set by run before it returns
}

type streamKey struct {
	channel string
	seq     int64
}

func newWriter(store hearth.Store, interval time.Duration, size int, rec Recorder, log *slog.Logger) *writer {
	return &writer{
		store:    store,
		interval: interval,
		size:     size,
		rec:      rec,
		log:      log,
		in:       make(chan hearth.Batch, 4*size),
		flushes:  make(chan chan error),
		viewers:  make(map[hearth.ViewerKey]hearth.ViewerStats),
		streams:  make(map[streamKey]hearth.StreamSession),
		forget:   make(map[hearth.ViewerKey]bool),
		polls:    make(map[pollKey]hearth.Poll),
		votes:    make(map[voteKey]hearth.PollVote),
		recaps:   make(map[streamKey]hearth.StreamRecap),
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
				w.finalErr = w.flush()
				return
			}
			w.add(b)
			if w.pending() >= w.size {
				_ = w.flush()
			}
		case reply := <-w.flushes:
			w.drain()
			reply <- w.flush()
		case <-t.C:
			if w.pending() > 0 {
				_ = w.flush()
			}
		}
	}
}

func (w *writer) pending() int {
	return len(w.viewers) + len(w.streams) + len(w.forget) + len(w.polls) + len(w.votes) + len(w.recaps)
}

// add merges a group into what is pending. A forgotten viewer's pending
// row is dropped; a row for them that comes later is new data.
func (w *writer) add(b hearth.Batch) {
	for _, k := range b.Forget {
		delete(w.viewers, k)
		w.forget[k] = true
		w.forgetVotes(k)
	}
	for _, v := range b.Viewers {
		w.viewers[v.Key()] = v
	}
	for _, s := range b.Streams {
		w.streams[streamKey{s.Channel, s.Seq}] = s
	}
	w.addPolls(b)
	w.addRecaps(b)
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
// the next flush tries again.
func (w *writer) flush() error {
	n := w.pending()
	if n == 0 {
		return nil
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := w.store.Apply(ctx, b)
	w.rec.Flushed(n, time.Since(start), err)
	if hearth.ErrorCode(err) == hearth.EINVALID {
		// Retrying cannot fix a row the store refuses, and it would block
		// every later write: drop the bad rows, keep the rest pending.
		w.dropInvalid()
	}
	if err != nil {
		w.log.Error("engine: flush failed; will retry", "changes", n, "err", err)
		return err
	}
	clear(w.viewers)
	clear(w.streams)
	clear(w.forget)
	clear(w.polls)
	clear(w.votes)
	clear(w.recaps)
	return nil
}

func (w *writer) dropInvalid() {
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

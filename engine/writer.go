package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearthlive/hearth"
)

// writer collects changed rows from every channel and commits them in one
// transaction per flush: every interval, or sooner once size rows wait. A
// row changed twice before a flush is written once, with its last state.
type writer struct {
	store    hearth.Store
	interval time.Duration
	size     int
	rec      Recorder
	log      *slog.Logger

	in      chan hearth.ViewerStats
	flushes chan chan error

	pending  map[viewerKey]hearth.ViewerStats
	finalErr error // set by run before it returns
}

type viewerKey struct{ channel, userID string }

func newWriter(store hearth.Store, interval time.Duration, size int, rec Recorder, log *slog.Logger) *writer {
	return &writer{
		store:    store,
		interval: interval,
		size:     size,
		rec:      rec,
		log:      log,
		in:       make(chan hearth.ViewerStats, 4*size),
		flushes:  make(chan chan error),
		pending:  make(map[viewerKey]hearth.ViewerStats),
	}
}

// run writes until in is closed, then makes a last flush.
func (w *writer) run() {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case v, ok := <-w.in:
			if !ok {
				w.finalErr = w.flush()
				return
			}
			w.pending[viewerKey{v.Channel, v.UserID}] = v
			if len(w.pending) >= w.size {
				_ = w.flush()
			}
		case reply := <-w.flushes:
			w.drain()
			reply <- w.flush()
		case <-t.C:
			if len(w.pending) > 0 {
				_ = w.flush()
			}
		}
	}
}

// drain takes every row already queued, so a flush asked for after some
// rows were queued includes them.
func (w *writer) drain() {
	for {
		select {
		case v, ok := <-w.in:
			if !ok {
				return
			}
			w.pending[viewerKey{v.Channel, v.UserID}] = v
		default:
			return
		}
	}
}

// flush commits everything pending. On failure the rows stay pending and
// the next flush tries again.
func (w *writer) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	b := hearth.Batch{Viewers: make([]hearth.ViewerStats, 0, len(w.pending))}
	for _, v := range w.pending {
		b.Viewers = append(b.Viewers, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := w.store.Apply(ctx, b)
	w.rec.Flushed(b.Len(), time.Since(start), err)
	if err != nil {
		w.log.Error("engine: flush failed; will retry", "changes", b.Len(), "err", err)
		return err
	}
	clear(w.pending)
	return nil
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

package engine

import (
	"context"
	"fmt"
)

// A cluster of instances on one PostgreSQL database shares the channels:
// each runs those whose leases it holds (package cluster). The engine of
// such an instance starts with no channel (StartLeased), adds a channel
// when its lease is won (AddChannel, with a context carrying the lease's
// hearth.Fence, so that its load's writes are fenced too), and gives it up
// when the lease is handed over or lost (Release). Options.Fence and
// Options.LeaseLost keep the writer's flushes within the leases held.

// StartLeased starts the engine serving no channel: the writer runs, and
// AddChannel and Release follow the leases. The store's registry, not the
// engine, says which channels the cluster serves.
func (e *Engine) StartLeased(context.Context) error {
	e.writer = newWriter(e.store, e.opts, e.log)
	e.writer.ctx, e.stopWrites = context.WithCancel(context.Background())
	e.run(nil, nil)
	return nil
}

// Release stops serving a channel here, and leaves the store's registry
// as it is: the cluster still serves the channel, on another instance.
// The channel's goroutine applies the events already queued and stops,
// and the watcher is told. With lost false (the lease is still held) the
// channel's pending changes are written before Release returns, so that
// the next owner loads them; with lost true (another instance may own the
// channel already, and the store would refuse them) they are dropped.
// ENOTFOUND for a channel not served here.
func (e *Engine) Release(ctx context.Context, name string, lost bool) error {
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
		return notServed(n)
	}
	e.log.Info("engine: channel released", "channel", n, "lease_lost", lost)
	if err != nil {
		return err
	}
	if lost {
		return e.writer.drop(ctx, n, e.written)
	}
	if err := e.writer.flushNow(ctx, e.written); err != nil {
		return fmt.Errorf("engine: channel %s is no longer served, but its last changes are not written: %w", n, err)
	}
	return nil
}

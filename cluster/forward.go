package cluster

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
)

// DefaultForwardWait bounds how long Forward waits for a command's owner to
// answer.
const DefaultForwardWait = 5 * time.Second

// pollEvery is how often a waiting Forward, and an idle Forwarder, look in
// the store themselves, in case a notification was lost: notices sent while
// a listener reconnects never arrive.
const pollEvery = time.Second

// CommandStore holds forwarded commands; store/postgres's DB implements it.
type CommandStore interface {
	PostCommand(ctx context.Context, c hearth.ClusterCommand, within time.Duration) (int64, error)
	ClaimCommands(ctx context.Context, owner string, channels []string) ([]hearth.ClusterCommand, error)
	FinishCommand(ctx context.Context, id int64, r hearth.ClusterResult) error
	CommandResult(ctx context.Context, id int64) (hearth.ClusterResult, bool, error)
	DeleteCommand(ctx context.Context, id int64) (bool, error)
}

// Handler runs a forwarded command on the instance that owns its channel,
// and returns its result (JSON, by convention of the action).
type Handler func(ctx context.Context, c hearth.ClusterCommand) ([]byte, error)

// Forwarder carries actions for a channel that another instance runs to
// that instance through the database: Forward posts a command row and
// waits for its result; Run, on the owner, claims the commands of the
// channels it holds, runs them with the Handler and writes their results
// back. Notifications (CommandPosted, ResultReady) make both sides prompt;
// both also look in the store every second, so a lost notification costs
// a second, not the command.
type Forwarder struct {
	store  CommandStore
	id     string
	owned  func() []string
	handle Handler
	wait   time.Duration
	log    *slog.Logger

	posted chan struct{}

	mu      sync.Mutex
	waiters map[int64]chan struct{}
}

// NewForwarder returns a forwarder for the instance id, which runs the
// channels that owned returns, running their commands with handle. wait
// bounds Forward (DefaultForwardWait if zero).
func NewForwarder(store CommandStore, id string, owned func() []string, handle Handler, wait time.Duration, log *slog.Logger) *Forwarder {
	if wait <= 0 {
		wait = DefaultForwardWait
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Forwarder{store: store, id: id, owned: owned, handle: handle, wait: wait, log: log,
		posted: make(chan struct{}, 1), waiters: map[int64]chan struct{}{}}
}

// Forward asks the owner of channel to run action with body, and returns
// its result or its error. If no owner answers within the forwarder's
// wait, the command is withdrawn and Forward returns an EINTERNAL error
// saying so (if the owner had already claimed it, it may still run).
func (f *Forwarder) Forward(ctx context.Context, channel, action string, body []byte) ([]byte, error) {
	id, err := f.store.PostCommand(ctx, hearth.ClusterCommand{Channel: channel, Action: action, Body: body}, f.wait)
	if err != nil {
		return nil, err
	}
	ready := make(chan struct{}, 1)
	f.mu.Lock()
	f.waiters[id] = ready
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.waiters, id)
		f.mu.Unlock()
	}()

	deadline := time.NewTimer(f.wait)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		r, done, err := f.store.CommandResult(ctx, id)
		if err != nil {
			return nil, err
		}
		if done {
			if _, err := f.store.DeleteCommand(context.WithoutCancel(ctx), id); err != nil {
				f.log.Warn("cluster: unable to delete a finished command", "id", id, "err", err)
			}
			return r.Result, r.Err()
		}
		select {
		case <-ready:
		case <-tick.C:
		case <-deadline.C:
			claimed, err := f.store.DeleteCommand(context.WithoutCancel(ctx), id)
			if err != nil {
				f.log.Warn("cluster: unable to withdraw a command", "id", id, "err", err)
			}
			if claimed {
				return nil, hearth.Errorf(hearth.EINTERNAL, "the instance running channel %s took the %s action but did not answer within %v; it may still happen", channel, action, f.wait)
			}
			return nil, hearth.Errorf(hearth.EINTERNAL, "no instance running channel %s answered within %v; the %s action was withdrawn", channel, f.wait, action)
		case <-ctx.Done():
			if _, err := f.store.DeleteCommand(context.WithoutCancel(ctx), id); err != nil {
				f.log.Warn("cluster: unable to withdraw a command", "id", id, "err", err)
			}
			return nil, ctx.Err()
		}
	}
}

// ResultReady is the handler of hearth_command_result notifications: the
// payload is the id of a command whose result was written.
func (f *Forwarder) ResultReady(payload string) {
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		return
	}
	f.mu.Lock()
	ready := f.waiters[id]
	f.mu.Unlock()
	if ready != nil {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
}

// CommandPosted is the handler of hearth_command notifications: a command
// was posted for the channel in the payload, which this instance may own.
func (f *Forwarder) CommandPosted(string) {
	select {
	case f.posted <- struct{}{}:
	default:
	}
}

// Resync is the handler of the notifier's reconnects: notices may have
// been lost, so every waiter and the claimer look in the store now.
func (f *Forwarder) Resync() {
	f.CommandPosted("")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ready := range f.waiters {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
}

// Run claims and runs the commands of the channels this instance owns
// until ctx ends: when one is posted, and every second.
func (f *Forwarder) Run(ctx context.Context) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		f.claim(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-f.posted:
		case <-tick.C:
		}
	}
}

// claim runs every command waiting for the channels owned, in order.
func (f *Forwarder) claim(ctx context.Context) {
	owned := f.owned()
	if len(owned) == 0 {
		return
	}
	cs, err := f.store.ClaimCommands(ctx, f.id, owned)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("cluster: unable to claim commands", "err", err)
		}
		return
	}
	for _, c := range cs {
		result, err := f.handle(ctx, c)
		r := hearth.ClusterResult{Result: result}
		if err != nil {
			r = hearth.ClusterResult{ErrorCode: hearth.ErrorCode(err), ErrorMessage: hearth.ErrorMessage(err)}
		}
		if err := f.store.FinishCommand(context.WithoutCancel(ctx), c.ID, r); err != nil {
			f.log.Warn("cluster: unable to write a command's result", "id", c.ID, "err", err)
		}
	}
}

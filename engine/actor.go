package engine

import (
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// tick is how often a channel refreshes its gauges and, when something
// changed, its leaderboard. It bounds leaderboard work under a chat flood.
const tick = 100 * time.Millisecond

// actor owns one channel's state; only its goroutine touches ch.
type actor struct {
	e   *Engine
	ch  *community.Channel
	in  chan hearth.Event
	ctl chan func()

	boardDirty bool
	// active maps each recent chatter to the time of their last message.
	active map[string]time.Time
	// clock follows the channel's event time, so a replay of old chat
	// measures its own "last five minutes".
	lastEvent, lastEventAt time.Time
}

func newActor(ch *community.Channel, e *Engine) *actor {
	return &actor{
		e:          e,
		ch:         ch,
		in:         make(chan hearth.Event, e.opts.QueueSize),
		ctl:        make(chan func()),
		active:     make(map[string]time.Time),
		boardDirty: true,
	}
}

func (a *actor) run(stop <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	a.refresh()
	for {
		select {
		case ev := <-a.in:
			a.handle(ev)
		case fn := <-a.ctl:
			fn()
		case <-t.C:
			a.refresh()
		case <-stop:
			for {
				select {
				case ev := <-a.in:
					a.handle(ev)
				default:
					a.refresh()
					return
				}
			}
		}
	}
}

func (a *actor) handle(ev hearth.Event) {
	rec := a.e.opts.Recorder
	res := a.ch.Handle(ev)
	if res.Duplicate {
		rec.DuplicateDropped(ev.Channel)
		return
	}
	rec.EventHandled(ev.Channel, ev.Kind)
	if ev.Time.After(a.lastEvent) {
		a.lastEvent, a.lastEventAt = ev.Time, time.Now()
	}
	if res.Chatted {
		a.active[ev.User.ID] = ev.Time
	}
	if res.Earned > 0 {
		rec.PointsAwarded(ev.Channel, res.Earned)
	}
	a.changed(res.Changed)
}

func (a *actor) changed(vs []hearth.ViewerStats) {
	for _, v := range vs {
		a.e.writer.in <- v
	}
	if len(vs) > 0 {
		a.boardDirty = true
	}
}

// now is the channel's clock: the latest event time, advanced by the wall
// time since that event arrived.
func (a *actor) now() time.Time {
	if a.lastEvent.IsZero() {
		return time.Now()
	}
	return a.lastEvent.Add(time.Since(a.lastEventAt))
}

func (a *actor) refresh() {
	cutoff := a.now().Add(-a.e.opts.ActiveWindow)
	for id, at := range a.active {
		if at.Before(cutoff) {
			delete(a.active, id)
		}
	}
	a.e.opts.Recorder.ChannelState(a.ch.Name(), len(a.active), a.ch.Viewers())
	if !a.boardDirty {
		return
	}
	a.boardDirty = false
	board := hearth.NewLeaderboard(a.ch.Name(), a.ch.Top(a.e.opts.LeaderboardSize))
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicLeaderboard, board)
}

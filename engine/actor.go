package engine

import (
	"sync/atomic"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// tick is how often a channel advances its clock with no event, refreshes
// its gauges and, when something changed, its leaderboard. It bounds
// leaderboard work under a chat flood.
const tick = 100 * time.Millisecond

// engagementEvery is how many ticks pass between engagement gauge updates
// (one a second).
const engagementEvery = 10

// welcomeLineEvery bounds the bot's welcome and rank-up lines per channel,
// so a raid of newcomers does not use up its chat budget.
const welcomeLineEvery = 20 * time.Second

// actor owns one channel's state; only its goroutine touches ch.
type actor struct {
	e   *Engine
	ch  *community.Channel
	in  chan hearth.Event
	ctl chan func()
	// quit asks the goroutine to stop (the channel is removed); done is
	// closed once it has.
	quit, done chan struct{}
	// rules are ch's rules, for readers off the goroutine.
	rules atomic.Pointer[community.Rules]

	boardDirty bool
	// active counts the engaged chatters seen within each of
	// activeWindows and ActiveWindow (activeWindowsOf); verified those
	// whose last message outside a copy-paste burst is within five
	// minutes.
	active, verified *recency
	// The channel's clock follows event time, so a replay of old chat
	// measures its own minutes; between events it runs on by the wall
	// clock (unless the engine runs on event time only) from where the
	// channel's clock stood after the last event or request (anchor) and
	// the wall time then (anchorAt). It is never the wall clock itself
	// once an event came: Twitch's time and the host's can be years apart
	// (a replayed log) or minutes (a drifting host), and a timer compares
	// times on one of them only.
	anchor, anchorAt time.Time
	lastAnnounce     time.Time
	refreshes        int
	// events is the channel's side of the overlay event log; loaded are
	// the last events stored when the channel loaded, handed to the
	// overlays when it starts.
	events eventLog
	loaded []hearth.OverlayEvent
	// pending are results made before the goroutine ran (a poll restored
	// at start), applied first; pollDirty says the poll overlay's state
	// changed since it was last published.
	pending   []community.Result
	pollDirty bool
	// chatFeed is the chat overlay's state; goals are the channel's
	// goals and their progress.
	chatFeed chatFeed
	goals    goalSet
}

func newActor(ch *community.Channel, e *Engine) *actor {
	a := &actor{
		e:          e,
		ch:         ch,
		in:         make(chan hearth.Event, e.opts.QueueSize),
		ctl:        make(chan func()),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
		active:     newRecency(activeWindowsOf(e.opts)...),
		verified:   newRecency(verifiedWindow),
		boardDirty: true,
		pollDirty:  true,
	}
	rules := ch.Rules()
	a.rules.Store(&rules)
	return a
}

func (a *actor) run(stop <-chan struct{}) {
	t := time.NewTicker(tick)
	defer t.Stop()
	a.publishEvents(a.loaded)
	a.loaded = nil
	_, a.events.wasLive = a.ch.Live()
	a.publishChat()
	a.goals.shown = true
	for _, res := range a.pending {
		a.apply(res)
	}
	a.pending = nil
	a.refresh()
	for {
		select {
		case ev := <-a.in:
			a.handle(ev)
		case fn := <-a.ctl:
			// select picks among ready channels at random: drain the events
			// queued before the request so it runs after them, as Do promises.
			a.drain()
			fn()
			a.anchorClock()
		case <-t.C:
			// Before its first event a channel has no time of its own to run
			// on: ticking it on the wall clock would put it on the host's
			// time, and a first message dated otherwise would then fall in
			// its past or future.
			if !a.e.opts.EventClock && !a.anchorAt.IsZero() {
				a.apply(a.ch.Tick(a.now()))
			}
			a.refresh()
		case <-stop:
			a.drain()
			a.refresh()
			return
		case <-a.quit:
			a.drain()
			a.refresh()
			return
		}
	}
}

// drain handles every event already queued.
func (a *actor) drain() {
	for {
		select {
		case ev := <-a.in:
			a.handle(ev)
		default:
			return
		}
	}
}

func (a *actor) handle(ev hearth.Event) {
	res := a.ch.Handle(ev)
	if res.Duplicate {
		a.e.opts.Recorder.DuplicateDropped(ev.Channel)
		return
	}
	a.e.opts.Recorder.EventHandled(ev.Channel, ev.Kind)
	a.observeLatency(ev)
	a.anchorClock()
	if res.Chatted {
		a.active.see(res.ChatterID, ev.Time)
		if res.Verified {
			a.verified.see(res.ChatterID, ev.Time)
		}
	}
	a.chat(ev)
	a.countGoals(ev, res)
	a.apply(res)
}

// apply hands a result's changes and its notices, as overlay events, to
// the writer (as one group), its reply to the chat, and its notices to the
// overlays and, if the channel wants it, the chat. A stream that ended
// rolls its credits.
func (a *actor) apply(res community.Result) {
	rec := a.e.opts.Recorder
	name := a.ch.Name()
	if res.Earned > 0 {
		rec.PointsAwarded(name, res.Earned)
	}
	if res.Command != "" {
		rec.Command(name, res.Command, res.Rejected)
	}
	b := hearth.Batch{Viewers: res.Changed, Streams: res.Streams}
	a.applyPoll(res, &b)
	if len(res.Notices) > 0 {
		b.OverlayEvents = make([]hearth.OverlayEvent, len(res.Notices))
		for i, n := range res.Notices {
			b.OverlayEvents[i] = eventOf(n)
		}
		a.appendEvents(b.OverlayEvents)
	}
	a.write(b)
	a.publishEvents(b.OverlayEvents)
	if res.Reply != "" {
		a.e.opts.Chat.Say(name, res.Reply)
	}
	rules := a.ch.Rules()
	for _, n := range res.Notices {
		rec.Notice(name, string(n.Kind))
		inChat := rules.WelcomeInChat && (n.Kind == community.NoticeWelcome || n.Kind == community.NoticeWelcomeBack) ||
			rules.RankUpInChat && n.Kind == community.NoticeRankUp
		if now := a.e.opts.Clock.Now(); inChat && now.Sub(a.lastAnnounce) >= welcomeLineEvery {
			a.lastAnnounce = now
			a.e.opts.Chat.Say(name, community.NoticeLine(rules.Language, n))
		}
	}
	a.endOfStream()
}

func (a *actor) write(b hearth.Batch) {
	if b.Len() == 0 {
		return
	}
	a.e.writer.in <- b
	if len(b.Viewers) > 0 || len(b.Forget) > 0 {
		a.boardDirty = true
	}
}

// now is the channel's clock: on event time, the latest event's; else
// where it stood after the last event or request, advanced by the wall
// time since, and the wall clock only before anything set it.
func (a *actor) now() time.Time {
	if a.e.opts.EventClock {
		return a.ch.Now()
	}
	wall := a.e.opts.Clock.Now()
	if a.anchorAt.IsZero() {
		return wall
	}
	return a.anchor.Add(wall.Sub(a.anchorAt))
}

// anchorClock notes where the channel's clock stands now, after an event
// or a request: where the event moved it, or where it had run on to.
func (a *actor) anchorClock() {
	at := a.ch.Now()
	if at.IsZero() {
		return // nothing has set it yet
	}
	if !a.anchorAt.IsZero() {
		if running := a.now(); running.After(at) {
			at = running
		}
	}
	a.anchor, a.anchorAt = at, a.e.opts.Clock.Now()
}

func (a *actor) refresh() {
	now := a.now()
	a.active.advance(now)
	a.verified.advance(now)
	a.refreshes++
	a.publishPoll()
	if a.chatFeed.dirty {
		a.publishChat()
	}
	a.flushGoals()
	a.writeRecap()
	if a.refreshes%engagementEvery == 1 {
		e := a.ch.Engagement()
		e.ActiveChatters = a.active.seen(len(activeWindows))
		a.e.opts.Recorder.ChannelState(a.ch.Name(), e)
		a.reportFigures(now)
	}
	if !a.boardDirty {
		return
	}
	a.boardDirty = false
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicLeaderboard, a.ch.Leaderboard(a.e.opts.LeaderboardSize))
}

package engine

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// EventsKept is how many of a channel's last overlay events the engine
// hands the overlays when it loads the channel, so that a page that
// reconnects after a restart gets what it missed without a store read.
const EventsKept = 1000

// DefaultEventRetention is how long the overlay event log keeps events
// when Options.EventRetention is unset.
const DefaultEventRetention = 7 * 24 * time.Hour

// pruneEvery is how often the writer prunes the event log.
const pruneEvery = time.Hour

// eventLog is a channel's side of the overlay event log, owned by the
// actor: the last seq it appended, and the names this stream's credits
// thank.
type eventLog struct {
	seq     int64
	stream  int64 // the stream the credits below gather for
	credits map[string][]string
	// wasLive says the stream was live after the last result applied, so
	// that its end rolls the credits.
	wasLive bool
	// recent are the last events about someone or something (not rolls),
	// oldest first, at most overviewEvents, for the console's overview.
	recent []hearth.OverlayEvent
}

// remember keeps ev among the recent events, unless it is a roll.
func (l *eventLog) remember(ev hearth.OverlayEvent) {
	if ev.Credits != nil {
		return
	}
	if len(l.recent) == overviewEvents {
		l.recent = append(l.recent[:0], l.recent[1:]...)
	}
	l.recent = append(l.recent, ev)
}

// forget drops a forgotten viewer's recent events.
func (l *eventLog) forget(userID string) {
	l.recent = slices.DeleteFunc(l.recent, func(ev hearth.OverlayEvent) bool { return ev.UserID == userID })
}

// creditOrder is the order in which the credits roll their sections;
// chatters come from the rules' ranking when the roll is made.
var creditOrder = []string{
	hearth.CreditsNewcomers, hearth.CreditsChatters, hearth.CreditsSubs, hearth.CreditsGifters,
	hearth.CreditsRaiders, hearth.CreditsPollWinners, hearth.CreditsRankUps,
}

// credit notes who an event thanks in its stream's credits; a test thanks
// nobody.
func (l *eventLog) credit(ev hearth.OverlayEvent) {
	if ev.Test {
		return
	}
	if ev.Stream != l.stream || l.credits == nil {
		l.stream, l.credits = ev.Stream, make(map[string][]string)
	}
	var section, name string
	switch ev.Kind {
	case hearth.OverlayWelcome:
		section, name = hearth.CreditsNewcomers, ev.DisplayName
	case hearth.OverlaySub, hearth.OverlayResub:
		section, name = hearth.CreditsSubs, ev.DisplayName
	case hearth.OverlaySubGift:
		section, name = hearth.CreditsGifters, ev.DisplayName
	case hearth.OverlayRaid:
		section, name = hearth.CreditsRaiders, ev.DisplayName
	case hearth.OverlayPollResult:
		section, name = hearth.CreditsPollWinners, ev.DisplayName
		if ev.Text != "" {
			name = ev.Text + " → " + ev.DisplayName
		}
	case hearth.OverlayRankUp:
		section, name = hearth.CreditsRankUps, ev.DisplayName
		if ev.Rank != "" {
			name = ev.DisplayName + " → " + ev.Rank
		}
	}
	if name == "" {
		return
	}
	names := l.credits[section]
	if len(names) < maxCreditNames && !slices.Contains(names, name) {
		l.credits[section] = append(names, name)
	}
}

// maxCreditNames bounds one section of the credits.
const maxCreditNames = 200

// loadEvents reads a channel's last events: the actor counts on from the
// last one's seq, gathers the credits of the stream they belong to, and
// hands them to the overlays when it starts.
func (e *Engine) loadEvents(ctx context.Context, a *actor) error {
	recent, err := e.store.RecentOverlayEvents(ctx, a.ch.Name(), EventsKept)
	if err != nil {
		return err
	}
	if len(recent) == 0 {
		return nil
	}
	a.events.seq = recent[len(recent)-1].Seq
	for _, ev := range recent {
		a.events.credit(ev)
		a.events.remember(ev)
	}
	a.loaded = recent
	return nil
}

// stream returns the seq of the channel's live stream, or of its last.
func (a *actor) stream() int64 {
	s, _ := a.ch.Live()
	return s.Seq
}

// appendEvents numbers events on from the channel's last, dates them
// by the wall clock (the log is pruned by it) and notes them for the
// credits; the caller writes and publishes them.
func (a *actor) appendEvents(events []hearth.OverlayEvent) {
	now := a.e.opts.Clock.Now()
	stream := a.stream()
	for i := range events {
		a.events.seq++
		ev := &events[i]
		ev.Channel, ev.Seq, ev.Stream, ev.At = a.ch.Name(), a.events.seq, stream, now
		a.events.credit(*ev)
		a.events.remember(*ev)
	}
}

// publishEvents hands appended events to the overlays.
func (a *actor) publishEvents(events []hearth.OverlayEvent) {
	if len(events) > 0 {
		a.e.opts.Events.PublishEvents(a.ch.Name(), events)
	}
}

// emit appends one event made outside the rules (a roll, a test), writes
// and publishes it.
func (a *actor) emit(ev hearth.OverlayEvent) hearth.OverlayEvent {
	events := []hearth.OverlayEvent{ev}
	a.appendEvents(events)
	a.write(hearth.Batch{OverlayEvents: events})
	a.publishEvents(events)
	return events[0]
}

// eventOf is a notice as the overlays show it, its texts as
// hearth.DisplayText shows them.
func eventOf(n community.Notice) hearth.OverlayEvent {
	ev := hearth.OverlayEvent{
		Kind: string(n.Kind), UserID: n.UserID, Login: n.Login,
		DisplayName: hearth.DisplayText(n.DisplayName, n.Login),
		Rank:        hearth.DisplayText(n.Rank, ""), Text: hearth.DisplayText(n.Text, ""), Amount: n.Amount,
	}
	if n.Kind == community.NoticePollResult {
		ev.UserID, ev.Login = "", ""
	}
	return ev
}

// endOfStream rolls the credits when the stream that was live has ended.
func (a *actor) endOfStream() {
	_, live := a.ch.Live()
	if a.events.wasLive && !live {
		a.rollCredits()
	}
	a.events.wasLive = live
}

// rollCredits appends a credits roll of the current (or last) stream.
func (a *actor) rollCredits() hearth.OverlayEvent {
	stream := a.stream()
	if a.events.stream != stream {
		a.events.stream, a.events.credits = stream, nil
	}
	var chatters []string
	for _, v := range a.ch.TopChatters() {
		chatters = append(chatters, hearth.DisplayText(v.DisplayName, v.Login))
	}
	credits := &hearth.Credits{Sections: []hearth.CreditSection{}}
	for _, kind := range creditOrder {
		names := a.events.credits[kind]
		if kind == hearth.CreditsChatters {
			names = chatters
		}
		if len(names) > 0 {
			credits.Sections = append(credits.Sections, hearth.CreditSection{Kind: kind, Names: slices.Clone(names)})
		}
	}
	return a.emit(hearth.OverlayEvent{Kind: hearth.OverlayCredits, Credits: credits})
}

// RollCredits appends a credits roll of a served channel's current (or
// last) stream to its event log, which plays it on every credits overlay,
// and returns it. ENOTFOUND if the channel is not served.
func (e *Engine) RollCredits(ctx context.Context, channel string) (hearth.OverlayEvent, error) {
	var ev hearth.OverlayEvent
	err := e.onChannel(ctx, channel, func(a *actor) { ev = a.rollCredits() })
	return ev, err
}

// TestOverlayEvent appends a test event of kind (one of
// hearth.OverlayEventKinds) to a served channel's event log: every open
// overlay of the channel shows it as it would a real one, marked as a
// test. It changes no viewer and counts in no figure. EINVALID for an
// unknown kind, ENOTFOUND if the channel is not served.
func (e *Engine) TestOverlayEvent(ctx context.Context, channel, kind string) (hearth.OverlayEvent, error) {
	if !hearth.ValidOverlayEventKind(kind) {
		return hearth.OverlayEvent{}, hearth.Errorf(hearth.EINVALID, "kind: %.40q is not an overlay event kind; the kinds are %s",
			kind, strings.Join(hearth.OverlayEventKinds(), ", "))
	}
	var ev hearth.OverlayEvent
	err := e.onChannel(ctx, channel, func(a *actor) { ev = a.emit(sampleEvent(kind)) })
	return ev, err
}

// OverlayEvents returns up to limit of a channel's stored events after
// seq after, in order: what the overlays read when a page asks for more
// than they keep.
func (e *Engine) OverlayEvents(ctx context.Context, channel string, after int64, limit int) ([]hearth.OverlayEvent, error) {
	return e.store.OverlayEvents(ctx, channel, after, limit)
}

// sampleEvent is the test event of kind: a made-up viewer, plausible
// amounts and texts.
func sampleEvent(kind string) hearth.OverlayEvent {
	ev := hearth.OverlayEvent{Kind: kind, Login: "hearth_test", DisplayName: "Test Viewer", Test: true}
	switch kind {
	case hearth.OverlaySub:
		ev.Amount = 1
	case hearth.OverlayResub:
		ev.Amount, ev.Text = 12, "A year already!"
	case hearth.OverlaySubGift:
		ev.Amount = 5
	case hearth.OverlayCheer:
		ev.Amount, ev.Text = 500, "Cheer500 great stream"
	case hearth.OverlayRaid:
		ev.Amount = 42
	case hearth.OverlayRedemption:
		ev.Text = "Hydrate!"
	case hearth.OverlayRankUp:
		ev.Rank = "Regular"
	case hearth.OverlayPollResult:
		ev.Login, ev.DisplayName, ev.Text = "", "Option A", "Which game next?"
	case hearth.OverlayCredits:
		ev.Login, ev.DisplayName = "", ""
		ev.Credits = &hearth.Credits{Sections: []hearth.CreditSection{}}
		for _, kind := range creditOrder {
			names := make([]string, 3)
			for i := range names {
				names[i] = "Test Viewer " + strconv.Itoa(i+1)
			}
			ev.Credits.Sections = append(ev.Credits.Sections, hearth.CreditSection{Kind: kind, Names: names})
		}
	}
	return ev
}

// addEvents merges a group's overlay events into what is pending.
func (w *writer) addEvents(b hearth.Batch) {
	for _, ev := range b.OverlayEvents {
		w.events[streamKey{ev.Channel, ev.Seq}] = ev
	}
}

// forgetEvents drops a forgotten viewer's pending events.
func (w *writer) forgetEvents(k hearth.ViewerKey) {
	for ek, ev := range w.events {
		if ek.channel == k.Channel && ev.UserID == k.UserID {
			delete(w.events, ek)
		}
	}
}

// eventRows adds the pending events to b.
func (w *writer) eventRows(b *hearth.Batch) {
	for _, ev := range w.events {
		b.OverlayEvents = append(b.OverlayEvents, ev)
	}
}

func (w *writer) dropInvalidEvents() {
	for k, ev := range w.events {
		if err := (hearth.Batch{OverlayEvents: []hearth.OverlayEvent{ev}}).Validate(); err != nil {
			w.log.Error("engine: dropping an overlay event the store refuses", "channel", k.channel, "seq", k.seq, "err", err)
			delete(w.events, k)
		}
	}
}

// prune deletes the events older than the retention, at most once every
// pruneEvery, after a flush that wrote something: a store that cannot
// write is reported by the flushes, and a log that gets no new events has
// no more to prune than when it last got one. A failure is logged and
// tried at the next.
func (w *writer) prune() {
	now := time.Now()
	if w.retention <= 0 || now.Before(w.pruneAt) {
		return
	}
	w.pruneAt = now.Add(pruneEvery)
	ctx, cancel := context.WithTimeout(w.ctx, time.Minute)
	defer cancel()
	n, err := w.store.PruneOverlayEvents(ctx, now.Add(-w.retention))
	if err != nil {
		w.log.Error("engine: unable to prune the overlay event log", "err", err)
		return
	}
	if n > 0 {
		w.log.Info("engine: overlay events pruned", "events", n, "retention", w.retention.String())
	}
}

type nopEvents struct{}

func (nopEvents) PublishEvents(string, []hearth.OverlayEvent) {}
func (nopEvents) ForgetEvents(string, string)                 {}

package engine

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// activeWindows are the windows of the active chatter figures; the
// longest bounds how long the actor remembers a chatter.
var activeWindows = [...]time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// verifiedWindow is the window of the verified active chatter figure.
const verifiedWindow = 5 * time.Minute

// activeWindowsOf returns the windows an actor counts chatters in:
// activeWindows, then the engagement figure's ActiveWindow.
func activeWindowsOf(o Options) []time.Duration {
	return append(activeWindows[:len(activeWindows):len(activeWindows)], o.ActiveWindow)
}

// distributionEvery is how many ticks pass between loyalty distribution
// updates (every 15 s): they walk every viewer.
const distributionEvery = 150

// historyStreams is how many past streams a channel loads for newcomer
// cohorts (the current one and four before it).
const historyStreams = 5

// FigureRecorder is told a channel's engagement figures, for metrics.
type FigureRecorder interface {
	// Figures reports a channel's figures, about once a second.
	Figures(channel string, f hearth.ChannelFigures)
	// Distribution reports how a channel's viewers spread over ranks and
	// streaks, every 15 seconds.
	Distribution(channel string, d hearth.Distribution)
	// IngestLatency observes the time from Twitch sending a chat message
	// (its tmi-sent-ts) to its change being applied; live traffic only.
	IngestLatency(d time.Duration)
}

type nopFigures struct{}

func (nopFigures) Figures(string, hearth.ChannelFigures)    {}
func (nopFigures) Distribution(string, hearth.Distribution) {}
func (nopFigures) IngestLatency(time.Duration)              {}

// loadHistory gives a channel its recent streams and its current stream's
// stored recap, when the store keeps recaps.
func (e *Engine) loadHistory(ctx context.Context, ch *community.Channel, streams []hearth.StreamSession) error {
	var stored *hearth.StreamRecap
	if rs, ok := e.store.(hearth.RecapStore); ok && len(streams) > 0 {
		r, err := rs.Recap(ctx, ch.Name(), streams[0].Seq)
		switch {
		case err == nil:
			stored = &r
		case hearth.ErrorCode(err) != hearth.ENOTFOUND:
			return err
		}
	}
	ch.LoadHistory(streams, stored)
	return nil
}

// writeRecap hands the writer the current stream's recap if it changed
// since it was last written: at most once per tick, however busy chat is.
func (a *actor) writeRecap() {
	if rs := a.ch.RecapsToWrite(); len(rs) > 0 {
		a.write(hearth.Batch{Recaps: rs})
	}
}

// reportFigures reports the channel's figures with the active chatter
// windows the actor counts.
func (a *actor) reportFigures(now time.Time) {
	f := a.ch.Figures()
	f.ActiveChatters1m, f.ActiveChatters5m, f.ActiveChatters15m = a.active.seen(0), a.active.seen(1), a.active.seen(2)
	f.VerifiedActive5m = a.verified.seen(0)
	a.e.opts.Figures.Figures(a.ch.Name(), f)
	if a.refreshes%distributionEvery == 1 {
		a.e.opts.Figures.Distribution(a.ch.Name(), a.ch.Distribution(now))
	}
}

// observeLatency observes a live chat message's ingest latency.
func (a *actor) observeLatency(ev hearth.Event) {
	if a.e.opts.EventClock || ev.Kind != hearth.EventChat || ev.Time.IsZero() {
		return
	}
	a.e.opts.Figures.IngestLatency(max(a.e.opts.Clock.Now().Sub(ev.Time), 0))
}

// StartSegment starts a sponsor segment named name in channel, as a
// moderator's "!segment start" does, and returns it. Errors are
// community.Channel.StartSegment's.
func (e *Engine) StartSegment(ctx context.Context, channel, name string) (hearth.SegmentRecap, error) {
	var s hearth.SegmentRecap
	err := e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		var res community.Result
		var err error
		s, res, err = c.StartSegment(name, now)
		return res, err
	})
	return s, err
}

// EndSegment ends the running sponsor segment of channel and returns its
// comparison with the stream's baseline; ENOTFOUND when none runs.
func (e *Engine) EndSegment(ctx context.Context, channel string) (hearth.SegmentRecap, error) {
	var s hearth.SegmentRecap
	err := e.RunPoll(ctx, channel, func(c *community.Channel, now time.Time) (community.Result, error) {
		var res community.Result
		var err error
		s, res, err = c.EndSegment(now)
		return res, err
	})
	return s, err
}

// addRecaps merges a group's recaps into what is pending; the last of a
// stream wins.
func (w *writer) addRecaps(b hearth.Batch) {
	for _, r := range b.Recaps {
		w.recaps[streamKey{r.Channel, r.Seq}] = r
	}
}

// recapRows adds the pending recaps to b.
func (w *writer) recapRows(b *hearth.Batch) {
	for _, r := range w.recaps {
		b.Recaps = append(b.Recaps, r)
	}
}

func (w *writer) dropInvalidRecaps() {
	for k, r := range w.recaps {
		if err := (hearth.Batch{Recaps: []hearth.StreamRecap{r}}).Validate(); err != nil {
			w.log.Error("engine: dropping a recap the store refuses", "channel", k.channel, "err", err)
			delete(w.recaps, k)
		}
	}
}

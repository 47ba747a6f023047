package engine

import (
	"context"
	"slices"

	"github.com/hearthlive/hearth"
)

// overviewEvents is how many of the last events an Overview holds.
const overviewEvents = 10

// Overview returns a served channel as it stands now, for the console's
// overview: its audience, participation, poll, segment and last events.
// It reads only what the channel keeps counted, so it is cheap to ask
// every second. ENOTFOUND if the channel is not served.
func (e *Engine) Overview(ctx context.Context, channel string) (hearth.Overview, error) {
	var o hearth.Overview
	err := e.onChannel(ctx, channel, func(a *actor) {
		now := a.now()
		eng := a.ch.Engagement()
		f := a.ch.Figures()
		o = hearth.Overview{
			Channel:          channel,
			Live:             eng.Live,
			Viewers:          eng.ConcurrentViewers,
			ViewerCountKnown: eng.ViewerCountKnown,
			ActiveChatters:   a.active.seen(len(activeWindows)),
			StreamChatters:   eng.StreamChatters,
			StreamNewcomers:  f.StreamNewcomers,
			PointsGiven:      f.PointsGivenTotal,
			Poll:             a.ch.PollState(now),
			At:               now,
		}
		if eng.ConcurrentViewers > 0 {
			o.Participation = float64(o.ActiveChatters) / float64(eng.ConcurrentViewers)
		}
		for _, s := range f.Segments {
			if s.Active {
				o.Segment = hearth.DisplayText(s.Name, "")
			}
		}
		o.Events = slices.Clone(a.events.recent)
		slices.Reverse(o.Events)
	})
	return o, err
}

// Position returns a viewer's place in a served channel's ranking by
// points (from 1, shared by equal points; 0 for bots and the
// broadcaster) and how many viewers are ranked.
func (e *Engine) Position(ctx context.Context, channel, userID string) (pos, total int, err error) {
	err = e.onChannel(ctx, channel, func(a *actor) {
		pos, total = a.ch.Position(userID)
	})
	return pos, total, err
}

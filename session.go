package hearth

import "time"

// StreamSession is one broadcast of a channel: from going live to going
// offline as Twitch reports it, or inferred from chat when Twitch says
// nothing (a gap of silence ends one session and the next message starts
// another).
type StreamSession struct {
	Channel   string
	Seq       int64 // 1, 2, 3... within the channel
	StartedAt time.Time
	EndedAt   time.Time // zero while live
	// Source says how the session was known: SourceTwitch or SourceChat.
	Source   string
	Messages int64 // chat messages during the session
	Chatters int64 // distinct viewers who chatted during the session
	// Minutes is the clock of every viewer's presence span
	// (ViewerStats.WatchFrom): it counts the watch-time minutes credited
	// during the session, plus one for each restart that found the
	// session live. Such a restart cuts presence (Store.EndPresence): it
	// skips one minute of the clock, which credits nobody, so that spans
	// left open before it and spans opened after it are told apart.
	Minutes int64
}

// Sources of a StreamSession.
const (
	SourceTwitch = "twitch"
	SourceChat   = "chat"
)

// StreamClock is a stream's presence clock as the store holds it: the
// stream's Minutes and its presence cuts. A cut at minute m is a restart
// that found the stream live at minute m and skipped minute m+1 of its
// clock (Store.EndPresence), so spans opened before the restart (at m+1 at
// the latest) count up to m, and spans opened after it (at m+2 or later)
// are not cut by it.
type StreamClock struct {
	Minutes int64
	Cuts    []int64 // ascending
}

// End returns the minute at which a presence span opened at minute
// watchFrom of the stream ends, for Folded: the first cut at or after
// watchFrom-1, or the stream's Minutes if there is none.
func (c StreamClock) End(watchFrom int64) int64 {
	for _, m := range c.Cuts {
		if m >= watchFrom-1 {
			return m
		}
	}
	return c.Minutes
}

// StreamClocks are a channel's stream clocks by stream Seq, as a store
// reads them once to fold the spans of many rows.
type StreamClocks map[int64]StreamClock

// Add records one row of a clock read: stream seq's Minutes and, when
// hasCut, one of its cuts; a stream's cuts come in ascending order.
func (cs StreamClocks) Add(seq, minutes, cut int64, hasCut bool) {
	c := cs[seq]
	c.Minutes = minutes
	if hasCut {
		c.Cuts = append(c.Cuts, cut)
	}
	cs[seq] = c
}

// Fold returns v with its open presence span, if any, folded in up to the
// minute its stream's clock ends it.
func (cs StreamClocks) Fold(v ViewerStats) ViewerStats {
	if v.WatchFrom == 0 {
		return v
	}
	return v.Folded(cs[v.StreamSeq].End(v.WatchFrom))
}

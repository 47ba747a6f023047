package hearth

import "time"

// ViewerStats is a viewer's standing in one channel: what Hearth has counted
// for them since it first saw them there. It is keyed by (Channel, UserID).
type ViewerStats struct {
	Channel     string
	UserID      string
	Login       string
	DisplayName string
	Messages    int64 // chat messages sent, lifetime
	Points      int64 // loyalty points balance, never negative
	// LifetimePoints is every point earned by taking part (chat,
	// presence, bonuses, moderators' awards) minus what was taken back;
	// transfers between viewers do not change it. Ranks by points use it.
	LifetimePoints int64
	// WatchSeconds is time present in chat while the stream was live,
	// lifetime.
	WatchSeconds int64

	// StreamSeq names the stream (StreamSession.Seq) that StreamMessages
	// and StreamWatchSeconds count; 0 when the viewer has not been seen
	// during a stream.
	StreamSeq          int64
	StreamMessages     int64
	StreamWatchSeconds int64
	// WatchFrom opens a presence span: while the viewer is present in
	// live stream StreamSeq, they are credited 60 seconds for each of
	// the stream's minutes from WatchFrom (counted from 1, as
	// StreamSession.Minutes counts them) to the stream's Minutes, and
	// that time is not yet in WatchSeconds or StreamWatchSeconds, so the
	// minute tick writes one stream row instead of every present
	// viewer's. A span the store holds may have been left open by a
	// process that stopped: it ends at the stream's first presence cut
	// after it opened (StreamClock.End). 0 when no span is open. Folded returns
	// the effective values; every reader outside the channel's own
	// goroutine sees only those.
	WatchFrom int64

	// Streak is how many streams in a row the viewer attended (with the
	// configured grace); LongestStreak the best ever. LastAttended is the
	// Seq of the last stream attended, GraceUsedAt the Seq of the stream
	// whose absence the grace last forgave (0: never).
	Streak        int64
	LongestStreak int64
	LastAttended  int64
	GraceUsedAt   int64

	FirstSeen time.Time
	LastSeen  time.Time
	// FollowedAt is when Twitch first reported the viewer following the
	// channel; zero if it never did. A follow earns its bonus once ever.
	FollowedAt time.Time
}

// Folded returns v with its open presence span, if any, counted into
// WatchSeconds and StreamWatchSeconds up to minute minutes of its stream
// (StreamSession.Minutes of stream StreamSeq), and closed.
func (v ViewerStats) Folded(minutes int64) ViewerStats {
	if v.WatchFrom > 0 {
		credit := 60 * max(0, minutes-v.WatchFrom+1)
		v.WatchSeconds += credit
		v.StreamWatchSeconds += credit
		v.WatchFrom = 0
	}
	return v
}

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

// ViewerKey names one viewer in one channel.
type ViewerKey struct {
	Channel string
	UserID  string
}

// Key returns the viewer's key.
func (v ViewerStats) Key() ViewerKey { return ViewerKey{Channel: v.Channel, UserID: v.UserID} }

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

// ChannelInfo is what Hearth keeps about a channel it serves.
type ChannelInfo struct {
	Name         string // login, lower case
	OverlayToken string // read-only token that overlays present
	CreatedAt    time.Time
}

// Leaderboard is a channel's top viewers by points, as the leaderboard
// overlay and the API show them. The channel's ranking (community.Ranking)
// decides who is on it and in what order.
type Leaderboard struct {
	Channel string             `json:"channel"`
	Entries []LeaderboardEntry `json:"entries"`
}

// LeaderboardEntry is one row of a Leaderboard. Rank is the viewer's
// position, from 1; viewers with equal points share one (500, 310, 310,
// 200 hold 1, 2, 2, 4).
type LeaderboardEntry struct {
	Rank        int    `json:"rank"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Points      int64  `json:"points"`
	Messages    int64  `json:"messages"`
}

// TopicLeaderboard is the overlay topic a Leaderboard is published on.
const TopicLeaderboard = "leaderboard"

// Alerts is the state the alerts overlay shows: the channel's most recent
// welcomes and rank-ups, oldest first. Seq grows with every alert, across
// restarts too, so a page shows each alert once.
type Alerts struct {
	Channel string  `json:"channel"`
	Items   []Alert `json:"items"`
}

// Alert is one welcome, rank-up or poll result. Kind is "welcome",
// "welcome_back", "rank_up" or "poll_result"; Rank is set for rank-ups; a
// poll result has the winning option(s) in DisplayName and the question
// in Text.
type Alert struct {
	Seq         int64     `json:"seq"`
	Kind        string    `json:"kind"`
	Login       string    `json:"login"`
	DisplayName string    `json:"display_name"`
	Rank        string    `json:"rank,omitempty"`
	Text        string    `json:"text,omitempty"` // a poll result's question, a redemption's reward
	At          time.Time `json:"at"`
}

// TopicAlerts is the overlay topic Alerts are published on.
const TopicAlerts = "alerts"

// Engagement is a channel's participation and loyalty figures at one
// moment, for metrics. Bots and the broadcaster are never counted.
type Engagement struct {
	// ActiveChatters chatted within the active window (5 minutes);
	// Viewers is everyone ever seen.
	ActiveChatters int
	Viewers        int
	// Live says a stream is on. The Stream figures describe the current
	// stream, or the last one while offline.
	Live bool
	// StreamChatters chatted in the stream; ReturningChatters are those of
	// them Hearth had seen before the stream began.
	StreamChatters    int64
	ReturningChatters int64
	// Top10Share is the share (0 to 1) of the stream's messages sent by its
	// ten most active chatters: high means a few voices carry the chat.
	Top10Share float64
	// ConcurrentViewers is Twitch's concurrent viewer count while live (0
	// while offline); ViewerCountKnown says Twitch reports one (Helix).
	ConcurrentViewers int
	ViewerCountKnown  bool
}

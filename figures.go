package hearth

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

// ChannelFigures are a channel's engagement figures beyond Engagement, as
// the engine reports them to metrics about once a second. Counts named
// Total grow for as long as the channel runs in this process; the others
// describe the current (or last) stream or the present moment.
type ChannelFigures struct {
	NewcomersTotal        int64 // first messages ever in the channel
	ReturnersTotal        int64 // first messages of a stream from earlier streams' attendees
	VerifiedMessagesTotal int64 // messages of non-bots, a copy-paste burst counted once
	PointsGivenTotal      int64 // points moved between viewers with !give
	PointsPollsTotal      int64 // points spent on votes in points-weighted polls

	StreamNewcomers int64
	// Retention is Retained / PreviousAttendees of the current or last
	// stream; 0 when the previous stream had no attendees.
	Retention float64

	// ActiveChatters counts the viewers (bots left out) who chatted in the
	// last minute, 5 minutes and 15 minutes; VerifiedActive those of the
	// 5 minutes with a message that was not part of a copy-paste burst.
	ActiveChatters1m, ActiveChatters5m, ActiveChatters15m int
	VerifiedActive5m                                      int

	// Segments are the sponsor segment names used in the channel since it
	// started here (bounded by the rules), with whether each is running.
	Segments []SegmentState
}

// SegmentState is one sponsor segment name and whether it is running.
type SegmentState struct {
	Name   string
	Active bool
}

// Distribution is how a channel's community spreads over its rank ladder
// and attendance streaks; the engine reports it to metrics every few
// seconds, as it walks every viewer.
type Distribution struct {
	// ByRank is, for each rank of the ladder in order, the viewers (bots
	// left out) who hold it.
	ByRank []RankCount
	// StreakCounts[i] is how many viewers active (seen) in the last 30
	// days, bots left out, hold a current streak of at most
	// StreakBuckets[i]; StreakViewers is all of them and StreakSum the sum
	// of their streaks: a cumulative histogram.
	StreakCounts  []uint64
	StreakViewers uint64
	StreakSum     float64
}

// StreakBuckets are the upper bounds of the streak histogram, in streams.
var StreakBuckets = []float64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55}

// RankCount is how many viewers hold one rank.
type RankCount struct {
	Rank    string
	Viewers int64
}

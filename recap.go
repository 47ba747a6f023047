package hearth

import (
	"context"
	"time"
)

// StreamRecap is one stream's engagement as a community manager reads it:
// who took part, who was new, who came back, and how chat responded to
// sponsor segments. Bots and the broadcaster are never counted. Figures
// of a live stream grow until it ends.
type StreamRecap struct {
	Channel   string    `json:"channel"`
	Seq       int64     `json:"seq"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"` // zero while live

	// Messages and Chatters count everything; the Verified figures leave
	// out known bots and count a copy-paste burst (the same text from many
	// viewers within seconds) as one message.
	Messages         int64 `json:"messages"`
	Chatters         int64 `json:"chatters"`
	VerifiedMessages int64 `json:"verified_messages"`
	VerifiedChatters int64 `json:"verified_chatters"`

	// Newcomers chatted in the channel for the first time ever during the
	// stream; Returners attended an earlier stream.
	Newcomers int64 `json:"newcomers"`
	Returners int64 `json:"returners"`
	// PreviousAttendees attended the previous stream and Retained of them
	// attended this one: retention is Retained / PreviousAttendees.
	PreviousAttendees int64 `json:"previous_attendees"`
	Retained          int64 `json:"retained"`

	// Top10Share is the share (0 to 1) of messages sent by the ten most
	// active chatters.
	Top10Share float64 `json:"top10_share"`

	// Activity is the stream minute by minute, from its start.
	Activity []MinuteActivity `json:"activity"`

	// PeakViewers and AvgViewers are Twitch's concurrent viewer counts
	// (0 when Twitch reports none); Participation is the stream's average
	// of active chatters / concurrent viewers while counts were known.
	PeakViewers   int64   `json:"peak_viewers"`
	AvgViewers    int64   `json:"avg_viewers"`
	Participation float64 `json:"participation"`

	Polls    []PollRecap    `json:"polls"`
	Segments []SegmentRecap `json:"segments"`

	// Cohorts says how many of the newcomers of earlier streams came back
	// to this one: for stream k it holds the cohorts of streams k-1, k-2
	// and k-4, so the recaps of k+1, k+2 and k+4 together draw cohort k's
	// retention curve.
	Cohorts []CohortRetention `json:"cohorts"`
}

// CohortRetention is one newcomer cohort seen from a later stream: the
// viewers first seen during stream Cohort (before the next one began),
// and how many of them attended the stream whose recap holds it.
type CohortRetention struct {
	Cohort    int64 `json:"cohort"`    // the Seq of the stream the cohort arrived in
	Newcomers int64 `json:"newcomers"` // the cohort's size, viewers forgotten since left out
	Attended  int64 `json:"attended"`  // of them, attended this stream
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

// MinuteActivity is one minute of a stream.
type MinuteActivity struct {
	Minute    int   `json:"minute"` // minutes since the stream started
	Messages  int64 `json:"messages"`
	Chatters  int64 `json:"chatters"`
	Newcomers int64 `json:"newcomers"`
}

// PollRecap is one poll of a stream and its turnout (voters / chatters
// active in the five minutes before it closed).
type PollRecap struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Voters   int64   `json:"voters"`
	Turnout  float64 `json:"turnout"`
}

// SegmentRecap compares a sponsor segment with the same stream outside
// segments (the baseline): the figure a sponsor pays for.
type SegmentRecap struct {
	Name      string    `json:"name"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	During    Activity  `json:"during"`
	Baseline  Activity  `json:"baseline"`
	// Lift is During.MessagesPerMinute / Baseline.MessagesPerMinute (0
	// when the baseline is empty).
	Lift float64 `json:"lift"`
}

// Activity is a rate of taking part over some minutes of a stream.
type Activity struct {
	Minutes           float64 `json:"minutes"`
	MessagesPerMinute float64 `json:"messages_per_minute"`
	ChattersPerMinute float64 `json:"chatters_per_minute"`
	Newcomers         int64   `json:"newcomers"`
	PollTurnout       float64 `json:"poll_turnout"` // mean turnout of polls that closed in it
}

// RecapStore keeps stream recaps. Recaps are written whole, like viewers:
// writing one twice leaves the same state.
type RecapStore interface {
	// Recaps returns a channel's recaps, newest first: at most limit of
	// them, older than stream seq before (0 for the newest).
	Recaps(ctx context.Context, channel string, before int64, limit int) ([]StreamRecap, error)
	// Recap returns one stream's recap; ENOTFOUND if there is none.
	Recap(ctx context.Context, channel string, seq int64) (StreamRecap, error)
}

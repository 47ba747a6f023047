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

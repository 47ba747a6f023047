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

// Limits on a stored StreamRecap. They bound one recap row whatever a
// stream does: a producer caps its recap to them (the activity curve keeps
// the stream's first MaxRecapMinutes minutes), and a store refuses a recap
// beyond them.
const (
	// MaxRecapMinutes is the longest activity curve: 24 hours of minutes.
	MaxRecapMinutes = 24 * 60
	// MaxRecapPolls is the most polls one recap lists.
	MaxRecapPolls = 500
	// MaxRecapSegments is the most segments one recap lists.
	MaxRecapSegments = 500
	// MaxRecapCohorts is the most newcomer cohorts one recap lists.
	MaxRecapCohorts = 16
	// MaxSegmentNameLen is the longest segment name a store keeps, in
	// bytes: room for 64 characters of four bytes each.
	MaxSegmentNameLen = 256
)

// problem returns what is wrong with r as a stored row, or "".
func (r StreamRecap) problem() string {
	switch {
	case !ValidLogin(r.Channel):
		return "channel is not a valid channel login"
	case r.Seq < 1:
		return "seq must be positive"
	case r.StartedAt.IsZero() || !r.EndedAt.IsZero() && r.EndedAt.Before(r.StartedAt):
		return "it must start, and not end before it starts"
	case r.Messages < 0 || r.Chatters < 0 || r.VerifiedMessages < 0 || r.VerifiedChatters < 0 ||
		r.Newcomers < 0 || r.Returners < 0 || r.PreviousAttendees < 0 || r.Retained < 0 ||
		r.PeakViewers < 0 || r.AvgViewers < 0:
		return "a count is negative"
	case r.Retained > r.PreviousAttendees:
		return "more viewers retained than attended the previous stream"
	case !ratio(r.Top10Share) || r.Top10Share > 1:
		return "top-10 share must be between 0 and 1"
	case !ratio(r.Participation):
		return "participation must be a finite number, not negative"
	case len(r.Activity) > MaxRecapMinutes:
		return "the activity curve is longer than 24 hours"
	case len(r.Polls) > MaxRecapPolls:
		return "too many polls"
	case len(r.Segments) > MaxRecapSegments:
		return "too many segments"
	case len(r.Cohorts) > MaxRecapCohorts:
		return "too many cohorts"
	}
	prev := -1
	for _, m := range r.Activity {
		switch {
		case m.Minute <= prev || m.Minute >= MaxRecapMinutes:
			return "activity minutes must increase and stay within 24 hours"
		case m.Messages < 0 || m.Chatters < 0 || m.Newcomers < 0:
			return "an activity count is negative"
		}
		prev = m.Minute
	}
	for _, p := range r.Polls {
		switch {
		case p.ID == "" || !validText(p.ID, pollMaxIDLen):
			return "a poll id is empty, too long or not valid UTF-8"
		case !validText(p.Question, PollMaxQuestionLen):
			return "a poll question is too long or not valid UTF-8"
		case p.Voters < 0 || !ratio(p.Turnout):
			return "a poll's voters or turnout is negative"
		}
	}
	for _, s := range r.Segments {
		switch {
		case s.Name == "" || !validText(s.Name, MaxSegmentNameLen):
			return "a segment name is empty, too long or not valid UTF-8"
		case s.StartedAt.IsZero() || !s.EndedAt.IsZero() && s.EndedAt.Before(s.StartedAt):
			return "a segment must start, and not end before it starts"
		case !ratio(s.Lift) || !s.During.valid() || !s.Baseline.valid():
			return "a segment's figures must be finite numbers, not negative"
		}
	}
	for _, c := range r.Cohorts {
		switch {
		case c.Cohort < 1 || c.Cohort >= r.Seq:
			return "a cohort is not an earlier stream"
		case c.Newcomers < 0 || c.Attended < 0 || c.Attended > c.Newcomers:
			return "a cohort's counts are negative, or more attended than arrived"
		}
	}
	return ""
}

// valid reports whether every figure of a is finite and not negative.
func (a Activity) valid() bool {
	return ratio(a.Minutes) && ratio(a.MessagesPerMinute) && ratio(a.ChattersPerMinute) &&
		a.Newcomers >= 0 && ratio(a.PollTurnout)
}

// ValidRecapPage checks the page a RecapStore.Recaps call asks for: an
// EINVALID *Error for a limit below 1 or a negative before, else nil.
func ValidRecapPage(before int64, limit int) error {
	if limit < 1 {
		return Errorf(EINVALID, "limit must be at least 1, got %d", limit)
	}
	if before < 0 {
		return Errorf(EINVALID, "before must be a stream number or 0, got %d", before)
	}
	return nil
}

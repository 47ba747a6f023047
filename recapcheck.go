package hearth

import "math"

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

// ratio reports whether f is finite and not negative: JSON and SQL keep
// neither NaN nor infinities.
func ratio(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0
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

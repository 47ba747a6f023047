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

// ViewerKey names one viewer in one channel.
type ViewerKey struct {
	Channel string
	UserID  string
}

// Key returns the viewer's key.
func (v ViewerStats) Key() ViewerKey { return ViewerKey{Channel: v.Channel, UserID: v.UserID} }

// problem returns what is wrong with v, or "" if nothing is.
func (v ViewerStats) problem() string {
	switch {
	case v.Channel == "":
		return "channel is empty"
	case !ValidLogin(v.Channel):
		return "channel is not a valid channel login"
	case v.UserID == "":
		return "user id is empty"
	case !validText(v.UserID, maxUserIDLen):
		return "user id is too long or not valid UTF-8"
	case !validText(v.Login, maxLoginLen):
		return "login is too long or not valid UTF-8"
	case !validText(v.DisplayName, maxDisplayNameLen):
		return "display name is too long or not valid UTF-8"
	case v.Messages < 0, v.Points < 0, v.LifetimePoints < 0, v.WatchSeconds < 0, v.StreamMessages < 0, v.StreamWatchSeconds < 0,
		v.Streak < 0, v.LongestStreak < 0, v.StreamSeq < 0, v.LastAttended < 0, v.GraceUsedAt < 0, v.WatchFrom < 0:
		return "a count is negative"
	}
	return ""
}

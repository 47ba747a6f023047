package hearth

import (
	"strconv"
	"time"
)

// PollRequest asks for a poll: the JSON body of POST
// /api/v1/channels/{channel}/polls, and what the engine's StartPoll takes.
type PollRequest struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	// DurationSeconds is how long the poll stays open; 0 takes the
	// channel's polls.duration.
	DurationSeconds int64 `json:"duration_seconds"`
	// Native asks for a Twitch poll instead of a chat poll.
	Native bool `json:"native"`
}

// Duration returns the poll's requested duration; 0 for the default.
func (r PollRequest) Duration() time.Duration { return time.Duration(r.DurationSeconds) * time.Second }

// Bounds of a chat poll's duration.
const (
	MinPollDuration = 10 * time.Second
	MaxPollDuration = 30 * time.Minute
)

// CheckPollSeconds checks a chat poll's duration given in whole seconds,
// as the API takes it: 0 (the channel's polls.duration) or
// MinPollDuration to MaxPollDuration. It refuses in the words of
// PollDurationError, so the rule reads the same whoever catches it, and it
// is safe from overflow for any n.
func CheckPollSeconds(n int64) error {
	if n == 0 || n >= int64(MinPollDuration/time.Second) && n <= int64(MaxPollDuration/time.Second) {
		return nil
	}
	return PollDurationError(strconv.FormatInt(n, 10))
}

// PollDurationError is the one wording of the rule on a chat poll's
// duration; got is the duration asked for, in seconds. It names the
// API's field, as the other errors of a poll request do.
func PollDurationError(got string) error {
	return Errorf(EINVALID, "duration_seconds: a chat poll lasts %d to %d seconds (0 takes the channel's polls.duration), got %s",
		int64(MinPollDuration/time.Second), int64(MaxPollDuration/time.Second), got)
}

// NativeUnavailable returns the ECONFLICT error answered when a native
// poll cannot be made, saying why and offering a chat poll.
func NativeUnavailable(why string) error {
	return Errorf(ECONFLICT, "%s; native polls need a broadcaster token with channel:manage:polls on an Affiliate or Partner channel. Send \"native\": false to run a chat poll instead", why)
}

package hearth

import (
	"context"
	"time"
)

// TopicPoll is the overlay topic a PollState is published on.
const TopicPoll = "poll"

// Kinds of poll.
const (
	PollChat   = "chat"   // votes are chat commands counted by Hearth
	PollNative = "native" // a Twitch poll, counted by Twitch and mirrored
)

// Poll statuses in a PollState.
const (
	PollOpen      = "open"
	PollClosed    = "closed"
	PollCancelled = "cancelled"
)

// PollState is what the poll overlay shows: the open poll, or the last
// one after it closed. Status "" means there has been no poll since Hearth
// started, and the overlay stays transparent.
type PollState struct {
	Channel  string            `json:"channel"`
	ID       string            `json:"id,omitempty"`
	Kind     string            `json:"kind,omitempty"`     // PollChat or PollNative
	Status   string            `json:"status"`             // "", PollOpen, PollClosed or PollCancelled
	Question string            `json:"question,omitempty"` // text from chat: shown as text, never as HTML
	Options  []PollOptionState `json:"options"`
	// Voters is how many viewers voted; Total is the sum of the options'
	// scores (equal to Voters unless votes are weighted).
	Voters int64 `json:"voters"`
	Total  int64 `json:"total"`
	// Weighting is "" (one viewer, one vote), "rank" or "points".
	Weighting string `json:"weighting,omitempty"`
	// Winners are the indexes of the options with the highest score once
	// the poll closed: more than one on a tie, none while open.
	Winners  []int     `json:"winners"`
	EndsAt   time.Time `json:"ends_at,omitzero"`   // when the poll is due to close
	ClosedAt time.Time `json:"closed_at,omitzero"` // when it closed or was cancelled
	// Now is the server's clock when the state was made, so a page can
	// count down without trusting the browser's clock.
	Now time.Time `json:"now"`
}

// PollOptionState is one option of a PollState.
type PollOptionState struct {
	Label string `json:"label"` // text from chat: shown as text, never as HTML
	Votes int64  `json:"votes"` // viewers who chose it
	Score int64  `json:"score"` // its weighted tally; equal to Votes when unweighted
}

// NativePolls runs polls on Twitch itself (Helix Create Poll and End Poll)
// for channels whose broadcaster allowed it (channel:manage:polls). Votes
// then arrive as EventPollProgress and EventPollEnd events.
type NativePolls interface {
	// CreatePoll starts a Twitch poll and returns Twitch's poll id. An
	// EUNAUTHORIZED *Error says the channel cannot run native polls (not
	// Affiliate or Partner, or no token with the scope); EINVALID names the
	// input Twitch refused.
	CreatePoll(ctx context.Context, channel, title string, choices []string, duration time.Duration) (string, error)
	// EndPoll ends a Twitch poll early, showing its result (cancel false)
	// or hiding it (cancel true).
	EndPoll(ctx context.Context, channel, pollID string, cancel bool) error
}

package hearth

import "time"

// Broadcaster pushes live state to overlays. Publish must not block: the
// implementation coalesces per channel and topic, last state wins. It
// takes state over: the caller must not change it after the call (publish
// a fresh value each time), since it may be read later, when it is sent.
type Broadcaster interface {
	Publish(channel, topic string, state any)
}

// TopicLeaderboard is the overlay topic a Leaderboard is published on.
const TopicLeaderboard = "leaderboard"

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

// TopicPoll is the overlay topic a PollState is published on.
const TopicPoll = "poll"

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

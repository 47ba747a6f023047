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
	Points      int64 // loyalty points balance
	FirstSeen   time.Time
	LastSeen    time.Time
}

// ChannelInfo is what Hearth keeps about a channel it serves.
type ChannelInfo struct {
	Name         string // login, lower case
	OverlayToken string // read-only token that overlays present
	CreatedAt    time.Time
}

// Leaderboard is the state the leaderboard overlay shows: a channel's top
// viewers by points.
type Leaderboard struct {
	Channel string             `json:"channel"`
	Entries []LeaderboardEntry `json:"entries"`
}

// LeaderboardEntry is one row of a Leaderboard. Rank starts at 1.
type LeaderboardEntry struct {
	Rank        int    `json:"rank"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Points      int64  `json:"points"`
	Messages    int64  `json:"messages"`
}

// TopicLeaderboard is the overlay topic a Leaderboard is published on.
const TopicLeaderboard = "leaderboard"

// NewLeaderboard ranks viewers, already ordered best first, for a channel.
func NewLeaderboard(channel string, top []ViewerStats) Leaderboard {
	b := Leaderboard{Channel: channel, Entries: make([]LeaderboardEntry, len(top))}
	for i, v := range top {
		b.Entries[i] = LeaderboardEntry{Rank: i + 1, Login: v.Login, DisplayName: v.DisplayName, Points: v.Points, Messages: v.Messages}
	}
	return b
}

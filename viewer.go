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

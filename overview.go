package hearth

import "time"

// Overview is a served channel at one moment, as the console's overview
// page shows it and refreshes it live: whether it is live, its audience,
// how much of it takes part, the current poll and segment and the last
// events. Text in it (names, the poll's question and options, the
// segment's name) has been through DisplayText.
type Overview struct {
	Channel string `json:"channel"`
	Live    bool   `json:"live"`
	// Viewers is Twitch's concurrent viewer count while live;
	// ViewerCountKnown says Twitch reports one.
	Viewers          int  `json:"viewers"`
	ViewerCountKnown bool `json:"viewer_count_known"`
	// ActiveChatters chatted within the active window (5 minutes), bots
	// left out; Participation is ActiveChatters / Viewers (0 when the
	// count is not known).
	ActiveChatters int     `json:"active_chatters"`
	Participation  float64 `json:"participation"`
	// StreamChatters and StreamNewcomers are of the current (or last)
	// stream; PointsGiven counts points moved with !give since start.
	StreamChatters  int64 `json:"stream_chatters"`
	StreamNewcomers int64 `json:"stream_newcomers"`
	PointsGiven     int64 `json:"points_given"`
	// Poll is the open or last poll (Status "" when none since start);
	// Segment names the running sponsor segment, "" when none runs.
	Poll    PollState `json:"poll"`
	Segment string    `json:"segment"`
	// Events are the channel's last welcomes, rank-ups and poll results,
	// newest first.
	Events []OverlayEvent `json:"events"`
	At     time.Time      `json:"at"`
}

package hearth

import "context"

// History reads what Hearth stored, for the HTTP API's exports and pages:
// channels, viewers, polls and stream recaps. Every Store is one.
type History interface {
	PollStore
	RecapStore
	// Channels returns every channel stored, by name, removed ones
	// included (ChannelInfo.RemovedAt).
	Channels(ctx context.Context) ([]ChannelInfo, error)
	// Viewers returns every viewer of a channel, ordered by user id, as
	// Store.Viewers does.
	Viewers(ctx context.Context, channel string) ([]ViewerStats, error)
}

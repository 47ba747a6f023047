package hearth

import "context"

// OverlayTokenStore replaces a channel's overlay token, for when an
// overlay URL leaked: the old token stops opening the channel's overlays.
// Implementations: store/sqlite, store/postgres.
type OverlayTokenStore interface {
	// RotateOverlayToken gives a channel a fresh random overlay token and
	// returns the channel's record with it; ENOTFOUND for a channel the
	// store does not know.
	RotateOverlayToken(ctx context.Context, channel string) (ChannelInfo, error)
}

// OverlayTokenSink learns a channel's new overlay token once it is
// stored, so that overlays accept it and refuse the old one.
type OverlayTokenSink interface {
	SetOverlayToken(channel, token string)
}

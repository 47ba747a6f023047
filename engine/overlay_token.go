package engine

import (
	"context"

	"github.com/hearthlive/hearth"
)

// RotateOverlayToken gives a served channel a fresh overlay token: it is
// stored, then Options.OverlayTokens learns it, so overlays accept it and
// refuse the old one from then on. It returns the channel's record with
// the new token; ENOTFOUND if the channel is not served.
func (e *Engine) RotateOverlayToken(ctx context.Context, channel string) (hearth.ChannelInfo, error) {
	if !e.Serves(channel) {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
	}
	info, err := e.store.RotateOverlayToken(ctx, channel)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	if e.opts.OverlayTokens != nil {
		e.opts.OverlayTokens.SetOverlayToken(channel, info.OverlayToken)
	}
	e.log.Info("overlay token rotated", "channel", channel)
	return info, nil
}

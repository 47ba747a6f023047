package web

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// OverlayTokens rotates a served channel's overlay token; *engine.Engine
// is one.
type OverlayTokens interface {
	// RotateOverlayToken stores a fresh token for the channel, which
	// overlays accept from then on instead of the old one; ENOTFOUND if
	// the channel is not served.
	RotateOverlayToken(ctx context.Context, channel string) (hearth.ChannelInfo, error)
}

// rotateOverlayToken answers the channel with its new token and overlay
// URLs.
func (a *api) rotateOverlayToken(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if a.tokens == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "overlay tokens cannot be rotated here")
	}
	info, err := a.tokens.RotateOverlayToken(c.UserContext(), ch)
	if err != nil {
		return err
	}
	// The token itself is a secret: the log says only that it changed.
	a.record(c, ch, "overlay_token.rotate", "", nil, map[string]any{"rotated": true})
	return c.JSON(channelJSON{Name: info.Name, OverlayToken: info.OverlayToken, Overlays: a.overlayURLs(c.BaseURL(), info)})
}

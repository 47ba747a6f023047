package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// maxChannelBody bounds the body that adds a channel: a name.
const maxChannelBody = 1 << 10

// Channels adds and removes the channels served, and changes their
// settings, while Hearth runs; *engine.Engine is one.
type Channels interface {
	// AddChannel serves a channel from now on and returns its record:
	// EINVALID for a name that cannot be a Twitch login, ECONFLICT for a
	// channel served already.
	AddChannel(ctx context.Context, name string) (hearth.ChannelInfo, error)
	// RemoveChannel stops serving a channel, keeping its data, or with
	// forget deleting it; ENOTFOUND for a channel unknown.
	RemoveChannel(ctx context.Context, name string, forget bool) error
	// Settings returns a served channel's rules, every one given.
	Settings(ctx context.Context, channel string) (hearth.ChannelSettings, error)
	// SetSettings changes the settings given, effective at once, and
	// returns them all: EINVALID with the rules' own message for values
	// that make no sense.
	SetSettings(ctx context.Context, channel string, s hearth.ChannelSettings) (hearth.ChannelSettings, error)
}

func (a *api) registerChannels(r fiber.Router) {
	a.route(r, fiber.MethodGet, "/channels", hearth.ActionChannels, a.listChannels)
	a.route(r, fiber.MethodPost, "/channels", hearth.ActionChannels, a.addChannel)
	a.route(r, fiber.MethodDelete, "/channels/:channel", hearth.ActionRemoveChannel, a.removeChannel)
	a.route(r, fiber.MethodGet, "/channels/:channel/settings", hearth.ActionView, a.channelSettings)
	a.route(r, fiber.MethodPut, "/channels/:channel/settings", hearth.ActionSettings, a.setChannelSettings)
}

// channelJSON is a channel as the API lists it.
type channelJSON struct {
	Name         string `json:"name"`
	OverlayToken string `json:"overlay_token"`
	// Served says whether Hearth serves the channel now.
	Served bool `json:"served"`
	// RemovedAt is when an operator removed it; absent while served.
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	// Overlays maps each overlay kind to its URL, ready to paste into OBS;
	// only for a channel served.
	Overlays map[string]string `json:"overlays,omitempty"`
}

func (a *api) channelJSON(base string, ch hearth.ChannelInfo) channelJSON {
	out := channelJSON{Name: ch.Name, OverlayToken: ch.OverlayToken}
	out.Served = a.engine != nil && a.engine.Serves(ch.Name)
	if ch.Removed() {
		at := ch.RemovedAt
		out.RemovedAt = &at
	}
	if out.Served {
		out.Overlays = a.overlayURLs(base, ch)
	}
	return out
}

// listChannels lists every channel stored, served or not.
func (a *api) listChannels(c *fiber.Ctx) error {
	chs, err := a.store.Channels(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(chs))
	for _, ch := range chs {
		out = append(out, a.channelJSON(c.BaseURL(), ch))
	}
	return c.JSON(out)
}

func (a *api) channelsOr404() error {
	if a.admin == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "channels cannot be added or removed here")
	}
	return nil
}

// addChannel serves a channel from now on: {"name": "login"}.
func (a *api) addChannel(c *fiber.Ctx) error {
	if err := a.channelsOr404(); err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c.Body(), maxChannelBody, &req); err != nil {
		return err
	}
	name := hearth.NormalizeChannel(req.Name)
	if name == "" {
		return hearth.Errorf(hearth.EINVALID, "name: %.40q is not a Twitch login", req.Name)
	}
	info, err := a.admin.AddChannel(c.UserContext(), name)
	if err != nil {
		return err
	}
	a.record(c, info.Name, "channel.add", info.Name, nil, map[string]any{"served": true})
	return c.Status(fiber.StatusCreated).JSON(a.channelJSON(c.BaseURL(), info))
}

// removeChannel stops serving a channel; ?forget=true deletes its data.
func (a *api) removeChannel(c *fiber.Ctx) error {
	if err := a.channelsOr404(); err != nil {
		return err
	}
	raw, err := param(c, "channel")
	if err != nil {
		return err
	}
	ch := hearth.NormalizeChannel(raw)
	if ch == "" {
		return hearth.Errorf(hearth.EINVALID, "%.40q is not a Twitch channel name", raw)
	}
	var forget bool
	switch c.Query("forget") {
	case "", "false":
	case "true":
		forget = true
	default:
		return hearth.Errorf(hearth.EINVALID, "forget: must be true or false")
	}
	if err := a.admin.RemoveChannel(c.UserContext(), ch, forget); err != nil {
		return err
	}
	if !forget {
		// A forgotten channel's log goes with the rest of its data.
		a.record(c, ch, "channel.remove", ch, map[string]any{"served": true}, map[string]any{"served": false})
	}
	return c.JSON(fiber.Map{"channel": ch, "served": false, "forgotten": forget})
}

// channelSettings answers a served channel's rules.
func (a *api) channelSettings(c *fiber.Ctx) error {
	if err := a.channelsOr404(); err != nil {
		return err
	}
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	s, err := a.admin.Settings(c.UserContext(), ch)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

// setChannelSettings changes the settings the body gives, keeping the
// others, and answers them all.
func (a *api) setChannelSettings(c *fiber.Ctx) error {
	if err := a.channelsOr404(); err != nil {
		return err
	}
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	s, err := hearth.ParseChannelSettings(c.Body())
	if err != nil {
		return err
	}
	before, err := a.admin.Settings(c.UserContext(), ch)
	if err != nil {
		return err
	}
	out, err := a.admin.SetSettings(c.UserContext(), ch, s)
	if err != nil {
		return err
	}
	a.record(c, ch, "settings.set", "", before, out)
	return c.JSON(out)
}

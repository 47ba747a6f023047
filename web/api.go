package web

import (
	"bytes"
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/export"
)

type api struct {
	store  hearth.Store
	rules  func(channel string) (community.Rules, bool)
	forget func(ctx context.Context, channel, login string) (hearth.ViewerStats, error)
}

// standing returns what names a viewer's rank and current streak in a
// channel, or nil if the channel's rules are unknown here.
func (a *api) standing(c *fiber.Ctx, channel string) (export.Ranker, error) {
	if a.rules == nil {
		return nil, nil
	}
	rules, ok := a.rules(channel)
	if !ok {
		return nil, nil
	}
	st := community.Standing{Rules: rules}
	last, err := a.store.Streams(c.UserContext(), channel, 1)
	if err != nil {
		return nil, err
	}
	if len(last) > 0 {
		st.Last = &last[0]
	}
	return st, nil
}

func (a *api) register(r fiber.Router) {
	r.Get("/channels", a.channels)
	r.Get("/channels/:channel/viewers", a.viewers)
	r.Get("/channels/:channel/viewers/:login", a.viewer)
	r.Delete("/channels/:channel/viewers/:login", a.forgetViewer)
	r.Get("/channels/:channel/leaderboard", a.leaderboard)
	r.Use(func(c *fiber.Ctx) error {
		return hearth.Errorf(hearth.ENOTFOUND, "no such API route: %s %s", c.Method(), c.Path())
	})
}

func channelParam(c *fiber.Ctx) (string, error) {
	ch := hearth.NormalizeChannel(c.Params("channel"))
	if ch == "" {
		return "", hearth.Errorf(hearth.EINVALID, "%q is not a Twitch channel name", c.Params("channel"))
	}
	return ch, nil
}

type channelJSON struct {
	Name         string `json:"name"`
	OverlayToken string `json:"overlay_token"`
}

func (a *api) channels(c *fiber.Ctx) error {
	chs, err := a.store.Channels(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]channelJSON, len(chs))
	for i, ch := range chs {
		out[i] = channelJSON{Name: ch.Name, OverlayToken: ch.OverlayToken}
	}
	return c.JSON(out)
}

// viewers exports every viewer of a channel; ?format=csv for CSV.
func (a *api) viewers(c *fiber.Ctx) error {
	ch, err := channelParam(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" {
		return hearth.Errorf(hearth.EINVALID, "unknown format %q: use json or csv", format)
	}
	vs, err := a.store.Viewers(c.UserContext(), ch)
	if err != nil {
		return err
	}
	st, err := a.standing(c, ch)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, format, vs, st); err != nil {
		return err
	}
	if format == "csv" {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+ch+`-viewers.csv"`)
	} else {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	}
	return c.Send(buf.Bytes())
}

func (a *api) viewer(c *fiber.Ctx) error {
	ch, err := channelParam(c)
	if err != nil {
		return err
	}
	v, err := a.store.ViewerByLogin(c.UserContext(), ch, c.Params("login"))
	if err != nil {
		return err
	}
	st, err := a.standing(c, ch)
	if err != nil {
		return err
	}
	return c.JSON(export.NewRecord(v, st))
}

func (a *api) leaderboard(c *fiber.Ctx) error {
	ch, err := channelParam(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Query("n", "10"))
	if err != nil || n < 1 || n > 100 {
		return hearth.Errorf(hearth.EINVALID, "n must be a whole number from 1 to 100")
	}
	top, err := a.store.TopViewers(c.UserContext(), ch, n)
	if err != nil {
		return err
	}
	return c.JSON(hearth.NewLeaderboard(ch, top))
}

// forgetViewer deletes one viewer's data, on request of that viewer.
func (a *api) forgetViewer(c *fiber.Ctx) error {
	ch, err := channelParam(c)
	if err != nil {
		return err
	}
	login := hearth.NormalizeChannel(c.Params("login"))
	if login == "" {
		return hearth.Errorf(hearth.EINVALID, "%q is not a Twitch login", c.Params("login"))
	}
	if a.forget == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "forgetting viewers is not available here")
	}
	v, err := a.forget(c.UserContext(), ch, login)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"forgot": export.NewRecord(v, nil)})
}

package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// maxGoalBody bounds a goal request's body, far above any valid goal.
const maxGoalBody = 4 << 10

// OverlaySettings sets what the overlays of the running channels show
// and how they look; *engine.Engine is one.
type OverlaySettings interface {
	// Goals returns a channel's goals as they stand now, by id.
	Goals(ctx context.Context, channel string) ([]hearth.Goal, error)
	// SetGoal creates or replaces a goal: EINVALID naming the field for
	// bad input.
	SetGoal(ctx context.Context, channel, id string, req hearth.GoalRequest) (hearth.Goal, error)
	// DeleteGoal deletes a goal; ENOTFOUND if there is none.
	DeleteGoal(ctx context.Context, channel, id string) error
	// OverlayCSS returns a channel's custom overlay stylesheet, "" for
	// none.
	OverlayCSS(ctx context.Context, channel string) (string, error)
	// SetOverlayCSS replaces it ("" removes it): EINVALID saying why for
	// one that could load or run anything.
	SetOverlayCSS(ctx context.Context, channel, css string) error
}

func (a *api) registerOverlaySettings(r fiber.Router) {
	a.route(r, fiber.MethodGet, "/channels/:channel/goals", hearth.ActionView, a.listGoals)
	a.route(r, fiber.MethodGet, "/channels/:channel/goals/:id", hearth.ActionView, a.getGoal)
	a.route(r, fiber.MethodPut, "/channels/:channel/goals/:id", hearth.ActionSettings, a.putGoal)
	a.route(r, fiber.MethodDelete, "/channels/:channel/goals/:id", hearth.ActionSettings, a.deleteGoal)
	a.route(r, fiber.MethodGet, "/channels/:channel/overlays/css", hearth.ActionView, a.getOverlayCSS)
	a.route(r, fiber.MethodPut, "/channels/:channel/overlays/css", hearth.ActionSettings, a.putOverlayCSS)
}

// settingsChannel returns the served channel a settings request names;
// ENOTFOUND when settings are not available here.
func (a *api) settingsChannel(c *fiber.Ctx) (string, error) {
	ch, err := a.served(c)
	if err != nil {
		return "", err
	}
	if a.settings == nil {
		return "", hearth.Errorf(hearth.ENOTFOUND, "overlay settings are not available here")
	}
	return ch, nil
}

// goalID returns the goal id a request names.
func goalID(c *fiber.Ctx) (string, error) {
	id, err := param(c, "id")
	if err != nil {
		return "", err
	}
	if !hearth.ValidGoalID(id) {
		return "", hearth.Errorf(hearth.EINVALID, "%q is not a goal id: 1 to %d lower-case letters, digits, '-' or '_'", id, hearth.MaxGoalIDLen)
	}
	return id, nil
}

func (a *api) listGoals(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	gs, err := a.settings.Goals(c.UserContext(), ch)
	if err != nil {
		return err
	}
	return c.JSON(gs)
}

func (a *api) getGoal(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	id, err := goalID(c)
	if err != nil {
		return err
	}
	gs, err := a.settings.Goals(c.UserContext(), ch)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if g.ID == id {
			return c.JSON(g)
		}
	}
	return hearth.Errorf(hearth.ENOTFOUND, "#%s has no goal %q", ch, id)
}

// putGoal creates or replaces a goal from a JSON body with every field of
// hearth.GoalRequest but per_stream, which defaults to false.
func (a *api) putGoal(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	id, err := goalID(c)
	if err != nil {
		return err
	}
	var req hearth.GoalRequest
	if err := decodeJSON(c.Body(), maxGoalBody, &req); err != nil {
		return err
	}
	g, err := a.settings.SetGoal(c.UserContext(), ch, id, req)
	if err != nil {
		return err
	}
	a.record(c, ch, "goal.set", id, nil, req)
	return c.JSON(g)
}

func (a *api) deleteGoal(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	id, err := goalID(c)
	if err != nil {
		return err
	}
	if err := a.settings.DeleteGoal(c.UserContext(), ch, id); err != nil {
		return err
	}
	a.record(c, ch, "goal.delete", id, nil, nil)
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *api) getOverlayCSS(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	css, err := a.settings.OverlayCSS(c.UserContext(), ch)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.SendString(css)
}

// putOverlayCSS replaces the channel's custom stylesheet with the body,
// sent as text/css; an empty body removes it.
func (a *api) putOverlayCSS(c *fiber.Ctx) error {
	ch, err := a.settingsChannel(c)
	if err != nil {
		return err
	}
	mediaType, _, _ := strings.Cut(c.Get(fiber.HeaderContentType), ";")
	if strings.TrimSpace(strings.ToLower(mediaType)) != "text/css" {
		return hearth.Errorf(hearth.EINVALID, "body: send the stylesheet as Content-Type: text/css")
	}
	before, err := a.settings.OverlayCSS(c.UserContext(), ch)
	if err != nil {
		return err
	}
	if err := a.settings.SetOverlayCSS(c.UserContext(), ch, string(c.Body())); err != nil {
		return err
	}
	a.record(c, ch, "overlay_css.set", "", map[string]int{"bytes": len(before)}, map[string]int{"bytes": len(c.Body())})
	return c.SendStatus(fiber.StatusNoContent)
}

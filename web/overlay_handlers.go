package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// maxOverlayBody bounds a test event request's body.
const maxOverlayBody = 1 << 10

// OverlayActions drives a channel's overlays as its events would;
// *engine.Engine is one.
type OverlayActions interface {
	// TestOverlayEvent appends a test event of kind to the channel's
	// event log: EINVALID for an unknown kind.
	TestOverlayEvent(ctx context.Context, channel, kind string) (hearth.OverlayEvent, error)
	// RollCredits appends a credits roll of the channel's current (or
	// last) stream to its event log.
	RollCredits(ctx context.Context, channel string) (hearth.OverlayEvent, error)
}

// Catalog describes the overlay kinds; the overlay hub is one.
type Catalog interface {
	Catalog() []hearth.OverlayKind
}

// TestEventRequest is the JSON body of POST
// /api/v1/channels/{channel}/overlays/test.
type TestEventRequest struct {
	Kind string `json:"kind"`
}

// overlayJSON is one overlay kind of a channel, ready to paste into OBS.
type overlayJSON struct {
	hearth.OverlayKind
	URL string `json:"url"`
}

// registerOverlays registers the overlay routes: a test event is part of
// setting the overlays up (settings); rolling the credits is part of
// running the show, as segments are.
func (a *api) registerOverlays(r fiber.Router) {
	a.route(r, fiber.MethodGet, "/channels/:channel/overlays", hearth.ActionView, a.listOverlays)
	a.route(r, fiber.MethodPost, "/channels/:channel/overlays/test", hearth.ActionSettings, a.testOverlayEvent)
	a.route(r, fiber.MethodPost, "/channels/:channel/overlays/credits", hearth.ActionSegments, a.rollCredits)
}

// listOverlays lists every overlay kind with the channel's URL for it,
// its default size and its parameters.
func (a *api) listOverlays(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	cat, ok := a.overlays.(Catalog)
	if !ok {
		return hearth.Errorf(hearth.ENOTFOUND, "overlays are not served here")
	}
	chs, err := a.store.Channels(c.UserContext())
	if err != nil {
		return err
	}
	var token string
	for _, info := range chs {
		if info.Name == ch {
			token = info.OverlayToken
		}
	}
	q := url.Values{"channel": {ch}, "token": {token}}.Encode()
	kinds := cat.Catalog()
	out := make([]overlayJSON, len(kinds))
	for i, k := range kinds {
		out[i] = overlayJSON{OverlayKind: k, URL: c.BaseURL() + "/overlays/" + k.Kind + "?" + q}
	}
	return c.JSON(out)
}

// decodeTestEvent reads a test event request: JSON, one object, no
// unknown field, a kind of hearth.OverlayEventKinds.
func decodeTestEvent(body []byte) (string, error) {
	var req TestEventRequest
	if err := decodeJSON(body, maxOverlayBody, &req); err != nil {
		return "", err
	}
	if !hearth.ValidOverlayEventKind(req.Kind) {
		return "", hearth.Errorf(hearth.EINVALID, "kind: %.40q is not an overlay event kind; the kinds are %s",
			req.Kind, strings.Join(hearth.OverlayEventKinds(), ", "))
	}
	return req.Kind, nil
}

func (a *api) overlayActions() (OverlayActions, error) {
	if a.overlayEvents == nil {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "overlay events are not available here")
	}
	return a.overlayEvents, nil
}

// testOverlayEvent shows a test event on every open overlay of the
// channel.
func (a *api) testOverlayEvent(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	act, err := a.overlayActions()
	if err != nil {
		return err
	}
	kind, err := decodeTestEvent(c.Body())
	if err != nil {
		return err
	}
	ev, err := act.TestOverlayEvent(c.UserContext(), ch, kind)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

// rollCredits rolls the credits on every open credits overlay of the
// channel.
func (a *api) rollCredits(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	act, err := a.overlayActions()
	if err != nil {
		return err
	}
	ev, err := act.RollCredits(c.UserContext(), ch)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ev)
}

package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
)

// Engine is what the API asks of the running channels; *engine.Engine
// is one.
type Engine interface {
	// Serves reports whether channel is served here.
	Serves(channel string) bool
	// Standing returns what names a viewer's rank, current streak and
	// position in a served channel.
	Standing(ctx context.Context, channel string) (export.Ranker, error)
	// Leaderboard returns a served channel's first n ranked viewers, from
	// the running channel, exactly as its leaderboard overlay shows them;
	// ENOTFOUND if the channel is not served.
	Leaderboard(ctx context.Context, channel string, n int) (hearth.Leaderboard, error)
	// Forget deletes one viewer's data from a served channel, durably,
	// returning what was deleted; ENOTFOUND if the channel or viewer is
	// unknown.
	Forget(ctx context.Context, channel, login string) (hearth.ViewerStats, error)
	// Viewer returns one viewer of a served channel as it stands now;
	// ENOTFOUND if the channel or viewer is unknown.
	Viewer(ctx context.Context, channel, login string) (hearth.ViewerStats, error)
	// AdjustPoints gives (delta > 0) or takes a viewer's points, logged
	// with reason, and returns the viewer after.
	AdjustPoints(ctx context.Context, channel, login string, delta int64, reason string) (hearth.ViewerStats, error)
}

type api struct {
	// overlays lists each channel's overlay URLs; nil lists none.
	overlays Mounter
	store    hearth.History
	// engine answers for the running channels; nil serves none.
	engine Engine
	polls  Polls
	// segments marks sponsor segments; nil answers 404.
	segments Segments
	// admin adds and removes channels and changes their settings; nil
	// answers 404.
	admin Channels
	// grants keeps what broadcasters grant their moderators, audit the
	// log of changes; nil answers their routes 404 (and logs nothing).
	grants hearth.GrantStore
	audit  hearth.AuditStore
	log    *slog.Logger
	// tokens rotates overlay tokens; nil answers 404.
	tokens OverlayTokens
	// settings sets goals and custom overlay stylesheets; nil answers
	// 404.
	settings OverlaySettings
	// overlayEvents drives the overlays' test events and credits; nil
	// answers 404.
	overlayEvents OverlayActions
	// cluster shows the cluster; nil answers 404.
	cluster Cluster
}

func (a *api) register(r fiber.Router) {
	a.registerChannels(r)
	a.route(r, fiber.MethodGet, "/channels/:channel/viewers", hearth.ActionView, a.viewers)
	a.route(r, fiber.MethodGet, "/channels/:channel/viewers/:login", hearth.ActionView, a.viewer)
	a.route(r, fiber.MethodDelete, "/channels/:channel/viewers/:login", hearth.ActionForget, a.forgetViewer)
	a.route(r, fiber.MethodPost, "/channels/:channel/viewers/:login/points", hearth.ActionAdjustPoints, a.adjustPoints)
	a.route(r, fiber.MethodGet, "/channels/:channel/leaderboard", hearth.ActionView, a.leaderboard)
	a.route(r, fiber.MethodPost, "/channels/:channel/overlay-token", hearth.ActionOverlayTokens, a.rotateOverlayToken)
	a.route(r, fiber.MethodGet, "/channels/:channel/grants", hearth.ActionGrants, a.getGrants)
	a.route(r, fiber.MethodPut, "/channels/:channel/grants", hearth.ActionGrants, a.putGrants)
	a.route(r, fiber.MethodGet, "/channels/:channel/audit", hearth.ActionView, a.listAudit)
	a.registerPolls(r)
	a.registerStreams(r)
	a.registerOverlaySettings(r)
	a.registerOverlays(r)
	a.route(r, fiber.MethodGet, "/cluster", hearth.ActionChannels, a.clusterStatus)
	r.Use(func(c *fiber.Ctx) error {
		return hearth.Errorf(hearth.ENOTFOUND, "no such API route: %s %s", c.Method(), c.Path())
	})
}

// param returns a path parameter URL-decoded, as fiber leaves it encoded:
// "%23name" is "#name".
func param(c *fiber.Ctx, key string) (string, error) {
	raw := c.Params(key)
	s, err := url.PathUnescape(raw)
	if err != nil {
		return "", hearth.Errorf(hearth.EINVALID, "%q is not a valid URL path segment", raw)
	}
	return s, nil
}

// served returns the channel a request names: EINVALID if the name
// cannot be a channel, ENOTFOUND if Hearth does not serve it.
func (a *api) served(c *fiber.Ctx) (string, error) {
	raw, err := param(c, "channel")
	if err != nil {
		return "", err
	}
	ch := hearth.NormalizeChannel(raw)
	if ch == "" {
		return "", hearth.Errorf(hearth.EINVALID, "%q is not a Twitch channel name", raw)
	}
	if a.engine != nil && a.engine.Serves(ch) {
		return ch, nil
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", ch)
}

// loginParam returns the login a request names, in the lower case Twitch
// stores logins in; "@Name" is "name".
func loginParam(c *fiber.Ctx) (string, error) {
	raw, err := param(c, "login")
	if err != nil {
		return "", err
	}
	login := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(raw), "@"))
	if !hearth.ValidLogin(login) {
		return "", hearth.Errorf(hearth.EINVALID, "%q is not a Twitch login", raw)
	}
	return login, nil
}

// overlayURLs returns a channel's overlay URLs on base, the scheme and
// host the request came to.
func (a *api) overlayURLs(base string, ch hearth.ChannelInfo) map[string]string {
	if a.overlays == nil {
		return nil
	}
	q := url.Values{"channel": {ch.Name}, "token": {ch.OverlayToken}}.Encode()
	urls := make(map[string]string)
	for _, kind := range a.overlays.Kinds() {
		urls[kind] = base + "/overlays/" + kind + "?" + q
	}
	return urls
}

// viewers exports every viewer of a channel; ?format=csv for CSV.
func (a *api) viewers(c *fiber.Ctx) error {
	ch, err := a.served(c)
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
	st, err := a.engine.Standing(c.UserContext(), ch)
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

// viewer exports one viewer, with their position among every viewer of
// the channel.
func (a *api) viewer(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	login, err := loginParam(c)
	if err != nil {
		return err
	}
	vs, err := a.store.Viewers(c.UserContext(), ch)
	if err != nil {
		return err
	}
	st, err := a.engine.Standing(c.UserContext(), ch)
	if err != nil {
		return err
	}
	for _, rec := range export.Records(vs, st) {
		if strings.EqualFold(rec.Login, login) {
			return c.JSON(rec)
		}
	}
	return hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", ch, login)
}

// leaderboard answers what the channel's leaderboard overlay shows.
func (a *api) leaderboard(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Query("n", "10"))
	if err != nil || n < 1 || n > 100 {
		return hearth.Errorf(hearth.EINVALID, "n must be a whole number from 1 to 100")
	}
	b, err := a.engine.Leaderboard(c.UserContext(), ch, n)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// forgetViewer deletes one viewer's data, on request of that viewer.
func (a *api) forgetViewer(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	login, err := loginParam(c)
	if err != nil {
		return err
	}
	v, err := a.engine.Forget(c.UserContext(), ch, login)
	if err != nil {
		return err
	}
	// The entry names no one: the viewer asked to be forgotten.
	a.record(c, ch, "viewer.forget", "", map[string]any{"points": v.Points, "messages": v.Messages}, nil)
	return c.JSON(fiber.Map{"forgot": export.NewRecord(v, nil)})
}

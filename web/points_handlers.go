package web

import (
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/export"
)

// Bounds of a points adjustment.
const (
	maxPointsBody = 4 << 10
	// MaxReasonLength bounds an adjustment's reason, in characters.
	MaxReasonLength = 200
	// MaxPointsDelta bounds one adjustment, up or down, whoever makes it.
	MaxPointsDelta = 1_000_000_000
)

// PointsRequest is the JSON body of POST
// /api/v1/channels/{channel}/viewers/{login}/points.
type PointsRequest struct {
	Delta  int64  `json:"delta"`
	Reason string `json:"reason"`
}

// decodePoints reads a points adjustment: a delta other than 0 within
// MaxPointsDelta, and a reason of 1 to MaxReasonLength characters.
func decodePoints(body []byte) (PointsRequest, error) {
	var req PointsRequest
	if err := decodeJSON(body, maxPointsBody, &req); err != nil {
		return req, err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case req.Delta == 0:
		return req, hearth.Errorf(hearth.EINVALID, "delta: required, a whole number of points other than 0")
	case req.Delta > MaxPointsDelta || req.Delta < -MaxPointsDelta:
		return req, hearth.Errorf(hearth.EINVALID, "delta: at most %d points either way", MaxPointsDelta)
	case req.Reason == "":
		return req, hearth.Errorf(hearth.EINVALID, "reason: say why the points change")
	case !utf8.ValidString(req.Reason) || strings.ContainsRune(req.Reason, 0):
		return req, hearth.Errorf(hearth.EINVALID, "reason: must be text")
	case utf8.RuneCountInString(req.Reason) > MaxReasonLength:
		return req, hearth.Errorf(hearth.EINVALID, "reason: at most %d characters", MaxReasonLength)
	}
	return req, nil
}

// adjustPoints gives or takes a viewer's points, within the moderator's
// limit, and answers the viewer's new standing.
func (a *api) adjustPoints(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	login, err := loginParam(c)
	if err != nil {
		return err
	}
	req, err := decodePoints(c.Body())
	if err != nil {
		return err
	}
	if id := access.From(c); !id.CanAdjust(ch, req.Delta) {
		limit := id.Grants(ch).PointLimit
		if limit <= 0 {
			limit = hearth.DefaultPointLimit
		}
		return hearth.Errorf(hearth.EFORBIDDEN, "a moderator of #%s may adjust at most %d points at a time", ch, limit)
	}
	before, err := a.engine.Viewer(c.UserContext(), ch, login)
	if err != nil {
		return err
	}
	v, err := a.engine.AdjustPoints(c.UserContext(), ch, login, req.Delta, req.Reason)
	if err != nil {
		return err
	}
	a.record(c, ch, "points.adjust", login,
		map[string]any{"points": before.Points},
		map[string]any{"points": v.Points, "delta": req.Delta, "reason": req.Reason})
	st, err := a.engine.Standing(c.UserContext(), ch)
	if err != nil {
		return err
	}
	return c.JSON(export.NewRecord(v, st))
}

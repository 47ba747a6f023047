package community

import (
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// AdjustPoints changes a viewer's points by delta at now, as a moderator's
// !addpoints (delta above 0) and !removepoints (below 0) do: points given
// count toward the lifetime total, points taken back leave neither below
// 0. It returns the viewer as they stand after: ENOTFOUND for a login the
// channel does not know, EINVALID for a bot or a delta of 0 or beyond
// MaxAmount either way.
func (c *Channel) AdjustPoints(login string, delta int64, now time.Time) (hearth.ViewerStats, Result, error) {
	c.begin()
	c.advance(now)
	var err error
	v, ok := c.viewers[c.byLogin[strings.ToLower(strings.TrimPrefix(login, "@"))]]
	switch {
	case delta == 0 || delta > MaxAmount || delta < -MaxAmount:
		err = hearth.Errorf(hearth.EINVALID, "points: a change is 1 to %d points either way", MaxAmount)
	case !ok:
		err = hearth.Errorf(hearth.ENOTFOUND, "#%s has no viewer %s", c.name, login)
	case c.isBot(v):
		err = hearth.Errorf(hearth.EINVALID, "%s is a bot and holds no points", login)
	case delta > 0:
		c.award(v, delta)
	default:
		c.deduct(v, -delta)
	}
	if err != nil {
		return hearth.ViewerStats{}, c.finish(), err
	}
	return c.effective(v), c.finish(), nil
}

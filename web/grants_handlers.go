package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// maxGrantsBody bounds a grants request's body.
const maxGrantsBody = 4 << 10

// getGrants answers what the channel's moderators are granted.
func (a *api) getGrants(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if a.grants == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "grants are not available here")
	}
	g, err := a.grants.Grants(c.UserContext(), ch)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

// putGrants replaces what the channel's moderators are granted.
func (a *api) putGrants(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if a.grants == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "grants are not available here")
	}
	var g hearth.Grants
	if err := decodeJSON(c.Body(), maxGrantsBody, &g); err != nil {
		return err
	}
	if g.Actions == nil {
		g.Actions = []hearth.Action{}
	}
	if err := g.Validate(); err != nil {
		return err
	}
	before, err := a.grants.Grants(c.UserContext(), ch)
	if err != nil {
		return err
	}
	if err := a.grants.SetGrants(c.UserContext(), ch, g); err != nil {
		return err
	}
	a.record(c, ch, "grants.set", "", before, g)
	return c.JSON(g)
}

// auditPage is a page of GET .../audit: Next is the ?before= of the next
// page, absent on the last.
type auditPage struct {
	Entries []hearth.AuditEntry `json:"entries"`
	Next    int64               `json:"next,omitempty"`
}

// listAudit lists the channel's audit log, newest first: ?limit= (1 to
// 100, default 20) and ?before= (an entry's seq) page through it.
func (a *api) listAudit(c *fiber.Ctx) error {
	ch, err := a.served(c)
	if err != nil {
		return err
	}
	if a.audit == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "the audit log is not available here")
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var before int64
	if s := c.Query("before"); s != "" {
		before, err = strconv.ParseInt(s, 10, 64)
		if err != nil || before < 1 {
			return hearth.Errorf(hearth.EINVALID, "before: must be an entry's seq (1 or more), got %q", s)
		}
	}
	es, err := a.audit.Audit(c.UserContext(), ch, limit+1, before)
	if err != nil {
		return err
	}
	page := auditPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = es[limit-1].Seq
	}
	return c.JSON(page)
}

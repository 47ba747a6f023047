package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/report"
)

// pageSize is how many rows a list page shows.
const pageSize = 20

// overview shows the channel now; its script keeps it live.
func (con *Console) overview(c *fiber.Ctx) error {
	ch := channelOf(c)
	o, err := con.cfg.Engine.Overview(c.UserContext(), ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	return con.render(c, "overview", ch, o)
}

// viewersPage is the viewers page: a search, what it found, and the top
// of the ranking.
type viewersPage struct {
	Query    string
	NotFound bool
	Top      []hearth.LeaderboardEntry
}

// viewers searches a viewer by login (?q=) and lists the ranking's top.
func (con *Console) viewers(c *fiber.Ctx) error {
	ch := channelOf(c)
	p := viewersPage{Query: c.Query("q")}
	if q := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(p.Query), "@")); q != "" {
		if hearth.ValidLogin(q) {
			_, err := con.cfg.Engine.Viewer(c.UserContext(), ch, q)
			switch {
			case err == nil:
				return c.Redirect("/channels/"+url.PathEscape(ch)+"/viewers/"+url.PathEscape(q), http.StatusSeeOther)
			case hearth.ErrorCode(err) != hearth.ENOTFOUND:
				return con.fail(c, ch, err)
			}
		}
		p.NotFound = true
	}
	b, err := con.cfg.Engine.Leaderboard(c.UserContext(), ch, 25)
	if err != nil {
		return con.fail(c, ch, err)
	}
	p.Top = b.Entries
	return con.render(c, "viewers", ch, p)
}

// viewerPage is one viewer's page.
type viewerPage struct {
	export.Record
	Position, Ranked    int
	FirstSeen, LastSeen time.Time
}

// viewer shows one viewer's stats, rank and streak, with the forms to
// adjust their points and forget them.
func (con *Console) viewer(c *fiber.Ctx) error {
	ch := channelOf(c)
	raw, err := url.PathUnescape(c.Params("login"))
	login := strings.ToLower(strings.TrimPrefix(raw, "@"))
	if err != nil || !hearth.ValidLogin(login) {
		return con.fail(c, ch, hearth.Errorf(hearth.ENOTFOUND, "no such viewer"))
	}
	ctx := c.UserContext()
	v, err := con.cfg.Engine.Viewer(ctx, ch, login)
	if err != nil {
		return con.fail(c, ch, err)
	}
	st, err := con.cfg.Engine.Standing(ctx, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	p := viewerPage{Record: export.NewRecord(v, st), FirstSeen: v.FirstSeen, LastSeen: v.LastSeen}
	if p.Position, p.Ranked, err = con.cfg.Engine.Position(ctx, ch, v.UserID); err != nil {
		return con.fail(c, ch, err)
	}
	return con.render(c, "viewer", ch, p)
}

// pollsPage is the polls page: the open or last poll since start, and
// the stored ones, newest first.
type pollsPage struct {
	Current hearth.Poll
	Open    bool
	Polls   []pollRow
	Next    string
}

// pollRow is one poll of the history with its options' rows.
type pollRow struct {
	hearth.Poll
	Rows []optionRow
}

// optionRow is one option of a poll: its label, count, share and who
// voted for it.
type optionRow struct {
	Label     string
	Votes     int64
	Score     int64
	Share     float64
	Winner    bool
	Breakdown *hearth.PollBreakdown
	Ranks     []rankCount
}

type rankCount struct {
	Rank  string
	Count int64
}

func newPollRow(p hearth.Poll) pollRow {
	r := pollRow{Poll: p}
	var total int64
	for _, s := range p.Tally.Scores {
		total += s
	}
	for i, label := range p.Options {
		o := optionRow{Label: hearth.DisplayText(label, strconv.Itoa(i+1)), Winner: slices.Contains(p.Tally.Winners, i)}
		if i < len(p.Tally.Votes) {
			o.Votes = p.Tally.Votes[i]
		}
		if i < len(p.Tally.Scores) {
			o.Score = p.Tally.Scores[i]
		}
		if total > 0 {
			o.Share = float64(o.Score) / float64(total)
		}
		if i < len(p.Tally.Breakdown) {
			b := p.Tally.Breakdown[i]
			o.Breakdown = &b
			for rank, n := range b.Ranks {
				o.Ranks = append(o.Ranks, rankCount{Rank: hearth.DisplayText(rank, ""), Count: n})
			}
			slices.SortFunc(o.Ranks, func(a, b rankCount) int { return strings.Compare(a.Rank, b.Rank) })
		}
		r.Rows = append(r.Rows, o)
	}
	return r
}

// polls shows the open poll live, the form to start one, and the
// history with each option's breakdown per cohort.
func (con *Console) polls(c *fiber.Ctx) error {
	ch := channelOf(c)
	ctx := c.UserContext()
	var p pollsPage
	cur, ok, err := con.cfg.Engine.CurrentPoll(ctx, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	if ok {
		p.Current, p.Open = cur, cur.Status == hearth.PollOpen
	}
	before := c.Query("before")
	ps, err := con.cfg.Store.Polls(ctx, ch, before, pageSize+1)
	if err != nil {
		return con.fail(c, ch, err)
	}
	if len(ps) > pageSize {
		ps = ps[:pageSize]
		p.Next = ps[pageSize-1].ID
	}
	for _, sp := range ps {
		if ok && sp.ID == cur.ID {
			sp = cur
		}
		p.Polls = append(p.Polls, newPollRow(sp))
	}
	return con.render(c, "polls", ch, p)
}

// segmentsPage is the segments page: the running one, and the current
// (or last) stream's segments with their lift.
type segmentsPage struct {
	Running  string
	Live     bool
	Stream   int64
	Segments []hearth.SegmentRecap
}

// segments shows the form to start and end a segment and each segment's
// lift in the current (or last) stream.
func (con *Console) segments(c *fiber.Ctx) error {
	ch := channelOf(c)
	ctx := c.UserContext()
	o, err := con.cfg.Engine.Overview(ctx, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	p := segmentsPage{Running: o.Segment, Live: o.Live}
	rs, err := con.cfg.Store.Recaps(ctx, ch, 0, 1)
	if err != nil {
		return con.fail(c, ch, err)
	}
	if len(rs) > 0 {
		p.Stream = rs[0].Seq
		for _, s := range rs[0].Segments {
			s.Name = hearth.DisplayText(s.Name, "")
			p.Segments = append(p.Segments, s)
		}
	}
	return con.render(c, "segments", ch, p)
}

// streamsPage is a page of the channel's stream recaps, newest first.
type streamsPage struct {
	Streams []report.Recap
	Next    int64
}

// streams lists the stream recaps, each with its report to download.
func (con *Console) streams(c *fiber.Ctx) error {
	ch := channelOf(c)
	var before int64
	if s := c.Query("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return con.fail(c, ch, hearth.Errorf(hearth.EINVALID, "before: not a stream number"))
		}
		before = n
	}
	rs, err := con.cfg.Store.Recaps(c.UserContext(), ch, before, pageSize+1)
	if err != nil {
		return con.fail(c, ch, err)
	}
	var p streamsPage
	if len(rs) > pageSize {
		rs = rs[:pageSize]
		p.Next = rs[pageSize-1].Seq
	}
	now := time.Now()
	for _, r := range rs {
		p.Streams = append(p.Streams, report.New(r, now))
	}
	return con.render(c, "streams", ch, p)
}

// auditPage is a page of the audit log, newest first.
type auditPage struct {
	Entries []hearth.AuditEntry
	Next    int64
}

// audit shows the channel's audit log, paged by ?before= (a Seq).
func (con *Console) audit(c *fiber.Ctx) error {
	ch := channelOf(c)
	var p auditPage
	if con.cfg.Audit == nil {
		return con.render(c, "audit", ch, p)
	}
	var before int64
	if s := c.Query("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return con.fail(c, ch, hearth.Errorf(hearth.EINVALID, "before: not an entry number"))
		}
		before = n
	}
	es, err := con.cfg.Audit.Audit(c.UserContext(), ch, pageSize+1, before)
	if err != nil {
		return con.fail(c, ch, err)
	}
	if len(es) > pageSize {
		es = es[:pageSize]
		p.Next = es[pageSize-1].Seq
	}
	p.Entries = es
	return con.render(c, "audit", ch, p)
}

// settingsPage is the settings page: the channel's rules, and for those
// who may change them, the broadcaster's grants to moderators.
type settingsPage struct {
	Rules  hearth.ChannelSettings
	Grants *grantsForm
}

// grantsForm is the grants form: each grantable action, checked when
// granted, and the point limit.
type grantsForm struct {
	Actions    []grantRow
	PointLimit int64
	Default    int64
}

type grantRow struct {
	Action  hearth.Action
	Granted bool
}

// settings shows the channel's rules in a form that changes them live
// through the settings route of the API, and to the broadcaster and the
// operator (hearth.ActionGrants) the grants form, which goes to the
// grants route.
func (con *Console) settings(c *fiber.Ctx) error {
	ch := channelOf(c)
	ctx := c.UserContext()
	st, err := con.cfg.Engine.Settings(ctx, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	p := settingsPage{Rules: st}
	if con.cfg.Grants != nil && con.identity(c).Can(ch, hearth.ActionGrants) {
		g, err := con.cfg.Grants.Grants(ctx, ch)
		if err != nil {
			return con.fail(c, ch, err)
		}
		f := &grantsForm{PointLimit: g.PointLimit, Default: hearth.DefaultPointLimit}
		for _, a := range hearth.Grantable {
			f.Actions = append(f.Actions, grantRow{Action: a, Granted: slices.Contains(g.Actions, a)})
		}
		p.Grants = f
	}
	return con.render(c, "settings", ch, p)
}

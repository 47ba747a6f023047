package community

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

func (c *Channel) say(key string, args ...any) string { return Say(c.rules.Language, key, args...) }

// displayName is how a chat line names a viewer.
func displayName(v hearth.ViewerStats) string { return shownName(v.DisplayName, v.Login) }

// shownName is how a chat line names someone: the display name as
// hearth.DisplayText shows it (the login when it has nothing visible),
// isolated so that a right-to-left name cannot reorder the line.
func shownName(display, login string) string {
	return hearth.IsolateText(hearth.DisplayText(display, login))
}

// shownText is how a chat line quotes text from chat or the API (a poll's
// question or option, a segment's name): as hearth.DisplayText shows it,
// isolated, in at most n bytes; fallback stands in for text with nothing
// visible.
func shownText(text, fallback string, n int) string {
	s := hearth.DisplayText(text, fallback)
	if hearth.IsolateText(s) == s {
		return truncateText(s, n)
	}
	// The isolates take room of their own.
	return hearth.IsolateText(truncateText(s, n-len("\u2068\u2069")))
}

// joinShown joins parts (each from shownName or shownText) with sep, as
// many whole parts as fit in n bytes: a part is never cut, so an isolate
// is never left open.
func joinShown(parts []string, sep string, n int) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			p = sep + p
		}
		if b.Len()+len(p) > n {
			break
		}
		b.WriteString(p)
	}
	return b.String()
}

// about makes the handler of a command that describes one viewer: the
// sender, or the @user named.
func about(describe func(c *Channel, who string, v hearth.ViewerStats) string) handler {
	return func(c *Channel, ev hearth.Event, cmd Command) (rejected, reply string) {
		v, _ := c.Viewer(ev.User.ID)
		if cmd.Target != "" {
			t, ok := c.ViewerByLogin(cmd.Target)
			if !ok {
				return RejectUnknown, c.say("unknown_viewer", shownName(ev.User.DisplayName, ev.User.Login), cmd.Target)
			}
			v = t
		}
		return "", describe(c, displayName(v), v)
	}
}

func (c *Channel) pointsLine(who string, v hearth.ViewerStats) string {
	return c.say("points", who, v.Points, c.rules.RankOf(v).Name)
}

func (c *Channel) rankLine(who string, v hearth.ViewerStats) string {
	pos, total := c.Position(v.UserID)
	i := c.rules.rankIndex(c.rules.rankValue(v))
	if i == len(c.rules.Ranks)-1 {
		return c.say("rank_top", who, c.rules.Ranks[i].Name, pos, total)
	}
	next := c.rules.Ranks[i+1]
	return c.say("rank", who, c.rules.Ranks[i].Name, pos, total, next.Min-c.rules.rankValue(v), next.Name)
}

func (c *Channel) streakLine(who string, v hearth.ViewerStats) string {
	return c.say("streak", who, c.CurrentStreak(v), v.LongestStreak)
}

func (c *Channel) watchtimeLine(who string, v hearth.ViewerStats) string {
	return c.say("watchtime", who, FormatDuration(time.Duration(v.WatchSeconds)*time.Second))
}

func (c *Channel) top(_ hearth.Event, cmd Command) (rejected, reply string) {
	top := c.Top(int(cmd.Amount))
	if len(top) == 0 {
		return "", c.say("top_empty")
	}
	parts := make([]string, len(top))
	for i, v := range top {
		parts[i] = fmt.Sprintf("%d. %s (%d)", v.Position, displayName(v.ViewerStats), v.Points)
	}
	return "", c.say("top", strings.Join(parts, " · "))
}

// give moves points from the giver to the target: both balances change, or
// neither does.
func (c *Channel) give(ev hearth.Event, cmd Command) (rejected, reply string) {
	name := shownName(ev.User.DisplayName, ev.User.Login)
	switch {
	case cmd.Target == ev.User.Login:
		return RejectSelf, c.say("give_self", name)
	case c.IsBot(cmd.Target):
		return RejectBot, c.say("give_bot", name, cmd.Target)
	}
	to, ok := c.viewers[c.byLogin[cmd.Target]]
	if !ok {
		return RejectUnknown, c.say("unknown_viewer", name, cmd.Target)
	}
	from := c.viewers[ev.User.ID]
	if from == nil || from.stats.Points < cmd.Amount {
		me, _ := c.Viewer(ev.User.ID)
		return RejectInsufficient, c.say("give_insufficient", name, me.Points)
	}
	c.edit(from).Points -= cmd.Amount
	c.recap.totals.PointsGivenTotal += cmd.Amount
	t := c.edit(to)
	t.Points = min(t.Points+cmd.Amount, MaxBalance)
	return "", c.say("give_ok", name, cmd.Amount, displayName(to.stats), from.stats.Points)
}

// addPoints runs a moderator's !addpoints.
func (c *Channel) addPoints(_ hearth.Event, cmd Command) (rejected, reply string) {
	v, rejected, reply := c.adjustable(cmd)
	if v == nil {
		return rejected, reply
	}
	c.award(v, cmd.Amount)
	return "", c.say("addpoints_ok", displayName(v.stats), cmd.Amount, v.stats.Points)
}

// removePoints runs a moderator's !removepoints.
func (c *Channel) removePoints(_ hearth.Event, cmd Command) (rejected, reply string) {
	v, rejected, reply := c.adjustable(cmd)
	if v == nil {
		return rejected, reply
	}
	n := c.deduct(v, cmd.Amount)
	return "", c.say("removepoints_ok", displayName(v.stats), n, v.stats.Points)
}

// adjustable returns the viewer a moderator's command may change, or the
// refusal.
func (c *Channel) adjustable(cmd Command) (v *viewer, rejected, reply string) {
	v, ok := c.viewers[c.byLogin[cmd.Target]]
	if !ok {
		return nil, RejectUnknown, c.say("unknown_viewer", "@", cmd.Target)
	}
	if c.isBot(v) {
		return nil, RejectBot, c.say("give_bot", "@", cmd.Target)
	}
	return v, "", ""
}

// FormatDuration writes a watch time as chat reads it: "3h 25m", "12m",
// "0m".
func FormatDuration(d time.Duration) string {
	h := int64(d / time.Hour)
	m := int64(d % time.Hour / time.Minute)
	if h > 0 {
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

// NoticeLine is the chat line announcing a notice.
func NoticeLine(lang string, n Notice) string {
	name := shownName(n.DisplayName, n.Login)
	switch n.Kind {
	case NoticeWelcome:
		return Say(lang, "welcome_new", name)
	case NoticeWelcomeBack:
		return Say(lang, "welcome_back", name)
	default:
		return Say(lang, "rank_up", name, n.Rank)
	}
}

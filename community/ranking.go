package community

import (
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/hearthlive/hearth"
)

// Ranked is a viewer with their place in a channel's ranking.
type Ranked struct {
	// Position starts at 1. Viewers with equal points share a position,
	// and the next lower score takes the place after all of them
	// (competition ranking: 500, 310, 310, 200 hold 1, 2, 2, 4).
	Position int
	hearth.ViewerStats
}

// Ranking is the one rule that orders a channel's viewers wherever Hearth
// shows a place: the leaderboard overlay, the API's leaderboard, !top,
// !rank and exports. Viewers go by points, highest first, and by login
// among equal points so that a list reads the same every time; bots and
// the broadcaster are never ranked.
type Ranking struct {
	bots map[string]bool
}

// NewRanking returns the ranking of a channel under its rules.
func NewRanking(channel string, rules Rules) Ranking {
	return Ranking{bots: botSet(channel, rules.Bots)}
}

// botSet holds the logins that earn nothing and are never ranked: the
// rules' bots and the broadcaster.
func botSet(channel string, bots []string) map[string]bool {
	set := make(map[string]bool, len(bots)+1)
	set[strings.ToLower(channel)] = true
	for _, b := range bots {
		set[strings.ToLower(b)] = true
	}
	return set
}

// Ranks reports whether a login takes part in the ranking: it is neither
// a bot nor the broadcaster.
func (r Ranking) Ranks(login string) bool { return !r.bots[strings.ToLower(login)] }

// Rank returns the ranked viewers among vs, best first, with their
// positions.
func (r Ranking) Rank(vs []hearth.ViewerStats) []Ranked {
	out := make([]Ranked, 0, len(vs))
	for _, v := range vs {
		if r.Ranks(v.Login) {
			out = append(out, Ranked{ViewerStats: v})
		}
	}
	slices.SortFunc(out, func(a, b Ranked) int { return order(a.ViewerStats, b.ViewerStats) })
	number(out)
	return out
}

// Positions returns the position of every ranked viewer among vs, by user
// id; bots and the broadcaster have none.
func (r Ranking) Positions(vs []hearth.ViewerStats) map[string]int {
	ranked := r.Rank(vs)
	out := make(map[string]int, len(ranked))
	for _, v := range ranked {
		out[v.UserID] = v.Position
	}
	return out
}

// Top returns the first n ranked viewers among vs that hold points, with
// their positions. It keeps only n viewers while it looks, so a channel of
// any size costs one pass.
func (r Ranking) Top(vs iter.Seq[hearth.ViewerStats], n int) []Ranked {
	if n <= 0 {
		return nil
	}
	top := make([]Ranked, 0, n+1)
	for v := range vs {
		if v.Points <= 0 || !r.Ranks(v.Login) {
			continue
		}
		if len(top) == n && order(v, top[n-1].ViewerStats) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, v, func(t Ranked, v hearth.ViewerStats) int { return order(t.ViewerStats, v) })
		top = slices.Insert(top, i, Ranked{ViewerStats: v})
		if len(top) > n {
			top = top[:n]
		}
	}
	number(top)
	return top
}

// Position returns where v stands among vs: one place after every ranked
// viewer with more points, and how many viewers are ranked. A viewer who
// is not ranked (a bot, the broadcaster) gets the place they would hold.
func (r Ranking) Position(v hearth.ViewerStats, vs iter.Seq[hearth.ViewerStats]) (pos, total int) {
	for o := range vs {
		if !r.Ranks(o.Login) {
			continue
		}
		total++
		if o.Points > v.Points {
			pos++
		}
	}
	return pos + 1, total
}

// order sorts by points, highest first, then by login.
func order(a, b hearth.ViewerStats) int {
	if c := cmp.Compare(b.Points, a.Points); c != 0 {
		return c
	}
	return strings.Compare(a.Login, b.Login)
}

// number sets the positions of viewers already in ranking order, giving
// equal points equal positions.
func number(rs []Ranked) {
	for i := range rs {
		if i > 0 && rs[i].Points == rs[i-1].Points {
			rs[i].Position = rs[i-1].Position
		} else {
			rs[i].Position = i + 1
		}
	}
}

// Positions returns the position of every ranked viewer among vs, by user
// id, under the channel's ranking; bots and the broadcaster have none.
func (st Standing) Positions(vs []hearth.ViewerStats) map[string]int {
	return NewRanking(st.Channel, st.Rules).Positions(vs)
}

// The channel's ranked lists.

// ranking returns the channel's ranking.
func (c *Channel) ranking() Ranking { return Ranking{bots: c.bots} }

// everyViewer yields the stats of every viewer the channel knows.
func (c *Channel) everyViewer() iter.Seq[hearth.ViewerStats] {
	return func(yield func(hearth.ViewerStats) bool) {
		for _, v := range c.viewers {
			if !yield(v.stats) {
				return
			}
		}
	}
}

// Top returns the channel's first n ranked viewers that hold points, best
// first, with their positions.
func (c *Channel) Top(n int) []Ranked { return c.ranking().Top(c.everyViewer(), n) }

// Position returns a viewer's position among the channel's ranked viewers
// and how many are ranked.
func (c *Channel) Position(userID string) (pos, total int) {
	me, _ := c.Viewer(userID)
	return c.ranking().Position(me, c.everyViewer())
}

// Leaderboard returns the channel's first n ranked viewers as the
// leaderboard overlay and the API show them.
func (c *Channel) Leaderboard(n int) hearth.Leaderboard {
	top := c.Top(n)
	b := hearth.Leaderboard{Channel: c.name, Entries: make([]hearth.LeaderboardEntry, len(top))}
	for i, v := range top {
		b.Entries[i] = hearth.LeaderboardEntry{Rank: v.Position, Login: v.Login, DisplayName: v.DisplayName, Points: v.Points, Messages: v.Messages}
	}
	return b
}

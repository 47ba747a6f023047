package community

import (
	"cmp"
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

// order sorts by points, highest first, then by login, and by user id
// between two viewers under one login (one renamed to the other's old
// name), as the board files them.
func order(a, b hearth.ViewerStats) int {
	return rankOrder(a.Points, a.Login, a.UserID, b.Points, b.Login, b.UserID)
}

// rankOrder is the ranking's order of two viewers given their points,
// logins and user ids: the one rule order and the board (compare) share.
func rankOrder(aPoints int64, aLogin, aID string, bPoints int64, bLogin, bID string) int {
	return cmp.Or(cmp.Compare(bPoints, aPoints), strings.Compare(aLogin, bLogin), strings.Compare(aID, bID))
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

// Standing answers, from a channel's rules and its last stream session
// alone, what rank a viewer holds and whether their streak still stands;
// exports use it without loading the whole channel.
type Standing struct {
	Channel string // the channel's login: its broadcaster is never ranked
	Rules   Rules
	Last    *hearth.StreamSession // the channel's latest session; nil if none
}

// RankName returns the name of the rank v holds.
func (st Standing) RankName(v hearth.ViewerStats) string { return st.Rules.RankOf(v).Name }

// CurrentStreak returns v's streak unless streams they missed since their
// last attendance have broken it (one may be forgiven by the grace).
func (st Standing) CurrentStreak(s hearth.ViewerStats) int64 {
	if s.LastAttended == 0 || st.Last == nil {
		return 0
	}
	latest := st.Last.Seq
	if st.Last.EndedAt.IsZero() && s.LastAttended != latest {
		latest-- // the live stream can still be attended
	}
	n := st.Rules.StreakGraceEvery
	switch missed := latest - s.LastAttended; {
	case missed <= 0:
		return s.Streak
	case missed == 1 && n > 0 && (s.GraceUsedAt == 0 || latest-s.GraceUsedAt >= n):
		return s.Streak
	default:
		return 0
	}
}

// Positions returns the position of every ranked viewer among vs, by user
// id, under the channel's ranking; bots and the broadcaster have none.
func (st Standing) Positions(vs []hearth.ViewerStats) map[string]int {
	return NewRanking(st.Channel, st.Rules).Positions(vs)
}

// CurrentStreak is the streak a viewer holds now: their stored streak,
// unless streams they missed since have broken it.
func (c *Channel) CurrentStreak(s hearth.ViewerStats) int64 {
	last := c.stream
	return Standing{Rules: c.rules, Last: &last}.CurrentStreak(s)
}

// The channel's ranked lists.

// Top returns the channel's first n ranked viewers that hold points, best
// first, with their positions. It walks the board, not every viewer.
func (c *Channel) Top(n int) []Ranked {
	if n <= 0 {
		return nil
	}
	if c.result != nil {
		c.settle()
	}
	top := make([]Ranked, 0, min(n, c.board.n))
	c.board.first(n, func(v *viewer) { top = append(top, Ranked{ViewerStats: c.effective(v)}) })
	number(top)
	return top
}

// Position returns a viewer's position among the channel's ranked viewers
// (one place after every ranked viewer with more points) and how many are
// ranked. A viewer who is not ranked (a bot, the broadcaster) gets the
// place they would hold.
func (c *Channel) Position(userID string) (pos, total int) {
	if c.result != nil {
		c.settle()
	}
	me, _ := c.Viewer(userID)
	return c.board.above(me.Points) + 1, c.ranked
}

// Leaderboard returns the channel's first n ranked viewers as the
// leaderboard overlay and the API show them, names as hearth.DisplayText
// shows them.
func (c *Channel) Leaderboard(n int) hearth.Leaderboard {
	top := c.Top(n)
	b := hearth.Leaderboard{Channel: c.name, Entries: make([]hearth.LeaderboardEntry, len(top))}
	for i, v := range top {
		b.Entries[i] = hearth.LeaderboardEntry{Rank: v.Position, Login: v.Login, DisplayName: hearth.DisplayText(v.DisplayName, v.Login),
			Points: v.Points, Messages: v.Messages}
	}
	return b
}

package community

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// checkBoard fails t unless b holds exactly want, in order, in blocks that
// are neither empty nor over the limit.
func checkBoard(t *testing.T, b *board, want []*viewer) {
	t.Helper()
	var got []*viewer
	for i, block := range b.blocks {
		if len(block) == 0 || len(block) > boardBlock {
			t.Fatalf("block %d holds %d viewers", i, len(block))
		}
		got = append(got, block...)
	}
	if b.n != len(got) || !slices.Equal(got, want) {
		t.Fatalf("board holds %d (counts %d), want %d in ranking order", len(got), b.n, len(want))
	}
}

// TestBoardKeepsOrder files, moves and removes thousands of viewers with
// many equal scores and checks the board against a sorted list after each
// step, and its counts against a plain count.
func TestBoardKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b board
	var filed []*viewer
	pool := make([]viewer, 5000)
	for i := range pool {
		pool[i].stats.UserID = fmt.Sprint(i)
		pool[i].stats.Login = fmt.Sprintf("v%d", rng.IntN(800)) // some logins shared, as after renames
	}
	b.build(nil)
	for step := range 30_000 {
		v := &pool[rng.IntN(len(pool))]
		if i := slices.Index(filed, v); i >= 0 {
			b.remove(v)
			filed = slices.Delete(filed, i, i+1)
		} else {
			v.boardPoints = int64(1 + rng.IntN(60))
			b.insert(v)
			filed = append(filed, v)
		}
		if step%1000 == 0 || step > 29_900 {
			want := slices.SortedFunc(slices.Values(filed), compare)
			checkBoard(t, &b, want)
			for _, p := range []int64{0, 1, 30, 59, 60, 61} {
				n := 0
				for _, v := range filed {
					if v.boardPoints > p {
						n++
					}
				}
				if got := b.above(p); got != n {
					t.Fatalf("above(%d) = %d, want %d", p, got, n)
				}
			}
			var first []*viewer
			b.first(7, func(v *viewer) { first = append(first, v) })
			if !slices.Equal(first, want[:min(7, len(want))]) {
				t.Fatal("first(7) is not the start of the ranking")
			}
		}
	}

	// Build files a whole list at once, as loading does.
	b.build(slices.Clone(filed))
	checkBoard(t, &b, slices.SortedFunc(slices.Values(filed), compare))
}

// TestRankingFollowsEveryChange plays a long random mix of chat, commands
// that move points (!give, !addpoints, !removepoints), deleted messages,
// bonuses, renames and forgotten viewers through a channel, and after each
// event compares !top's list and every viewer's !rank place with a ranking
// computed afresh from the viewers' stats.
func TestRankingFollowsEveryChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rules := DefaultRules()
	rules.Cooldowns = CooldownConfig{}
	rules.MessageCooldown = 0
	rules.RepeatWindow = 0
	rules.Bots = []string{"nightbot"}
	rules.PointsPerMessage = 5
	c := NewChannel("chan", rules, scored("ann", 40, "bob", 40, "nightbot", 90, "cat", 0), nil)
	logins := []string{"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "nightbot", "chan"}
	var sent []string
	at := time.Duration(0)
	for step := range 3000 {
		at += time.Second
		login := logins[rng.IntN(len(logins))]
		var ev hearth.Event
		switch k := rng.IntN(12); {
		case k < 5:
			ev = chatAt(login, at, fmt.Sprint("hello ", step))
			sent = append(sent, ev.ID)
		case k == 5:
			ev = chatAt(login, at, fmt.Sprintf("!give @%s %d", logins[rng.IntN(len(logins))], rng.IntN(30)))
		case k == 6:
			ev = chatAt(login, at, fmt.Sprintf("!addpoints @%s %d", logins[rng.IntN(len(logins))], rng.IntN(50)))
			ev.Roles = hearth.RoleModerator
		case k == 7:
			ev = chatAt(login, at, fmt.Sprintf("!removepoints @%s %d", logins[rng.IntN(len(logins))], rng.IntN(50)))
			ev.Roles = hearth.RoleModerator
		case k == 8 && len(sent) > 0:
			ev = event(hearth.EventMessageDeleted, at, "", "")
			ev.TargetMessageID = sent[rng.IntN(len(sent))]
		case k == 9:
			// A rename: the same user id under a new login.
			ev = chatAt(login, at, "renamed")
			ev.User.Login = logins[rng.IntN(len(logins))]
		case k == 10:
			c.Forget(login)
			continue
		default:
			ev = chatAt(login, at, "!top 10")
		}
		r := c.Handle(ev)
		checkRanking(t, c, step, r.Reply)
	}
}

// checkRanking compares the channel's ranking with one computed from its
// viewers' stats alone.
func checkRanking(t *testing.T, c *Channel, step int, reply string) {
	t.Helper()
	var all []hearth.ViewerStats
	for _, v := range c.viewers {
		all = append(all, v.stats)
	}
	want := NewRanking(c.name, c.rules).Rank(all)
	var holding []Ranked
	for _, r := range want {
		if r.Points > 0 {
			holding = append(holding, r)
		}
	}
	top := c.Top(MaxTop)
	if len(top) != min(MaxTop, len(holding)) {
		t.Fatalf("step %d: Top holds %d, want %d", step, len(top), min(MaxTop, len(holding)))
	}
	for i := range top {
		if top[i].UserID != holding[i].UserID || top[i].Position != holding[i].Position || top[i].Points != holding[i].Points {
			t.Fatalf("step %d: Top[%d] = %s %d (#%d), want %s %d (#%d)", step, i,
				top[i].Login, top[i].Points, top[i].Position, holding[i].Login, holding[i].Points, holding[i].Position)
		}
	}
	for _, r := range want {
		if pos, total := c.Position(r.UserID); pos != r.Position || total != len(want) {
			t.Fatalf("step %d: Position(%s) = %d of %d, want %d of %d", step, r.Login, pos, total, r.Position, len(want))
		}
	}
	if strings.HasPrefix(reply, "1. ") && len(holding) > 0 && !strings.Contains(reply, holding[0].DisplayName) {
		t.Fatalf("step %d: !top replied %q, want %s first", step, reply, holding[0].DisplayName)
	}
}

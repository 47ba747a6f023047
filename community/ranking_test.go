package community

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// scored returns stored viewers of "chan" with the given logins and points.
func scored(pairs ...any) []hearth.ViewerStats {
	var out []hearth.ViewerStats
	for i := 0; i < len(pairs); i += 2 {
		login := pairs[i].(string)
		out = append(out, hearth.ViewerStats{Channel: "chan", UserID: "u-" + login, Login: login, DisplayName: strings.ToUpper(login[:1]) + login[1:],
			Points: int64(pairs[i+1].(int)), LifetimePoints: int64(pairs[i+1].(int))})
	}
	return out
}

type placed struct {
	login string
	pos   int
}

func TestRanking(t *testing.T) {
	rules := plainRules()
	rules.Bots = []string{"nightbot"}
	tests := []struct {
		name    string
		viewers []hearth.ViewerStats
		want    []placed // the whole ranking, best first
	}{
		{"CompetitionTies", scored("dan", 200, "bob", 310, "ann", 500, "cat", 310),
			[]placed{{"ann", 1}, {"bob", 2}, {"cat", 2}, {"dan", 4}}},
		{"TieAtTheTop", scored("bob", 10, "ann", 10, "cat", 5),
			[]placed{{"ann", 1}, {"bob", 1}, {"cat", 3}}},
		{"AllEqual", scored("cat", 7, "bob", 7, "ann", 7),
			[]placed{{"ann", 1}, {"bob", 1}, {"cat", 1}}},
		{"BotsAndBroadcasterLeftOut", scored("nightbot", 900, "chan", 800, "ann", 50, "bob", 40),
			[]placed{{"ann", 1}, {"bob", 2}}},
		{"ZeroPointsRankLast", scored("ann", 0, "bob", 30, "cat", 0),
			[]placed{{"bob", 1}, {"ann", 2}, {"cat", 2}}},
		{"Empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRanking("chan", rules)
			var got []placed
			for _, v := range r.Rank(tt.viewers) {
				got = append(got, placed{v.Login, v.Position})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Rank = %v, want %v", got, tt.want)
			}

			positions := r.Positions(tt.viewers)
			for _, w := range tt.want {
				if positions["u-"+w.login] != w.pos {
					t.Errorf("Positions[%s] = %d, want %d", w.login, positions["u-"+w.login], w.pos)
				}
			}
			if len(positions) != len(tt.want) {
				t.Errorf("Positions has %d viewers, want %d: %v", len(positions), len(tt.want), positions)
			}

			c := NewChannel("chan", rules, tt.viewers, nil)
			for _, w := range tt.want {
				if pos, total := c.Position("u-" + w.login); pos != w.pos || total != len(tt.want) {
					t.Errorf("Position(%s) = %d of %d, want %d of %d", w.login, pos, total, w.pos, len(tt.want))
				}
			}

			// Top is the start of the same ranking, without the viewers
			// who hold no points.
			var withPoints []placed
			for _, w := range tt.want {
				if v := tt.viewers[slices.IndexFunc(tt.viewers, func(v hearth.ViewerStats) bool { return v.Login == w.login })]; v.Points > 0 {
					withPoints = append(withPoints, w)
				}
			}
			for n := 1; n <= len(tt.viewers)+1; n++ {
				var top []placed
				for _, v := range c.Top(n) {
					top = append(top, placed{v.Login, v.Position})
				}
				if want := withPoints[:min(n, len(withPoints))]; !slices.Equal(top, want) {
					t.Errorf("Top(%d) = %v, want %v", n, top, want)
				}
			}
		})
	}
}

// TestOneRankingEverywhere checks that the overlay's leaderboard, !top and
// !rank show the same positions, ties shared and bots left out.
func TestOneRankingEverywhere(t *testing.T) {
	rules := plainRules()
	rules.Bots = []string{"nightbot"}
	c := NewChannel("chan", rules, scored("nightbot", 900, "chan", 800, "ann", 500, "bob", 310, "cat", 310, "dan", 200), nil)

	board := c.Leaderboard(10)
	var got []placed
	for _, e := range board.Entries {
		got = append(got, placed{e.Login, e.Rank})
	}
	if want := []placed{{"ann", 1}, {"bob", 2}, {"cat", 2}, {"dan", 4}}; board.Channel != "chan" || !slices.Equal(got, want) {
		t.Fatalf("leaderboard %s %v, want %v", board.Channel, got, want)
	}

	top := cmd(c, "dan", "!top", 0, time.Minute).Reply
	if want := "1. Ann (500) · 2. Bob (310) · 2. Cat (310) · 4. Dan (200)"; !strings.Contains(top, want) {
		t.Errorf("!top replied %q, want it to hold %q", top, want)
	}
	for _, login := range []string{"bob", "cat"} {
		if reply := cmd(c, login, "!rank", 0, 2*time.Minute).Reply; !strings.Contains(reply, "#2 of 4") {
			t.Errorf("!rank of %s replied %q, want #2 of 4", login, reply)
		}
	}
	if reply := cmd(c, "dan", "!rank", 0, 3*time.Minute).Reply; !strings.Contains(reply, "#4 of 4") {
		t.Errorf("!rank of dan replied %q, want #4 of 4", reply)
	}
}

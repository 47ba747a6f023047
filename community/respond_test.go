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

func TestCommands(t *testing.T) {
	const mod = hearth.RoleModerator
	tests := []struct {
		name         string
		login, text  string
		roles        hearth.Role
		wantReply    string // substring; "" means no reply
		wantRejected string
		wantAnn      int64
		wantBob      int64
	}{
		{"Points", "ann", "!points", 0, "Ann has 100 points (rank Newcomer)", "", 100, 50},
		{"PointsOfOther", "ann", "!points @Bob", 0, "Bob has 50 points", "", 100, 50},
		{"PointsOfUnknown", "ann", "!points @nobody", 0, "haven't seen nobody", RejectUnknown, 100, 50},
		{"Rank", "ann", "!rank", 0, "Ann is Newcomer, #1 of 2; 400 more to reach Regular", "", 100, 50},
		{"Top", "bob", "!top 3", 0, "1. Ann (100) · 2. Bob (50)", "", 100, 50},
		{"Streak", "ann", "!streak", 0, "Ann has attended 1 streams in a row", "", 100, 50},
		{"Watchtime", "ann", "!watchtime", 0, "Ann has watched for 10m", "", 100, 50}, // the stream inferred from her first message
		{"Give", "ann", "!give @bob 30", 0, "Ann gave 30 points to Bob (70 left)", "", 70, 80},
		{"GiveAll", "ann", "!give bob 100", 0, "(0 left)", "", 0, 150},
		{"GiveMoreThanBalance", "ann", "!give @bob 101", 0, "only have 100 points", RejectInsufficient, 100, 50},
		{"GiveToSelf", "ann", "!give @ann 5", 0, "to yourself", RejectSelf, 100, 50},
		{"GiveToBot", "ann", "!give @nightbot 5", 0, "is a bot", RejectBot, 100, 50},
		{"GiveToBroadcaster", "ann", "!give @chan 5", 0, "is a bot", RejectBot, 100, 50},
		{"GiveToUnknown", "ann", "!give @ghost 5", 0, "haven't seen ghost", RejectUnknown, 100, 50},
		{"GiveNegative", "ann", "!give @bob -5", 0, "Usage: !give @user", "bad_amount", 100, 50},
		{"GiveNonNumeric", "ann", "!give @bob lots", 0, "Usage: !give @user", "bad_amount", 100, 50},
		{"GiveOverflow", "ann", "!give @bob 99999999999999999999", 0, "Usage: !give @user", "amount_too_large", 100, 50},
		{"GiveWithoutAmount", "ann", "!give @bob", 0, "Usage: !give @user", "missing_amount", 100, 50},
		{"AddPointsNeedsMod", "ann", "!addpoints @bob 100", 0, "", RejectPermission, 100, 50},
		{"AddPointsAsMod", "ann", "!addpoints @bob 100", mod, "Bob got 100 points (now 150)", "", 100, 150},
		{"AddPointsAsBroadcaster", "chan", "!addpoints @bob 100", hearth.RoleBroadcaster, "now 150", "", 100, 150},
		{"RemovePointsClampsAtZero", "ann", "!removepoints @bob 1000", mod, "Bob had 50 points taken away (now 0)", "", 100, 0},
		{"OtherBotsCommand", "ann", "!so @bob", 0, "", "", 100, 50},
		{"BotsAreNotAnswered", "nightbot", "!points", 0, "", "", 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			c := NewChannel("chan", rules, nil, nil)
			run(c, chatAt("ann", 0, "hi"), chatAt("ann", time.Minute, "hey"), chatAt("ann", 2*time.Minute, "yo"),
				chatAt("ann", 3*time.Minute, "so"), chatAt("ann", 4*time.Minute, "hm"),
				chatAt("bob", 0, "hello"), chatAt("bob", time.Minute, "hi"), chatAt("bob", 2*time.Minute, "hey"),
				chatAt("bob", 3*time.Minute, "ok"), chatAt("bob", 4*time.Minute, "lol"))
			if tt.login == "chan" {
				c.Handle(chatAt("chan", 4*time.Minute, "hello chat"))
			}
			// ann has 5 x 10 = 50 so far; give her 50 more for round numbers.
			c.Handle(chatAt("ann", 5*time.Minute, "one more"))
			c.Handle(chatAt("ann", 6*time.Minute, "and one"))
			c.Handle(chatAt("ann", 7*time.Minute, "three"))
			c.Handle(chatAt("ann", 8*time.Minute, "four"))
			c.Handle(chatAt("ann", 9*time.Minute, "five"))
			r := cmd(c, tt.login, tt.text, tt.roles, 10*time.Minute)
			if tt.wantReply == "" && r.Reply != "" || !strings.Contains(r.Reply, tt.wantReply) {
				t.Fatalf("reply %q, want %q", r.Reply, tt.wantReply)
			}
			if r.Rejected != tt.wantRejected {
				t.Fatalf("rejected %q, want %q", r.Rejected, tt.wantRejected)
			}
			if r.Rejected != "" && !slices.Contains(CommandRejections()[r.Command], r.Rejected) {
				t.Fatalf("rejected %q is missing from CommandRejections()[%q], so its metric series is never declared", r.Rejected, r.Command)
			}
			if a, b := points(t, c, "ann"), points(t, c, "bob"); a != tt.wantAnn || b != tt.wantBob {
				t.Fatalf("ann %d bob %d, want %d and %d", a, b, tt.wantAnn, tt.wantBob)
			}
			if tt.text[:5] == "!give" && tt.wantRejected == "" {
				var both int
				for _, v := range r.Changed {
					if v.Login == "ann" || v.Login == "bob" {
						both++
					}
				}
				if both != 2 {
					t.Fatalf("a give changed %d of its two viewers in one result", both)
				}
			}
		})
	}
}

func TestCommandCooldowns(t *testing.T) {
	rules := plainRules()
	rules.Cooldowns = CooldownConfig{PerUser: 15 * time.Second, Global: 3 * time.Second}
	c := NewChannel("chan", rules, nil, nil)
	run(c, chatAt("ann", 0, "hi"), chatAt("bob", 0, "hi"))
	steps := []struct {
		login    string
		roles    hearth.Role
		at       time.Duration
		rejected string
	}{
		{"ann", 0, time.Minute, ""},
		{"bob", 0, time.Minute + 2*time.Second, "global_cooldown"},
		{"bob", 0, time.Minute + 3*time.Second, ""},
		{"ann", 0, time.Minute + 14*time.Second, "user_cooldown"},
		{"ann", 0, time.Minute + 15*time.Second, ""},
		{"ann", hearth.RoleModerator, time.Minute + 16*time.Second, ""},
	}
	for i, s := range steps {
		r := cmd(c, s.login, "!points", s.roles, s.at)
		if r.Rejected != s.rejected || (s.rejected != "") != (r.Reply == "") {
			t.Fatalf("step %d: rejected %q reply %q, want rejected %q", i, r.Rejected, r.Reply, s.rejected)
		}
		if r.Rejected != "" && !slices.Contains(CommandRejections()[r.Command], r.Rejected) {
			t.Fatalf("step %d: rejected %q is missing from CommandRejections()[%q]", i, r.Rejected, r.Command)
		}
	}
}

// TestGiveConservesPoints runs thousands of random gives between 100
// viewers: the sum of balances never changes.
func TestGiveConservesPoints(t *testing.T) {
	rules := plainRules()
	rules.PointsPerMessage = 1000
	c := NewChannel("chan", rules, nil, nil)
	for i := 0; i < 100; i++ {
		c.Handle(chatAt(fmt.Sprint("v", i), 0, "hi"))
	}
	sum := func() (s int64) {
		for i := 0; i < 100; i++ {
			s += points(t, c, fmt.Sprint("v", i))
		}
		return s
	}
	before := sum()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		from, to := rng.IntN(100), rng.IntN(100)
		text := fmt.Sprintf("!give @v%d %d", to, rng.IntN(1500)-100)
		cmd(c, fmt.Sprint("v", from), text, hearth.RoleModerator, time.Minute+time.Duration(i)*time.Millisecond)
	}
	if after := sum(); after != before {
		t.Fatalf("sum of balances went from %d to %d", before, after)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0m", 59 * time.Second: "0m", 12 * time.Minute: "12m", 3*time.Hour + 25*time.Minute: "3h 25m"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

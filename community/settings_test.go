package community

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// otherRules differs from DefaultRules in every rule the settings name.
func otherRules() Rules {
	r := DefaultRules()
	r.PointsPerMessage, r.MessageCooldown, r.RepeatWindow = 3, time.Minute, time.Minute
	r.PresencePoints, r.PresenceInterval, r.PresenceTimeout = 2, 2*time.Minute, 3*time.Minute
	r.SubBonus, r.ResubBonus, r.GiftBonus, r.CheerBonusPer100 = 1, 2, 3, 4
	r.RaidBonus, r.RaidViewerBonus, r.RaidWindow = 5, 6, time.Minute
	r.FirstMessageBonus, r.FollowBonus, r.RedemptionBonus = 7, 8, 9
	r.SubMultiplier, r.VIPMultiplier = 1.5, 2
	r.IdleGap, r.AttendMinimum, r.StreakGraceEvery = time.Hour, time.Minute, 2
	r.RankBy, r.Ranks = RankByWatchTime, []Rank{{"Zero", 0}, {"One", 60}}
	r.ReturningAfter, r.WelcomeInChat, r.RankUpInChat = 2*time.Hour, true, true
	r.FollowAlerts, r.RedemptionAlerts = false, false
	r.Bots = []string{"somebot"}
	r.CommandPrefix, r.Language = "?", "de"
	r.Cooldowns = CooldownConfig{PerUser: time.Second, Global: 2 * time.Second}
	r.PollDuration, r.PollAllowChange, r.PollBareVotes = time.Minute, false, true
	r.PollWeighting, r.PollPointsPerVote = hearth.PollWeightPoints, 7
	r.SegmentMaxNames = 3
	return r
}

func TestSettingsCoverEveryRule(t *testing.T) {
	base, other := DefaultRules(), otherRules()
	if err := other.Validate(); err != nil {
		t.Fatalf("otherRules: %v", err)
	}
	// A rule otherRules does not change is one the settings may miss.
	bt, ot := reflect.ValueOf(base), reflect.ValueOf(other)
	for i := range bt.NumField() {
		if reflect.DeepEqual(bt.Field(i).Interface(), ot.Field(i).Interface()) {
			t.Errorf("otherRules leaves %s as DefaultRules has it: change it, and give it a setting", bt.Type().Field(i).Name)
		}
	}
	if got := ApplySettings(base, SettingsOf(other)); !reflect.DeepEqual(got, other) {
		t.Errorf("ApplySettings(default, SettingsOf(other)) =\n%+v\nwant\n%+v", got, other)
	}
	if got := ApplySettings(other, hearth.ChannelSettings{}); !reflect.DeepEqual(got, other) {
		t.Errorf("no settings changed the rules: %+v", got)
	}
}

func TestSettingsDiff(t *testing.T) {
	base := DefaultRules()
	tests := []struct {
		name string
		edit func(*Rules)
		want string
	}{
		{"Same", func(*Rules) {}, `{}`},
		{"OnePoint", func(r *Rules) { r.PointsPerMessage = 3 }, `{"points":{"per_message":3}}`},
		{"DurationAndLanguage", func(r *Rules) { r.Cooldowns.Global = 90 * time.Second; r.Language = "de" },
			`{"commands":{"global_cooldown":"1m30s"},"language":"de"}`},
		{"Ladder", func(r *Rules) { r.Ranks = []Rank{{"Only", 0}} }, `{"ranks":{"ladder":[{"name":"Only","min":0}]}}`},
		{"NoBots", func(r *Rules) { r.Bots = nil }, `{"bots":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.edit(&r)
			diff := SettingsDiff(base, r)
			got, err := json.Marshal(diff)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("SettingsDiff = %s, want %s", got, tt.want)
			}
			back := ApplySettings(base, diff)
			if r.Bots == nil {
				r.Bots = []string{}
			}
			if !reflect.DeepEqual(back, r) {
				t.Errorf("ApplySettings(base, diff) = %+v, want %+v", back, r)
			}
			parsed, err := hearth.ParseChannelSettings(got)
			if err != nil {
				t.Fatalf("the diff does not parse back: %v", err)
			}
			if again := ApplySettings(base, parsed); !reflect.DeepEqual(again, back) {
				t.Errorf("the diff through JSON applies as %+v, want %+v", again, back)
			}
		})
	}
}

func TestSetRulesBots(t *testing.T) {
	r := plainRules()
	c := NewChannel("chan", r, nil, nil)
	run(c, chatAt("alice", 0, "hi"), chatAt("bob", time.Second, "hi"), chatAt("bob", time.Hour, "again"))
	names := func() []string {
		var out []string
		for _, e := range c.Leaderboard(10).Entries {
			out = append(out, e.Login)
		}
		return out
	}
	if got := names(); !reflect.DeepEqual(got, []string{"bob", "alice"}) {
		t.Fatalf("leaderboard = %v, want [bob alice]", got)
	}

	r.Bots = append(r.Bots, "bob")
	c.SetRules(r)
	if got := names(); !reflect.DeepEqual(got, []string{"alice"}) {
		t.Errorf("leaderboard with bob a bot = %v, want [alice]", got)
	}
	if !c.IsBot("bob") || c.Rules().Bots[len(r.Bots)-1] != "bob" {
		t.Error("SetRules did not make bob a bot")
	}
	before := mustViewer(t, c, "bob").Points
	run(c, chatAt("bob", 2*time.Hour, "as a bot"))
	if got := mustViewer(t, c, "bob").Points; got != before {
		t.Errorf("a bot earned: %d points, had %d", got, before)
	}

	r.Bots = r.Bots[:len(r.Bots)-1]
	c.SetRules(r)
	if got := names(); !reflect.DeepEqual(got, []string{"bob", "alice"}) {
		t.Errorf("leaderboard once bob is no bot again = %v, want [bob alice]", got)
	}
}

func TestSetRulesTakesEffectAtOnce(t *testing.T) {
	r := plainRules()
	c := NewChannel("chan", r, nil, nil)
	run(c, chatAt("alice", 0, "hi"))
	r.PointsPerMessage, r.MessageCooldown = 50, 0
	c.SetRules(r)
	run(c, chatAt("alice", time.Second, "hi again"))
	if got := mustViewer(t, c, "alice").Points; got != 60 {
		t.Errorf("points after the rules changed = %d, want 10 + 50", got)
	}
}

func mustViewer(t *testing.T, c *Channel, login string) hearth.ViewerStats {
	t.Helper()
	v, ok := c.ViewerByLogin(login)
	if !ok {
		t.Fatalf("no viewer %s", login)
	}
	return v
}

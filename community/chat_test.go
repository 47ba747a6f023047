package community

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func TestChatPoints(t *testing.T) {
	tests := []struct {
		name         string
		rules        func(*Rules)
		events       []hearth.Event
		wantPoints   int64
		wantMessages int64
	}{
		{"FirstMessageEarns", nil, []hearth.Event{chat("a", "ann", 0)}, 10, 1},
		{"InsideCooldownCountsButEarnsNothing", nil, []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 29*time.Second)}, 10, 2},
		{"ExactlyAtCooldownEarns", nil, []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 30*time.Second)}, 20, 2},
		{"CooldownRunsFromLastEarning", nil, []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 20*time.Second), chat("c", "ann", 40*time.Second)}, 20, 3},
		{"DuplicateIDCountsOnce", nil, []hearth.Event{chat("a", "ann", 0), chat("a", "ann", 0)}, 10, 1},
		{"SpamEarnsOncePerCooldown", nil, spam("ann", 100, time.Second), 40, 100},
		{"OutOfOrderTimestampsEarnNothingExtra", nil, []hearth.Event{chat("a", "ann", 10*time.Second), chat("b", "ann", 0)}, 10, 2},
		{"RepeatedTextEarnsNothing", func(r *Rules) { r.RepeatWindow = 5 * time.Minute },
			[]hearth.Event{chatAt("ann", 0, "PogChamp"), chatAt("ann", time.Minute, "pogchamp "), chatAt("ann", 2*time.Minute, "something else")}, 20, 3},
		{"RepeatAfterWindowEarns", func(r *Rules) { r.RepeatWindow = 5 * time.Minute },
			[]hearth.Event{chatAt("ann", 0, "gg"), chatAt("ann", 5*time.Minute, "gg")}, 20, 2},
		{"CommandsEarnNothing", nil, []hearth.Event{chatAt("ann", 0, "!points"), chatAt("ann", time.Minute, "!#showemote x")}, 0, 2},
		{"SubscriberMultiplier", func(r *Rules) { r.SubMultiplier = 1.5 }, []hearth.Event{withRoles(chat("a", "ann", 0), hearth.RoleSubscriber)}, 15, 1},
		{"LargerMultiplierApplies", func(r *Rules) { r.SubMultiplier, r.VIPMultiplier = 1.5, 2 },
			[]hearth.Event{withRoles(chat("a", "ann", 0), hearth.RoleSubscriber|hearth.RoleVIP)}, 20, 1},
		{"CheerBonusPer100Bits", func(r *Rules) { r.CheerBonusPer100 = 50 }, []hearth.Event{withBits(chat("a", "ann", 0), 250)}, 110, 1},
		{"CheerUnder100EarnsNoBonus", func(r *Rules) { r.CheerBonusPer100 = 50 }, []hearth.Event{withBits(chat("a", "ann", 0), 99)}, 10, 1},
		{"FirstMessageBonusOnce", func(r *Rules) { r.FirstMessageBonus = 50 }, []hearth.Event{chat("a", "ann", 0), chat("b", "ann", time.Minute)}, 70, 2},
		{"TimedOutEarnsNothing", nil, []hearth.Event{
			chat("a", "ann", 0), timeout("ann", time.Minute, 2*time.Minute),
			chat("b", "ann", 2*time.Minute), chat("c", "ann", 3*time.Minute-time.Second), chat("d", "ann", 3*time.Minute),
		}, 20, 4},
		{"DeletedMessageTakesItsPointsBack", func(r *Rules) { r.FirstMessageBonus = 50 }, []hearth.Event{
			chat("a", "ann", 0), chat("b", "ann", time.Minute), deleted("b", 2*time.Minute),
		}, 60, 2},
		{"DeletingUnknownMessageChangesNothing", nil, []hearth.Event{chat("a", "ann", 0), deleted("zzz", time.Minute)}, 10, 1},
		{"RaidViewerBonusInsideWindow", func(r *Rules) { r.RaidViewerBonus = 50 }, []hearth.Event{
			event(hearth.EventRaid, 0, "raider", ""), chat("a", "ann", 5*time.Minute),
		}, 60, 1},
		{"RaidViewerBonusNotAfterWindow", func(r *Rules) { r.RaidViewerBonus = 50 }, []hearth.Event{
			event(hearth.EventRaid, 0, "raider", ""), chat("a", "ann", 10*time.Minute),
		}, 10, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			c := NewChannel("chan", rules, nil, nil)
			run(c, tt.events...)
			v, ok := c.ViewerByLogin("ann")
			if !ok {
				t.Fatal("viewer ann not found")
			}
			if v.Points != tt.wantPoints || v.Messages != tt.wantMessages {
				t.Fatalf("points=%d messages=%d, want points=%d messages=%d", v.Points, v.Messages, tt.wantPoints, tt.wantMessages)
			}
			if v.LifetimePoints != v.Points {
				t.Fatalf("lifetime %d differs from balance %d without any transfer", v.LifetimePoints, v.Points)
			}
		})
	}
}

func TestWelcomes(t *testing.T) {
	rules := plainRules()
	rules.ReturningAfter = 30 * 24 * time.Hour
	stored := []hearth.ViewerStats{
		{Channel: "chan", UserID: "u-old", Login: "old", Messages: 3, LastSeen: t0.Add(-40 * 24 * time.Hour)},
		{Channel: "chan", UserID: "u-recent", Login: "recent", Messages: 3, LastSeen: t0.Add(-2 * 24 * time.Hour)},
		{Channel: "chan", UserID: "u-lurker", Login: "lurker", LastSeen: t0.Add(-time.Hour)},
	}
	tests := []struct {
		name string
		ev   hearth.Event
		want NoticeKind
	}{
		{"NewViewer", chat("n1", "newbie", 0), NoticeWelcome},
		{"TwitchFirstMessage", func() hearth.Event { e := chat("n2", "lurker", 0); e.FirstMessage = true; return e }(), NoticeWelcome},
		{"KnownButNeverChattedWithoutTag", chat("n3", "lurker", 0), ""},
		{"BackAfterLongAbsence", chat("n4", "old", 0), NoticeWelcomeBack},
		{"RecentRegular", chat("n5", "recent", 0), ""},
		{"BotNeverWelcomed", chat("n6", "nightbot", 0), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", rules, stored, nil)
			r := c.Handle(tt.ev)
			var got NoticeKind
			for _, n := range r.Notices {
				if n.Kind == NoticeWelcome || n.Kind == NoticeWelcomeBack {
					got = n.Kind
				}
			}
			if got != tt.want {
				t.Fatalf("notice %q, want %q", got, tt.want)
			}
		})
	}
}

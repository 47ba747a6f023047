package community

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func TestRanks(t *testing.T) {
	tests := []struct {
		name       string
		rules      func(*Rules)
		events     func() []hearth.Event
		wantRankUp string
	}{
		{"ExactlyAtThreshold", func(r *Rules) { r.PointsPerMessage = 100 }, func() []hearth.Event { return []hearth.Event{chat("a", "ann", 0)} }, "Bronze"},
		{"OneShort", func(r *Rules) { r.PointsPerMessage = 99 }, func() []hearth.Event { return []hearth.Event{chat("a", "ann", 0)} }, ""},
		{"SkipsToHighest", func(r *Rules) { r.PointsPerMessage = 1000 }, func() []hearth.Event { return []hearth.Event{chat("a", "ann", 0)} }, "Gold"},
		{"ByWatchTime", func(r *Rules) { r.RankBy = RankByWatchTime; r.Ranks = []Rank{{"Lurker", 0}, {"Watcher", 3}} }, func() []hearth.Event {
			return []hearth.Event{event(hearth.EventOnline, 0, "", ""), chat("a", "ann", 0)}
		}, "Watcher"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			rules.Ranks = []Rank{{"Wood", 0}, {"Bronze", 100}, {"Silver", 500}, {"Gold", 1000}}
			tt.rules(&rules)
			c := NewChannel("chan", rules, nil, nil)
			var notices []Notice
			for _, r := range run(c, tt.events()...) {
				notices = append(notices, r.Notices...)
			}
			notices = append(notices, c.Tick(t0.Add(5*time.Minute)).Notices...)
			var got string
			for _, n := range notices {
				if n.Kind == NoticeRankUp {
					got = n.Rank
				}
			}
			if got != tt.wantRankUp {
				t.Fatalf("rank-up %q, want %q (notices %+v)", got, tt.wantRankUp, notices)
			}
		})
	}
}

func TestRulesValidate(t *testing.T) {
	if err := DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		break_ func(*Rules)
		want   string
	}{
		{"NegativePoints", func(r *Rules) { r.PointsPerMessage = -1 }, "points.per_message"},
		{"NegativeCooldown", func(r *Rules) { r.MessageCooldown = -time.Second }, "points.message_cooldown"},
		{"PresenceNotWholeMinutes", func(r *Rules) { r.PresenceInterval = 90 * time.Second }, "whole minutes"},
		{"MultiplierBelowOne", func(r *Rules) { r.SubMultiplier = 0.5 }, "points.sub_multiplier"},
		{"LadderNotFromZero", func(r *Rules) { r.Ranks = []Rank{{"A", 5}} }, "minimum is 0"},
		{"LadderNotIncreasing", func(r *Rules) { r.Ranks = []Rank{{"A", 0}, {"B", 10}, {"C", 10}} }, "must need more"},
		{"LadderNameTwice", func(r *Rules) { r.Ranks = []Rank{{"Regular", 0}, {"Hero", 10}, {"Regular", 20}} }, `"Regular" is on the ladder twice`},
		{"LadderNameTwiceInAnotherCase", func(r *Rules) { r.Ranks = []Rank{{"Hero", 0}, {"hero", 10}} }, `"hero" is on the ladder twice`},
		{"BadBot", func(r *Rules) { r.Bots = []string{"Not A Login"} }, "bots"},
		{"BadPrefix", func(r *Rules) { r.CommandPrefix = "" }, "commands.prefix"},
		{"UnknownLanguage", func(r *Rules) { r.Language = "xx" }, "language"},
		{"BadRankBy", func(r *Rules) { r.RankBy = "vibes" }, "ranks.by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.break_(&r)
			if err := r.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

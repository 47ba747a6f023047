package community

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func follow(login string, at time.Duration) hearth.Event {
	return event(hearth.EventFollow, at, login, "")
}

func redeem(login, title string, at time.Duration) hearth.Event {
	ev := event(hearth.EventRedemption, at, login, "")
	ev.Reward = hearth.Reward{ID: "r-" + title, Title: title, Cost: 100}
	return ev
}

func noticeKinds(rs []Result) []NoticeKind {
	var out []NoticeKind
	for _, r := range rs {
		for _, n := range r.Notices {
			out = append(out, n.Kind)
		}
	}
	return out
}

func TestFollowsAndRedemptions(t *testing.T) {
	for _, tt := range []struct {
		name        string
		rules       func(*Rules)
		events      []hearth.Event
		points      map[string]int64
		notices     []NoticeKind
		rewardTitle string
	}{
		{"FollowPaysOnce", nil,
			[]hearth.Event{follow("ann", 0), follow("ann", time.Hour), follow("ann", 48*time.Hour)},
			map[string]int64{"ann": 100}, []NoticeKind{NoticeFollow}, ""},
		{"FollowBonusConfigured", func(r *Rules) { r.FollowBonus = 7 },
			[]hearth.Event{follow("ann", 0), follow("bob", 0)},
			map[string]int64{"ann": 7, "bob": 7}, []NoticeKind{NoticeFollow, NoticeFollow}, ""},
		{"FollowAlertsOff", func(r *Rules) { r.FollowAlerts = false },
			[]hearth.Event{follow("ann", 0)},
			map[string]int64{"ann": 100}, nil, ""},
		{"BotFollowEarnsNothing", nil,
			[]hearth.Event{follow("nightbot", 0)},
			map[string]int64{"nightbot": 0}, nil, ""},
		{"RedemptionsPayEachTime", func(r *Rules) { r.RedemptionBonus = 30 },
			[]hearth.Event{redeem("ann", "Hydrate", 0), redeem("ann", "Hydrate", time.Minute)},
			map[string]int64{"ann": 60}, []NoticeKind{NoticeRedemption, NoticeRedemption}, "Hydrate"},
		{"RedemptionAlertsOff", func(r *Rules) { r.RedemptionAlerts = false },
			[]hearth.Event{redeem("ann", "Hydrate", 0)},
			map[string]int64{"ann": 25}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			c := NewChannel("chan", rules, nil, nil)
			rs := run(c, tt.events...)
			for login, want := range tt.points {
				if got := points(t, c, login); got != want {
					t.Errorf("%s has %d points, want %d", login, got, want)
				}
			}
			if got := noticeKinds(rs); !equalKinds(got, tt.notices) {
				t.Errorf("notices %v, want %v", got, tt.notices)
			}
			if tt.rewardTitle != "" && rs[0].Notices[0].Text != tt.rewardTitle {
				t.Errorf("redemption notice text %q, want the reward's title %q", rs[0].Notices[0].Text, tt.rewardTitle)
			}
		})
	}
}

func equalKinds(a, b []NoticeKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFollowRemembered: a follow stored with the viewer still counts after
// a restart.
func TestFollowRemembered(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	r := c.Handle(follow("ann", 0))
	if len(r.Changed) != 1 || !r.Changed[0].FollowedAt.Equal(t0) {
		t.Fatalf("changed %+v, want ann with FollowedAt %v", r.Changed, t0)
	}
	again := NewChannel("chan", plainRules(), r.Changed, nil)
	if r := again.Handle(follow("ann", time.Hour)); r.Earned != 0 || len(r.Notices) != 0 {
		t.Errorf("a second follow after a restart earned %d with notices %v", r.Earned, r.Notices)
	}
}

// TestSameActFromBothPaths: IRC and EventSub each report subs, raids,
// gifts and cheers; each act counts once, whichever arrives first.
func TestSameActFromBothPaths(t *testing.T) {
	gift := func(at time.Duration, recipient string) hearth.Event {
		ev := event(hearth.EventSubGift, at, "gifter", recipient)
		ev.Count = 1
		return ev
	}
	giftTotal := func(at time.Duration, n int) hearth.Event {
		ev := event(hearth.EventSubGift, at, "gifter", "")
		ev.Count = n
		return ev
	}
	cheer := func(at time.Duration, bits int) hearth.Event {
		ev := event(hearth.EventCheer, at, "cheerer", "")
		ev.Bits = bits
		return ev
	}
	cheerChat := func(at time.Duration, bits int) hearth.Event {
		return withBits(chatAt("cheerer", at, "cheer100 hi"), bits)
	}
	for _, tt := range []struct {
		name       string
		events     []hearth.Event
		login      string
		points     int64
		duplicates int
	}{
		{"SubTwice", []hearth.Event{event(hearth.EventSub, 0, "subber", ""), event(hearth.EventSub, 3*time.Second, "subber", "")}, "subber", 500, 1},
		{"SubEventSubFirst", []hearth.Event{event(hearth.EventSub, 3*time.Second, "subber", ""), event(hearth.EventSub, 0, "subber", "")}, "subber", 500, 1},
		{"SubsAMonthApart", []hearth.Event{event(hearth.EventSub, 0, "subber", ""), event(hearth.EventSub, 30*24*time.Hour, "subber", "")}, "subber", 1000, 0},
		{"ResubTwice", []hearth.Event{event(hearth.EventResub, 0, "subber", ""), event(hearth.EventResub, time.Second, "subber", "")}, "subber", 400, 1},
		{"RaidTwice", []hearth.Event{event(hearth.EventRaid, 0, "raider", ""), event(hearth.EventRaid, 2*time.Second, "raider", "")}, "raider", 300, 1},
		{"GiftsIRCThenEventSub", []hearth.Event{gift(0, "a"), gift(0, "b"), gift(0, "c"), giftTotal(time.Second, 3)}, "gifter", 750, 1},
		{"GiftsEventSubThenIRC", []hearth.Event{giftTotal(0, 3), gift(time.Second, "a"), gift(time.Second, "b"), gift(time.Second, "c")}, "gifter", 750, 3},
		{"GiftsPartlyReportedByIRC", []hearth.Event{gift(0, "a"), giftTotal(time.Second, 3)}, "gifter", 750, 0},
		{"CheerChatThenEventSub", []hearth.Event{cheerChat(0, 300), cheer(time.Second, 300)}, "cheerer", 10 + 150, 1},
		{"CheerEventSubThenChat", []hearth.Event{cheer(0, 300), cheerChat(time.Second, 300)}, "cheerer", 150 + 10, 0},
		{"TwoCheersBothReported", []hearth.Event{cheerChat(0, 100), cheer(time.Second, 100), cheerChat(time.Minute, 100), cheer(time.Minute+time.Second, 100)}, "cheerer", 10 + 50 + 10 + 50, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			rules.SubBonus, rules.ResubBonus, rules.GiftBonus, rules.RaidBonus, rules.CheerBonusPer100 = 500, 400, 250, 300, 50
			c := NewChannel("chan", rules, nil, nil)
			dups := 0
			for _, r := range run(c, tt.events...) {
				if r.Duplicate {
					dups++
				}
			}
			if got := points(t, c, tt.login); got != tt.points {
				t.Errorf("%s has %d points, want %d", tt.login, got, tt.points)
			}
			if dups != tt.duplicates {
				t.Errorf("%d events dropped as the same act, want %d", dups, tt.duplicates)
			}
		})
	}
}

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

func TestBonuses(t *testing.T) {
	rules := plainRules()
	rules.SubBonus, rules.ResubBonus, rules.GiftBonus, rules.RaidBonus = 500, 400, 250, 300
	c := NewChannel("chan", rules, nil, nil)
	gift := event(hearth.EventSubGift, 0, "gifter", "lucky")
	gift.Count = 1
	run(c,
		event(hearth.EventSub, 0, "subber", ""),
		event(hearth.EventResub, 0, "resubber", ""),
		gift,
		event(hearth.EventRaid, 0, "raider", ""),
		event(hearth.EventSub, 0, "fossabot", ""),
	)
	for login, want := range map[string]int64{"subber": 500, "resubber": 400, "gifter": 250, "raider": 300, "lucky": 0, "fossabot": 0} {
		if got := points(t, c, login); got != want {
			t.Errorf("%s has %d points, want %d", login, got, want)
		}
	}
}

func TestBotsAndBroadcaster(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	res := run(c, chat("a", "fossabot", 0), chat("b", "chan", 0), chat("c", "ann", 0))
	if res[0].Chatted || res[1].Chatted || !res[2].Chatted {
		t.Fatalf("bots and the broadcaster count toward engagement: %v %v %v", res[0].Chatted, res[1].Chatted, res[2].Chatted)
	}
	if points(t, c, "fossabot") != 0 || points(t, c, "chan") != 0 {
		t.Fatal("a bot or the broadcaster earned points")
	}
	if v, _ := c.ViewerByLogin("fossabot"); v.Messages != 1 {
		t.Fatal("a bot's messages are not counted in its record")
	}
	if top := c.Top(10); len(top) != 1 || top[0].Login != "ann" {
		t.Fatalf("top %v", top)
	}
	if _, total := c.Position("u-ann"); total != 1 {
		t.Fatalf("ranked viewers %d, want 1 (bots excluded)", total)
	}
}

func TestGiftedPointsDoNotRankUp(t *testing.T) {
	rules := plainRules()
	rules.PointsPerMessage = 90
	rules.Ranks = []Rank{{"Wood", 0}, {"Bronze", 100}}
	c := NewChannel("chan", rules, nil, nil)
	run(c, chat("a", "ann", 0), chat("b", "bob", 0))
	r := c.Handle(chatAt("ann", time.Minute, "!give @bob 50"))
	if len(r.Notices) != 0 || points(t, c, "bob") != 140 {
		t.Fatalf("notices %+v, bob %d", r.Notices, points(t, c, "bob"))
	}
	if v, _ := c.ViewerByLogin("bob"); v.LifetimePoints != 90 || c.rules.RankOf(v).Name != "Wood" {
		t.Fatalf("a gift counted as earned: %+v", v)
	}
}

func TestForget(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	run(c, chat("a", "ann", 0), chat("b", "bob", 0))
	k, ok := c.Forget("@Ann")
	if !ok || k != (hearth.ViewerKey{Channel: "chan", UserID: "u-ann"}) {
		t.Fatalf("forget: %v %v", k, ok)
	}
	if _, ok := c.ViewerByLogin("ann"); ok || c.Viewers() != 1 {
		t.Fatal("ann still known")
	}
	if _, ok := c.Forget("ann"); ok {
		t.Fatal("forgot twice")
	}
}

package community

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

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

// TestStreamStateReportedTwice sends online and offline as Helix and
// EventSub both report them: the second report of each is a duplicate.
func TestStreamStateReportedTwice(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	steps := []struct {
		kind hearth.EventKind
		dup  bool
	}{
		{hearth.EventOnline, false},
		{hearth.EventOnline, true},
		{hearth.EventOffline, false},
		{hearth.EventOffline, true},
		{hearth.EventOnline, false},
	}
	for i, s := range steps {
		r := c.Handle(event(s.kind, time.Duration(i)*time.Minute, "", ""))
		if r.Duplicate != s.dup {
			t.Fatalf("step %d (%s): duplicate %v, want %v", i, s.kind, r.Duplicate, s.dup)
		}
	}
	if sess, live := c.Live(); !live || sess.Seq != 2 {
		t.Fatalf("after online, offline, online: live %v, stream %d; want live stream 2", live, sess.Seq)
	}
}

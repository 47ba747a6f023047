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

var t0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

// plainRules gives points only for chat (10, 30 s cooldown), so each test
// switches on just what it checks.
func plainRules() Rules {
	r := DefaultRules()
	r.RepeatWindow = 0
	r.PresencePoints = 0
	r.SubBonus, r.ResubBonus, r.GiftBonus, r.CheerBonusPer100 = 0, 0, 0, 0
	r.RaidBonus, r.RaidViewerBonus, r.FirstMessageBonus = 0, 0, 0
	r.Cooldowns = CooldownConfig{}
	return r
}

func ident(login string) hearth.Identity {
	return hearth.Identity{ID: "u-" + login, Login: login, DisplayName: strings.ToUpper(login[:1]) + login[1:]}
}

var msgSeq int

func chatAt(login string, at time.Duration, text string) hearth.Event {
	msgSeq++
	return hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: fmt.Sprint("m", msgSeq), Time: t0.Add(at), User: ident(login), Text: text}
}

func chat(id, login string, at time.Duration) hearth.Event {
	ev := chatAt(login, at, "hello "+id)
	ev.ID = id
	return ev
}

func withRoles(ev hearth.Event, r hearth.Role) hearth.Event { ev.Roles = r; return ev }
func withBits(ev hearth.Event, bits int) hearth.Event       { ev.Bits = bits; return ev }

func event(kind hearth.EventKind, at time.Duration, user, target string) hearth.Event {
	msgSeq++
	ev := hearth.Event{Kind: kind, Channel: "chan", ID: fmt.Sprint("e", msgSeq), Time: t0.Add(at)}
	if user != "" {
		ev.User = ident(user)
	}
	if target != "" {
		ev.Target = ident(target)
	}
	return ev
}

func run(c *Channel, evs ...hearth.Event) []Result {
	out := make([]Result, len(evs))
	for i, ev := range evs {
		out[i] = c.Handle(ev)
	}
	return out
}

func points(t *testing.T, c *Channel, login string) int64 {
	t.Helper()
	v, ok := c.ViewerByLogin(login)
	if !ok {
		t.Fatalf("viewer %s unknown", login)
	}
	return v.Points
}

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

func spam(login string, n int, every time.Duration) []hearth.Event {
	evs := make([]hearth.Event, n)
	for i := range evs {
		evs[i] = chat(fmt.Sprintf("%s-%d", login, i), login, time.Duration(i)*every)
	}
	return evs
}

func timeout(login string, at, d time.Duration) hearth.Event {
	ev := event(hearth.EventTimeout, at, "", login)
	ev.Duration = d
	return ev
}

func deleted(msgID string, at time.Duration) hearth.Event {
	ev := event(hearth.EventMessageDeleted, at, "", "")
	ev.TargetMessageID = msgID
	return ev
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

// live starts a stream Twitch reports at t0.
func live(c *Channel) { c.Handle(event(hearth.EventOnline, 0, "", "")) }

func TestWatchTimeAndPresence(t *testing.T) {
	rules := plainRules()
	rules.PresencePoints, rules.PresenceInterval, rules.PresenceTimeout = 5, 5*time.Minute, 10*time.Minute
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	run(c, chat("a", "ann", 10*time.Second), chat("b", "fossabot", 10*time.Second), chat("c", "bob", 10*time.Second))
	c.Handle(event(hearth.EventJoin, 20*time.Second, "bob", ""))
	c.Tick(t0.Add(5 * time.Minute))
	ann, _ := c.ViewerByLogin("ann")
	if ann.WatchSeconds != 300 || ann.Points != 15 {
		t.Fatalf("after 5 min: watch %ds points %d, want 300s and 15", ann.WatchSeconds, ann.Points)
	}
	c.Tick(t0.Add(30 * time.Minute))
	ann, _ = c.ViewerByLogin("ann")
	bob, _ := c.ViewerByLogin("bob")
	bot, _ := c.ViewerByLogin("fossabot")
	// ann stops counting 10 minutes after her message; bob stays joined.
	if ann.WatchSeconds != 600 || ann.Points != 20 || ann.StreamWatchSeconds != 600 {
		t.Fatalf("ann: watch %ds points %d, want 600s and 20", ann.WatchSeconds, ann.Points)
	}
	if bob.WatchSeconds != 1800 || bob.Points != 40 {
		t.Fatalf("bob: watch %ds points %d, want 1800s and 40", bob.WatchSeconds, bob.Points)
	}
	if bot.WatchSeconds != 0 || bot.Points != 0 {
		t.Fatalf("a bot watched %ds and earned %d", bot.WatchSeconds, bot.Points)
	}
	c.Handle(event(hearth.EventPart, 30*time.Minute, "bob", ""))
	c.Handle(event(hearth.EventOffline, 31*time.Minute, "", ""))
	c.Tick(t0.Add(2 * time.Hour))
	if bob2, _ := c.ViewerByLogin("bob"); bob2.WatchSeconds != 1800 {
		t.Fatalf("watch time grew after part and offline: %ds", bob2.WatchSeconds)
	}
}

func TestTimedOutViewerEarnsNoPresence(t *testing.T) {
	rules := plainRules()
	rules.PresencePoints, rules.PresenceInterval = 5, time.Minute
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	run(c, chat("a", "ann", 0), event(hearth.EventJoin, 0, "ann", ""), timeout("ann", 0, 3*time.Minute))
	c.Tick(t0.Add(5 * time.Minute))
	// Muted for [0, 3m): presence pays at minutes 3, 4 and 5 only.
	if p := points(t, c, "ann"); p != 10+3*5 {
		t.Fatalf("points %d, want 10 for chat and 3 minutes of presence after the 3-minute timeout", p)
	}
}

func TestStreamsInferredFromChat(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	r := c.Handle(chat("a", "ann", 0))
	if s, on := c.Live(); !on || s.Seq != 1 || s.Source != hearth.SourceChat || len(r.Streams) == 0 {
		t.Fatalf("first message did not start a session: %+v live=%v", s, on)
	}
	c.Handle(chat("b", "bob", 10*time.Minute))
	r = c.Handle(chat("c", "ann", 45*time.Minute)) // 35 minutes of silence: a new stream
	s, on := c.Live()
	if !on || s.Seq != 2 || s.Chatters != 1 || s.Messages != 1 {
		t.Fatalf("after the idle gap: %+v live=%v", s, on)
	}
	var ended bool
	for _, st := range r.Streams {
		if st.Seq == 1 && st.EndedAt.Equal(t0.Add(10*time.Minute)) && st.Chatters == 2 && st.Messages == 2 {
			ended = true
		}
	}
	if !ended {
		t.Fatalf("the first session did not end at the last message: %+v", r.Streams)
	}
	c.Tick(t0.Add(2 * time.Hour))
	if _, on := c.Live(); on {
		t.Fatal("a chat-inferred stream outlived the idle gap")
	}
	// Once Twitch reports online/offline, chat starts nothing.
	c.Handle(event(hearth.EventOffline, 3*time.Hour, "", ""))
	c.Handle(chat("d", "ann", 4*time.Hour))
	if _, on := c.Live(); on {
		t.Fatal("chat started a stream though Twitch reports them")
	}
}

// TestEndStream: a recording that stops while its stream is live ends it
// at its last line's time, watch time counted up to there; with no stream
// live, nothing ends.
func TestEndStream(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	c.Handle(chat("a", "ann", 0))
	c.Handle(chat("b", "ann", 3*time.Minute))
	r := c.EndStream(t0.Add(4*time.Minute + 30*time.Second))
	s, live := c.Live()
	if live || !s.EndedAt.Equal(t0.Add(4*time.Minute+30*time.Second)) || s.Minutes != 4 || len(r.Streams) != 1 || !r.Streams[0].EndedAt.Equal(s.EndedAt) {
		t.Fatalf("stream %+v live=%v (result %+v), want it ended at 4:30 after 4 minutes", s, live, r.Streams)
	}
	if v, _ := c.ViewerByLogin("ann"); v.WatchSeconds != 4*60 {
		t.Fatalf("ann watched %d s, want the stream's 4 minutes", v.WatchSeconds)
	}
	if r := c.EndStream(time.Time{}); len(r.Streams) != 0 {
		t.Fatalf("ending with no stream live changed %+v", r.Streams)
	}
}

// streams runs one stream per pattern letter: 'c' ann chats, 'w' ann
// watches (joined) for the given minutes, '-' ann is absent.
func streams(c *Channel, pattern string, watch time.Duration) {
	at := time.Duration(0)
	for _, p := range pattern {
		c.Handle(event(hearth.EventOnline, at, "", ""))
		c.Handle(chat(fmt.Sprint("x", at), "bob", at)) // someone always chats
		switch p {
		case 'c':
			c.Handle(chatAt("ann", at+time.Minute, "hi"))
		case 'w':
			c.Handle(event(hearth.EventJoin, at, "ann", ""))
		}
		c.Tick(t0.Add(at + watch))
		if p == 'w' {
			c.Handle(event(hearth.EventPart, at+watch, "ann", ""))
		}
		c.Handle(event(hearth.EventOffline, at+time.Hour, "", ""))
		at += 24 * time.Hour
	}
}

func TestStreaks(t *testing.T) {
	tests := []struct {
		name                 string
		grace                int64
		pattern              string
		watch                time.Duration
		streak, longest, now int64
	}{
		{"EveryStream", 4, "cccc", 0, 4, 4, 4},
		{"GraceForgivesOneMiss", 4, "cc-c", 0, 3, 3, 3},
		{"TwoMissesBreak", 4, "cc--c", 0, 1, 2, 1},
		{"GraceOncePerN", 4, "c-c-c", 0, 1, 2, 1},
		{"GraceAgainAfterN", 2, "c-cc-c", 0, 4, 4, 4},
		{"GraceOff", 0, "c-c", 0, 1, 1, 1},
		{"WatchingLongEnoughAttends", 4, "ww", 15 * time.Minute, 2, 2, 2},
		{"WatchingTooShortDoesNot", 4, "cw", 5 * time.Minute, 1, 1, 1},
		{"BrokenStreakShowsZero", 4, "cc--", 0, 2, 2, 0},
		{"GraceKeepsStreakShowing", 4, "cc-", 0, 2, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := plainRules()
			rules.StreakGraceEvery = tt.grace
			c := NewChannel("chan", rules, []hearth.ViewerStats{{Channel: "chan", UserID: "u-ann", Login: "ann"}}, nil)
			streams(c, tt.pattern, tt.watch)
			v, _ := c.ViewerByLogin("ann")
			if v.Streak != tt.streak || v.LongestStreak != tt.longest || c.CurrentStreak(v) != tt.now {
				t.Fatalf("streak %d longest %d current %d; want %d %d %d (%+v)", v.Streak, v.LongestStreak, c.CurrentStreak(v), tt.streak, tt.longest, tt.now, v)
			}
		})
	}
}

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

// cmd sends a chat line from login with roles and returns the result.
func cmd(c *Channel, login, text string, roles hearth.Role, at time.Duration) Result {
	ev := chatAt(login, at, text)
	ev.Roles = roles
	return c.Handle(ev)
}

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

func TestResumeFromStore(t *testing.T) {
	stored := []hearth.ViewerStats{{Channel: "chan", UserID: "u-ann", Login: "ann", Messages: 5, Points: 50, LifetimePoints: 50,
		FirstSeen: t0, LastSeen: t0, StreamSeq: 3, StreamMessages: 2, Streak: 2, LongestStreak: 2, LastAttended: 3}}
	last := &hearth.StreamSession{Channel: "chan", Seq: 3, StartedAt: t0, Source: hearth.SourceTwitch, Messages: 2, Chatters: 1}
	c := NewChannel("chan", plainRules(), stored, last)
	if s, on := c.Live(); !on || s.Seq != 3 {
		t.Fatalf("the live stream was not resumed: %+v", s)
	}
	c.Handle(chat("a", "ann", time.Hour))
	v, _ := c.Viewer("u-ann")
	if v.Points != 60 || v.Messages != 6 || v.StreamMessages != 3 || v.Streak != 2 {
		t.Fatalf("got %+v", v)
	}
	c.Handle(event(hearth.EventOffline, 2*time.Hour, "", ""))
	c.Handle(event(hearth.EventOnline, 3*time.Hour, "", ""))
	c.Handle(chat("b", "ann", 3*time.Hour+time.Minute))
	if v, _ := c.Viewer("u-ann"); v.StreamSeq != 4 || v.StreamMessages != 1 || v.Streak != 3 {
		t.Fatalf("next stream: %+v", v)
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

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0m", 59 * time.Second: "0m", 12 * time.Minute: "12m", 3*time.Hour + 25*time.Minute: "3h 25m"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestEngagement(t *testing.T) {
	stored := []hearth.ViewerStats{{Channel: "chan", UserID: "u-old", Login: "old", Messages: 9, FirstSeen: t0.Add(-48 * time.Hour), LastSeen: t0.Add(-24 * time.Hour)}}
	c := NewChannel("chan", plainRules(), stored, nil)
	live(c)
	// old sends 5 messages, eleven newcomers 1 each, a bot 50.
	for i := 0; i < 5; i++ {
		c.Handle(chatAt("old", time.Duration(i)*time.Second, fmt.Sprint("hi ", i)))
	}
	for i := 0; i < 11; i++ {
		c.Handle(chatAt(fmt.Sprintf("new%02d", i), 10*time.Second, "hello"))
	}
	for i := 0; i < 50; i++ {
		c.Handle(chatAt("nightbot", 20*time.Second, fmt.Sprint("ad ", i)))
	}
	e := c.Engagement()
	if !e.Live || e.StreamChatters != 12 || e.ReturningChatters != 1 || e.Viewers != 13 {
		t.Fatalf("engagement %+v", e)
	}
	// The top ten: old (5) and nine newcomers (1 each) of 16 messages.
	if want := 14.0 / 16.0; e.Top10Share != want {
		t.Fatalf("top-10 share %v, want %v", e.Top10Share, want)
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

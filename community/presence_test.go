package community

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func chatterList(at time.Duration, logins ...string) hearth.Event {
	ev := event(hearth.EventChatters, at, "", "")
	ev.ID = "" // Helix events carry no id
	for _, l := range logins {
		ev.Chatters = append(ev.Chatters, ident(l))
	}
	return ev
}

func viewerCount(at time.Duration, n int) hearth.Event {
	ev := event(hearth.EventViewerCount, at, "", "")
	ev.ID, ev.Count = "", n
	return ev
}

// TestChatterListMakesLurkersPresent: a viewer who never chats earns
// watch time and presence points while chatter lists name them, stops
// when a list leaves them out, and stops PresenceTimeout after the last
// list when lists stop coming.
func TestChatterListMakesLurkersPresent(t *testing.T) {
	rules := plainRules()
	rules.PresencePoints, rules.PresenceInterval, rules.PresenceTimeout = 5, time.Minute, 10*time.Minute
	tests := []struct {
		name  string
		lists []hearth.Event
		until time.Duration
		want  map[string]int64 // watch seconds
	}{
		{"ListedEveryPoll", []hearth.Event{chatterList(0, "lia", "leo", "chan"), chatterList(4*time.Minute, "lia", "leo", "chan")}, 5 * time.Minute,
			map[string]int64{"lia": 300, "leo": 300, "chan": 0}},
		{"LeftOutOfALaterList", []hearth.Event{chatterList(0, "lia", "leo"), chatterList(150*time.Second, "lia")}, 5 * time.Minute,
			map[string]int64{"lia": 300, "leo": 120}},
		{"ListsStopComing", []hearth.Event{chatterList(30*time.Second, "lia")}, 30 * time.Minute,
			map[string]int64{"lia": 600}},
		{"EmptyList", []hearth.Event{chatterList(0, "lia"), chatterList(90 * time.Second)}, 5 * time.Minute,
			map[string]int64{"lia": 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("chan", rules, nil, nil)
			live(c)
			for _, ev := range tt.lists {
				c.Tick(ev.Time)
				c.Handle(ev)
			}
			c.Tick(t0.Add(tt.until))
			for login, want := range tt.want {
				v, ok := c.ViewerByLogin(login)
				if !ok {
					t.Fatalf("%s is not known after being listed", login)
				}
				if v.WatchSeconds != want || v.StreamWatchSeconds != want {
					t.Errorf("%s watched %ds (stream %ds), want %ds", login, v.WatchSeconds, v.StreamWatchSeconds, want)
				}
				if login != "chan" && v.Points != want/60*5 {
					t.Errorf("%s has %d points, want %d", login, v.Points, want/60*5)
				}
			}
		})
	}
}

// TestChatterListAndChat: a listed viewer who then chats is one viewer,
// and leaving the list does not cut short the presence their message
// gives them.
func TestChatterListAndChat(t *testing.T) {
	rules := plainRules()
	rules.PresenceTimeout = 10 * time.Minute
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	c.Handle(chatterList(0, "ann"))
	c.Handle(chat("m1", "ann", 30*time.Second))
	c.Handle(chatterList(90 * time.Second))
	c.Tick(t0.Add(5 * time.Minute))
	if c.Viewers() != 1 {
		t.Fatalf("%d viewers, want 1", c.Viewers())
	}
	if ann, _ := c.ViewerByLogin("ann"); ann.WatchSeconds != 300 || ann.Messages != 1 {
		t.Fatalf("ann: watch %ds, %d messages; want 300s and 1", ann.WatchSeconds, ann.Messages)
	}
}

// TestViewerCountInEngagement: Twitch's concurrent viewer count shows in
// the engagement figures while live, as 0 offline, and not at all before
// Twitch reported one.
func TestViewerCountInEngagement(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	if e := c.Engagement(); e.ViewerCountKnown || e.ConcurrentViewers != 0 {
		t.Fatalf("before any count: %+v", e)
	}
	live(c)
	c.Handle(viewerCount(time.Minute, 420))
	if e := c.Engagement(); !e.ViewerCountKnown || e.ConcurrentViewers != 420 || !e.Live {
		t.Fatalf("live with 420: %+v", e)
	}
	c.Handle(event(hearth.EventOffline, 2*time.Minute, "", ""))
	if e := c.Engagement(); !e.ViewerCountKnown || e.ConcurrentViewers != 0 {
		t.Fatalf("offline: %+v", e)
	}
}

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

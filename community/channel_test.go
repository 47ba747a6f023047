package community

import (
	"fmt"
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

// live starts a stream Twitch reports at t0.
func live(c *Channel) { c.Handle(event(hearth.EventOnline, 0, "", "")) }

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

// cmd sends a chat line from login with roles and returns the result.
func cmd(c *Channel, login, text string, roles hearth.Role, at time.Duration) Result {
	ev := chatAt(login, at, text)
	ev.Roles = roles
	return c.Handle(ev)
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

package community

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

var t0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func chat(id, user string, at time.Duration) hearth.Event {
	return hearth.Event{
		Kind:    hearth.EventChat,
		Channel: "test",
		ID:      id,
		Time:    t0.Add(at),
		User:    hearth.Identity{ID: "u-" + user, Login: user, DisplayName: user},
		Text:    "hello",
	}
}

func TestChatPoints(t *testing.T) {
	rules := Rules{PointsPerMessage: 10, MessageCooldown: 30 * time.Second}
	tests := []struct {
		name         string
		events       []hearth.Event
		wantPoints   int64
		wantMessages int64
	}{
		{"FirstMessageEarns", []hearth.Event{chat("a", "ann", 0)}, 10, 1},
		{"InsideCooldownCountsButEarnsNothing", []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 29*time.Second)}, 10, 2},
		{"ExactlyAtCooldownEarns", []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 30*time.Second)}, 20, 2},
		{"CooldownRunsFromLastEarning", []hearth.Event{chat("a", "ann", 0), chat("b", "ann", 20*time.Second), chat("c", "ann", 40*time.Second)}, 20, 3},
		{"DuplicateIDCountsOnce", []hearth.Event{chat("a", "ann", 0), chat("a", "ann", 0)}, 10, 1},
		{"SpamEarnsOnce", spam("ann", 100, time.Second), 40, 100},
		{"OutOfOrderTimestampsEarnNothingExtra", []hearth.Event{chat("a", "ann", 10*time.Second), chat("b", "ann", 0)}, 10, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewChannel("test", rules, nil)
			for _, ev := range tt.events {
				c.Handle(ev)
			}
			v, ok := c.ViewerByLogin("ann")
			if !ok {
				t.Fatal("viewer ann not found")
			}
			if v.Points != tt.wantPoints || v.Messages != tt.wantMessages {
				t.Fatalf("points=%d messages=%d, want points=%d messages=%d", v.Points, v.Messages, tt.wantPoints, tt.wantMessages)
			}
		})
	}
}

func spam(user string, n int, every time.Duration) []hearth.Event {
	evs := make([]hearth.Event, n)
	for i := range evs {
		evs[i] = chat(fmt.Sprintf("%s-%d", user, i), user, time.Duration(i)*every)
	}
	return evs
}

func TestHandleReportsChanges(t *testing.T) {
	c := NewChannel("test", DefaultRules(), nil)
	r := c.Handle(chat("a", "ann", 0))
	if !r.Chatted || r.Earned != 10 || len(r.Changed) != 1 || r.Changed[0].Login != "ann" {
		t.Fatalf("first chat: %+v", r)
	}
	if r := c.Handle(chat("a", "ann", time.Minute)); !r.Duplicate || len(r.Changed) != 0 {
		t.Fatalf("duplicate: %+v", r)
	}
	if r := c.Handle(hearth.Event{Kind: hearth.EventChat, ID: "x"}); r.Chatted || len(r.Changed) != 0 {
		t.Fatalf("event without a user changed state: %+v", r)
	}
	if c.Messages() != 1 || c.Viewers() != 1 {
		t.Fatalf("messages=%d viewers=%d", c.Messages(), c.Viewers())
	}
}

func TestSeenAndRenames(t *testing.T) {
	c := NewChannel("test", DefaultRules(), nil)
	c.Handle(chat("a", "ann", time.Minute))
	ev := chat("b", "ann", 0)
	ev.User.Login, ev.User.DisplayName = "ann_new", "Ann New"
	c.Handle(ev)
	v, ok := c.ViewerByLogin("ANN_NEW")
	if !ok {
		t.Fatal("renamed viewer not found by new login")
	}
	if _, ok := c.ViewerByLogin("ann"); ok {
		t.Fatal("old login still resolves")
	}
	if !v.FirstSeen.Equal(t0) || !v.LastSeen.Equal(t0.Add(time.Minute)) || v.DisplayName != "Ann New" {
		t.Fatalf("got %+v", v)
	}
}

func TestStoredViewersResume(t *testing.T) {
	stored := []hearth.ViewerStats{{Channel: "test", UserID: "u-ann", Login: "ann", Messages: 5, Points: 50, FirstSeen: t0, LastSeen: t0}}
	c := NewChannel("test", DefaultRules(), stored)
	c.Handle(chat("a", "ann", time.Hour))
	v, _ := c.Viewer("u-ann")
	if v.Points != 60 || v.Messages != 6 || c.Messages() != 6 {
		t.Fatalf("got %+v, channel messages %d", v, c.Messages())
	}
}

func TestTop(t *testing.T) {
	c := NewChannel("test", Rules{PointsPerMessage: 1}, nil)
	for i, login := range []string{"cat", "bob", "ann", "dan", "bob", "cat", "cat"} {
		c.Handle(chat(fmt.Sprint(i), login, time.Duration(i)*time.Second))
	}
	c.Handle(hearth.Event{Kind: hearth.EventSub, ID: "s", Time: t0, User: hearth.Identity{ID: "u-zed", Login: "zed"}})
	tests := []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, []string{"cat"}},
		{3, []string{"cat", "bob", "ann"}},
		{10, []string{"cat", "bob", "ann", "dan"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("N%d", tt.n), func(t *testing.T) {
			top := c.Top(tt.n)
			var got []string
			for _, v := range top {
				got = append(got, v.Login)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("Top(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestDedupWindowIsBounded(t *testing.T) {
	s := newSeenIDs(3)
	for _, id := range []string{"a", "b", "c", "d"} {
		if !s.add(id) {
			t.Fatalf("%s reported as seen", id)
		}
	}
	if !s.add("a") {
		t.Fatal("a should have been forgotten after 3 newer ids")
	}
	if s.add("d") {
		t.Fatal("d should still be remembered")
	}
	if len(s.set) != 3 {
		t.Fatalf("set holds %d ids, want 3", len(s.set))
	}
}

func TestRulesValidate(t *testing.T) {
	if err := DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Rules{PointsPerMessage: -1}).Validate(); err == nil {
		t.Fatal("negative points accepted")
	}
	if err := (Rules{MessageCooldown: -time.Second}).Validate(); err == nil {
		t.Fatal("negative cooldown accepted")
	}
}

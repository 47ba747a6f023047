package community

import (
	"fmt"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

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

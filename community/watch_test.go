package community

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestMinuteTickWritesNoPresentViewer holds the minute tick to one stream
// row: viewers who are only watching are not rewritten every minute.
func TestMinuteTickWritesNoPresentViewer(t *testing.T) {
	rules := plainRules()
	rules.AttendMinimum = time.Hour
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	run(c, chat("a", "ann", 10*time.Second), chat("b", "bob", 20*time.Second), chat("c", "cid", 30*time.Second))
	c.Handle(event(hearth.EventJoin, 40*time.Second, "bob", ""))
	for m := 1; m <= 9; m++ {
		res := c.Tick(t0.Add(time.Duration(m) * time.Minute))
		if len(res.Changed) != 0 {
			t.Fatalf("minute %d rewrote %d present viewers: %+v", m, len(res.Changed), res.Changed)
		}
		if len(res.Streams) != 1 || res.Streams[0].Minutes != int64(m) {
			t.Fatalf("minute %d wrote streams %+v, want the session with Minutes %d", m, res.Streams, m)
		}
	}
	if ann, _ := c.ViewerByLogin("ann"); ann.WatchSeconds != 9*60 || ann.StreamWatchSeconds != 9*60 {
		t.Fatalf("ann watched %ds (%ds this stream) after 9 minutes, want 540s", ann.WatchSeconds, ann.StreamWatchSeconds)
	}
	// ann and cid leave at minute 10 (10 minutes after their message):
	// their rows are written then, with the span folded in; bob stays.
	res := c.Tick(t0.Add(11 * time.Minute))
	left := map[string]hearth.ViewerStats{}
	for _, v := range res.Changed {
		left[v.Login] = v
	}
	if len(left) != 2 || left["ann"].WatchSeconds != 10*60 || left["ann"].WatchFrom != 0 || left["cid"].WatchSeconds != 10*60 {
		t.Fatalf("leaving wrote %+v, want ann and cid with 600s folded in", res.Changed)
	}
}

// TestWatchTimeExact checks watch time minute by minute against the rule
// (a minute for every whole minute present while live), through Viewer and
// !watchtime, across leaving, returning, a stream's end and a new stream.
func TestWatchTimeExact(t *testing.T) {
	rules := plainRules()
	rules.Cooldowns = CooldownConfig{}
	c := NewChannel("chan", rules, nil, nil)
	check := func(at time.Duration, wantMin, wantStreamMin int64) {
		t.Helper()
		c.Tick(t0.Add(at))
		v, _ := c.ViewerByLogin("ann")
		if v.WatchSeconds != wantMin*60 || v.StreamWatchSeconds != wantStreamMin*60 {
			t.Fatalf("at %s: ann watched %ds, %ds this stream; want %dm and %dm", at, v.WatchSeconds, v.StreamWatchSeconds, wantMin, wantStreamMin)
		}
		reply := c.Handle(chatAt("bob", at, "!watchtime @ann")).Reply
		if want := c.say("watchtime", "Ann", FormatDuration(time.Duration(wantMin)*time.Minute)); reply != want {
			t.Fatalf("at %s: !watchtime says %q, want %q", at, reply, want)
		}
	}
	live(c)
	c.Handle(chat("a1", "ann", 30*time.Second))
	check(3*time.Minute, 3, 3)
	check(7*time.Minute, 7, 7)
	// Present until 10 minutes after her message: minutes 1 to 10.
	check(25*time.Minute, 10, 10)
	// Back at 30:30, present from minute 31.
	c.Handle(chat("a2", "ann", 30*time.Minute+30*time.Second))
	check(34*time.Minute, 14, 14)
	c.Handle(event(hearth.EventOffline, 36*time.Minute+10*time.Second, "", ""))
	check(50*time.Minute, 16, 16)
	c.Handle(event(hearth.EventOnline, 60*time.Minute, "", ""))
	c.Handle(chat("a3", "ann", 60*time.Minute+5*time.Second))
	check(62*time.Minute, 18, 2)
	check(75*time.Minute, 26, 10)
}

// TestRankByWatchTimeAtTheMinute checks that a rank by watch time is
// noticed at the very minute its threshold is crossed, while the viewer
// only watches.
func TestRankByWatchTimeAtTheMinute(t *testing.T) {
	rules := plainRules()
	rules.RankBy = RankByWatchTime
	rules.Ranks = []Rank{{"Lurker", 0}, {"Watcher", 3}, {"Fan", 7}}
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	c.Handle(chat("a", "ann", 10*time.Second))
	got := map[int]string{}
	for m := 1; m <= 9; m++ {
		for _, n := range c.Tick(t0.Add(time.Duration(m) * time.Minute)).Notices {
			if n.Kind == NoticeRankUp && n.Login == "ann" {
				got[m] = n.Rank
			}
		}
	}
	if len(got) != 2 || got[3] != "Watcher" || got[7] != "Fan" {
		t.Fatalf("rank-ups by minute %v, want Watcher at 3 and Fan at 7", got)
	}
	if v, _ := c.ViewerByLogin("ann"); rules.RankOf(v).Name != "Fan" {
		t.Fatalf("ann holds %q after 9 minutes, want Fan", rules.RankOf(v).Name)
	}
}

// TestAttendanceByWatchingAtTheMinimum checks that a lurker named by a
// chatter list attends the stream at the minute they reach AttendMinimum,
// without a message.
func TestAttendanceByWatchingAtTheMinimum(t *testing.T) {
	rules := plainRules()
	rules.AttendMinimum = 4 * time.Minute
	c := NewChannel("chan", rules, nil, nil)
	live(c)
	list := event(hearth.EventChatters, 20*time.Second, "", "")
	list.Chatters = []hearth.Identity{ident("ann")}
	c.Handle(list)
	for m := 1; m <= 5; m++ {
		c.Tick(t0.Add(time.Duration(m) * time.Minute))
		v, _ := c.ViewerByLogin("ann")
		if attended := v.LastAttended == 1; attended != (m >= 4) {
			t.Fatalf("minute %d: attended %v (watched %ds)", m, attended, v.StreamWatchSeconds)
		}
	}
}

// TestEngagementKeptAsChatted checks the engagement figures kept as
// viewers chat against a count of every chatter afresh, through streams,
// returning chatters and a forgotten one.
func TestEngagementKeptAsChatted(t *testing.T) {
	rules := plainRules()
	rng := rand.New(rand.NewPCG(7, 11))
	c := NewChannel("chan", rules, nil, nil)
	at := time.Duration(0)
	for i := range 3000 {
		at += time.Duration(rng.IntN(20)) * time.Second
		switch r := rng.IntN(100); {
		case r == 0:
			c.Handle(event(hearth.EventOffline, at, "", ""))
		case r == 1:
			c.Handle(event(hearth.EventOnline, at, "", ""))
		case r == 2:
			c.Forget(fmt.Sprint("v", rng.IntN(60)))
		default:
			// A long tail: a few viewers chat far more than the rest.
			c.Handle(chatAt(fmt.Sprint("v", rng.IntN(1+rng.IntN(60))), at, fmt.Sprint("message ", i)))
		}
		kept := c.Engagement()
		c.talk.valid = false
		if fresh := c.Engagement(); kept != fresh {
			t.Fatalf("after event %d: kept %+v, counted afresh %+v", i, kept, fresh)
		}
	}
}

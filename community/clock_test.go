package community

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestTimersRunOnTheChannelsClock drives a channel with an injected clock
// (Tick, as the engine's ticks move it while the host's time passes) and
// chat lines whose own times are far from it: three years behind (a line
// of an old log) or two minutes ahead (a host clock that drifts behind
// Twitch's). A chat poll, a native poll and a segment each run their full
// length on the channel's clock and count what follows.
func TestTimersRunOnTheChannelsClock(t *testing.T) {
	for _, tt := range []struct {
		name string
		skew time.Duration
	}{
		{"MessagesThreeYearsBehind", -3 * 365 * 24 * time.Hour},
		{"MessagesTwoMinutesAhead", 2 * time.Minute},
		{"MessagesOnTime", 0},
	} {
		// line ticks the clock to t0+at, then sends text from login whose
		// time says t0+at+skew.
		line := func(c *Channel, login, text string, roles hearth.Role, at time.Duration) Result {
			c.Tick(t0.Add(at))
			ev := chatAt(login, at+tt.skew, text)
			ev.Roles = roles
			return c.Handle(ev)
		}
		t.Run("ChatPoll/"+tt.name, func(t *testing.T) {
			c := NewChannel("chan", DefaultRules(), nil, nil)
			line(c, "mo", "!poll Map? | Dust | Inferno 90s", mod, time.Second)
			start := c.Now()
			for i, login := range []string{"ann", "bob", "cid"} {
				if res := line(c, login, "!vote 2", 0, time.Second+time.Duration(i)*time.Millisecond); res.PollVote != hearth.VoteAccepted {
					t.Fatalf("%s's vote: %q, want accepted", login, res.PollVote)
				}
			}
			c.Tick(start.Add(90*time.Second - time.Millisecond))
			p, _ := c.CurrentPoll()
			if p.Status != hearth.PollOpen || !p.StartedAt.Equal(start) || p.EndsAt.Sub(p.StartedAt) != 90*time.Second {
				t.Fatalf("poll %s from %v to %v, want open for 90 s from the clock's %v", p.Status, p.StartedAt, p.EndsAt, start)
			}
			res := c.Tick(start.Add(90 * time.Second))
			p, _ = c.CurrentPoll()
			if p.Status != hearth.PollClosed || !slices.Equal(p.Tally.Votes, []int64{0, 3}) || !p.ClosedAt.Equal(p.EndsAt) || !strings.Contains(res.Announce, "Inferno") {
				t.Fatalf("poll %s with votes %v at %v (announced %q), want closed at its end with Inferno's 3", p.Status, p.Tally.Votes, p.ClosedAt, res.Announce)
			}
		})
		t.Run("NativePoll/"+tt.name, func(t *testing.T) {
			c := NewChannel("chan", DefaultRules(), nil, nil)
			tw := t0.Add(tt.skew) // Twitch's time when the host's says t0
			update := func(kind hearth.EventKind, status string, at time.Duration, yes, no int64) {
				c.Tick(t0.Add(at))
				u := &hearth.PollUpdate{ID: "tw-1", Title: "Native?", Status: status, StartedAt: tw, EndsAt: tw.Add(time.Minute),
					Choices: []hearth.PollUpdateChoice{{ID: "1", Title: "Yes", Votes: yes}, {ID: "2", Title: "No", Votes: no}}}
				if status != "ACTIVE" {
					u.EndsAt = tw.Add(at)
				}
				c.Handle(hearth.Event{Kind: kind, Channel: "chan", ID: status + at.String(), Time: tw.Add(at), Poll: u})
			}
			update(hearth.EventPollBegin, "ACTIVE", time.Second, 0, 0)
			ends := c.Now().Add(59 * time.Second)
			update(hearth.EventPollProgress, "ACTIVE", 30*time.Second, 4, 2)
			c.Tick(ends.Add(NativeEndGrace - time.Millisecond))
			p, _ := c.CurrentPoll()
			if p.Status != hearth.PollOpen || !p.EndsAt.Equal(ends) || !slices.Equal(p.Tally.Votes, []int64{4, 2}) {
				t.Fatalf("native poll %s ending %v with votes %v, want open, ending at %v on the channel's clock", p.Status, p.EndsAt, p.Tally.Votes, ends)
			}
			update(hearth.EventPollEnd, "COMPLETED", time.Minute+time.Second, 5, 2)
			p, _ = c.CurrentPoll()
			if p.Status != hearth.PollClosed || !slices.Equal(p.Tally.Votes, []int64{5, 2}) {
				t.Fatalf("native poll %s with votes %v, want closed with Twitch's final 5 and 2", p.Status, p.Tally.Votes)
			}
		})
		t.Run("Presence/"+tt.name, func(t *testing.T) {
			c := NewChannel("chan", DefaultRules(), nil, nil)
			for m := range 21 {
				line(c, "ann", fmt.Sprint("minute ", m), 0, time.Duration(m)*time.Minute)
			}
			v, _ := c.ViewerByLogin("ann")
			if s, _ := c.Live(); s.Minutes != 20 || v.WatchSeconds != 20*60 {
				t.Fatalf("stream at minute %d, ann watched %d s; want 20 minutes watched in 20", s.Minutes, v.WatchSeconds)
			}
		})
		t.Run("Timeout/"+tt.name, func(t *testing.T) {
			// Presence pays every minute; ann is timed out for 5 minutes
			// from minute 1. She earns as much as when her lines are on
			// time: nothing while the timeout runs on the channel's clock.
			presence := func(skew time.Duration) int64 {
				r := plainRules()
				r.PointsPerMessage, r.PresencePoints, r.PresenceInterval = 0, 5, time.Minute
				c := NewChannel("chan", r, nil, nil)
				say := func(at time.Duration) {
					c.Tick(t0.Add(at))
					c.Handle(chatAt("ann", at+skew, fmt.Sprint("at ", at)))
				}
				say(0)
				c.Tick(t0.Add(time.Minute))
				c.Handle(timeout("ann", time.Minute+skew, 5*time.Minute))
				for m := 2; m <= 9; m++ {
					say(time.Duration(m) * time.Minute)
				}
				v, _ := c.ViewerByLogin("ann")
				return v.Points
			}
			if got, want := presence(tt.skew), presence(0); got != want {
				t.Fatalf("ann has %d presence points, want the %d her lines on time give", got, want)
			}
		})
		t.Run("Segment/"+tt.name, func(t *testing.T) {
			c := NewChannel("chan", DefaultRules(), nil, nil)
			line(c, "ann", "hello", 0, time.Second) // the stream starts with chat
			if res := line(c, "mo", "!segment start Acme", mod, 2*time.Second); res.Rejected != "" {
				t.Fatalf("!segment start: %q %q", res.Rejected, res.Reply)
			}
			for i := range 9 {
				line(c, "ann", "still here", 0, time.Duration(i+1)*time.Minute+2*time.Second)
			}
			res := line(c, "mo", "!segment end", mod, 10*time.Minute+2*time.Second)
			r, _ := c.Recap()
			if s, live := c.Live(); !live || s.Seq != 1 {
				t.Fatalf("stream %d live=%v, want the first one still live", s.Seq, live)
			}
			if len(r.Segments) != 1 || r.Segments[0].EndedAt.Sub(r.Segments[0].StartedAt) != 10*time.Minute || !strings.Contains(res.Reply, "10m") {
				t.Fatalf("segments %+v (reply %q), want one of 10 minutes", r.Segments, res.Reply)
			}
		})
	}
}

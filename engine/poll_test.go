package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

func newMetrics(t *testing.T) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// series returns the value of the series of family name whose labels
// include want, or -1 when there is none.
func series(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

// waitFor syncs the engine until cond holds, within a generous deadline.
func waitFor(t *testing.T, e *Engine, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := e.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func vote(i int, login, text string) hearth.Event {
	ev := chat(i, login)
	ev.Time = t0.Add(time.Duration(i) * time.Second)
	ev.Text = text
	return ev
}

// TestChatPollClosedOnTimeAndRestored starts a chat poll, lets votes in,
// restarts the engine on the same store mid-poll, and lets the wall clock
// pass its end: it closes by itself with every vote, counted once.
func TestChatPollClosedOnTimeAndRestored(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	clock := &fakeClock{now: t0}
	m, reg := newMetrics(t)
	opts := Options{FlushInterval: 10 * time.Millisecond, Clock: clock, Polls: m}
	e := New(st, opts)
	if err := e.Start(context.Background(), []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var poll hearth.Poll
	err := e.RunPoll(ctx, "chan", func(c *community.Channel, now time.Time) (community.Result, error) {
		p, res, err := c.StartPoll(community.PollSpec{Question: "Q", Options: []string{"a", "b"}, Duration: time.Minute, StartedBy: "api"}, now)
		poll = p
		return res, err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Handle(vote(1, "ann", "!vote a"))
	e.Handle(vote(2, "bob", "!vote b"))
	e.Handle(vote(3, "cat", "!vote b"))
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := series(t, reg, "hearth_poll_votes_total", map[string]string{"channel": "chan", "result": hearth.VoteAccepted}); got != 3 {
		t.Fatalf("accepted votes %v, want 3", got)
	}

	if open, err := st.OpenPolls(ctx, "chan"); err != nil || len(open) != 1 {
		t.Fatalf("open polls after the first engine closed: %+v, %v", open, err)
	}
	e = startEngine(t, st, opts)
	e.Handle(vote(4, "ann", "!vote b")) // a change after the restart
	// The channel's clock follows the event, then the wall clock from
	// when the event arrived.
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(2 * time.Minute)
	waitFor(t, e, "the poll's close", func() bool {
		p, err := st.Poll(ctx, "chan", poll.ID)
		return err == nil && p.Status == hearth.PollClosed
	})
	p, _ := st.Poll(ctx, "chan", poll.ID)
	if !slices.Equal(p.Tally.Votes, []int64{0, 3}) || p.Tally.Voters != 3 || !p.ClosedAt.Equal(poll.EndsAt) {
		t.Fatalf("closed poll %+v", p)
	}
	if got := series(t, reg, "hearth_polls_total", map[string]string{"channel": "chan", "kind": hearth.PollChat, "outcome": "completed"}); got != 1 {
		t.Fatalf("completed polls %v, want 1", got)
	}
}

// TestNativePollMirrored feeds a native poll's EventSub events through the
// engine: it is stored, closed and counted as native.
func TestNativePollMirrored(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	m, reg := newMetrics(t)
	e := startEngine(t, st, Options{FlushInterval: 10 * time.Millisecond, Polls: m, EventClock: true})
	ctx := context.Background()
	update := func(i int, kind hearth.EventKind, status string, a, b int64) hearth.Event {
		return hearth.Event{Kind: kind, Channel: "chan", ID: "n" + status + string(rune('0'+i)), Time: t0.Add(time.Duration(i) * time.Second),
			Poll: &hearth.PollUpdate{ID: "tw-9", Title: "Native?", Status: status, StartedAt: t0, EndsAt: t0.Add(time.Minute),
				Choices: []hearth.PollUpdateChoice{{ID: "1", Title: "Yes", Votes: a}, {ID: "2", Title: "No", Votes: b}}}}
	}
	e.Handle(update(0, hearth.EventPollBegin, "ACTIVE", 0, 0))
	e.Handle(update(1, hearth.EventPollProgress, "ACTIVE", 4, 2))
	waitFor(t, e, "the stored progress", func() bool {
		p, err := st.Poll(ctx, "chan", "tw-9")
		return err == nil && p.Tally.Voters == 6
	})
	e.Handle(update(2, hearth.EventPollEnd, "COMPLETED", 5, 2))
	waitFor(t, e, "the stored end", func() bool {
		p, err := st.Poll(ctx, "chan", "tw-9")
		return err == nil && p.Status == hearth.PollClosed
	})
	p, _ := st.Poll(ctx, "chan", "tw-9")
	if p.Kind != hearth.PollNative || !slices.Equal(p.Tally.Votes, []int64{5, 2}) || !slices.Equal(p.Tally.Winners, []int{0}) {
		t.Fatalf("stored native poll %+v", p)
	}
	if got := series(t, reg, "hearth_polls_total", map[string]string{"channel": "chan", "kind": hearth.PollNative, "outcome": "completed"}); got != 1 {
		t.Fatalf("completed native polls %v, want 1", got)
	}
}

// TestPollRunsItsLengthWhateverTheMessagesSay runs a served channel (the
// wall clock driven by the test) whose chat carries times far from the
// host's: three years behind (an old log's lines, as the first line or
// into a channel already on time) or two minutes ahead (a host clock that
// drifts behind Twitch's). A chat poll runs its full minute on the
// channel's clock and counts every vote that follows.
func TestPollRunsItsLengthWhateverTheMessagesSay(t *testing.T) {
	const behind = -3 * 365 * 24 * time.Hour
	for _, tt := range []struct {
		name string
		warm bool          // a line on time, or on the skew when ahead, comes first
		skew time.Duration // of the poll's line and the votes
		api  bool          // the poll is opened through the API rather than chat
	}{
		{"FirstLineThreeYearsBehind", false, behind, false},
		{"LineThreeYearsBehindAChannelOnTime", true, behind, false},
		{"LinesTwoMinutesAhead", true, 2 * time.Minute, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			clock := &fakeClock{now: t0}
			e := startEngine(t, st, Options{FlushInterval: 10 * time.Millisecond, Clock: clock})
			ctx := context.Background()
			// The channel ticks while no chat comes, as a served one does;
			// this is no assertion on time.
			time.Sleep(3 * tick)
			at := func(ev hearth.Event, skew time.Duration) hearth.Event {
				ev.Time = t0.Add(skew)
				return ev
			}
			if tt.warm {
				e.Handle(at(vote(0, "ann", "hello"), max(tt.skew, 0)))
			}
			if tt.api {
				err := e.RunPoll(ctx, "chan", func(c *community.Channel, now time.Time) (community.Result, error) {
					_, res, err := c.StartPoll(community.PollSpec{Question: "Q", Options: []string{"a", "b"}, Duration: time.Minute, StartedBy: "api"}, now)
					return res, err
				})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				e.Handle(at(withMod(vote(1, "mo", "!poll Q | a | b 1m")), tt.skew))
			}
			for i, login := range []string{"ann", "bob", "cid"} {
				e.Handle(at(vote(i+2, login, "!vote b"), tt.skew))
			}
			current := func() hearth.Poll {
				var p hearth.Poll
				if err := e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch { p, _ = c.CurrentPoll(); return hearth.Batch{} }); err != nil {
					t.Fatal(err)
				}
				return p
			}
			opened := current()
			if opened.Status != hearth.PollOpen || opened.Tally.Voters != 3 {
				t.Fatalf("poll %s with %d voters, want open with all 3", opened.Status, opened.Tally.Voters)
			}
			clock.add(59 * time.Second)
			tickNow(t, e)
			if p := current(); p.Status != hearth.PollOpen {
				t.Fatalf("poll %s after 59 s of its minute", p.Status)
			}
			clock.add(time.Second)
			waitFor(t, e, "the poll's close", func() bool { return current().Status == hearth.PollClosed })
			// The close is in the channel first, and in the store once the
			// writer has flushed it.
			if err := e.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := st.Poll(ctx, "chan", opened.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Tally.Votes, []int64{0, 3}) || !p.ClosedAt.Equal(opened.StartedAt.Add(time.Minute)) {
				t.Fatalf("stored poll %+v, want b's 3 votes, closed a minute after it opened", p)
			}
		})
	}
}

func withMod(ev hearth.Event) hearth.Event { ev.Roles = hearth.RoleModerator; return ev }

// tickNow makes the channel tick now, as its ticker does every 100 ms.
func tickNow(t *testing.T, e *Engine) {
	t.Helper()
	err := e.onChannel(context.Background(), "chan", func(a *actor) { a.apply(a.ch.Tick(a.now())) })
	if err != nil {
		t.Fatal(err)
	}
}

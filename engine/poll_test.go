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

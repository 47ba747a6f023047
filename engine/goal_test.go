package engine

import (
	"context"
	"testing"

	"github.com/hearthlive/hearth"
)

func (l *latest) goals() map[string]hearth.GoalShown {
	s, _ := l.get(hearth.TopicGoal)
	st, _ := s.(hearth.GoalState)
	out := map[string]hearth.GoalShown{}
	for _, g := range st.Goals {
		out[g.ID] = g
	}
	return out
}

func TestGoalsCountAndPersist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newStore(t)
	pub := &latest{}
	e := startEngine(t, st, Options{EventClock: true, Broadcaster: pub})
	set := func(id string, req hearth.GoalRequest) hearth.Goal {
		t.Helper()
		g, err := e.SetGoal(ctx, "chan", id, req)
		if err != nil {
			t.Fatalf("SetGoal %s: %v", id, err)
		}
		return g
	}
	set("msgs", hearth.GoalRequest{Title: "Chat <3", Kind: hearth.GoalMessages, Target: 3, PerStream: true})
	set("bits", hearth.GoalRequest{Title: "Bits", Kind: hearth.GoalBits, Target: 1000})
	set("subs", hearth.GoalRequest{Title: "Subs", Kind: hearth.GoalSubs, Target: 10})
	set("points", hearth.GoalRequest{Title: "Points", Kind: hearth.GoalPoints, Target: 10000})
	set("follows", hearth.GoalRequest{Title: "Follows", Kind: hearth.GoalFollowers, Target: 2})

	e.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "chan", ID: "on1", Time: t0})
	e.Handle(chat(1, "ann"))
	e.Handle(chat(2, "nightbot")) // a bot's message counts for nothing
	cheer := chat(3, "bob")
	cheer.Bits = 250
	e.Handle(cheer)
	e.Handle(hearth.Event{Kind: hearth.EventCheer, Channel: "chan", ID: "c1", Time: t0.Add(4 * 60e9), Bits: 100})
	e.Handle(hearth.Event{Kind: hearth.EventSub, Channel: "chan", ID: "s1", Time: t0.Add(5 * 60e9), User: hearth.Identity{ID: "u-cy", Login: "cy", DisplayName: "Cy"}})
	e.Handle(hearth.Event{Kind: hearth.EventSubGift, Channel: "chan", ID: "s2", Time: t0.Add(5 * 60e9), Count: 1,
		User: hearth.Identity{ID: "u-cy", Login: "cy", DisplayName: "Cy"}, Target: hearth.Identity{ID: "u-di", Login: "di", DisplayName: "Di"}})
	e.Handle(hearth.Event{Kind: hearth.EventRedemption, Channel: "chan", ID: "r1", Time: t0.Add(6 * 60e9), Reward: hearth.Reward{ID: "x", Title: "Hydrate", Cost: 500},
		User: hearth.Identity{ID: "u-ann", Login: "ann", DisplayName: "Ann"}})
	follow := hearth.Event{Kind: hearth.EventFollow, Channel: "chan", ID: "f1", Time: t0.Add(7 * 60e9), User: hearth.Identity{ID: "u-eve", Login: "eve", DisplayName: "Eve"}}
	e.Handle(follow)
	follow.ID = "f2" // a second follow of the same viewer is no new follower
	e.Handle(follow)
	e.Handle(chat(8, "cy"))
	e.Handle(chat(9, "di"))

	want := map[string]int64{"msgs": 4, "bits": 350, "subs": 2, "points": 500, "follows": 1}
	waitFor(t, e, "progress shown", func() bool {
		shown := pub.goals()
		for id, p := range want {
			if shown[id].Progress != p {
				return false
			}
		}
		return shown["msgs"].Reached && !shown["bits"].Reached && shown["msgs"].Title == "Chat <3"
	})

	// Progress is stored, and a restarted engine goes on from it.
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := st.Goals(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range stored {
		if g.Progress != want[g.ID] {
			t.Errorf("stored %s progress %d; want %d", g.ID, g.Progress, want[g.ID])
		}
	}
	pub2 := &latest{}
	e2 := startEngine(t, st, Options{EventClock: true, Broadcaster: pub2})
	e2.Handle(chat(10, "ann"))
	waitFor(t, e2, "progress goes on after a restart", func() bool { return pub2.goals()["msgs"].Progress == 5 })

	// A new stream starts a per-stream goal again; the others go on.
	e2.Handle(hearth.Event{Kind: hearth.EventOffline, Channel: "chan", ID: "off1", Time: t0.Add(20 * 60e9)})
	e2.Handle(hearth.Event{Kind: hearth.EventOnline, Channel: "chan", ID: "on2", Time: t0.Add(30 * 60e9)})
	next := chat(31, "ann")
	next.Bits = 1
	e2.Handle(next)
	waitFor(t, e2, "a per-stream goal started again", func() bool {
		g := pub2.goals()
		return g["msgs"].Progress == 1 && g["bits"].Progress == 351
	})

	// Set again with another kind, a goal starts at 0; with the same, it
	// keeps its progress.
	if g, err := e2.SetGoal(ctx, "chan", "bits", hearth.GoalRequest{Title: "Bits!", Kind: hearth.GoalBits, Target: 2000}); err != nil || g.Progress != 351 {
		t.Errorf("bits set again = %+v, %v; want progress 351 kept", g, err)
	}
	if g, err := e2.SetGoal(ctx, "chan", "subs", hearth.GoalRequest{Title: "Follows", Kind: hearth.GoalFollowers, Target: 5}); err != nil || g.Progress != 0 {
		t.Errorf("subs set to another kind = %+v, %v; want progress 0", g, err)
	}
	if err := e2.DeleteGoal(ctx, "chan", "points"); err != nil {
		t.Fatal(err)
	}
	if err := e2.DeleteGoal(ctx, "chan", "points"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("deleting a goal twice: %v; want ENOTFOUND", err)
	}
	waitFor(t, e2, "a deleted goal gone from the overlay", func() bool { _, ok := pub2.goals()["points"]; return !ok })
	if err := e2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	gs, err := st.Goals(ctx, "chan")
	if err != nil || len(gs) != 4 {
		t.Fatalf("stored goals after a delete: %+v, %v", gs, err)
	}
	for _, g := range gs {
		if g.ID == "subs" && (g.Progress != 0 || g.Kind != hearth.GoalFollowers) {
			t.Errorf("stored subs goal set to another kind: %+v", g)
		}
	}
}

func TestSetGoalRefusesBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEngine(t, newStore(t), Options{EventClock: true})
	ok := hearth.GoalRequest{Title: "t", Kind: hearth.GoalBits, Target: 1}
	for name, tt := range map[string]struct {
		id  string
		req hearth.GoalRequest
	}{
		"BadID":      {"Not An ID", ok},
		"NoTitle":    {"g", hearth.GoalRequest{Kind: hearth.GoalBits, Target: 1}},
		"BadKind":    {"g", hearth.GoalRequest{Title: "t", Kind: "hugs", Target: 1}},
		"ZeroTarget": {"g", hearth.GoalRequest{Title: "t", Kind: hearth.GoalBits}},
	} {
		if _, err := e.SetGoal(ctx, "chan", tt.id, tt.req); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("%s: %v; want EINVALID", name, err)
		}
	}
	for i := range hearth.MaxGoals {
		if _, err := e.SetGoal(ctx, "chan", string(rune('a'+i)), ok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.SetGoal(ctx, "chan", "one-more", ok); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("goal %d: %v; want EINVALID", hearth.MaxGoals+1, err)
	}
	if _, err := e.SetGoal(ctx, "nochan", "g", ok); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("a channel not served: %v; want ENOTFOUND", err)
	}
}

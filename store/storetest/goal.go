package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func goal(channel, id string) hearth.Goal {
	return hearth.Goal{
		Channel: channel, ID: id, Title: "Road to 100 ✨ <b>", Kind: hearth.GoalFollowers,
		Target: 100, PerStream: true, Progress: 7, Stream: 3,
		UpdatedAt: time.Date(2025, 3, 1, 20, 15, 4, 123e6, time.UTC), Version: 1741032904123000,
	}
}

func testGoalsRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	mustEnsure(t, s, "beta")
	gs, err := s.Goals(ctx, "alpha")
	if err != nil || gs == nil || len(gs) != 0 {
		t.Fatalf("Goals before any = %v, %v; want an empty list", gs, err)
	}
	b, a := goal("alpha", "b-subs"), goal("alpha", "a_follows")
	b.Kind, b.PerStream, b.Progress, b.Stream = hearth.GoalSubs, false, 0, 0
	for _, g := range []hearth.Goal{b, a, goal("beta", "a_follows")} {
		if err := s.PutGoal(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	gs, err = s.Goals(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if want := []hearth.Goal{a, b}; !reflect.DeepEqual(gs, want) {
		t.Errorf("Goals(alpha) =\n%+v\nwant, by id,\n%+v", gs, want)
	}
	// Put replaces the whole row.
	a.Title, a.Target, a.Progress = "Another", 50, 0
	if err := s.PutGoal(ctx, a); err != nil {
		t.Fatal(err)
	}
	gs, _ = s.Goals(ctx, "alpha")
	if len(gs) != 2 || !reflect.DeepEqual(gs[0], a) {
		t.Errorf("after replacing a goal, Goals(alpha) = %+v", gs)
	}
	if err := s.DeleteGoal(ctx, "alpha", "a_follows"); err != nil {
		t.Fatal(err)
	}
	assertCode(t, s.DeleteGoal(ctx, "alpha", "a_follows"), hearth.ENOTFOUND, "DeleteGoal twice")
	gs, _ = s.Goals(ctx, "alpha")
	if len(gs) != 1 || gs[0].ID != "b-subs" {
		t.Errorf("after deleting a goal, Goals(alpha) = %+v", gs)
	}
	if gs, _ := s.Goals(ctx, "beta"); len(gs) != 1 {
		t.Errorf("deleting alpha's goal changed beta's: %+v", gs)
	}
	assertCode(t, s.PutGoal(ctx, goal("nochannel", "x")), hearth.ENOTFOUND, "PutGoal of an unknown channel")
}

func testGoalProgressInBatch(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	g := goal("alpha", "follows")
	if err := s.PutGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	err := s.Apply(ctx, hearth.Batch{Goals: []hearth.GoalProgress{
		{Channel: "alpha", ID: "follows", Version: g.Version, Progress: 9, Stream: 3},
		{Channel: "alpha", ID: "follows", Version: g.Version, Progress: 12, Stream: 4}, // the last wins
		{Channel: "alpha", ID: "deleted", Version: g.Version, Progress: 5},             // no such goal: nothing is made
		{Channel: "alpha", ID: "follows", Version: g.Version - 1, Progress: 99},        // an earlier setting's
	}})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := s.Goals(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	g.Progress, g.Stream = 12, 4
	if !reflect.DeepEqual(gs, []hearth.Goal{g}) {
		t.Errorf("after a batch of progress, Goals = %+v; want %+v", gs, g)
	}
	err = s.Apply(ctx, hearth.Batch{Goals: []hearth.GoalProgress{{Channel: "alpha", ID: "follows", Version: g.Version, Progress: -1}}})
	assertCode(t, err, hearth.EINVALID, "negative progress")
	if gs, _ := s.Goals(ctx, "alpha"); gs[0].Progress != 12 {
		t.Errorf("a refused batch changed progress to %d", gs[0].Progress)
	}
}

func testGoalsInvalid(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	for name, change := range map[string]func(*hearth.Goal){
		"EmptyTitle":   func(g *hearth.Goal) { g.Title = "  " },
		"LongTitle":    func(g *hearth.Goal) { g.Title = strings.Repeat("é", hearth.MaxGoalTitleRunes+1) },
		"NULTitle":     func(g *hearth.Goal) { g.Title = "a\x00b" },
		"BadUTF8":      func(g *hearth.Goal) { g.Title = "\xff" },
		"UnknownKind":  func(g *hearth.Goal) { g.Kind = "hugs" },
		"ZeroTarget":   func(g *hearth.Goal) { g.Target = 0 },
		"HugeTarget":   func(g *hearth.Goal) { g.Target = hearth.MaxGoalTarget + 1 },
		"BadID":        func(g *hearth.Goal) { g.ID = "Bad ID" },
		"EmptyID":      func(g *hearth.Goal) { g.ID = "" },
		"NegProgress":  func(g *hearth.Goal) { g.Progress = -1 },
		"BadChannel":   func(g *hearth.Goal) { g.Channel = "#Alpha" },
		"LongID":       func(g *hearth.Goal) { g.ID = strings.Repeat("a", hearth.MaxGoalIDLen+1) },
		"NegStream":    func(g *hearth.Goal) { g.Stream = -2 },
		"ControlTitle": func(g *hearth.Goal) { g.Title = "\t" },
	} {
		g := goal("alpha", "g")
		change(&g)
		assertCode(t, s.PutGoal(ctx, g), hearth.EINVALID, "PutGoal "+name)
	}
	if gs, _ := s.Goals(ctx, "alpha"); len(gs) != 0 {
		t.Errorf("refused goals were stored: %+v", gs)
	}
}

func testOverlayCSSRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	mustEnsure(t, s, "beta")
	if css, err := s.OverlayCSS(ctx, "alpha"); err != nil || css != "" {
		t.Fatalf("OverlayCSS before any = %q, %v; want none", css, err)
	}
	const css = ":root { --hearth-accent: #ff00aa; }\n.line .name::after { content: \"✨ ›\"; }"
	if err := s.SetOverlayCSS(ctx, "alpha", css); err != nil {
		t.Fatal(err)
	}
	if got, err := s.OverlayCSS(ctx, "alpha"); err != nil || got != css {
		t.Errorf("OverlayCSS = %q, %v; want %q", got, err, css)
	}
	if got, _ := s.OverlayCSS(ctx, "beta"); got != "" {
		t.Errorf("beta's stylesheet = %q; want none", got)
	}
	assertCode(t, s.SetOverlayCSS(ctx, "alpha", "@import url(https://evil.example/x.css);"), hearth.EINVALID, "a stylesheet that loads another")
	if got, _ := s.OverlayCSS(ctx, "alpha"); got != css {
		t.Errorf("a refused stylesheet replaced the stored one: %q", got)
	}
	assertCode(t, s.SetOverlayCSS(ctx, "nochannel", "a{}"), hearth.ENOTFOUND, "SetOverlayCSS of an unknown channel")
	if err := s.SetOverlayCSS(ctx, "alpha", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.OverlayCSS(ctx, "alpha"); got != "" {
		t.Errorf("after removing it, OverlayCSS = %q", got)
	}
}

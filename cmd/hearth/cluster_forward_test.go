package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/store/sqlite"
)

// forwardOnce runs a forwarded action as the owner does (arguments
// encoded, the engine call, the result encoded) and decodes its result
// as the caller does.
func forwardOnce[R any](t *testing.T, e *engine.Engine, a channelAction[R], channel string, args callArgs) (R, error) {
	t.Helper()
	var r R
	var body bytes.Buffer
	if err := gob.NewEncoder(&body).Encode(&args); err != nil {
		t.Fatal(err)
	}
	if forwardedActions[a.name] == nil {
		t.Fatalf("action %s is not registered for forwarding", a.name)
	}
	res, err := forwardedActions[a.name].runEncoded(context.Background(), e, channel, body.Bytes())
	if err != nil {
		return r, err
	}
	if err := gob.NewDecoder(bytes.NewReader(res)).Decode(&r); err != nil {
		t.Fatalf("%s: result does not decode: %v", a.name, err)
	}
	return r, nil
}

// TestForwardedActionsRoundTrip runs each forwarded action through its
// encoding against a real engine on SQLite: what the caller decodes is
// what the engine answered, fields the API's JSON leaves out included,
// and an engine error keeps its code.
func TestForwardedActionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := engine.New(st, engine.Options{})
	if err := e.Start(ctx, []string{"arena"}); err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "arena", ID: "m1", Time: time.Now(),
		User: hearth.Identity{ID: "u1", Login: "ann", DisplayName: "Ann"}, Text: "hello"})

	var v hearth.ViewerStats
	for v.UserID == "" {
		v, _ = forwardOnce(t, e, actViewer, "arena", callArgs{Login: "ann"})
	}
	if v.Login != "ann" {
		t.Fatalf("viewer through forwarding: %+v", v)
	}
	after, err := forwardOnce(t, e, actAdjustPoints, "arena", callArgs{Login: "ann", Delta: 40, Reason: "test"})
	if err != nil || after.Points != v.Points+40 {
		t.Fatalf("adjust points through forwarding: %+v, %v", after, err)
	}
	lb, err := forwardOnce(t, e, actLeaderboard, "arena", callArgs{N: 5})
	if err != nil || len(lb.Entries) != 1 || lb.Entries[0].Login != "ann" {
		t.Fatalf("leaderboard through forwarding: %+v, %v", lb, err)
	}
	pos, err := forwardOnce(t, e, actPosition, "arena", callArgs{UserID: "u1"})
	if err != nil || pos.Pos != 1 || pos.Total != 1 {
		t.Fatalf("position through forwarding: %+v, %v", pos, err)
	}
	standing, err := forwardOnce(t, e, actStanding, "arena", callArgs{})
	local, _ := e.Standing(ctx, "arena")
	if err != nil || standing.Channel != "arena" || standing.Rules.PointsPerMessage != local.(community.Standing).Rules.PointsPerMessage {
		t.Fatalf("standing through forwarding: %+v, %v", standing, err)
	}

	// A poll: started, read, ended; unknown ids keep their 404.
	p, err := forwardOnce(t, e, actStartPoll, "arena", callArgs{Poll: hearth.PollRequest{Question: "Map?", Options: []string{"a", "b"}, DurationSeconds: 60}})
	if err != nil || p.ID == "" || p.Status != hearth.PollOpen || !p.EndsAt.After(p.StartedAt) {
		t.Fatalf("start poll through forwarding: %+v, %v", p, err)
	}
	cur, err := forwardOnce(t, e, actCurrentPoll, "arena", callArgs{})
	if err != nil || !cur.OK || cur.Poll.ID != p.ID {
		t.Fatalf("current poll through forwarding: %+v, %v", cur, err)
	}
	if _, err := forwardOnce(t, e, actEndPoll, "arena", callArgs{ID: "nope"}); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("ending an unknown poll through forwarding: %v; want ENOTFOUND", err)
	}
	ended, err := forwardOnce(t, e, actEndPoll, "arena", callArgs{ID: p.ID, Cancel: true})
	if err != nil || ended.Status != hearth.PollCancelled {
		t.Fatalf("cancel poll through forwarding: %+v, %v", ended, err)
	}

	// Settings, goals, stylesheet, events, segments, token.
	per := int64(9)
	s, err := forwardOnce(t, e, actSetSettings, "arena", callArgs{Settings: hearth.ChannelSettings{Points: &hearth.PointSettings{PerMessage: &per}}})
	if err != nil || s.Points == nil || s.Points.PerMessage == nil || *s.Points.PerMessage != 9 {
		t.Fatalf("set settings through forwarding: %+v, %v", s, err)
	}
	if s, err := forwardOnce(t, e, actSettings, "arena", callArgs{}); err != nil || *s.Points.PerMessage != 9 {
		t.Fatalf("settings through forwarding: %+v, %v", s, err)
	}
	g, err := forwardOnce(t, e, actSetGoal, "arena", callArgs{ID: "subs", Goal: hearth.GoalRequest{Title: "Subs", Kind: hearth.GoalSubs, Target: 10}})
	if err != nil || g.Title != "Subs" {
		t.Fatalf("set goal through forwarding: %+v, %v", g, err)
	}
	if gs, err := forwardOnce(t, e, actGoals, "arena", callArgs{}); err != nil || len(gs) != 1 || gs[0].Version != g.Version {
		t.Fatalf("goals through forwarding: %+v, %v (the version, which JSON leaves out, must cross)", gs, err)
	}
	if _, err := forwardOnce(t, e, actDeleteGoal, "arena", callArgs{ID: "subs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := forwardOnce(t, e, actDeleteGoal, "arena", callArgs{ID: "subs"}); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("deleting a deleted goal: %v; want ENOTFOUND", err)
	}
	css := ".board { color: red; }"
	if _, err := forwardOnce(t, e, actSetOverlayCSS, "arena", callArgs{CSS: css}); err != nil {
		t.Fatal(err)
	}
	if got, err := forwardOnce(t, e, actOverlayCSS, "arena", callArgs{}); err != nil || got != css {
		t.Fatalf("overlay css through forwarding: %q, %v", got, err)
	}
	ev, err := forwardOnce(t, e, actTestEvent, "arena", callArgs{Kind: "follow"})
	if err != nil || ev.Channel != "arena" {
		t.Fatalf("test event through forwarding: %+v, %v (the channel, which JSON leaves out, must cross)", ev, err)
	}
	if _, err := forwardOnce(t, e, actTestEvent, "arena", callArgs{Kind: "nonsense"}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("a bad test event kind: %v; want EINVALID", err)
	}
	if _, err := forwardOnce(t, e, actStartSegment, "arena", callArgs{Name: "Sponsor"}); err != nil {
		t.Fatal(err)
	}
	if seg, err := forwardOnce(t, e, actEndSegment, "arena", callArgs{}); err != nil || seg.Name != "Sponsor" {
		t.Fatalf("end segment through forwarding: %+v, %v", seg, err)
	}
	before, _ := st.Channels(ctx)
	info, err := forwardOnce(t, e, actRotateToken, "arena", callArgs{})
	if err != nil || info.OverlayToken == "" || info.OverlayToken == before[0].OverlayToken {
		t.Fatalf("rotate token through forwarding: %+v, %v", info, err)
	}
	if o, err := forwardOnce(t, e, actOverview, "arena", callArgs{}); err != nil || o.Channel != "arena" {
		t.Fatalf("overview through forwarding: %+v, %v", o, err)
	}
	if _, err := forwardOnce(t, e, actForget, "arena", callArgs{Login: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := forwardOnce(t, e, actViewer, "arena", callArgs{Login: "ann"}); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("a forgotten viewer through forwarding: %v; want ENOTFOUND", err)
	}
	if _, err := forwardedActions["leaderboard"].runEncoded(ctx, e, "arena", []byte("not gob")); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("unreadable arguments: %v; want EINVALID", err)
	}
	if _, err := forwardOnce(t, e, actRemoveChannel, "arena", callArgs{}); err != nil || e.Serves("arena") {
		t.Fatalf("remove channel through forwarding: %v, still served %v", err, e.Serves("arena"))
	}
}

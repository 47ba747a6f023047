package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// overlayEvent returns a complete event seq of channel at at, every field
// set, so that swapped columns show.
func overlayEvent(channel string, seq int64, at time.Time) hearth.OverlayEvent {
	return hearth.OverlayEvent{
		Channel: channel, Seq: seq, Kind: hearth.OverlayResub, UserID: fmt.Sprintf("u%d", seq%3),
		Login: fmt.Sprintf("viewer_%d", seq), DisplayName: fmt.Sprintf("Zoë ★ %d", seq), Rank: "Regular",
		Text: `<b>"twelve"</b> & more`, Amount: 12 + seq, Stream: 4, At: at,
	}
}

func applyEvents(t *testing.T, s hearth.Store, es ...hearth.OverlayEvent) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{OverlayEvents: es}); err != nil {
		t.Fatalf("Apply(%d overlay events): %v", len(es), err)
	}
}

// sameEvents describes how got differs from want, "" if it does not:
// times must be equal instants in UTC, the rest deeply equal.
func sameEvents(got, want []hearth.OverlayEvent) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.At.Equal(w.At) || g.At.Location() != time.UTC {
			return fmt.Sprintf("event %d at %v, want %v in UTC", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("event %d\n got %+v\nwant %+v", i, g, w)
		}
	}
	return ""
}

func testOverlayEventsRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	at := time.Date(2025, 11, 23, 20, 15, 0, 123_000_000, time.UTC)
	roll := hearth.OverlayEvent{
		Channel: "alice", Seq: 3, Kind: hearth.OverlayCredits, Stream: 4, At: at.Add(time.Hour), Test: true,
		Credits: &hearth.Credits{Sections: []hearth.CreditSection{
			{Kind: hearth.CreditsNewcomers, Names: []string{"Zoë ★", "<img src=x>"}},
			{Kind: hearth.CreditsPollWinners, Names: []string{"Which map? → Dust"}},
		}},
	}
	want := []hearth.OverlayEvent{overlayEvent("alice", 1, at), overlayEvent("alice", 2, at.Add(time.Second)), roll}
	// Out of order, and another channel's between.
	applyEvents(t, s, want[2], overlayEvent("bob", 1, at), want[0])
	applyEvents(t, s, want[1])

	got, err := s.OverlayEvents(ctx, "alice", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, want); d != "" {
		t.Errorf("OverlayEvents(after 0): %s", d)
	}
	got, err = s.OverlayEvents(ctx, "alice", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, want[1:2]); d != "" {
		t.Errorf("OverlayEvents(after 1, limit 1): %s", d)
	}
	got, err = s.RecentOverlayEvents(ctx, "alice", 2)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, want[1:]); d != "" {
		t.Errorf("RecentOverlayEvents(2): %s", d)
	}
	for _, ch := range []string{"carol", "nobody"} {
		got, err := s.RecentOverlayEvents(ctx, ch, 5)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("RecentOverlayEvents(%s) = %v, %v; want an empty slice", ch, got, err)
		}
		got, err = s.OverlayEvents(ctx, ch, 0, 5)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("OverlayEvents(%s) = %v, %v; want an empty slice", ch, got, err)
		}
	}
	for _, n := range []int{0, -1} {
		if _, err := s.OverlayEvents(ctx, "alice", 0, n); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("OverlayEvents(limit %d) = %v, want EINVALID", n, err)
		}
		if _, err := s.RecentOverlayEvents(ctx, "alice", n); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("RecentOverlayEvents(%d) = %v, want EINVALID", n, err)
		}
	}
}

func testOverlayEventsReplaced(t *testing.T, s hearth.Store) {
	at := time.Date(2025, 11, 23, 20, 15, 0, 0, time.UTC)
	first := overlayEvent("alice", 1, at)
	again := first
	again.Kind, again.Amount, again.Text = hearth.OverlayCheer, 500, ""
	applyEvents(t, s, first)
	applyEvents(t, s, first, again) // the last of one key wins
	got, err := s.OverlayEvents(context.Background(), "alice", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, []hearth.OverlayEvent{again}); d != "" {
		t.Error(d)
	}
}

func testOverlayEventsInvalid(t *testing.T, s hearth.Store) {
	at := time.Date(2025, 11, 23, 20, 15, 0, 0, time.UTC)
	bad := map[string]func(*hearth.OverlayEvent){
		"channel":        func(e *hearth.OverlayEvent) { e.Channel = "Not A Channel" },
		"seq":            func(e *hearth.OverlayEvent) { e.Seq = 0 },
		"kind":           func(e *hearth.OverlayEvent) { e.Kind = "<script>" },
		"nul":            func(e *hearth.OverlayEvent) { e.DisplayName = "a\x00b" },
		"utf8":           func(e *hearth.OverlayEvent) { e.Text = "\xff" },
		"huge":           func(e *hearth.OverlayEvent) { e.Text = strings.Repeat("x", 5000) },
		"amount":         func(e *hearth.OverlayEvent) { e.Amount = -1 },
		"time":           func(e *hearth.OverlayEvent) { e.At = time.Time{} },
		"credits on sub": func(e *hearth.OverlayEvent) { e.Credits = &hearth.Credits{} },
	}
	for name, spoil := range bad {
		e := overlayEvent("alice", 1, at)
		spoil(&e)
		err := s.Apply(context.Background(), hearth.Batch{OverlayEvents: []hearth.OverlayEvent{overlayEvent("alice", 2, at), e}})
		if hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("%s: Apply = %v, want EINVALID", name, err)
		}
	}
	got, err := s.OverlayEvents(context.Background(), "alice", 0, 10)
	if err != nil || len(got) != 0 {
		t.Errorf("after refused batches: %v, %v; want nothing written", got, err)
	}
}

func testForgetDeletesOverlayEvents(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	at := time.Date(2025, 11, 23, 20, 15, 0, 0, time.UTC)
	var es []hearth.OverlayEvent
	for seq := int64(1); seq <= 6; seq++ {
		es = append(es, overlayEvent("alice", seq, at)) // users u1, u2, u0, u1, u2, u0
	}
	other := overlayEvent("bob", 1, at) // u1 in another channel
	applyEvents(t, s, append(es, other)...)
	if err := s.Apply(ctx, hearth.Batch{Forget: []hearth.ViewerKey{{Channel: "alice", UserID: "u1"}}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OverlayEvents(ctx, "alice", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, []hearth.OverlayEvent{es[1], es[2], es[4], es[5]}); d != "" {
		t.Errorf("after forgetting u1: %s", d)
	}
	got, err = s.OverlayEvents(ctx, "bob", 0, 10)
	if err != nil || len(got) != 1 {
		t.Errorf("bob's events: %v, %v; want the one kept", got, err)
	}
}

func testPruneOverlayEvents(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	at := time.Date(2025, 11, 23, 20, 15, 0, 0, time.UTC)
	alice := []hearth.OverlayEvent{overlayEvent("alice", 1, at), overlayEvent("alice", 2, at.Add(time.Hour)), overlayEvent("alice", 3, at.Add(3*time.Hour))}
	// bob's events are all old: his last stays, so his seq counts on.
	bob := []hearth.OverlayEvent{overlayEvent("bob", 1, at), overlayEvent("bob", 2, at.Add(time.Minute))}
	applyEvents(t, s, append(alice, bob...)...)
	n, err := s.PruneOverlayEvents(ctx, at.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("pruned %d events, want 3", n)
	}
	got, err := s.RecentOverlayEvents(ctx, "alice", 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, alice[2:]); d != "" {
		t.Errorf("alice after prune: %s", d)
	}
	got, err = s.RecentOverlayEvents(ctx, "bob", 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEvents(got, bob[1:]); d != "" {
		t.Errorf("bob after prune: %s", d)
	}
	if n, err := s.PruneOverlayEvents(ctx, at.Add(2*time.Hour)); err != nil || n != 0 {
		t.Errorf("second prune = %d, %v; want 0", n, err)
	}
}

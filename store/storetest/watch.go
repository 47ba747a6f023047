package storetest

import (
	"context"
	"testing"

	"github.com/hearthlive/hearth"
)

// spanRows are a stream at minute 7 and three of its viewers: one whose
// presence span opened at minute 3, one whose span opened at minute 8 (not
// yet counted), and one without a span.
func spanRows(channel string) hearth.Batch {
	open := viewer(channel, "1", 100)
	open.WatchFrom = 3
	fresh := viewer(channel, "2", 200)
	fresh.WatchFrom = 8
	closed := viewer(channel, "3", 300)
	return hearth.Batch{
		Viewers: []hearth.ViewerStats{open, fresh, closed},
		Streams: []hearth.StreamSession{{Channel: channel, Seq: 12, StartedAt: base, Source: hearth.SourceTwitch, Minutes: 7}},
	}
}

// folded is what a reader sees of a spanRows viewer at minute minutes.
func folded(v hearth.ViewerStats, minutes int64) hearth.ViewerStats {
	if v.WatchFrom > 0 && minutes >= v.WatchFrom {
		v.WatchSeconds += 60 * (minutes - v.WatchFrom + 1)
		v.StreamWatchSeconds += 60 * (minutes - v.WatchFrom + 1)
	}
	v.WatchFrom = 0
	return v
}

func testPresenceSpansFoldedOnRead(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	b := spanRows("chan")
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	want := make([]hearth.ViewerStats, len(b.Viewers))
	for i, v := range b.Viewers {
		want[i] = folded(v, 7)
	}
	assertViewers(t, mustViewers(t, s, "chan"), want)
	for _, w := range want {
		assertViewer(t, mustViewer(t, s, "chan", w.UserID), w)
		got, err := s.ViewerByLogin(ctx, "chan", w.Login)
		if err != nil {
			t.Fatal(err)
		}
		assertViewer(t, got, w)
	}
	if ss, err := s.Streams(ctx, "chan", 1); err != nil || len(ss) != 1 || ss[0].Minutes != 7 {
		t.Fatalf("Streams: %+v (%v), want the stream at minute 7", ss, err)
	}

	// The minute tick writes the stream alone; the spans grow with it.
	b.Streams[0].Minutes = 10
	if err := s.Apply(ctx, hearth.Batch{Streams: b.Streams}); err != nil {
		t.Fatal(err)
	}
	if got, want := mustViewer(t, s, "chan", "1"), folded(b.Viewers[0], 10); got != want {
		assertViewer(t, got, want)
	}
	assertViewer(t, mustViewer(t, s, "chan", "2"), folded(b.Viewers[1], 10))
}

func testEndPresence(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, ch := range []string{"chan", "other"} {
		if err := s.Apply(ctx, spanRows(ch)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndPresence(ctx, "chan"); err != nil {
		t.Fatal(err)
	}
	if err := s.EndPresence(ctx, "unknown"); err != nil {
		t.Fatalf("EndPresence on a channel the store does not know: %v", err)
	}
	// The streams go on; only the spans of "other" still count.
	for _, ch := range []string{"chan", "other"} {
		b := spanRows(ch)
		b.Streams[0].Minutes = 20
		if err := s.Apply(ctx, hearth.Batch{Streams: b.Streams}); err != nil {
			t.Fatal(err)
		}
	}
	rows := spanRows("chan").Viewers
	for _, v := range rows {
		assertViewer(t, mustViewer(t, s, "chan", v.UserID), folded(v, 7))
		v.Channel = "other"
		assertViewer(t, mustViewer(t, s, "other", v.UserID), folded(v, 20))
	}
	// A row written after the end opens a new span, counted as usual.
	again := rows[2]
	again.WatchFrom = 19
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{again}}); err != nil {
		t.Fatal(err)
	}
	assertViewer(t, mustViewer(t, s, "chan", again.UserID), folded(again, 20))
}

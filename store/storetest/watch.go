package storetest

import (
	"context"
	"testing"
	"time"

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

// assertFolded checks that every read of a channel's viewers gives want,
// the channel's whole list of viewers ordered by user id.
func assertFolded(t *testing.T, s hearth.Store, channel string, want []hearth.ViewerStats) {
	t.Helper()
	assertViewers(t, mustViewers(t, s, channel), want)
	for _, w := range want {
		assertViewer(t, mustViewer(t, s, channel, w.UserID), w)
		got, err := s.ViewerByLogin(context.Background(), channel, w.Login)
		if err != nil {
			t.Fatal(err)
		}
		assertViewer(t, got, w)
	}
}

// endPresence calls EndPresence and checks where it leaves the channel's
// latest stream: at minute minutes.
func endPresence(t *testing.T, s hearth.Store, channel string, minutes int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.EndPresence(ctx, channel); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.Streams(ctx, channel, 1); err != nil || len(ss) != 1 || ss[0].Minutes != minutes {
		t.Fatalf("after EndPresence: streams %+v (%v), want the latest at minute %d", ss, err, minutes)
	}
}

// advance writes a channel's stream as the minute tick does: the stream
// row alone.
func advance(t *testing.T, s hearth.Store, stream hearth.StreamSession) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{Streams: []hearth.StreamSession{stream}}); err != nil {
		t.Fatal(err)
	}
}

// openAt returns a spanRows viewer whose span opened at minute from.
func openAt(channel, id string, from int64) hearth.ViewerStats {
	v := viewer(channel, id, 400)
	v.WatchFrom = from
	return v
}

// testEndPresence restarts a live stream: the spans a stopped process left
// open end at the minute the stream stored, and only there, while the
// stream's clock skips a minute so that spans opened after the restart
// count on.
func testEndPresence(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, ch := range []string{"chan", "other"} {
		if err := s.Apply(ctx, spanRows(ch)); err != nil {
			t.Fatal(err)
		}
	}
	endPresence(t, s, "chan", 8)
	if err := s.EndPresence(ctx, "unknown"); err != nil {
		t.Fatalf("EndPresence on a channel the store does not know: %v", err)
	}
	// A span opened after the restart, at its first minute.
	after := openAt("chan", "4", 9)
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{after}}); err != nil {
		t.Fatal(err)
	}
	// The streams go on; of "chan", only the span opened after the
	// restart still counts.
	for _, ch := range []string{"chan", "other"} {
		b := spanRows(ch)
		b.Streams[0].Minutes = 20
		advance(t, s, b.Streams[0])
	}
	var want, others []hearth.ViewerStats
	for _, v := range spanRows("chan").Viewers {
		want = append(want, folded(v, 7))
		v.Channel = "other"
		others = append(others, folded(v, 20))
	}
	assertFolded(t, s, "chan", append(want, folded(after, 20)))
	assertFolded(t, s, "other", others)
}

// testPresenceTwoRestarts restarts one live stream twice: each span ends
// at the first restart after it opened.
func testPresenceTwoRestarts(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	b := spanRows("chan") // spans from minutes 3 and 8, the stream at 7
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	endPresence(t, s, "chan", 8) // cut at 7
	stream := b.Streams[0]
	// Between the restarts: a span from the first minute after the
	// first, and one opened just before the second, never counted.
	between, late := openAt("chan", "4", 9), openAt("chan", "5", 13)
	stream.Minutes = 12
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{between, late}, Streams: []hearth.StreamSession{stream}}); err != nil {
		t.Fatal(err)
	}
	endPresence(t, s, "chan", 13) // cut at 12
	last := openAt("chan", "6", 14)
	stream.Minutes = 30
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{last}, Streams: []hearth.StreamSession{stream}}); err != nil {
		t.Fatal(err)
	}
	assertFolded(t, s, "chan", []hearth.ViewerStats{folded(b.Viewers[0], 7), folded(b.Viewers[1], 7), b.Viewers[2],
		folded(between, 12), folded(late, 12), folded(last, 30)})
}

// testPresenceEndedStream reads spans left open in a stream that has
// ended since: cut ones end at their cut, later ones with the stream. A
// restart while no stream is live cuts nothing, and a new stream's spans
// count by its own clock.
func testPresenceEndedStream(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	b := spanRows("chan")
	if err := s.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	endPresence(t, s, "chan", 8) // cut at 7
	after := openAt("chan", "4", 9)
	stream := b.Streams[0]
	stream.Minutes, stream.EndedAt = 10, base.Add(time.Hour)
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{after}, Streams: []hearth.StreamSession{stream}}); err != nil {
		t.Fatal(err)
	}
	endPresence(t, s, "chan", 10)
	next := hearth.StreamSession{Channel: "chan", Seq: 13, StartedAt: base.Add(2 * time.Hour), Source: hearth.SourceChat, Minutes: 5}
	fresh := openAt("chan", "5", 2)
	fresh.StreamSeq = 13
	if err := s.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{fresh}, Streams: []hearth.StreamSession{next}}); err != nil {
		t.Fatal(err)
	}
	assertFolded(t, s, "chan", []hearth.ViewerStats{folded(b.Viewers[0], 7), folded(b.Viewers[1], 7), b.Viewers[2],
		folded(after, 10), folded(fresh, 5)})
}

package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// recap returns a complete ended recap of stream seq of channel started at
// start, every field set and each figure different, so that swapped
// columns show.
func recap(channel string, seq int64, start time.Time) hearth.StreamRecap {
	sponsor := start.Add(20 * time.Minute)
	r := hearth.StreamRecap{
		Channel: channel, Seq: seq, StartedAt: start, EndedAt: start.Add(2*time.Hour + 17*time.Millisecond),
		Messages: 1234, Chatters: 87, VerifiedMessages: 1001, VerifiedChatters: 80,
		Newcomers: 12, Returners: 61, PreviousAttendees: 70, Retained: 55,
		Top10Share: 0.1 + 0.2, // not exact in binary: must come back bit for bit
		Activity: []hearth.MinuteActivity{
			{Minute: 0, Messages: 10, Chatters: 4, Newcomers: 2},
			{Minute: 1, Messages: 0, Chatters: 0, Newcomers: 0},
			{Minute: 7, Messages: 31, Chatters: 9, Newcomers: 1},
		},
		PeakViewers: 420, AvgViewers: 311, Participation: 0.27972027972027974,
		Polls: []hearth.PollRecap{
			{ID: "1716000000000001", Question: "Which map next? ✨", Voters: 40, Turnout: 0.625},
			{ID: "7f3c0a57-9d3e-4d8b-9f0e-1a2b3c4d5e6f", Question: `<b>"quoted"</b> & more`, Voters: 3, Turnout: 1.5},
		},
		Segments: []hearth.SegmentRecap{{
			Name: "Acme Energy ⚡", StartedAt: sponsor, EndedAt: sponsor.Add(10*time.Minute + 3*time.Millisecond),
			During:   hearth.Activity{Minutes: 10.5, MessagesPerMinute: 14.2, ChattersPerMinute: 6.1, Newcomers: 3, PollTurnout: 0.625},
			Baseline: hearth.Activity{Minutes: 109.5, MessagesPerMinute: 9.8, ChattersPerMinute: 4.4, Newcomers: 9},
			Lift:     14.2 / 9.8,
		}},
		Cohorts: []hearth.CohortRetention{},
	}
	// Stream 1 has no earlier stream, so no cohort to look back on.
	for _, back := range []int64{1, 2, 4} {
		if seq > back {
			r.Cohorts = append(r.Cohorts, hearth.CohortRetention{Cohort: seq - back, Newcomers: 9 + back, Attended: 4 - back})
		}
	}
	return r
}

func applyRecaps(t *testing.T, s hearth.Store, rs ...hearth.StreamRecap) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{Recaps: rs}); err != nil {
		t.Fatalf("Apply(%d recaps): %v", len(rs), err)
	}
}

// sameRecap describes how got differs from want, "" if it does not: times,
// the segments' too, must be equal instants in UTC, everything else deeply
// equal.
func sameRecap(got, want hearth.StreamRecap) string {
	type stamp struct {
		name      string
		got, want time.Time
	}
	stamps := []stamp{{"StartedAt", got.StartedAt, want.StartedAt}, {"EndedAt", got.EndedAt, want.EndedAt}}
	got.StartedAt, got.EndedAt, want.StartedAt, want.EndedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	got.Segments, want.Segments = append([]hearth.SegmentRecap(nil), got.Segments...), append([]hearth.SegmentRecap(nil), want.Segments...)
	for i := range min(len(got.Segments), len(want.Segments)) {
		g, w := &got.Segments[i], &want.Segments[i]
		stamps = append(stamps, stamp{fmt.Sprintf("Segments[%d].StartedAt", i), g.StartedAt, w.StartedAt},
			stamp{fmt.Sprintf("Segments[%d].EndedAt", i), g.EndedAt, w.EndedAt})
		g.StartedAt, g.EndedAt, w.StartedAt, w.EndedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	var diffs []string
	for _, s := range stamps {
		if !s.got.Equal(s.want) || !s.got.IsZero() && s.got.Location() != time.UTC {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v in UTC", s.name, s.got, s.want))
		}
	}
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func assertRecaps(t *testing.T, got, want []hearth.StreamRecap) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d recaps %v, want %d: %v", len(got), recapSeqs(got), len(want), recapSeqs(want))
	}
	for i := range want {
		if d := sameRecap(got[i], want[i]); d != "" {
			t.Errorf("recap %d (stream %d): %s", i, want[i].Seq, d)
		}
	}
}

func recapSeqs(rs []hearth.StreamRecap) []int64 {
	seqs := make([]int64, len(rs))
	for i, r := range rs {
		seqs[i] = r.Seq
	}
	return seqs
}

func mustRecap(t *testing.T, s hearth.Store, channel string, seq int64) hearth.StreamRecap {
	t.Helper()
	r, err := s.Recap(context.Background(), channel, seq)
	if err != nil {
		t.Fatalf("Recap(%q, %d): %v", channel, seq, err)
	}
	return r
}

func mustRecaps(t *testing.T, s hearth.Store, channel string, before int64, limit int) []hearth.StreamRecap {
	t.Helper()
	rs, err := s.Recaps(context.Background(), channel, before, limit)
	if err != nil {
		t.Fatalf("Recaps(%q, before %d, limit %d): %v", channel, before, limit, err)
	}
	return rs
}

func testRecapsRoundTrip(t *testing.T, s hearth.Store) {
	ended := recap("alpha", 3, base)
	// A live stream: no end, no polls or segments yet, and a curve of the
	// longest length a recap keeps.
	live := hearth.StreamRecap{Channel: "alpha", Seq: 4, StartedAt: base.Add(24 * time.Hour).In(time.FixedZone("IST", 5*3600+1800))}
	for m := range hearth.MaxRecapMinutes {
		live.Activity = append(live.Activity, hearth.MinuteActivity{Minute: m, Messages: int64(m % 17), Chatters: int64(m % 5), Newcomers: int64(m % 2)})
	}
	// In a channel the store does not know yet, as viewers are.
	applyRecaps(t, s, ended, live)

	if d := sameRecap(mustRecap(t, s, "alpha", 3), ended); d != "" {
		t.Errorf("Recap(alpha, 3): %s", d)
	}
	got := mustRecap(t, s, "alpha", 4)
	if got.Polls == nil || got.Segments == nil || got.Cohorts == nil {
		t.Errorf("live recap's polls %#v, segments %#v and cohorts %#v, want empty lists", got.Polls, got.Segments, got.Cohorts)
	}
	live.Polls, live.Segments, live.Cohorts = []hearth.PollRecap{}, []hearth.SegmentRecap{}, []hearth.CohortRetention{}
	if d := sameRecap(got, live); d != "" {
		t.Errorf("Recap(alpha, 4): %s", d)
	}
	if chs := mustChannels(t, s); len(chs) != 1 || chs[0].Name != "alpha" {
		t.Errorf("Channels = %v, want alpha, created by the recap", chs)
	}
}

func testRecapsNewestFirstPaginated(t *testing.T, s hearth.Store) {
	var rs []hearth.StreamRecap
	for seq := int64(1); seq <= 5; seq++ {
		rs = append(rs, recap("alpha", seq, base.Add(time.Duration(seq)*24*time.Hour)))
	}
	other := recap("beta", 9, base)
	applyRecaps(t, s, rs[2], rs[0], other, rs[4], rs[1], rs[3])

	newest := []hearth.StreamRecap{rs[4], rs[3], rs[2], rs[1], rs[0]}
	assertRecaps(t, mustRecaps(t, s, "alpha", 0, 10), newest)
	assertRecaps(t, mustRecaps(t, s, "alpha", 0, 2), newest[:2])
	assertRecaps(t, mustRecaps(t, s, "alpha", 4, 2), newest[2:4])
	assertRecaps(t, mustRecaps(t, s, "alpha", 2, 10), newest[4:])
	assertRecaps(t, mustRecaps(t, s, "alpha", 1, 10), nil)
	// A bound that is no stream of the channel still bounds.
	assertRecaps(t, mustRecaps(t, s, "alpha", 9, 1), newest[:1])
	assertRecaps(t, mustRecaps(t, s, "beta", 0, 10), []hearth.StreamRecap{other})
	if got := mustRecaps(t, s, "nochannel", 0, 3); got == nil || len(got) != 0 {
		t.Errorf("Recaps of an unknown channel = %#v, want an empty slice", got)
	}
	for _, n := range []int{0, -1} {
		_, err := s.Recaps(context.Background(), "alpha", 0, n)
		assertCode(t, err, hearth.EINVALID, fmt.Sprintf("Recaps(limit %d)", n))
	}
	_, err := s.Recaps(context.Background(), "alpha", -1, 10)
	assertCode(t, err, hearth.EINVALID, "Recaps(before -1)")
}

func testRecapRowsReplaced(t *testing.T, s hearth.Store) {
	live := recap("alpha", 1, base)
	live.EndedAt, live.Segments = time.Time{}, nil
	live.Activity = live.Activity[:1]
	applyRecaps(t, s, live)

	// The stream ends: the recap is replaced whole, the later row of a
	// batch winning, and writing it twice changes nothing.
	ended := recap("alpha", 1, base)
	for range 2 {
		applyRecaps(t, s, live, ended)
		if d := sameRecap(mustRecap(t, s, "alpha", 1), ended); d != "" {
			t.Errorf("ended recap: %s", d)
		}
	}
	assertRecaps(t, mustRecaps(t, s, "alpha", 0, 10), []hearth.StreamRecap{ended})
}

func testRecapNotFound(t *testing.T, s hearth.Store) {
	applyRecaps(t, s, recap("alpha", 1, base))
	_, err := s.Recap(context.Background(), "alpha", 2)
	assertCode(t, err, hearth.ENOTFOUND, "Recap of an unknown stream")
	_, err = s.Recap(context.Background(), "beta", 1)
	assertCode(t, err, hearth.ENOTFOUND, "Recap in another channel")
}

func testRecapsInvalid(t *testing.T, s hearth.Store) {
	spoil := func(set func(r *hearth.StreamRecap)) func(b *hearth.Batch) {
		return func(b *hearth.Batch) {
			r := recap("delta", 1, base)
			set(&r)
			b.Recaps = []hearth.StreamRecap{recap("alpha", 1, base), r}
		}
	}
	long := make([]hearth.MinuteActivity, hearth.MaxRecapMinutes+1)
	for i := range long {
		long[i].Minute = i
	}
	assertBatchesRejected(t, s, []badBatch{
		{"RecapChannel", spoil(func(r *hearth.StreamRecap) { r.Channel = "Not A Channel" })},
		{"RecapSeq", spoil(func(r *hearth.StreamRecap) { r.Seq = 0 })},
		{"RecapNoStart", spoil(func(r *hearth.StreamRecap) { r.StartedAt = time.Time{} })},
		{"RecapEndsBeforeStart", spoil(func(r *hearth.StreamRecap) { r.EndedAt = r.StartedAt.Add(-time.Second) })},
		{"RecapNegativeCount", spoil(func(r *hearth.StreamRecap) { r.Newcomers = -1 })},
		{"RecapRetainedAbovePrevious", spoil(func(r *hearth.StreamRecap) { r.Retained = r.PreviousAttendees + 1 })},
		{"RecapShareAboveOne", spoil(func(r *hearth.StreamRecap) { r.Top10Share = 1.01 })},
		{"RecapNaN", spoil(func(r *hearth.StreamRecap) { r.Participation = math.NaN() })},
		{"RecapInfinity", spoil(func(r *hearth.StreamRecap) { r.Segments[0].Lift = math.Inf(1) })},
		{"RecapCurveTooLong", spoil(func(r *hearth.StreamRecap) { r.Activity = long })},
		{"RecapMinutesOutOfOrder", spoil(func(r *hearth.StreamRecap) { r.Activity[2].Minute = 1 })},
		{"RecapMinuteNegativeCount", spoil(func(r *hearth.StreamRecap) { r.Activity[0].Chatters = -1 })},
		{"RecapTooManyPolls", spoil(func(r *hearth.StreamRecap) {
			r.Polls = make([]hearth.PollRecap, hearth.MaxRecapPolls+1)
			for i := range r.Polls {
				r.Polls[i] = hearth.PollRecap{ID: fmt.Sprint(i + 1)}
			}
		})},
		{"RecapPollQuestionTooLong", spoil(func(r *hearth.StreamRecap) {
			r.Polls[0].Question = strings.Repeat("q", hearth.PollMaxQuestionLen+1)
		})},
		{"RecapPollNoID", spoil(func(r *hearth.StreamRecap) { r.Polls[1].ID = "" })},
		{"RecapSegmentNameTooLong", spoil(func(r *hearth.StreamRecap) {
			r.Segments[0].Name = strings.Repeat("n", hearth.MaxSegmentNameLen+1)
		})},
		{"RecapSegmentNameNUL", spoil(func(r *hearth.StreamRecap) { r.Segments[0].Name = "Acme\x00" })},
		{"RecapSegmentNameInvalidUTF8", spoil(func(r *hearth.StreamRecap) { r.Segments[0].Name = "Acme\xff" })},
		{"RecapSegmentEndsBeforeStart", spoil(func(r *hearth.StreamRecap) {
			r.Segments[0].EndedAt = r.Segments[0].StartedAt.Add(-time.Minute)
		})},
		{"RecapCohortNotEarlier", spoil(func(r *hearth.StreamRecap) {
			r.Cohorts = []hearth.CohortRetention{{Cohort: r.Seq, Newcomers: 3}}
		})},
		{"RecapCohortAttendedAboveSize", spoil(func(r *hearth.StreamRecap) {
			r.Seq, r.Cohorts = 5, []hearth.CohortRetention{{Cohort: 4, Newcomers: 3, Attended: 4}}
		})},
		{"RecapTooManySegments", spoil(func(r *hearth.StreamRecap) {
			r.Segments = make([]hearth.SegmentRecap, hearth.MaxRecapSegments+1)
			for i := range r.Segments {
				r.Segments[i] = hearth.SegmentRecap{Name: "s", StartedAt: base}
			}
		})},
	})
	// The rejected batches wrote no recap, the valid one of each included.
	if rs := mustRecaps(t, s, "alpha", 0, 10); len(rs) != 0 {
		t.Errorf("Recaps(alpha) after rejected batches = %v, want none", recapSeqs(rs))
	}
}

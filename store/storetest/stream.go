package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// stream returns a complete, ended session number seq of channel, every
// field set.
func stream(channel string, seq int64) hearth.StreamSession {
	start := base.Add(time.Duration(seq) * 24 * time.Hour)
	return hearth.StreamSession{
		Channel:   channel,
		Seq:       seq,
		StartedAt: start,
		EndedAt:   start.Add(3*time.Hour + 250*time.Millisecond),
		Source:    hearth.SourceTwitch,
		Messages:  100*seq + 1,
		Chatters:  10*seq + 2,
	}
}

func applyStreams(t *testing.T, s hearth.Store, ss ...hearth.StreamSession) {
	t.Helper()
	if err := s.Apply(context.Background(), hearth.Batch{Streams: ss}); err != nil {
		t.Fatalf("Apply(%d streams): %v", len(ss), err)
	}
}

func mustStreams(t *testing.T, s hearth.Store, channel string, n int) []hearth.StreamSession {
	t.Helper()
	ss, err := s.Streams(context.Background(), channel, n)
	if err != nil {
		t.Fatalf("Streams(%q, %d): %v", channel, n, err)
	}
	return ss
}

func assertStreams(t *testing.T, got, want []hearth.StreamSession) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d streams %v, want %d: %v", len(got), seqs(got), len(want), seqs(want))
	}
	for i := range want {
		if d := sameFields(got[i], want[i]); d != "" {
			t.Errorf("stream %d (%s/%d): %s", i, want[i].Channel, want[i].Seq, d)
		}
	}
}

func seqs(ss []hearth.StreamSession) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s/%d", s.Channel, s.Seq)
	}
	return out
}

func testStreamsUpsertAndOrder(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	var ss []hearth.StreamSession
	for seq := range int64(5) {
		ss = append(ss, stream("alpha", seq+1))
	}
	ss[1].Source = hearth.SourceChat
	ss[2].StartedAt = ss[2].StartedAt.In(time.FixedZone("IST", 5*3600+1800))
	ss[4].EndedAt = time.Time{} // live
	// Order is by Seq, not by time: a clock set back reorders nothing.
	ss[3].StartedAt = base.Add(-time.Hour)
	ss[3].EndedAt = base
	other := stream("beta", 1)
	// Out of order, beside a viewer, in channels the store does not know.
	err := s.Apply(ctx, hearth.Batch{
		Viewers: []hearth.ViewerStats{viewer("alpha", "1", 10)},
		Streams: []hearth.StreamSession{ss[2], ss[0], other, ss[4], ss[1], ss[3]},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}

	newestFirst := []hearth.StreamSession{ss[4], ss[3], ss[2], ss[1], ss[0]}
	assertStreams(t, mustStreams(t, s, "alpha", 10), newestFirst)
	assertStreams(t, mustStreams(t, s, "alpha", 5), newestFirst)
	assertStreams(t, mustStreams(t, s, "alpha", 2), newestFirst[:2])
	assertStreams(t, mustStreams(t, s, "alpha", 1), newestFirst[:1])
	assertStreams(t, mustStreams(t, s, "beta", 10), []hearth.StreamSession{other})
	if live := mustStreams(t, s, "alpha", 1)[0]; !live.EndedAt.IsZero() {
		t.Errorf("live stream EndedAt = %v, want zero", live.EndedAt)
	}
	if got := mustStreams(t, s, "nochannel", 3); got == nil || len(got) != 0 {
		t.Errorf("Streams of unknown channel = %#v, want an empty slice", got)
	}
	for _, n := range []int{0, -1} {
		_, err := s.Streams(ctx, "alpha", n)
		assertCode(t, err, hearth.EINVALID, fmt.Sprintf("Streams(%d)", n))
	}
	chs := mustChannels(t, s)
	if len(chs) != 2 || chs[0].Name != "alpha" || chs[1].Name != "beta" {
		t.Fatalf("Channels = %v, want alpha and beta", chs)
	}
	assertToken(t, chs[1].OverlayToken)

	// The live stream ends and the one before turns out not to have ended:
	// an upsert of an existing seq replaces the whole row, zero EndedAt
	// included. Within one batch the later row for a seq wins.
	ended := ss[4]
	ended.EndedAt = ended.StartedAt.Add(90 * time.Minute)
	ended.Source = hearth.SourceChat
	ended.Messages, ended.Chatters = 9_999, 321
	resumed := ss[3]
	resumed.EndedAt = time.Time{}
	stale := ended
	stale.Messages = 1
	for range 2 {
		applyStreams(t, s, stale, resumed, ended)
		assertStreams(t, mustStreams(t, s, "alpha", 10), []hearth.StreamSession{ended, resumed, ss[2], ss[1], ss[0]})
	}
	assertStreams(t, mustStreams(t, s, "beta", 10), []hearth.StreamSession{other})
}

func testStreamsInvalid(t *testing.T, s hearth.Store) {
	// The new stream is spoiled, so that a store writing rows before it
	// checks them would leave a trace.
	bad := func(name string, set func(s *hearth.StreamSession)) badBatch {
		return badBatch{name, func(b *hearth.Batch) { set(&b.Streams[1]) }}
	}
	assertBatchesRejected(t, s, []badBatch{
		bad("SeqZero", func(s *hearth.StreamSession) { s.Seq = 0 }),
		bad("SeqNegative", func(s *hearth.StreamSession) { s.Seq = -3 }),
		bad("EmptySource", func(s *hearth.StreamSession) { s.Source = "" }),
		bad("UnknownSource", func(s *hearth.StreamSession) { s.Source = "youtube" }),
		bad("UpperCaseSource", func(s *hearth.StreamSession) { s.Source = "Twitch" }),
		bad("EmptyChannel", func(s *hearth.StreamSession) { s.Channel = "" }),
		bad("HashChannel", func(s *hearth.StreamSession) { s.Channel = "#delta" }),
		bad("OverlongChannel", func(s *hearth.StreamSession) { s.Channel = strings.Repeat("d", 26) }),
		{"LastOfMany", func(b *hearth.Batch) {
			for seq := range int64(50) {
				b.Streams = append(b.Streams, stream("delta", seq+2))
			}
			b.Streams = append(b.Streams, hearth.StreamSession{Channel: "delta", Seq: 0, Source: hearth.SourceChat})
		}},
	})
}

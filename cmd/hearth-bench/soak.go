package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// soakSample is hearth's state at one moment of a soak.
type soakSample struct {
	At         float64 `json:"seconds"`
	Messages   float64 `json:"chat_messages_total"`
	Goroutines float64 `json:"goroutines"`
	RSSMiB     float64 `json:"rss_mib"`
	HeapMiB    float64 `json:"heap_inuse_mib"`
}

// soakResult compares hearth's first sample of a steady flow of chat with
// its last.
type soakResult struct {
	Seconds float64      `json:"seconds"`
	Rate    int          `json:"chat_messages_per_second"`
	Samples []soakSample `json:"samples"`
	Skipped string       `json:"skipped,omitempty"`
}

// runSoak feeds the firehose's viewers to hearth at o.soakRate for
// o.soak, each line with a fresh message id, and samples goroutines and
// memory: after a warm-up of a tenth of the time, then at every tenth.
func runSoak(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, prefix string, logf func(string, ...any)) (soakResult, error) {
	res := soakResult{Seconds: o.soak.Seconds(), Rate: o.soakRate}
	channels := channelNames(prefix, o.channels)
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		return res, err
	}
	defer srv.Close()
	h, err := startHearth(bin, dir, srv.Addr(), dbURL, channels)
	if err != nil {
		return res, err
	}
	defer func() { _ = h.stop() }()
	if _, err := h.waitReady(ctx, time.Minute); err != nil {
		return res, err
	}
	for _, ch := range channels {
		if err := srv.WaitJoined(ctx, ch); err != nil {
			return res, err
		}
	}
	start := time.Now()
	sample := func() error {
		m, err := h.metrics()
		if err != nil {
			return err
		}
		st := h.stats()
		s := soakSample{
			At:         time.Since(start).Seconds(),
			Messages:   m["hearth_chat_messages_total"],
			Goroutines: m["go_goroutines"],
			RSSMiB:     float64(st.RSS) / mib,
			HeapMiB:    m["go_memstats_heap_inuse_bytes"] / mib,
		}
		res.Samples = append(res.Samples, s)
		logf("  soak %.0f s: %.0f messages, %.0f goroutines, RSS %.0f MiB, heap %.0f MiB", s.At, s.Messages, s.Goroutines, s.RSSMiB, s.HeapMiB)
		return nil
	}
	step := o.soak / 10
	next := start.Add(step)
	perTick := max(o.soakRate/100, 1)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	pass := 0
	var queue []sendLine
	for time.Since(start) < o.soak+step/2 {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		<-tick.C
		for j := 0; j < perTick; j++ {
			if len(queue) == 0 {
				queue = interleave(buildFirehose(capture, 1, o.variants, channels, "s"+strconv.Itoa(pass)+"x", time.Now()))
				pass++
			}
			srv.Send(queue[0].channel, queue[0].line)
			queue = queue[1:]
		}
		if time.Now().After(next) {
			next = next.Add(step)
			if err := sample(); err != nil {
				return res, fmt.Errorf("soak: %w", err)
			}
		}
	}
	return res, nil
}

// sendLine is one line of a firehose and the channel it goes to.
type sendLine struct{ channel, line string }

// interleave takes the channels' lines in turn, one at a time.
func interleave(fh *firehose) []sendLine {
	out := make([]sendLine, 0, fh.total)
	for i := 0; len(out) < fh.total; i++ {
		for _, ch := range fh.channels {
			if l := fh.lines[ch]; i < len(l) {
				out = append(out, sendLine{ch, l[i]})
			}
		}
	}
	return out
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// profileIngest takes a CPU profile of hearth, through its /debug/pprof,
// while the firehose is fed to it again and again for o.profileFor.
func profileIngest(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, runID string, logf func(string, ...any)) error {
	channels := channelNames("hb"+runID+"p", o.channels)
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	h, err := startHearth(bin, dir, srv.Addr(), dbURL, channels, "HEARTH_DEBUG_PPROF=true")
	if err != nil {
		return err
	}
	defer func() { _ = h.stop() }()
	if _, err := h.waitReady(ctx, time.Minute); err != nil {
		return err
	}
	for _, ch := range channels {
		if err := srv.WaitJoined(ctx, ch); err != nil {
			return err
		}
	}
	logf("cpu profile: %s of hearth under the firehose", o.profileFor)
	done := make(chan error, 1)
	go func() { done <- h.profile(o.cpuProfile, o.profileFor) }()
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		for pass := 0; fctx.Err() == nil; pass++ {
			fh := buildFirehose(capture, o.reps, o.variants, channels, "p"+strconv.Itoa(pass)+"x", time.Now())
			var wg sync.WaitGroup
			for _, ch := range channels {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = srv.Feed(fctx, ch, fh.lines[ch], twitchtest.FeedOptions{CheckpointEvery: 1000})
				}()
			}
			wg.Wait()
		}
	}()
	err = <-done
	stop()
	<-fed
	if err != nil {
		return fmt.Errorf("fetching the profile: %w", err)
	}
	logf("cpu profile written to %s (go tool pprof -top %s)", o.cpuProfile, o.cpuProfile)
	return nil
}

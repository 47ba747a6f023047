package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// ingestResult is one subject's pass over the firehose.
type ingestResult struct {
	Subject       string  `json:"subject"`
	Round         int     `json:"round"`
	Messages      int     `json:"messages_sent"`
	Counted       int64   `json:"messages_counted"`
	Lost          int64   `json:"messages_lost"`
	Seconds       float64 `json:"seconds"`
	MsgPerSec     float64 `json:"messages_per_second"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	CPUPerMillion float64 `json:"cpu_seconds_per_million_messages"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	Skipped       string  `json:"skipped,omitempty"`
}

// subject is something that reads the firehose and counts it.
type subject struct {
	name   string
	hearth bool   // Hearth itself, not a peer
	addr   string // listen address the fake server needs, "" for any
	start  func(addr string, channels []string) (pid int, err error)
	count  func(ctx context.Context) (int64, error)
	stop   func() error
}

// stallAfter is how long a count may stay short of the total, without
// growing, before the run ends and the rest is reported lost.
const stallAfter = 5 * time.Second

// runIngest feeds fh to s over a fresh fake chat server and measures from
// the first line sent to the moment s has counted (and, for Hearth,
// stored) every chat message.
func runIngest(ctx context.Context, s subject, fh *firehose, round int) (ingestResult, error) {
	res := ingestResult{Subject: s.name, Round: round, Messages: fh.privmsgs}
	srv, err := twitchtest.NewServer(twitchtest.Options{Addr: s.addr})
	if err != nil {
		return res, fmt.Errorf("%s: fake chat server: %w", s.name, err)
	}
	defer srv.Close()
	pid, err := s.start(srv.Addr(), fh.channels)
	if err != nil {
		return res, fmt.Errorf("%s: %w", s.name, err)
	}
	defer func() { _ = s.stop() }()
	jctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	for _, ch := range fh.channels {
		if err := srv.WaitJoined(jctx, ch); err != nil {
			cancel()
			return res, fmt.Errorf("%s: never joined #%s: %w", s.name, ch, err)
		}
	}
	cancel()
	before, err := readProc(pid)
	if err != nil {
		return res, err
	}
	// A subject that stops answering PING stalls Feed; the count below
	// notices, and cancelling ends the feeds.
	fctx, stopFeeds := context.WithCancel(ctx)
	defer stopFeeds()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(fh.channels))
	for _, ch := range fh.channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := srv.Feed(fctx, ch, fh.lines[ch], twitchtest.FeedOptions{CheckpointEvery: 1000}); err != nil {
				errs <- fmt.Errorf("%s: feed #%s: %w", s.name, ch, err)
			}
		}()
	}
	var last int64
	lastChange := time.Now()
	end := start
	for {
		n, err := s.count(ctx)
		if err != nil {
			return res, fmt.Errorf("%s: count: %w", s.name, err)
		}
		now := time.Now()
		if n != last {
			last, lastChange, end = n, now, now
		}
		if n >= int64(fh.privmsgs) || now.Sub(lastChange) > stallAfter {
			break
		}
		select {
		case err := <-errs:
			return res, err
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	after, err := readProc(pid)
	if err != nil {
		return res, err
	}
	if last < int64(fh.privmsgs) {
		stopFeeds()
	}
	wg.Wait()
	select {
	case err := <-errs:
		if !errors.Is(err, context.Canceled) {
			return res, err
		}
	default:
	}
	el := end.Sub(start).Seconds()
	res.Counted = last
	res.Lost = int64(fh.privmsgs) - last
	res.Seconds = el
	res.MsgPerSec = float64(last) / el
	res.CPUSeconds = (after.CPU - before.CPU).Seconds()
	res.CPUPerMillion = res.CPUSeconds / float64(fh.privmsgs) * 1e6
	res.PeakRSSMiB = float64(after.PeakRS) / (1 << 20)
	return res, nil
}

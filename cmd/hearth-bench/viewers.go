package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// viewersResult holds the figures of one known-viewer count: n distinct
// chatters, one message each, then a restart on the same database.
type viewersResult struct {
	Viewers          int     `json:"viewers"`
	Reached          int64   `json:"viewers_stored"`
	FeedSeconds      float64 `json:"seconds_to_store_all"`
	PerSecond        float64 `json:"viewers_per_second"`
	CPUPerMillion    float64 `json:"cpu_seconds_per_million_messages"`
	IdleRSSMiB       float64 `json:"idle_rss_mib"`
	RSSMiB           float64 `json:"rss_mib"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
	RSSPerViewer     float64 `json:"rss_bytes_per_viewer"`
	AddedPerViewer   float64 `json:"rss_growth_bytes_per_viewer"`
	Flushes          float64 `json:"flushes"`
	FlushedChanges   float64 `json:"flushed_changes"`
	FlushPer10k      float64 `json:"flush_seconds_per_10k_changes"`
	StopSeconds      float64 `json:"stop_seconds"`
	StartupSeconds   float64 `json:"startup_seconds"`
	StartupRSSMiB    float64 `json:"rss_after_startup_mib"`
	StartupKnownView float64 `json:"viewers_known_after_startup"`
	Skipped          string  `json:"skipped,omitempty"`
}

const mib = 1 << 20

// runViewers feeds n distinct chatters to a fresh hearth, waits until the
// store holds every one, reads memory and flush figures, then stops hearth
// and times its start on the database it left.
func runViewers(ctx context.Context, bin, dir, dbURL string, capture []capLine, n int, o options, prefix string, logf func(string, ...any)) (viewersResult, error) {
	res := viewersResult{Viewers: n}
	channels := channelNames(prefix, o.channels)
	fh := buildAudience(capture, n, channels, time.Now())
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		return res, err
	}
	defer srv.Close()
	profile := o.viewersProfile != "" && n == slices.Max(o.viewers)
	var env []string
	if profile {
		env = append(env, "HEARTH_DEBUG_PPROF=true")
	}
	h, err := startHearth(bin, dir, srv.Addr(), dbURL, channels, env...)
	if err != nil {
		return res, err
	}
	running := true
	defer func() {
		if running {
			_ = h.stop()
		}
	}()
	if _, err := h.waitReady(ctx, time.Minute); err != nil {
		return res, err
	}
	for _, ch := range channels {
		if err := srv.WaitJoined(ctx, ch); err != nil {
			return res, err
		}
	}
	st, err := openStore(dbURL)
	if err != nil {
		return res, err
	}
	defer st.close()
	time.Sleep(500 * time.Millisecond)
	idle := h.stats()
	m0, err := h.metrics()
	if err != nil {
		return res, err
	}
	fctx, stopFeeds := context.WithTimeout(ctx, o.viewersTimeout)
	defer stopFeeds()
	start := time.Now()
	var wg sync.WaitGroup
	for _, ch := range channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = srv.Feed(fctx, ch, fh.lines[ch], twitchtest.FeedOptions{CheckpointEvery: 1000})
		}()
	}
	var stored int64
	end := start
	lastLog := start
	for {
		asked := time.Now()
		v, err := st.viewers(ctx, prefix)
		if err != nil {
			return res, err
		}
		// Counting a million rows is work too: poll at most a fifth of
		// the time, so the bench's reads do not slow what they measure.
		pause := max(50*time.Millisecond, 4*time.Since(asked))
		if v != stored {
			stored, end = v, asked
		}
		if profile && v >= int64(n)/2 {
			profile = false
			go func() {
				if err := h.profile(o.viewersProfile, o.profileFor); err != nil {
					logf("  cpu profile: %v", err)
				} else {
					logf("  cpu profile of %s from %d viewers written to %s", o.profileFor, v, o.viewersProfile)
				}
			}()
		}
		if v >= int64(n) || fctx.Err() != nil {
			break
		}
		if time.Since(lastLog) > 30*time.Second {
			lastLog = time.Now()
			logf("  %d of %d viewers stored after %.0f s", v, n, time.Since(start).Seconds())
		}
		time.Sleep(pause)
	}
	stopFeeds()
	wg.Wait()
	res.Reached = stored
	if stored < int64(n) {
		logf("  timed out: %d of %d viewers stored in %s", stored, n, o.viewersTimeout)
	}
	res.FeedSeconds = end.Sub(start).Seconds()
	res.PerSecond = float64(stored) / res.FeedSeconds
	time.Sleep(time.Second)
	after := h.stats()
	m1, err := h.metrics()
	if err != nil {
		return res, err
	}
	res.CPUPerMillion = (after.CPU - idle.CPU).Seconds() / float64(max(stored, 1)) * 1e6
	res.IdleRSSMiB = float64(idle.RSS) / mib
	res.RSSMiB = float64(after.RSS) / mib
	res.PeakRSSMiB = float64(after.PeakRS) / mib
	res.RSSPerViewer = float64(after.RSS) / float64(max(stored, 1))
	res.AddedPerViewer = float64(after.RSS-idle.RSS) / float64(max(stored, 1))
	res.Flushes = m1["hearth_store_flushes_total"] - m0["hearth_store_flushes_total"]
	res.FlushedChanges = m1["hearth_store_flushed_changes_total"] - m0["hearth_store_flushed_changes_total"]
	if res.FlushedChanges > 0 {
		d := m1["hearth_store_flush_duration_seconds_sum"] - m0["hearth_store_flush_duration_seconds_sum"]
		res.FlushPer10k = d / res.FlushedChanges * 1e4
	}
	t := time.Now()
	running = false
	if err := h.stop(); err != nil {
		return res, err
	}
	res.StopSeconds = time.Since(t).Seconds()

	// Start-up with the viewers just stored.
	h, err = startHearth(bin, dir, srv.Addr(), dbURL, channels)
	if err != nil {
		return res, err
	}
	running = true
	up, err := h.waitReady(ctx, 5*time.Minute)
	if err != nil {
		return res, err
	}
	res.StartupSeconds = up.Seconds()
	time.Sleep(500 * time.Millisecond)
	res.StartupRSSMiB = float64(h.stats().RSS) / mib
	if m, err := h.metrics(); err == nil {
		res.StartupKnownView = m["hearth_viewers_known"]
	}
	if stored < int64(n) {
		return res, fmt.Errorf("%d of %d viewers stored within %s", stored, n, o.viewersTimeout)
	}
	return res, nil
}

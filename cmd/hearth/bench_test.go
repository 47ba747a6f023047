package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// BenchmarkPipeline feeds simulated chat (a 5,000-viewer audience with a
// long tail, subs, raids, cheers, moderation and commands) through the
// fake Twitch, go-twitch-irc, the engine with every loyalty rule, and
// SQLite, acknowledged end to end; one op is one line.
func BenchmarkPipeline(b *testing.B) {
	aud := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: 42, Viewers: 5000, Channel: "bench", RoomID: "4242"})
	at := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	var lines []string
	for len(lines) < max(b.N, 1) {
		at = at.Add(50 * time.Millisecond)
		lines = append(lines, aud.Next(at)...)
	}
	lines = lines[:max(b.N, 1)]

	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cfg := defaultConfig()
	cfg.HTTPAddr = ""
	cfg.TwitchIRCTLS = false
	cfg.TwitchIRCAddr = srv.Addr()
	cfg.Channels = []string{"bench"}
	cfg.DatabaseURL = "sqlite://" + b.TempDir() + "/bench.db"
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	m.EventClock = true
	ctx := context.Background()
	if err := m.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer m.Close(ctx)
	if err := srv.WaitJoined(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := srv.Feed(ctx, "bench", lines, twitchtest.FeedOptions{CheckpointEvery: 500}); err != nil {
		b.Fatal(err)
	}
	if err := m.Engine.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(len(lines))/b.Elapsed().Seconds(), "lines/s")
}

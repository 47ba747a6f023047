package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("demo", "demo [flags]", stderr)
	load := configFlags(fs, "http_addr", "database_url", "admin_token", "log_level", "log_format",
		"points.per_message", "points.message_cooldown", "store.flush_interval", "store.flush_size")
	channel := fs.String("channel", "hearthdemo", "name of the simulated channel")
	viewers := fs.Int("viewers", 300, "size of the simulated audience")
	rate := fs.Float64("rate", 8, "simulated chat lines per second")
	seed := fs.Int64("seed", 1, "seed of the simulated audience (same seed, same audience)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo takes no arguments, got %q", fs.Args())
	}
	var cfg Config
	if err := load(&cfg, getenv); err != nil {
		return err
	}
	name := hearth.NormalizeChannel(*channel)
	if name == "" {
		return fmt.Errorf("--channel %q is not a Twitch channel name", *channel)
	}
	if *viewers < 1 || *viewers > 1_000_000 || *rate <= 0 || *rate > 10_000 {
		return fmt.Errorf("--viewers must be 1..1000000 and --rate 0..10000")
	}
	log := newLogger(cfg, stderr)

	srv, err := twitchtest.NewServer(twitchtest.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("fake Twitch: %w", err)
	}
	defer srv.Close()

	if cfg.DatabaseURL == defaultOf("database_url") {
		dir, err := os.MkdirTemp("", "hearth-demo-")
		if err != nil {
			return err
		}
		cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "demo.db")
	}
	cfg.Channels = []string{name}
	cfg.TwitchIRCAddr = srv.Addr()
	cfg.TwitchIRCTLS = false
	cfg.BotUsername = "hearthbot"
	cfg.BotToken = "oauth:demo"

	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	fmt.Fprintf(stdout, "Hearth demo: a fake Twitch chat for #%s with %d simulated viewers (%.0f lines/s)\n", name, *viewers, *rate)
	fmt.Fprintf(stdout, "database %s\n", cfg.DatabaseURL)
	m.PrintURLs(stdout)
	fmt.Fprintln(stdout, "Open an overlay URL in a browser, or add it to OBS as a browser source. Ctrl-C stops.")

	joinCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = srv.WaitJoined(joinCtx, name)
	cancel()
	if err != nil {
		_ = m.Close(context.Background())
		return fmt.Errorf("the chat connection did not join the fake channel: %w", err)
	}
	aud := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: *seed, Viewers: *viewers, Channel: name, RoomID: "900001"})
	audCtx, stopAudience := context.WithCancel(ctx)
	defer stopAudience()
	go func() { _ = aud.Run(audCtx, srv, *rate) }()
	go reportProgress(audCtx, m, log.Info)
	return waitAndClose(ctx, m, log.Info)
}

// reportProgress logs what the demo has counted every 15 seconds.
func reportProgress(ctx context.Context, m *Main, info func(string, ...any)) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, ch := range m.Channels {
				var top []community.Ranked
				err := m.Engine.Do(ctx, ch.Name, func(c *community.Channel) hearth.Batch {
					top = c.Top(1)
					return hearth.Batch{}
				})
				if err != nil || len(top) == 0 {
					continue
				}
				info("demo running", "channel", ch.Name, "top_viewer", top[0].DisplayName, "top_points", top[0].Points)
			}
		}
	}
}

// defaultOf returns a key's default value.
func defaultOf(yamlKey string) string {
	k, _ := keyByYAML(yamlKey)
	return k.def
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// demoCommand registers demo's flags, which shape the simulated audience.
func demoCommand(fs *flag.FlagSet) runFunc {
	var o demoOptions
	fs.StringVar(&o.channel, "channel", "hearthdemo", "name of the simulated channel")
	fs.IntVar(&o.viewers, "viewers", 300, "size of the simulated audience (1 to 1000000)")
	fs.Float64Var(&o.rate, "rate", 8, "simulated chat lines per second (up to 10000)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the simulated audience (same seed, same audience)")
	return func(ctx context.Context, inv *invocation) error { return runDemo(ctx, inv, o) }
}

// demoOptions are demo's own flags.
type demoOptions struct {
	channel string
	viewers int
	rate    float64
	seed    int64
}

func runDemo(ctx context.Context, inv *invocation, o demoOptions) error {
	cfg, stdout := inv.cfg, inv.stdout
	name := hearth.NormalizeChannel(o.channel)
	if name == "" {
		return &usageError{path: "demo", msg: fmt.Sprintf("--channel %q is not a Twitch channel name", o.channel)}
	}
	if o.viewers < 1 || o.viewers > 1_000_000 || o.rate <= 0 || o.rate > 10_000 {
		return &usageError{path: "demo", msg: "--viewers must be 1..1000000 and --rate more than 0 and at most 10000"}
	}
	cfg.Channels = []string{name}
	if err := cfg.checkOverrides(); err != nil {
		return err
	}
	if err := checkDatabase(cfg.DatabaseURL); err != nil {
		return err
	}
	log := inv.logger()

	// Bind first, as serve does: a taken port is an immediate error, with
	// nothing signed in and no file made.
	var ln net.Listener
	if cfg.HTTPAddr != "" {
		var err error
		if ln, err = listen(cfg.HTTPAddr); err != nil {
			return err
		}
		// Main closes it too; closing twice does no harm.
		defer ln.Close()
	}

	srv, err := twitchtest.NewServer(twitchtest.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("fake Twitch: %w", err)
	}
	defer srv.Close()

	temporary := cfg.DatabaseURL == defaultConfig().DatabaseURL
	if temporary {
		dir, err := os.MkdirTemp("", "hearth-demo-")
		if err != nil {
			return err
		}
		// The database and its key go when demo stops; --db keeps them.
		defer func() {
			if err := os.RemoveAll(dir); err != nil {
				log.Warn("demo: cannot remove its temporary directory", "dir", dir, "err", err)
			}
		}()
		cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "demo.db")
	}
	cfg.TwitchIRCAddr = srv.Addr()
	cfg.TwitchIRCTLS = false
	cfg.BotUsername = "hearthbot"
	cfg.BotToken = "oauth:demo"

	// Twitch's HTTP side: Helix (the viewer count, lurkers), OAuth, EventSub.
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{Logger: log})
	if err != nil {
		return fmt.Errorf("fake Twitch API: %w", err)
	}
	defer api.Close()
	aud := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: o.seed, Viewers: o.viewers, Channel: name, RoomID: twitchtest.UserID(name)})
	demoHelix(api, &cfg, aud)
	if err := demoEventSub(ctx, api, &cfg, name, log); err != nil {
		return fmt.Errorf("fake EventSub: %w", err)
	}
	if err := demoSignInBot(ctx, api, &cfg, log); err != nil {
		return fmt.Errorf("fake sign-in: %w", err)
	}
	followers := slices.DeleteFunc(aud.Viewers(), func(c twitchtest.Chatter) bool { return c.Login == name })

	m := NewMain(cfg, log)
	m.ln = ln
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	fmt.Fprintf(stdout, "Hearth demo: a fake Twitch chat for #%s with %d simulated viewers (%.0f lines/s)\n", name, o.viewers, o.rate)
	if temporary {
		fmt.Fprintf(stdout, "database %s (removed when demo stops; --db FILE keeps one)\n", redact.URL(cfg.DatabaseURL))
	} else {
		fmt.Fprintf(stdout, "database %s\n", redact.URL(cfg.DatabaseURL))
	}
	m.PrintURLs(stdout)
	if err := demoConsoleLink(ctx, m, name, stdout); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	fmt.Fprintln(stdout, "Open an overlay URL in a browser, or add it to OBS as a browser source. Ctrl-C stops.")

	joinCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = srv.WaitJoined(joinCtx, name)
	cancel()
	if err != nil {
		_ = m.Close(context.Background())
		return fmt.Errorf("the chat connection did not join the fake channel: %w", err)
	}
	audCtx, stopAudience := context.WithCancel(ctx)
	defer stopAudience()
	go func() { _ = aud.Run(audCtx, srv, o.rate) }()
	go api.EmitAudienceEvents(audCtx, name, followers, 4*time.Second, o.seed)
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
				b, err := m.Engine.Leaderboard(ctx, ch.Name, 1)
				if err != nil || len(b.Entries) == 0 {
					continue
				}
				top := b.Entries[0]
				info("demo running", "channel", ch.Name, "top_viewer", top.DisplayName, "top_points", top.Points)
			}
		}
	}
}

// demoConsoleLink prints a one-time link that signs the visitor in to the
// console as the demo's broadcaster, on the channel's overview. The
// broadcaster id is recorded first, so the link's session is the
// broadcaster's without waiting for Helix to look it up.
func demoConsoleLink(ctx context.Context, m *Main, channel string, w io.Writer) error {
	if m.HTTPAddr == "" {
		return nil
	}
	id := twitchtest.UserID(channel)
	if err := m.Store.SetBroadcasterID(ctx, channel, id); err != nil {
		return err
	}
	link, err := m.ConsoleLink(channel, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "console %-12s %s\n", "broadcaster", link)
	fmt.Fprintf(w, "The console link signs you in as #%s's broadcaster: once, within %s.\n", channel, consoleLinkTTL)
	return nil
}

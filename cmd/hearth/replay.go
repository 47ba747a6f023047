package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
	dto "github.com/prometheus/client_model/go"
)

// maxReplayLine bounds one line of a recorded log; Twitch's own lines are
// under 10 KiB.
const maxReplayLine = 1 << 20

// ReplaySummary is what `hearth replay --json` prints.
type ReplaySummary struct {
	Lines    int                    `json:"lines"`
	Skipped  int                    `json:"skipped_lines"`
	Resent   int                    `json:"resent_lines"`
	Seconds  float64                `json:"seconds"`
	Channels []ReplayChannelSummary `json:"channels"`
}

// ReplayChannelSummary is one channel's figures after a replay, read back
// from the store and from the metrics.
type ReplayChannelSummary struct {
	Channel         string         `json:"channel"`
	Lines           int            `json:"lines"`
	Chatters        int            `json:"chatters"`
	Messages        int64          `json:"messages"`
	Viewers         int            `json:"viewers"`
	Points          int64          `json:"points"`
	MetricsMessages float64        `json:"metrics_chat_messages_total"`
	Events          map[string]int `json:"events"`
	Duplicates      float64        `json:"duplicates"`
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("replay", "replay [flags] FILE   (a raw Twitch IRC log, one line per message, plain or gzip)", stderr)
	load := configFlags(fs, "database_url", "log_level", "log_format", "points.per_message", "points.message_cooldown", "store.flush_interval", "store.flush_size")
	speed := fs.String("speed", "max", `"max" for as fast as possible, or a factor of real time from tmi-sent-ts (1 = real time, 10 = ten times faster)`)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	httpAddr := fs.String("http-addr", "", "also serve overlays and /metrics on this address while replaying (default: no HTTP server)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("replay needs exactly one FILE, got %d arguments", fs.NArg())
	}
	factor, err := parseSpeed(*speed)
	if err != nil {
		return err
	}
	var cfg Config
	if err := load(&cfg, getenv); err != nil {
		return err
	}
	cfg.HTTPAddr = *httpAddr
	log := newLogger(cfg, stderr)

	byChannel, order, skipped, err := readLog(fs.Arg(0))
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("%s has no channel messages to replay", fs.Arg(0))
	}

	srv, err := twitchtest.NewServer(twitchtest.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("fake Twitch: %w", err)
	}
	defer srv.Close()
	cfg.Channels = order
	cfg.TwitchIRCAddr = srv.Addr()
	cfg.TwitchIRCTLS = false
	cfg.BotUsername, cfg.BotToken = "", ""

	m := NewMain(cfg, log)
	m.EventClock = true
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	m.PrintURLs(stderr)

	start := time.Now()
	summary := ReplaySummary{Skipped: skipped}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(order))
	for _, ch := range order {
		lines := byChannel[ch]
		summary.Lines += len(lines)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.WaitJoined(ctx, ch); err != nil {
				errs <- fmt.Errorf("#%s: chat never joined: %w", ch, err)
				return
			}
			last := time.Now()
			res, err := srv.Feed(ctx, ch, lines, twitchtest.FeedOptions{
				Speed: factor,
				OnProgress: func(acked int) {
					if time.Since(last) > 2*time.Second {
						last = time.Now()
						log.Info("replaying", "channel", ch, "lines", acked, "of", len(lines))
					}
				},
			})
			if err != nil {
				errs <- fmt.Errorf("#%s: %w", ch, err)
				return
			}
			mu.Lock()
			summary.Resent += res.Resent
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		_ = m.Close(context.Background())
		return err
	}
	if err := m.Engine.Sync(ctx); err != nil {
		_ = m.Close(context.Background())
		return fmt.Errorf("replay: writing results: %w", err)
	}
	summary.Seconds = time.Since(start).Seconds()
	for _, ch := range order {
		cs, err := channelSummary(ctx, m, ch)
		if err != nil {
			_ = m.Close(context.Background())
			return err
		}
		cs.Lines = len(byChannel[ch])
		summary.Channels = append(summary.Channels, cs)
	}
	if err := m.Close(ctx); err != nil {
		return err
	}
	return printSummary(stdout, summary, *asJSON)
}

func parseSpeed(s string) (float64, error) {
	if s == "max" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e6 {
		return 0, fmt.Errorf(`--speed must be "max" or a positive factor such as 1 or 10, got %q`, s)
	}
	return f, nil
}

// readLog reads a recorded log (gzip detected by its magic bytes) and
// groups its lines by channel, keeping the order in which channels first
// appear. Lines with no channel (PING, numerics) are skipped and counted.
func readLog(path string) (map[string][]string, []string, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("replay: %s looks gzipped but is not readable: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxReplayLine)
	byChannel := make(map[string][]string)
	var order []string
	skipped := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r\n")
		ch := channelOf(line)
		if ch == "" {
			skipped++
			continue
		}
		if _, seen := byChannel[ch]; !seen {
			order = append(order, ch)
		}
		byChannel[ch] = append(byChannel[ch], line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, 0, fmt.Errorf("replay: reading %s: %w", path, err)
	}
	return byChannel, order, skipped, nil
}

// channelOf returns the channel of a raw IRC line: the first parameter
// after the command when it starts with '#'.
func channelOf(line string) string {
	fields := strings.Fields(line)
	i := 0
	if i < len(fields) && strings.HasPrefix(fields[i], "@") {
		i++
	}
	if i < len(fields) && strings.HasPrefix(fields[i], ":") {
		i++
	}
	if i+1 >= len(fields) || !strings.HasPrefix(fields[i+1], "#") {
		return ""
	}
	return hearth.NormalizeChannel(fields[i+1])
}

func channelSummary(ctx context.Context, m *Main, ch string) (ReplayChannelSummary, error) {
	vs, err := m.Store.Viewers(ctx, ch)
	if err != nil {
		return ReplayChannelSummary{}, fmt.Errorf("replay: reading #%s back: %w", ch, err)
	}
	cs := ReplayChannelSummary{Channel: ch, Viewers: len(vs), Events: map[string]int{}}
	for _, v := range vs {
		if v.Messages > 0 {
			cs.Chatters++
		}
		cs.Messages += v.Messages
		cs.Points += v.Points
	}
	families, err := m.registry.Gather()
	if err != nil {
		return cs, err
	}
	for _, mf := range families {
		for _, metric := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["channel"] != ch || mf.GetType() != dto.MetricType_COUNTER {
				continue
			}
			v := metric.GetCounter().GetValue()
			switch mf.GetName() {
			case "hearth_chat_messages_total":
				cs.MetricsMessages = v
			case "hearth_events_duplicate_total":
				cs.Duplicates = v
			case "hearth_events_total":
				if v > 0 {
					cs.Events[labels["kind"]] = int(v)
				}
			}
		}
	}
	return cs, nil
}

func printSummary(w io.Writer, s ReplaySummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(w, "replayed %d lines in %.2fs (%.0f lines/s); %d lines without a channel skipped; %d lines re-sent after reconnects\n",
		s.Lines, s.Seconds, float64(s.Lines)/max(s.Seconds, 1e-9), s.Skipped, s.Resent)
	for _, c := range s.Channels {
		fmt.Fprintf(w, "#%s: %d chat messages from %d chatters (%d viewers known), %d points awarded; hearth_chat_messages_total=%.0f; duplicates dropped %.0f\n",
			c.Channel, c.Messages, c.Chatters, c.Viewers, c.Points, c.MetricsMessages, c.Duplicates)
		kinds := make([]string, 0, len(c.Events))
		for k := range c.Events {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(w, "  %-16s %d\n", k, c.Events[k])
		}
	}
	return nil
}

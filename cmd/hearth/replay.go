package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/stream/irc"
	"github.com/hearthlive/hearth/stream/twitchtest"
	dto "github.com/prometheus/client_model/go"
)

// maxReplayLine bounds one line of a recorded log; Twitch's own lines are
// under 10 KiB.
const maxReplayLine = 1 << 20

// ReplaySummary is what `hearth replay --json` prints.
type ReplaySummary struct {
	// Database is where the replay wrote, its password hidden.
	Database string                 `json:"database"`
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

// replayCommand registers replay's own flags.
func replayCommand(fs *flag.FlagSet) runFunc {
	var o replayOptions
	fs.StringVar(&o.db, "db", "", "the database to replay into: sqlite:///path/file.db, a plain file path, or a postgres:// URL (default: a fresh temporary SQLite file)")
	fs.BoolVar(&o.append, "append", false, "replay into a --db that already holds data for a replayed channel, adding to it")
	fs.StringVar(&o.speed, "speed", "max", `"max" for as fast as possible, or a factor of real time from tmi-sent-ts (1 = real time, 10 = ten times faster)`)
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON")
	fs.StringVar(&o.httpAddr, "http-addr", "", "also serve overlays and /metrics on this address while replaying (default: no HTTP server)")
	return func(ctx context.Context, inv *invocation) error { return runReplay(ctx, inv, o) }
}

// replayOptions are replay's own flags.
type replayOptions struct {
	db, speed, httpAddr string
	append, json        bool
}

func runReplay(ctx context.Context, inv *invocation, o replayOptions) error {
	factor, err := parseSpeed(o.speed)
	if err != nil {
		return &usageError{path: "replay", msg: err.Error()}
	}
	cfg := inv.cfg
	cfg.HTTPAddr = o.httpAddr
	log := inv.logger()
	file := inv.args[0]

	byChannel, order, skipped, damage, err := readLog(file)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		if damage != nil {
			return damage
		}
		return fmt.Errorf("%s has no channel messages to replay", file)
	}
	if damage != nil {
		log.Warn("replay: the file is damaged; replaying the lines before the damage", "err", damage)
	}
	if o.db == "" {
		dir, err := os.MkdirTemp("", "hearth-replay-")
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		cfg.DatabaseURL = "sqlite://" + filepath.Join(dir, "replay.db")
	} else {
		cfg.DatabaseURL = o.db
		if err := refuseToCountTwice(ctx, cfg.DatabaseURL, order, o.append); err != nil {
			return err
		}
	}
	fmt.Fprintf(inv.stderr, "replay database: %s\n", redact.URL(cfg.DatabaseURL))

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
	m.NoNewKey = true
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	m.PrintURLs(inv.stderr)

	start := time.Now()
	summary := ReplaySummary{Database: redact.URL(cfg.DatabaseURL), Skipped: skipped}
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
	// The recording stops while the streams it showed are live: each ends
	// at the time of its channel's last line.
	for _, ch := range order {
		if err := m.Engine.EndStream(ctx, ch, lastSent(byChannel[ch])); err != nil {
			_ = m.Close(context.Background())
			return fmt.Errorf("replay: ending #%s's stream: %w", ch, err)
		}
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
	if err := printSummary(inv.stdout, summary, o.json); err != nil {
		return err
	}
	// The lines before the damage are replayed and written; the replay
	// still fails, so a script sees the file was not whole.
	return damage
}

// refuseToCountTwice refuses a database that already holds viewers of a
// channel about to be replayed, unless appending was asked for: the same
// log replayed twice would count every message twice.
func refuseToCountTwice(ctx context.Context, dbURL string, channels []string, appending bool) error {
	if appending {
		return nil
	}
	db, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, ch := range channels {
		vs, err := db.Viewers(ctx, ch)
		if err != nil {
			return fmt.Errorf("replay: reading #%s: %w", ch, err)
		}
		var messages int64
		for _, v := range vs {
			messages += v.Messages
		}
		if len(vs) > 0 {
			return fmt.Errorf("%s already holds #%s (%d viewers, %d chat messages); replaying into it would count again what it holds. "+
				"Pass --append to add to it, or leave out --db to replay into a fresh temporary database", redact.URL(dbURL), ch, len(vs), messages)
		}
	}
	return nil
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
// A file that breaks part way (a gzip cut short or corrupt, a read error)
// gives the whole lines before the break, and damage says where it broke;
// err is for a file that cannot be read at all.
func readLog(path string) (byChannel map[string][]string, order []string, skipped int, damage, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, 0, nil, fmt.Errorf("replay: %s looks gzipped but is not readable: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	src := &breakReader{r: r}
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64<<10), maxReplayLine)
	byChannel = make(map[string][]string)
	add := func(line string) {
		line = strings.TrimRight(line, "\r\n")
		ch := irc.Channel(line)
		if ch == "" {
			skipped++
			return
		}
		if _, seen := byChannel[ch]; !seen {
			order = append(order, ch)
		}
		byChannel[ch] = append(byChannel[ch], line)
	}
	// Each line is kept once the next one is read: the last one read may
	// be the start of a line that a break cut off.
	n := 0
	var prev string
	for sc.Scan() {
		if n > 0 {
			add(prev)
		}
		prev = sc.Text()
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, nil, 0, nil, fmt.Errorf("replay: reading %s: %w", path, err)
	}
	switch {
	case src.err == nil:
		if n > 0 {
			add(prev)
		}
	case src.last == '\n' && n > 0:
		add(prev) // the break came right after a whole line
		n++
		fallthrough
	default:
		damage = fmt.Errorf("replay: %s is damaged at line %d (%w); the %d lines before it were read", path, max(n, 1), src.err, max(n, 1)-1)
	}
	return byChannel, order, skipped, damage, nil
}

// breakReader reads r and ends at r's first error as at its end, keeping
// the error, so that the lines before a break are read.
type breakReader struct {
	r    io.Reader
	err  error
	last byte // the last byte read
}

func (b *breakReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.last = p[n-1]
	}
	if err != nil && err != io.EOF {
		b.err = err
		return n, io.EOF
	}
	return n, err
}

// lastSent returns the time of the last of lines that carries one (its
// tmi-sent-ts tag), or the zero time when none does.
func lastSent(lines []string) time.Time {
	for i := len(lines) - 1; i >= 0; i-- {
		tags, ok := strings.CutPrefix(lines[i], "@")
		if !ok {
			continue
		}
		tags, _, _ = strings.Cut(tags, " ")
		for _, kv := range strings.Split(tags, ";") {
			if v, ok := strings.CutPrefix(kv, "tmi-sent-ts="); ok {
				if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
					return time.UnixMilli(ms)
				}
			}
		}
	}
	return time.Time{}
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

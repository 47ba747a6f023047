package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/report"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// captureTruth is what the real capture holds, computed here straight
// from the raw lines with nothing of Hearth's code: per user id, chat
// messages, the points and watch time the default rules give, and every
// user id seen in a chat message or a sub notice.
type captureTruth struct {
	messages map[string]int64
	points   map[string]int64
	watch    map[string]int64
	users    map[string]bool
}

var (
	tagUserID   = regexp.MustCompile(`(?:^@|;)user-id=(\d+)(?:;|\s)`)
	tagSentTS   = regexp.MustCompile(`(?:^@|;)tmi-sent-ts=(\d+)(?:;|\s)`)
	tagLogin    = regexp.MustCompile(`^@\S*?;?login=([a-z0-9_]+)`)
	tagTarget   = regexp.MustCompile(`(?:^@|;)target-user-id=(\d+)(?:;|\s)`)
	tagDuration = regexp.MustCompile(`(?:^@|;)ban-duration=(\d+)(?:;|\s)`)
	tagBits     = regexp.MustCompile(`(?:^@|;)bits=(\d+)(?:;|\s)`)
	tagMsgID    = regexp.MustCompile(`(?:^@|;)msg-id=([a-z]+)(?:;|\s)`)
	privmsgFrom = regexp.MustCompile(` :([a-z0-9_]+)![^ ]* PRIVMSG #[a-z0-9_]+ :(.*)$`)
)

// simulated is one viewer in captureTruth's own model of the rules.
type simulated struct {
	login                  string
	messages, points       int64
	watch                  int64
	lastEarned, lastChat   int64 // ms; -1 never
	lastText               string
	lastTextAt, mutedUntil int64
	banned, present        bool
}

// computeCaptureTruth applies Hearth's default rules, as the README states
// them, to the raw capture: 10 points per message with a 30 s cooldown, no
// points for a repeat of the viewer's previous text within 5 min or for a
// command, 50 for a first message, 50 per 100 bits, 500 for a sub or
// resub, nothing while timed out or banned, nothing for bots or the
// broadcaster. With no online/offline from Twitch the stream starts at the
// first message; every minute after it each viewer who chatted in the last
// 10 minutes gains a minute of watch time, and every 5th minute 5 points.
// Timeouts and presence are timed on the channel's clock: the latest time
// of the lines so far.
func computeCaptureTruth(t *testing.T) captureTruth {
	t.Helper()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	const minute = 60_000
	bots := map[string]bool{"xqcow": true, "fossabot": true, "nightbot": true, "streamelements": true}
	vs := map[string]*simulated{}
	get := func(id, login string) *simulated {
		v, ok := vs[id]
		if !ok {
			v = &simulated{login: login, lastEarned: -1, lastChat: -1}
			vs[id] = v
		}
		return v
	}
	earns := func(v *simulated, at int64) bool { return !bots[v.login] && !v.banned && at >= v.mutedUntil }
	var clock, nextTick, ticks int64
	live := false
	advance := func(now int64) {
		if now <= clock {
			return
		}
		clock = now
		for live && nextTick <= now {
			ticks++
			for _, v := range vs {
				if !v.present {
					continue
				}
				if nextTick-v.lastChat >= 10*minute {
					v.present = false
					continue
				}
				if bots[v.login] || v.banned {
					continue
				}
				v.watch += 60
				if ticks%5 == 0 && earns(v, nextTick) {
					v.points += 5
				}
			}
			nextTick += minute
		}
	}
	for _, line := range lines {
		parts := strings.SplitN(line, " ", 4)
		ts, _ := strconv.ParseInt(tagSentTS.FindStringSubmatch(line)[1], 10, 64)
		advance(ts)
		switch parts[2] {
		case "PRIVMSG":
			m := privmsgFrom.FindStringSubmatch(line)
			login, text := m[1], m[2]
			if strings.HasPrefix(text, "\x01ACTION ") {
				text = strings.TrimSuffix(strings.TrimPrefix(text, "\x01ACTION "), "\x01")
			}
			v := get(tagUserID.FindStringSubmatch(line)[1], login)
			first := v.messages == 0
			v.banned = false
			if !live {
				live, nextTick = true, ts+minute
			}
			v.messages++
			v.lastChat = clock // presence is timed on the channel's clock, the latest line's time
			if !bots[login] {
				v.present = true
			}
			if earns(v, clock) {
				norm := strings.Join(strings.Fields(strings.ToLower(text)), " ")
				trimmed := strings.TrimLeft(text, " ")
				command := len(trimmed) > 1 && trimmed[0] == '!' && (trimmed[1] == '#' || unicode.IsLetter([]rune(trimmed[1:])[0]))
				repeat := norm != "" && norm == v.lastText && ts-v.lastTextAt < 5*minute
				if !command && !repeat && (v.lastEarned < 0 || ts-v.lastEarned >= 30_000) {
					v.points += 10
					v.lastEarned = ts
				}
				if first {
					v.points += 50
				}
				if b := tagBits.FindStringSubmatch(line); b != nil {
					n, _ := strconv.Atoi(b[1])
					v.points += int64(n/100) * 50
				}
			}
			v.lastText = strings.Join(strings.Fields(strings.ToLower(text)), " ")
			v.lastTextAt = ts
		case "USERNOTICE":
			kind := tagMsgID.FindStringSubmatch(line)[1]
			v := get(tagUserID.FindStringSubmatch(line)[1], tagLogin.FindStringSubmatch(line)[1])
			if (kind == "sub" || kind == "resub") && earns(v, clock) {
				v.points += 500
			}
		case "CLEARCHAT":
			target := tagTarget.FindStringSubmatch(line)
			if target == nil {
				continue
			}
			v, ok := vs[target[1]]
			if !ok {
				continue
			}
			if d := tagDuration.FindStringSubmatch(line); d != nil {
				secs, _ := strconv.ParseInt(d[1], 10, 64)
				v.mutedUntil = max(v.mutedUntil, clock+secs*1000)
			} else {
				v.banned = true
			}
		}
	}
	truth := captureTruth{messages: map[string]int64{}, points: map[string]int64{}, watch: map[string]int64{}, users: map[string]bool{}}
	for id, v := range vs {
		truth.users[id] = true
		truth.messages[id] = v.messages
		truth.points[id] = v.points
		truth.watch[id] = v.watch
	}
	return truth
}

// TestReplayRealCapture replays 5,000 lines of real Twitch chat through the
// real binary, then exports, and checks every figure against the raw file.
func TestReplayRealCapture(t *testing.T) {
	t.Parallel()
	path, err := twitchtest.CapturePath()
	if err != nil {
		t.Fatal(err)
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "replay.db")
	out := runHearth(t, nil, "replay", "--speed", "max", "--db", db, "--json", path)
	var s ReplaySummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out)
	}
	truth := computeCaptureTruth(t)

	if s.Lines != twitchtest.CaptureLinesTotal || len(s.Channels) != 1 {
		t.Fatalf("summary: %+v", s)
	}
	c := s.Channels[0]
	if c.Channel != twitchtest.CaptureChannel || c.Chatters != twitchtest.CaptureChatters || c.Messages != twitchtest.CapturePrivmsgs || c.MetricsMessages != twitchtest.CapturePrivmsgs {
		t.Fatalf("channel summary: %+v", c)
	}
	if c.Viewers != len(truth.users) {
		t.Fatalf("viewers known %d, want %d (chatters plus subscribers who never chat)", c.Viewers, len(truth.users))
	}
	if c.Events["sub"] != 1 || c.Events["resub"] != 8 || c.Events["timeout"]+c.Events["ban"] != 58 || c.Events["chat"] != twitchtest.CapturePrivmsgs {
		t.Fatalf("events by kind: %v", c.Events)
	}

	var recs []export.Record
	if err := json.Unmarshal([]byte(runHearth(t, nil, "export", "--db", db, "--channel", "xqcow", "--format", "json")), &recs); err != nil {
		t.Fatal(err)
	}
	var chatters int
	var messages, points int64
	for _, r := range recs {
		if r.Messages > 0 {
			chatters++
		}
		messages += r.Messages
		points += r.Points
		if r.Messages != truth.messages[r.UserID] {
			t.Errorf("%s: %d messages, raw file says %d", r.Login, r.Messages, truth.messages[r.UserID])
		}
		if r.Points != truth.points[r.UserID] || r.LifetimePoints != r.Points {
			t.Errorf("%s: %d points (lifetime %d), rules applied to the raw file give %d", r.Login, r.Points, r.LifetimePoints, truth.points[r.UserID])
		}
		if r.WatchMinutes != truth.watch[r.UserID]/60 {
			t.Errorf("%s: watched %d min, rules applied to the raw file give %d", r.Login, r.WatchMinutes, truth.watch[r.UserID]/60)
		}
		if want := rankFor(truth.points[r.UserID]); r.Rank != want {
			t.Errorf("%s: rank %q, the default ladder gives %q for %d points", r.Login, r.Rank, want, truth.points[r.UserID])
		}
	}
	if chatters != twitchtest.CaptureChatters || messages != twitchtest.CapturePrivmsgs || len(recs) != len(truth.users) || points != c.Points {
		t.Fatalf("export: %d records, %d chatters, %d messages, %d points (summary %d)", len(recs), chatters, messages, points, c.Points)
	}

	rows, err := csv.NewReader(strings.NewReader(runHearth(t, nil, "export", "--db", db, "--channel", "xqcow", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 || strings.Join(rows[0], ",") != "user_id,login,display_name,messages,points,lifetime_points,rank,watch_minutes,streak,longest_streak,first_seen,last_seen,position" {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
}

// rankFor is the README's default ladder.
func rankFor(points int64) string {
	switch {
	case points >= 50_000:
		return "Legend"
	case points >= 10_000:
		return "Hero"
	case points >= 2_000:
		return "Devoted"
	case points >= 500:
		return "Regular"
	default:
		return "Newcomer"
	}
}

// TestReplaySurvivesReconnectAndDrop feeds the capture while the fake
// Twitch first asks the bot to RECONNECT and later cuts the connection
// without warning; every message must still be counted exactly once.
func TestReplaySurvivesReconnectAndDrop(t *testing.T) {
	t.Parallel()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	srv := newChatServer(t)

	cfg := testConfig(t)
	cfg.Channels = []string{"xqcow"}
	cfg.TwitchIRCAddr = srv.Addr()
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	if err := srv.WaitJoined(ctx, "xqcow"); err != nil {
		t.Fatal(err)
	}

	var reconnected, dropped bool
	res, err := srv.Feed(ctx, "xqcow", lines, twitchtest.FeedOptions{
		CheckpointEvery: 50,
		OnProgress: func(acked int) {
			if acked >= 1500 && !reconnected {
				reconnected = true
				go srv.Reconnect()
			}
			if acked >= 3500 && !dropped {
				dropped = true
				go srv.Drop()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reconnected || !dropped || srv.Connections() < 3 {
		t.Fatalf("reconnected=%v dropped=%v connections=%d: the disruptions did not happen", reconnected, dropped, srv.Connections())
	}
	if err := m.Engine.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	vs, err := m.Store.Viewers(ctx, "xqcow")
	if err != nil {
		t.Fatal(err)
	}
	var chatters int
	var messages int64
	for _, v := range vs {
		if v.Messages > 0 {
			chatters++
		}
		messages += v.Messages
	}
	if chatters != twitchtest.CaptureChatters || messages != twitchtest.CapturePrivmsgs {
		t.Fatalf("after a RECONNECT and a drop: %d chatters, %d messages; want %d and %d (resent %d lines)", chatters, messages, twitchtest.CaptureChatters, twitchtest.CapturePrivmsgs, res.Resent)
	}
	t.Logf("connections %d, lines re-sent %d", srv.Connections(), res.Resent)
}

// testConfig is the default configuration with a temporary database and
// no HTTP server.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := defaultConfig()
	cfg.HTTPAddr = ""
	cfg.TwitchIRCTLS = false
	cfg.DatabaseURL = "sqlite://" + filepath.Join(t.TempDir(), "hearth.db")
	return cfg
}

// TestReplayRefusesToCountTwice replays the same log twice into one
// database: the second run is refused, unless --append asks to add.
func TestReplayRefusesToCountTwice(t *testing.T) {
	t.Parallel()
	file := captureFile(t, 300)
	db := "sqlite://" + filepath.Join(t.TempDir(), "twice.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	replay := func(extra ...string) (ReplaySummary, error) {
		out, _, err := runCLI(t, ctx, nil, append([]string{"replay", file, "--db", db, "--json"}, extra...)...)
		var s ReplaySummary
		if err == nil {
			if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Channels) != 1 {
				t.Fatalf("summary: %v\n%s", err, out)
			}
		}
		return s, err
	}
	first, err := replay()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay(); err == nil || !strings.Contains(err.Error(), "already holds #xqcow") || !strings.Contains(err.Error(), "--append") {
		t.Fatalf("second replay into the same database: %v, want a refusal that mentions --append", err)
	}
	again, err := replay("--append")
	if err != nil {
		t.Fatal(err)
	}
	if again.Channels[0].Messages <= first.Channels[0].Messages {
		t.Fatalf("--append: %d messages after, %d before; want more", again.Channels[0].Messages, first.Channels[0].Messages)
	}
}

// TestReplayDefaultsToAFreshDatabase replays twice without --db: each run
// writes to its own temporary database, says where, and leaves the working
// directory alone.
func TestReplayDefaultsToAFreshDatabase(t *testing.T) {
	file := captureFile(t, 300)
	dir := t.TempDir()
	t.Chdir(dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var dbs []string
	var messages []int64
	for range 2 {
		out, errOut, err := runCLI(t, ctx, nil, "replay", file, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var s ReplaySummary
		if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Channels) != 1 {
			t.Fatalf("summary: %v\n%s", err, out)
		}
		path := sqlitePath(s.Database)
		if _, err := os.Stat(path); err != nil || !strings.Contains(errOut, "replay database: "+s.Database) {
			t.Fatalf("database %q: %v; stderr:\n%s", s.Database, err, errOut)
		}
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(path)) })
		dbs = append(dbs, s.Database)
		messages = append(messages, s.Channels[0].Messages)
	}
	if dbs[0] == dbs[1] || messages[0] != messages[1] || messages[0] == 0 {
		t.Fatalf("two replays: databases %v, messages %v; want two fresh databases with the same count", dbs, messages)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("replay wrote into the working directory: %v", entries)
	}
}

// TestReplayEndsItsStreams replays part of the capture: the stream the
// replay inferred from chat ends at the time of the recording's last line,
// so the report shows it ended, as long as the recording, rather than
// live since 2019.
func TestReplayEndsItsStreams(t *testing.T) {
	const n = 300
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := strconv.ParseInt(tagSentTS.FindStringSubmatch(lines[n-1])[1], 10, 64)
	last := time.UnixMilli(ms)
	db := "sqlite://" + filepath.Join(t.TempDir(), "ended.db")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := runCLI(t, ctx, nil, "replay", captureFile(t, n), "--db", db, "--json"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, ctx, nil, "report", "--db", db, "--channel", "xqcow", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r report.Recap
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if r.Live || !r.EndedAt.Equal(last) || r.DurationSeconds != int64(last.Sub(r.StartedAt)/time.Second) || r.DurationSeconds > 600 {
		t.Fatalf("stream %d: live=%v from %v to %v (%d s), want it ended at the last line's %v", r.Seq, r.Live, r.StartedAt, r.EndedAt, r.DurationSeconds, last)
	}
}

// TestReplayDamagedGzip replays a gzipped log cut in half: the lines
// before the damage are replayed and written, then replay fails, naming
// the line where the file broke.
func TestReplayDamagedGzip(t *testing.T) {
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	if _, err := w.Write([]byte(strings.Join(lines[:2000], "\n") + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	cut := gz.Bytes()[:gz.Len()/2]
	path := filepath.Join(t.TempDir(), "cut.log.gz")
	if err := os.WriteFile(path, cut, 0o600); err != nil {
		t.Fatal(err)
	}
	// What a reader gets out of the cut file: whole lines, then part of one.
	zr, err := gzip.NewReader(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	whole := bytes.Count(got, []byte("\n"))
	if whole < 100 || whole >= 2000 {
		t.Fatalf("the cut file holds %d whole lines; the test needs it cut inside the log", whole)
	}
	var privmsgs int64
	for _, l := range lines[:whole] {
		if strings.Contains(l, " PRIVMSG #") {
			privmsgs++
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, _, err := runCLI(t, ctx, nil, "replay", path, "--json")
	want := fmt.Sprintf("line %d", whole+1)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
		t.Fatalf("replay of a cut gzip: %v, want an error naming %s and %s", err, path, want)
	}
	var s ReplaySummary
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Channels) != 1 {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(sqlitePath(s.Database))) })
	if s.Lines != whole || s.Channels[0].Messages != privmsgs {
		t.Fatalf("replayed %d lines and %d messages, want the %d whole lines before the damage and their %d messages", s.Lines, s.Channels[0].Messages, whole, privmsgs)
	}
}

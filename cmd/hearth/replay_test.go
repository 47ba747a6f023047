package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// captureTruth is what the real capture holds, computed here straight
// from the raw lines with nothing of Hearth's code: chat messages per user
// id, the points the default rules give each user, and every user id seen
// in a chat message or a sub notice.
type captureTruth struct {
	messages map[string]int64
	points   map[string]int64
	users    map[string]bool
}

var (
	tagUserID = regexp.MustCompile(`(?:^@|;)user-id=(\d+)(?:;|\s)`)
	tagSentTS = regexp.MustCompile(`(?:^@|;)tmi-sent-ts=(\d+)(?:;|\s)`)
)

func computeCaptureTruth(t *testing.T, perMessage int64, cooldown time.Duration) captureTruth {
	t.Helper()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	truth := captureTruth{messages: map[string]int64{}, points: map[string]int64{}, users: map[string]bool{}}
	lastEarned := map[string]int64{}
	for _, line := range lines {
		parts := strings.SplitN(line, " ", 4)
		if len(parts) < 3 {
			continue
		}
		switch parts[2] {
		case "PRIVMSG":
			id := tagUserID.FindStringSubmatch(line)[1]
			ts, _ := strconv.ParseInt(tagSentTS.FindStringSubmatch(line)[1], 10, 64)
			truth.users[id] = true
			truth.messages[id]++
			if last, ok := lastEarned[id]; !ok || ts-last >= cooldown.Milliseconds() {
				truth.points[id] += perMessage
				lastEarned[id] = ts
			}
		case "USERNOTICE":
			truth.users[tagUserID.FindStringSubmatch(line)[1]] = true
		}
	}
	return truth
}

// TestReplayRealCapture replays 5,000 lines of real Twitch chat through the
// real binary, then exports, and checks every figure against the raw file.
func TestReplayRealCapture(t *testing.T) {
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
	truth := computeCaptureTruth(t, 10, 30*time.Second)

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
		if r.Points != truth.points[r.UserID] {
			t.Errorf("%s: %d points, rules applied to the raw file give %d", r.Login, r.Points, truth.points[r.UserID])
		}
	}
	if chatters != twitchtest.CaptureChatters || messages != twitchtest.CapturePrivmsgs || len(recs) != len(truth.users) || points != c.Points {
		t.Fatalf("export: %d records, %d chatters, %d messages, %d points (summary %d)", len(recs), chatters, messages, points, c.Points)
	}

	rows, err := csv.NewReader(strings.NewReader(runHearth(t, nil, "export", "--db", db, "--channel", "xqcow", "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 || strings.Join(rows[0], ",") != "user_id,login,display_name,messages,points,first_seen,last_seen" {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
}

// TestReplaySurvivesReconnectAndDrop feeds the capture while the fake
// Twitch first asks the bot to RECONNECT and later cuts the connection
// without warning; every message must still be counted exactly once.
func TestReplaySurvivesReconnectAndDrop(t *testing.T) {
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

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
	var cfg Config
	for _, k := range configKeys {
		if err := k.set(&cfg, k.def); err != nil {
			t.Fatal(err)
		}
	}
	cfg.HTTPAddr = ""
	cfg.TwitchIRCTLS = false
	cfg.DatabaseURL = "sqlite://" + filepath.Join(t.TempDir(), "hearth.db")
	return cfg
}

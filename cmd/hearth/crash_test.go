package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
	_ "modernc.org/sqlite"
)

// TestKillNineAndRestart kills hearth with SIGKILL in the middle of a chat
// burst, then restarts it on the same database: at most the last flush
// interval is lost, the database is intact and every row consistent, and
// after the restart nothing is counted twice.
func TestKillNineAndRestart(t *testing.T) {
	const interval = 200 * time.Millisecond
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	db := "sqlite://" + dbPath
	a := startArena(t, db, map[string]string{
		"HEARTH_STORE_FLUSH_INTERVAL":       interval.String(),
		"HEARTH_POINTS_MESSAGE_COOLDOWN":    "0s",
		"HEARTH_POINTS_REPEAT_WINDOW":       "0s",
		"HEARTH_POINTS_FIRST_MESSAGE_BONUS": "0",
	})
	const viewers = 30
	for i := 0; i < viewers; i++ {
		a.chatters[fmt.Sprint("v", i)] = twitchtest.Chatter{ID: fmt.Sprint(7000 + i), Login: fmt.Sprint("v", i)}
	}
	// 300 messages at about 100 a second, then SIGKILL at once.
	sent := make([]time.Time, 0, 300)
	for i := 0; i < 300; i++ {
		a.say(fmt.Sprint("v", i%viewers), fmt.Sprint("message ", i))
		sent = append(sent, time.Now())
		time.Sleep(10 * time.Millisecond)
	}
	killed := time.Now()
	if err := a.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.proc.done

	checkIntegrity(t, dbPath)
	persisted := a.export(t)
	var kept int64
	for login, r := range persisted {
		kept += r.Messages
		if r.Points != 10*r.Messages {
			t.Errorf("%s: %d points for %d messages: a row was torn", login, r.Points, r.Messages)
		}
	}
	lost := int64(len(sent)) - kept
	// What may be lost: what arrived after the last flush began, i.e. the
	// messages of the last flush interval, plus the time it takes a message
	// to go from the fake Twitch through the pipeline.
	var window int64
	for _, at := range sent {
		if killed.Sub(at) <= 2*interval+300*time.Millisecond {
			window++
		}
	}
	if lost < 0 || lost > window {
		t.Fatalf("SIGKILL lost %d of %d messages; at most the %d sent in the last flush interval (with slack) may be lost", lost, len(sent), window)
	}
	t.Logf("SIGKILL after %d messages: %d kept, %d lost (bound %d)", len(sent), kept, lost, window)

	// Restart on the same database and the same fake Twitch.
	conns := a.srv.Connections()
	a.proc = startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":            a.srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":             "false",
		"HEARTH_CHANNELS":                   "arena",
		"HEARTH_HTTP_ADDR":                  "127.0.0.1:0",
		"HEARTH_DATABASE_URL":               db,
		"HEARTH_POINTS_MESSAGE_COOLDOWN":    "0s",
		"HEARTH_POINTS_REPEAT_WINDOW":       "0s",
		"HEARTH_POINTS_FIRST_MESSAGE_BONUS": "0",
		"HEARTH_POINTS_PRESENCE":            "0",
	}, "serve")
	base := a.proc.baseURL(t)
	waitReady(t, base)
	if a.srv.Connections() <= conns {
		t.Fatal("the restarted hearth did not connect")
	}
	a.waitJoinedAlone(t)
	for i := 0; i < 100; i++ {
		a.say(fmt.Sprint("v", i%viewers), fmt.Sprint("after restart ", i))
	}
	waitMetric(t, base, `hearth_chat_messages_total{channel="arena"}`, 100)
	a.proc.stop(t)

	checkIntegrity(t, dbPath)
	var total int64
	for login, r := range a.export(t) {
		total += r.Messages
		if r.Points != 10*r.Messages {
			t.Errorf("%s: %d points for %d messages after the restart", login, r.Points, r.Messages)
		}
		if r.Messages > persisted[login].Messages+int64(100/viewers+1) {
			t.Errorf("%s: %d messages; at most %d were sent", login, r.Messages, persisted[login].Messages+int64(100/viewers+1))
		}
	}
	if total != kept+100 {
		t.Fatalf("after the restart the channel holds %d messages; %d survived the kill and 100 came after", total, kept)
	}
}

// waitReady polls /readyz until hearth is connected and its store answers.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz never answered 200 (last error %v)", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkIntegrity runs SQLite's own consistency check on a database file.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		t.Fatal(err)
	}
	if result != "ok" {
		t.Fatalf("integrity_check: %s", result)
	}
}

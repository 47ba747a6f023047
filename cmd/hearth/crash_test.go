package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestKillNineAndRestart kills hearth with SIGKILL in the middle of a chat
// burst, then restarts it on the same database: at most the last flush
// interval is lost, the database is intact and every row consistent, and
// after the restart nothing is counted twice.
func TestKillNineAndRestart(t *testing.T) {
	t.Parallel()
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

// TestKillNineKeepsWatchTime kills hearth with SIGKILL while viewers watch
// a stream whose chat carries its own timestamps (20 minutes of stream in
// two seconds), then restarts it. The watch time of viewers who are
// present, and whose rows the minute tick no longer rewrites, is what the
// stream's last stored minute gives them, and that minute is at most one
// flush interval behind what was sent. After the restart nobody counts as
// present until seen again, so their watch time does not grow on its own.
func TestKillNineKeepsWatchTime(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	dbPath := filepath.Join(t.TempDir(), "crash.db")
	db := "sqlite://" + dbPath
	env := map[string]string{"HEARTH_STORE_FLUSH_INTERVAL": interval.String()}
	a := startArena(t, db, env)
	watchers := []string{"w0", "w1", "w2"}
	for i, login := range append(watchers, "z") {
		a.chatters[login] = twitchtest.Chatter{ID: fmt.Sprint(8000 + i), Login: login}
	}
	// The stream starts with the first message, 20 minutes ago in chat's
	// time. z chats every 30 s; the watchers every 5 minutes, which keeps
	// them present (10 minutes after a message) all along.
	start := time.Now().Add(-20 * time.Minute).Truncate(time.Second)
	type sentLine struct {
		at   time.Duration // chat time, from the stream's start
		wall time.Time
	}
	var sent []sentLine
	send := func(login string, at time.Duration) {
		a.srv.Send(a.channel, twitchtest.PrivmsgLine(a.channel, a.room, a.chatters[login], fmt.Sprint("at ", at), start.Add(at), twitchtest.MsgOptions{}))
		sent = append(sent, sentLine{at, time.Now()})
	}
	for at := time.Duration(0); at <= 20*time.Minute; at += 30 * time.Second {
		if at%(5*time.Minute) == 0 {
			for _, w := range watchers {
				send(w, at)
			}
		}
		send("z", at)
		time.Sleep(50 * time.Millisecond)
	}
	killed := time.Now()
	if err := a.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.proc.done
	checkIntegrity(t, dbPath)

	minutes, kept := streamMinutes(t, dbPath)
	// A flush writes the minutes with the chat that moved the clock to
	// them, and only what arrived in the last flush interval (with slack
	// for the pipeline) may be lost.
	if kept == 0 || kept > int64(len(sent)) || minutes != int64(sent[kept-1].at/time.Minute) {
		t.Fatalf("the store holds minute %d with %d of %d messages; the last of those was sent at chat minute %d",
			minutes, kept, len(sent), sent[max(kept, 1)-1].at/time.Minute)
	}
	var window int64
	for _, s := range sent {
		if killed.Sub(s.wall) <= 2*interval+300*time.Millisecond {
			window++
		}
	}
	if lost := int64(len(sent)) - kept; lost > window {
		t.Fatalf("SIGKILL lost %d messages (up to chat minute %d); at most the %d sent in the last flush interval (with slack) may be lost",
			lost, minutes, window)
	}
	persisted := a.export(t)
	for _, login := range append(watchers, "z") {
		if got := persisted[login].WatchMinutes; got != minutes {
			t.Errorf("%s watched %d minutes after SIGKILL; present all along, they have the stream's %d", login, got, minutes)
		}
	}
	t.Logf("SIGKILL at chat minute 20: the store holds %d minutes and %d of %d messages", minutes, kept, len(sent))

	// Restart; only z chats, for 6 more minutes of the same stream.
	full := map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": a.srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "arena",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_DATABASE_URL":    db,
		"HEARTH_POINTS_PRESENCE": "0",
	}
	a.proc = startHearth(t, full, "serve")
	base := a.proc.baseURL(t)
	waitReady(t, base)
	a.waitJoinedAlone(t)
	n := 0
	for at := 20*time.Minute + 30*time.Second; at <= 26*time.Minute; at += 30 * time.Second {
		send("z", at)
		n++
	}
	waitMetric(t, base, `hearth_chat_messages_total{channel="arena"}`, float64(n))
	a.proc.stop(t)
	if after, _ := streamMinutes(t, dbPath); after <= minutes {
		t.Fatalf("the stream stayed at minute %d after the restart; z's chat should have moved it on", after)
	}
	for _, login := range watchers {
		if got := a.export(t)[login].WatchMinutes; got != minutes {
			t.Errorf("%s watched %d minutes after the restart, absent; want the %d they had", login, got, minutes)
		}
	}
}

// streamMinutes reads the minutes and messages of the arena's latest
// stream from a stopped hearth's database.
func streamMinutes(t *testing.T, path string) (minutes, messages int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT minutes, messages FROM streams WHERE channel = 'arena' ORDER BY seq DESC LIMIT 1").Scan(&minutes, &messages); err != nil {
		t.Fatal(err)
	}
	return minutes, messages
}

package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// limitFileSize sets the largest file process pid may write, as a full
// disk would (0: no write to a file succeeds), and returns the limit it
// replaced.
func limitFileSize(t *testing.T, pid int, limit unix.Rlimit) unix.Rlimit {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &limit, &old); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	return old
}

// TestSIGTERMWithAStoreThatCannotWrite runs serve on a SQLite file that
// stops taking writes: first the file may not grow (a full disk), which
// /readyz must report, naming the store, until the disk has room again;
// then another program holds the file's write lock, and SIGTERM must end
// the process within the configured shutdown timeout, saying what was
// still running and how many changes were not written.
func TestSIGTERMWithAStoreThatCannotWrite(t *testing.T) {
	srv := newChatServer(t)
	path := filepath.Join(t.TempDir(), "serve.db")
	const shutdownTimeout = 2 * time.Second
	p := startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":      srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":       "false",
		"HEARTH_CHANNELS":             "testchan",
		"HEARTH_HTTP_ADDR":            "127.0.0.1:0",
		"HEARTH_DATABASE_URL":         "sqlite://" + path,
		"HEARTH_STORE_FLUSH_INTERVAL": "20ms",
		"HEARTH_SHUTDOWN_TIMEOUT":     shutdownTimeout.String(),
	}, "serve")
	base := p.baseURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "testchan"); err != nil {
		t.Fatal(err)
	}
	say := func(from, to int) {
		for i := from; i < to; i++ {
			c := twitchtest.Chatter{ID: fmt.Sprint(1000 + i), Login: fmt.Sprintf("viewer%d", i)}
			srv.Send("testchan", twitchtest.PrivmsgLine("testchan", "4242", c, "hello", time.Time{}, twitchtest.MsgOptions{}))
		}
		waitFor(t, fmt.Sprintf("%d chat messages counted", to), func() bool {
			return metricValue(t, base+"/metrics", `hearth_chat_messages_total{channel="testchan"}`) >= float64(to)
		})
	}
	say(0, 5)
	waitFor(t, "a flush", func() bool { return metricValue(t, base+"/metrics", `hearth_store_flushes_total{result="ok"}`) > 0 })

	pid := p.cmd.Process.Pid
	old := limitFileSize(t, pid, unix.Rlimit{Cur: 0, Max: unix.RLIM_INFINITY})
	say(5, 10)
	waitFor(t, "/readyz to answer 503 naming the store", func() bool {
		code, body := readyz(t, base)
		msg, _ := body["error"].(string)
		return code == http.StatusServiceUnavailable && strings.HasPrefix(msg, "store: cannot write")
	})
	limitFileSize(t, pid, old)
	waitFor(t, "/readyz to answer 200 once the disk has room", func() bool {
		code, _ := readyz(t, base)
		return code == http.StatusOK
	})

	// Another program takes the write lock and keeps it: the next flush
	// waits for it.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	say(10, 20)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The process may take the shutdown timeout, and a moment to exit.
	if code := p.waitExit(t, shutdownTimeout+3*time.Second); code != 1 {
		t.Fatalf("exited %d; want 1, as changes were not written", code)
	}
	out := p.output()
	m := regexp.MustCompile(`store writer was still writing when the shutdown timed out; (\d+) pending changes or more not written`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the output does not say that the store writer was still writing and how many changes were lost:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 {
		t.Fatalf("no pending change reported lost, though 10 viewers chatted under the lock:\n%s", out)
	}
	if strings.Contains(out, "timed out: :") {
		t.Fatalf("the output names an empty part:\n%s", out)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestServeAnonymousFlushesOnSIGTERM runs `hearth serve` with no bot token
// against the fake Twitch: it must join read-only and say so, count chat,
// and on SIGTERM write what it holds, though its flush interval is far off.
func TestServeAnonymousFlushesOnSIGTERM(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t)
	db := "sqlite://" + filepath.Join(t.TempDir(), "serve.db")
	p := startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":      srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":       "false",
		"HEARTH_CHANNELS":             "TestChan",
		"HEARTH_HTTP_ADDR":            "127.0.0.1:0",
		"HEARTH_DATABASE_URL":         db,
		"HEARTH_STORE_FLUSH_INTERVAL": "1m",
		"HEARTH_STORE_FLUSH_SIZE":     "100000",
	}, "serve")
	p.waitLine(t, `reading chat anonymously`, 10*time.Second)
	overlay := p.waitLine(t, `overlay URL.*url="?(http://[^/\s]+)/overlays/leaderboard\?channel=testchan&token=[0-9a-f]{32,}`, 10*time.Second)
	base := overlay[1]

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "testchan"); err != nil {
		t.Fatal(err)
	}
	const chatters, perChatter = 10, 5
	for i := 0; i < chatters; i++ {
		c := twitchtest.Chatter{ID: fmt.Sprint(1000 + i), Login: fmt.Sprintf("viewer%d", i)}
		for j := 0; j < perChatter; j++ {
			srv.Send("testchan", twitchtest.PrivmsgLine("testchan", "4242", c, fmt.Sprintf("message %d", j), time.Time{}, twitchtest.MsgOptions{}))
		}
	}
	series := `hearth_chat_messages_total{channel="testchan"}`
	for metricValue(t, base+"/metrics", series) < chatters*perChatter {
		if ctx.Err() != nil {
			t.Fatalf("%s never reached %d", series, chatters*perChatter)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz answered %d with chat connected", resp.StatusCode)
	}
	if metricValue(t, base+"/metrics", `hearth_store_flushes_total{result="ok"}`) != 0 {
		t.Fatal("a flush happened before SIGTERM; the test would not show the shutdown flush")
	}

	p.stop(t)

	var recs []export.Record
	if err := json.Unmarshal([]byte(runHearth(t, nil, "export", "--db", db, "--channel", "testchan")), &recs); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range recs {
		total += r.Messages
	}
	if len(recs) != chatters || total != chatters*perChatter {
		t.Fatalf("after SIGTERM the store holds %d viewers and %d messages; want %d and %d", len(recs), total, chatters, chatters*perChatter)
	}
	if n := len(srv.Sent()); n != 0 {
		t.Fatalf("an anonymous connection sent %d chat lines", n)
	}
}

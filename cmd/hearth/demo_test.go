package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/store/sqlite"
)

// TestDemoInBrowser runs `hearth demo` as a newcomer would, opens the
// printed leaderboard URL in headless Chromium, and checks that viewers
// show up, that /metrics counts chat, and that the temporary directory
// with the database is gone when demo stops.
func TestDemoInBrowser(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := startHearth(t, map[string]string{"HEARTH_HTTP_ADDR": "127.0.0.1:0", "TMPDIR": tmp}, "demo", "--rate", "20")
	started := time.Now()
	board := p.waitLine(t, `^overlay leaderboard\s+(http://\S+)$`, 15*time.Second)[1]
	metricsURL := p.waitLine(t, `^metrics\s+(http://\S+/metrics)$`, 5*time.Second)[1]

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(board)); err != nil {
		t.Fatal(err)
	}
	// Viewers reach the board within seconds; the wait is long only so
	// that a loaded machine does not fail the test.
	var rows []string
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := chromedp.Run(cctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.row .name')).map(e => e.textContent)`))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if rows = got; len(rows) >= 3 {
			break
		}
		if time.Since(started) > 45*time.Second {
			t.Fatalf("after 45s the leaderboard shows %d rows: %q", len(rows), rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, name := range rows {
		if name == "" {
			t.Fatalf("a row without a name: %q", rows)
		}
	}
	browsertest.Screenshot(t, ctx, "demo-leaderboard.png")

	first := metricValue(t, metricsURL, `hearth_chat_messages_total{channel="hearthdemo"}`)
	deadline := time.Now().Add(30 * time.Second)
	for metricValue(t, metricsURL, `hearth_chat_messages_total{channel="hearthdemo"}`) <= first {
		if time.Now().After(deadline) {
			t.Fatalf("hearth_chat_messages_total stayed at %v for 30s", first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if first < 1 {
		t.Fatalf("no chat counted while the board already showed %d viewers", len(rows))
	}
	resp, err := http.Get(metricsURL[:len(metricsURL)-len("/metrics")] + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz answered %d", resp.StatusCode)
	}
	p.stop(t)
	p.waitLine(t, "stopped cleanly", time.Second)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("demo left %s in its temporary directory", e.Name())
	}
}

// TestDemoRestartsOnItsDatabase runs demo twice on one database, as the
// compose file does with its volume and restart policy. Each run's fake
// Twitch is new and refuses the tokens the run before stored: demo must
// sign its bot and broadcaster in again, so that EventSub subscribes and
// Helix answers on the second run as on the first.
func TestDemoRestartsOnItsDatabase(t *testing.T) {
	env := map[string]string{
		"HEARTH_HTTP_ADDR":    "127.0.0.1:0",
		"HEARTH_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "demo.db"),
	}
	for run := 1; run <= 2; run++ {
		p := startHearth(t, env, "demo", "--rate", "5", "--viewers", "20")
		metricsURL := p.waitLine(t, `^metrics\s+(http://\S+)/metrics$`, 15*time.Second)[1]
		p.waitLine(t, `msg="eventsub: subscribed"`, 20*time.Second)
		waitFor(t, fmt.Sprintf("hearth_twitch_api_up 1 on run %d", run), func() bool {
			v, _ := series(t, metricsURL, "hearth_twitch_api_up")
			return v == 1
		})
		if code, body := readyz(t, metricsURL); code != http.StatusOK || body["degraded"] != nil {
			t.Fatalf("run %d: /readyz answered %d %v", run, code, body)
		}
		p.stop(t)
		out := p.output()
		for _, bad := range []string{"cannot validate", "refused", "cannot subscribe"} {
			if strings.Contains(out, bad) {
				t.Fatalf("run %d logged %q:\n%s", run, bad, out)
			}
		}
	}
}

// TestDemoNeverReplacesARealToken: a token in the database that no fake
// Twitch issued is a real account's; demo refuses to sign in over it and
// says to give it a database of its own.
func TestDemoNeverReplacesARealToken(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	stored := hearth.StoredToken{Subject: hearth.TokenBot, UserID: "12345", Login: "realbot", ExpiresAt: now.Add(time.Hour), ObtainedAt: now, Sealed: []byte("sealed")}
	if err := st.PutToken(ctx, stored); err != nil {
		t.Fatal(err)
	}
	keep, err := demoKeepsToken(ctx, st, nil, nil, hearth.TokenBot, slog.New(slog.DiscardHandler))
	if keep || err == nil || !strings.Contains(err.Error(), "realbot") || !strings.Contains(err.Error(), "--db") {
		t.Fatalf("demoKeepsToken = %v, %v; want an error naming the account and --db", keep, err)
	}
}

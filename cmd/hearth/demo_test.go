package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth/internal/browsertest"
)

// TestDemoInBrowser runs `hearth demo` as a newcomer would, opens the
// printed leaderboard URL in headless Chromium, and checks that viewers
// show up and that /metrics counts chat.
func TestDemoInBrowser(t *testing.T) {
	t.Parallel()
	p := startHearth(t, map[string]string{"HEARTH_HTTP_ADDR": "127.0.0.1:0"}, "demo", "--rate", "20")
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
}

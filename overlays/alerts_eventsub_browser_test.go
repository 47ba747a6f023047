package overlays_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// TestFollowAndRedemptionAlertsInBrowser shows the alerts EventSub brings:
// a first follow, and redemptions with and without a reward title. The
// title is the streamer's text and, like names, never becomes markup.
func TestFollowAndRedemptionAlertsInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	setup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	record := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordAlertsJS})
		return err
	})
	if err := chromedp.Do(setup, chromedp.EmulateViewport(alertsWidth, alertsHeight), record); err != nil {
		t.Fatalf("set up the browser: %v", err)
	}
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	old := []hearth.Alert{alert(1, "welcome", "zoe", "Zoë", "")}
	s.Hub.Publish("alice", hearth.TopicAlerts, hearth.Alerts{Channel: "alice", Items: old})
	nav, cancelNav := context.WithTimeout(ctx, 10*time.Second)
	defer cancelNav()
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("alerts", "alice", "alice-secret")+"&hold=600")); err != nil {
		t.Fatalf("load the overlay: %v", err)
	}
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
	waitJS(t, ctx, 5*time.Second, seenJS, seqText(1))

	redeemed := alert(3, "redemption", "fay", "Fay", "")
	redeemed.Text = hostileImg
	untitled := alert(4, "redemption", "gus", "Gus", "")
	s.Hub.Publish("alice", hearth.TopicAlerts, hearth.Alerts{Channel: "alice", Items: append(old,
		alert(2, "follow", "fay", "Fay", ""), redeemed, untitled)})
	waitShown(t, ctx, 8*time.Second, []shownAlert{
		shown(2, "New follower", "Thanks for the follow, Fay!"),
		shown(3, "Channel points", "Fay redeemed "+hostileImg+"!"),
		shown(4, "Channel points", "Gus redeemed a reward!"),
	})
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
		t.Errorf("%d embedded elements on the page", n)
	}
}

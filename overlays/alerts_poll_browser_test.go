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

// TestPollResultAlertsInBrowser shows the alerts a closed poll brings: the
// question and the winner, a tie with both options, and a result without
// a question. Question and options come from chat and never become markup.
func TestPollResultAlertsInBrowser(t *testing.T) {
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

	won := alert(2, "poll_result", "", "Mirage", "")
	won.Text = "Which map next?"
	tie := alert(3, "poll_result", "", hostileImg+" = Dust", "")
	tie.Text = hostileImg
	bare := alert(4, "poll_result", "", "Yes", "")
	s.Hub.Publish("alice", hearth.TopicAlerts, hearth.Alerts{Channel: "alice", Items: append(old, won, tie, bare)})
	waitShown(t, ctx, 8*time.Second, []shownAlert{
		shown(2, "Poll result", "Which map next? → Mirage"),
		shown(3, "Poll result", hostileImg+" → "+hostileImg+" = Dust"),
		shown(4, "Poll result", "Yes wins!"),
	})
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
		t.Errorf("%d embedded elements on the page", n)
	}
}

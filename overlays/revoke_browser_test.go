package overlays_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// TestRotatedPageStopsInBrowser: a poll overlay open in Chromium when its
// token is rotated is closed, stops reconnecting (the hub sees no new
// socket), says so on its body, and shows no token.
func TestRotatedPageStopsInBrowser(t *testing.T) {
	t.Parallel()
	const oldToken, newToken = "alice-old-secret", "alice-new-secret"
	source := &rotatingTokens{tokens: map[string]string{"alice": oldToken}}
	s := startServerWith(t, "127.0.0.1:0", source, overlays.Options{})
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("poll", "alice", oldToken))); err != nil {
		t.Fatalf("load: %v", err)
	}
	cancel()
	waitJS(t, ctx, 5*time.Second, `document.body.dataset.connection`, "open")

	source.SetOverlayToken("alice", newToken)
	s.Hub.SetOverlayToken("alice", newToken)
	waitJS(t, ctx, 5*time.Second, `document.body.dataset.connection`, "revoked")
	if n := s.Hub.Clients("alice"); n != 0 {
		t.Errorf("%d sockets of alice after the rotation", n)
	}
	// A page that kept retrying would be back within its first backoff
	// (at most 500 ms); publish so a socket, if any, would show.
	s.Hub.Publish("alice", hearth.TopicPoll, hearth.PollState{Channel: "alice", ID: "p1", Status: hearth.PollOpen, Question: "Still here?"})
	time.Sleep(time.Second)
	if got := eval[string](t, ctx, `document.body.dataset.connection`); got != "revoked" || s.Hub.Clients("alice") != 0 {
		t.Errorf("after a second the page is %q with %d sockets, want it revoked with none", got, s.Hub.Clients("alice"))
	}
	if text := eval[string](t, ctx, `document.documentElement.outerHTML`); strings.Contains(text, newToken) || strings.Contains(text, "Still here?") {
		t.Errorf("the revoked page shows the new token or a state sent after the rotation:\n%s", text)
	}
}

package overlays_test

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestFollowAndRedemptionAlertsInBrowser shows the alerts EventSub brings:
// a first follow, and redemptions with and without a reward title. The
// title is the streamer's text and, like names, never becomes markup.
func TestFollowAndRedemptionAlertsInBrowser(t *testing.T) {
	t.Parallel()
	old := []hearth.Alert{alert(1, "welcome", "zoe", "Zoë", "")}
	ctx, s := openAlerts(t, old, 600)

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

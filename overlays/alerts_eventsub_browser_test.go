package overlays_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// The longest texts Twitch sends: a display name of 25 characters and a
// reward title of 45, in their narrow and their widest forms.
const (
	longRedeemer = "Mellow_Posture_Whisperer1"
	longFollower = "SpicyWalrusOfTheNorthSea1"
	longTitle    = "Posture check: sit up straight for 10 minutes"
	cjkName      = "夜更かし配信者とまったり雑談するのが大好きな人です"
	cjkTitle     = "配信者のおすすめの曲をリクエストして一緒に聴きながら感想を語り合う特別な時間をプレゼント"
)

var (
	widestName  = strings.Repeat("W", 25)
	widestTitle = strings.Repeat("M", 45)
)

// TestFollowAndRedemptionAlertsInBrowser shows the alerts EventSub brings:
// a first follow, and redemptions with and without a reward title. The
// title is the streamer's text and, like names, never becomes markup. The
// longest names and titles Twitch allows are shown whole, inside the
// 800x200 source: the recorder measures each alert's layout as it shows.
func TestFollowAndRedemptionAlertsInBrowser(t *testing.T) {
	t.Parallel()
	old := []hearth.OverlayEvent{alert(1, "welcome", "zoe", "Zoë", "")}
	ctx, s := openAlerts(t, old, 600)

	redeemed := alert(3, "redemption", "fay", "Fay", "")
	redeemed.Text = hostileImg
	untitled := alert(4, "redemption", "gus", "Gus", "")
	long := alert(6, "redemption", "mellow_posture_whisperer1", longRedeemer, "")
	long.Text = longTitle
	widest := alert(7, "redemption", "wwwwwwwwwwwwwwwwwwwwwwwww", widestName, "")
	widest.Text = widestTitle
	cjk := alert(8, "redemption", "yofukashi", cjkName, "")
	cjk.Text = cjkTitle
	s.Hub.PublishEvents("alice", append(old,
		alert(2, "follow", "fay", "Fay", ""), redeemed, untitled,
		alert(5, "follow", "spicywalrusofthenorthsea1", longFollower, ""), long, widest, cjk,
		alert(9, "follow", "wwwwwwwwwwwwwwwwwwwwwwwww", widestName, ""),
	))
	waitShown(t, ctx, 15*time.Second, []shownAlert{
		shown(2, "New follower", "Thanks for the follow, Fay!"),
		shown(3, "Channel points", "Fay redeemed "+hostileImg+"!"),
		shown(4, "Channel points", "Gus redeemed a reward!"),
		shown(5, "New follower", "Thanks for the follow, "+longFollower+"!"),
		shown(6, "Channel points", longRedeemer+" redeemed "+longTitle+"!"),
		shown(7, "Channel points", widestName+" redeemed "+widestTitle+"!"),
		shown(8, "Channel points", cjkName+" redeemed "+cjkTitle+"!"),
		shown(9, "New follower", "Thanks for the follow, "+widestName+"!"),
	})
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
		t.Errorf("%d embedded elements on the page", n)
	}

	t.Run("Screenshot", func(t *testing.T) {
		shootAlert(t, ctx, s, long, shown(6, "Channel points", longRedeemer+" redeemed "+longTitle+"!"), "alerts-redemption-long.png")
	})
}

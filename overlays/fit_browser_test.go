package overlays_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// TestLeaderboardShowsTwitchNamesWhole: the longest display names Twitch
// allows (25 characters), in their widest Latin and CJK forms, show whole
// on the leaderboard at its 400x600 size and at 1920x1080, at a readable
// size.
func TestLeaderboardShowsTwitchNamesWhole(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int64 }{{400, 600}, {1920, 1080}} {
		ctx := browsertest.New(t)
		watchPage(t, ctx)
		s := startServer(t, "127.0.0.1:0", overlays.Options{})
		s.Hub.Publish("alice", hearth.TopicLeaderboard, hearth.Leaderboard{Channel: "alice", Entries: []hearth.LeaderboardEntry{
			{Rank: 1, Login: "wwwwwwwwwwwwwwwwwwwwwwwww", DisplayName: widestName, Points: 1_234_567},
			{Rank: 2, Login: "yofukashi", DisplayName: "夜更かし配信者とまったり雑談するのが大好きな人で", Points: 99_999},
			{Rank: 3, Login: "mellow_posture_whisperer1", DisplayName: longRedeemer, Points: 5},
		}})
		nav, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Do(nav, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(s.pageURL("leaderboard", "alice", "alice-secret"))); err != nil {
			t.Fatalf("load: %v", err)
		}
		cancel()
		waitJS(t, ctx, 5*time.Second, `String(document.querySelectorAll('#rows > .row').length)`, "3")
		problems := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#rows .name'), (n) => {
			const px = parseFloat(getComputedStyle(n).fontSize);
			const cut = n.scrollWidth > n.clientWidth + 1 || n.scrollHeight > n.clientHeight + 1;
			return cut || px < 11 ? n.textContent + ' cut ' + cut + ' at ' + px + 'px' : '';
		}).filter((p) => p !== '')`)
		for _, p := range problems {
			t.Errorf("%dx%d: %s", size.w, size.h, p)
		}
	}
}

package overlays_test

import (
	"context"
	"image"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// openPage opens kind for alice at w×h with query appended to its URL.
func openPage(t *testing.T, ctx context.Context, s *server, kind string, w, h int64, query string) {
	t.Helper()
	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(nav, chromedp.EmulateViewport(w, h), chromedp.Navigate(s.pageURL(kind, "alice", "alice-secret")+query)); err != nil {
		t.Fatalf("load %s: %v", kind, err)
	}
}

// ev is event seq of kind by name, in stream 1.
func ev(seq int64, kind, name string) hearth.OverlayEvent {
	return hearth.OverlayEvent{Seq: seq, Kind: kind, Login: "viewer" + strconv.FormatInt(seq, 10), DisplayName: name, Stream: 1,
		At: time.Date(2026, 11, 23, 20, 0, int(seq), 0, time.UTC)}
}

// waitList polls script, which returns the texts the page shows, until
// they are want.
func waitList(t *testing.T, ctx context.Context, within time.Duration, script string, want []string) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got []string
	for {
		got = eval[[]string](t, ctx, script)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the page shows\n  %q\nwant\n  %q", within, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// transparentCorners fails t unless the screenshot's corners named are
// see-through.
func transparentCorners(t *testing.T, shot image.Image, points ...image.Point) {
	t.Helper()
	for _, p := range points {
		if _, _, _, a := shot.At(p.X, p.Y).RGBA(); a != 0 {
			t.Errorf("pixel %v has alpha %d, want 0", p, a)
		}
	}
}

// inert fails t if chat text became markup: no element but the page's own.
func inert(t *testing.T, ctx context.Context) {
	t.Helper()
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed, script:not([src])').length`); n != 0 {
		t.Errorf("%d elements made of chat text", n)
	}
}

const feedRowsJS = `Array.from(document.querySelectorAll('#feed > .feed-row'), (r) => r.textContent)`

func withMore(e hearth.OverlayEvent, amount int64, text string) hearth.OverlayEvent {
	e.Amount, e.Text = amount, text
	return e
}

// TestFeedInBrowser: the feed shows the past on load, newest first, then
// new events on top; a test event is marked; hostile names stay text;
// after Hearth restarts it shows the events it missed, in order, without
// a reload; ?kinds= and ?length= choose what it keeps.
func TestFeedInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{
		ev(1, hearth.OverlayFollow, hostileImg),
		withMore(ev(2, hearth.OverlayResub, "Zoë ★"), 14, "fourteen!"),
		ev(3, hearth.OverlayWelcome, "Newbie"), // not a kind the feed shows by default
		withMore(ev(4, hearth.OverlayCheer, hostileScript), 500, ""),
		withMore(ev(5, hearth.OverlayRaid, widestName), 42, ""),
	})
	openPage(t, ctx, s, "feed", 400, 500, "&length=5&status=1")
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
	waitList(t, ctx, 5*time.Second, feedRowsJS, []string{
		"⚑" + widestName + " raided with 42 viewers",
		"◆" + hostileScript + " cheered 500 bits",
		"★Zoë ★ resubscribed · 14 months",
		"♥" + hostileImg + " followed",
	})
	inert(t, ctx)

	t.Run("LiveAndTest", func(t *testing.T) {
		// A second 6 is skipped as seen; 7 is a test, as the API makes.
		test := withMore(ev(7, hearth.OverlaySubGift, "Test Viewer"), 5, "")
		test.Test = true
		s.Hub.PublishEvents("alice", []hearth.OverlayEvent{ev(6, hearth.OverlayFollow, "Fay")})
		s.Hub.PublishEvents("alice", []hearth.OverlayEvent{ev(6, hearth.OverlayFollow, "Not Fay"), test})
		waitList(t, ctx, 5*time.Second, feedRowsJS, []string{
			"❖Test Viewer gifted 5 substest",
			"♥Fay followed",
			"⚑" + widestName + " raided with 42 viewers",
			"◆" + hostileScript + " cheered 500 bits",
			"★Zoë ★ resubscribed · 14 months",
		})
		if tagged := eval[int](t, ctx, `document.querySelectorAll('#feed .feed-test').length`); tagged != 1 {
			t.Errorf("%d rows marked as tests, want 1", tagged)
		}
	})

	t.Run("WholeAndTransparent", func(t *testing.T) {
		cut := eval[int](t, ctx, `Array.from(document.querySelectorAll('#feed .feed-text')).filter((e) => e.scrollWidth > e.clientWidth + 1).length`)
		if cut != 0 {
			t.Errorf("%d feed lines cut", cut)
		}
		shot := screenshot(t, ctx, "feed.png")
		transparentCorners(t, shot, image.Point{2, 499}, image.Point{397, 499})
	})

	t.Run("ResumesAfterRestart", func(t *testing.T) {
		addr := s.Addr
		s.Stop(t)
		waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s != "open" }, "not open")
		if badge := eval[string](t, ctx, `getComputedStyle(document.body, '::after').content`); badge != `"reconnecting"` {
			t.Errorf("badge %s while disconnected with status=1", badge)
		}
		restarted := startServer(t, addr, overlays.Options{})
		var kept []hearth.OverlayEvent
		for seq := int64(1); seq <= 7; seq++ {
			kept = append(kept, ev(seq, hearth.OverlayFollow, "old"))
		}
		restarted.Hub.PublishEvents("alice", append(kept,
			ev(8, hearth.OverlayFollow, "Missed One"),
			withMore(ev(9, hearth.OverlaySub, "Missed Two"), 1, ""),
			ev(10, hearth.OverlayFollow, "Missed Three")))
		waitList(t, ctx, 15*time.Second, feedRowsJS, []string{
			"♥Missed Three followed",
			"★Missed Two subscribed",
			"♥Missed One followed",
			"❖Test Viewer gifted 5 substest",
			"♥Fay followed",
		})
		waitConnection(t, ctx, time.Second, func(s string) bool { return s == "open" }, "open")
		if badge := eval[string](t, ctx, `getComputedStyle(document.body, '::after').content`); badge != "none" {
			t.Errorf("badge %s while connected", badge)
		}

		t.Run("Kinds", func(t *testing.T) {
			restarted.Hub.PublishEvents("alice", []hearth.OverlayEvent{ev(11, hearth.OverlayWelcome, "Hello"), ev(12, hearth.OverlayFollow, "Nope")})
			openPage(t, ctx, restarted, "feed", 400, 500, "&kinds=welcome,welcome_back&length=1")
			waitList(t, ctx, 5*time.Second, feedRowsJS, []string{"✦Welcome, Hello"})
		})
	})
}

// TestFeedPreview: with preview=1 the feed shows sample lines and opens
// no socket.
func TestFeedPreview(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	openPage(t, ctx, s, "feed", 400, 500, "&preview=1")
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "preview" }, "preview")
	if n := eval[int](t, ctx, `document.querySelectorAll('#feed > .feed-row').length`); n != 7 {
		t.Errorf("%d sample lines, want 7", n)
	}
	if n := s.Hub.Clients("alice"); n != 0 {
		t.Errorf("%d sockets with preview=1", n)
	}
	screenshot(t, ctx, "feed-preview.png")
	darkShot(t, ctx, "feed-dark.png")
}

// darkShot saves a screenshot over a dark scene, only for looking at (the
// manual's pictures).
func darkShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = '#1d1830'`)
	browsertest.Screenshot(t, ctx, name)
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)
}

const creditsJS = `Array.from(document.querySelectorAll('#roll h1, #roll h2, #roll li'), (e) => e.textContent)`

// TestCreditsInBrowser: a roll that comes while the page is open rolls
// once, its sections titled and its names as text, then the page is
// transparent again; one from before the page loaded does not roll.
func TestCreditsInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	roll := func(seq int64, names ...string) hearth.OverlayEvent {
		e := ev(seq, hearth.OverlayCredits, "")
		e.Credits = &hearth.Credits{Sections: []hearth.CreditSection{
			{Kind: hearth.CreditsNewcomers, Names: names},
			{Kind: hearth.CreditsRaiders, Names: []string{widestName}},
			{Kind: "unknown_section", Names: []string{"skipped"}},
		}}
		return e
	}
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{roll(1, "Old Roll")})
	openPage(t, ctx, s, "credits", 1280, 720, "&speed=400")
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
	waitJS(t, ctx, 5*time.Second, seenJS, "1")
	if got := eval[string](t, ctx, `String(document.getElementById('roll').hidden)`); got != "true" {
		t.Errorf("roll hidden = %s after a roll from before the page loaded", got)
	}
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{roll(2, hostileImg, "Zoë ★")})
	waitJS(t, ctx, 5*time.Second, `document.body.dataset.rolling || ''`, "true")
	if got, want := eval[[]string](t, ctx, creditsJS), []string{"Thanks for watching", "New faces", hostileImg, "Zoë ★", "Raiders", widestName}; !slices.Equal(got, want) {
		t.Errorf("credits show %q, want %q", got, want)
	}
	inert(t, ctx)
	shot := screenshot(t, ctx, "credits.png")
	transparentCorners(t, shot, image.Point{2, 2}, image.Point{1277, 717})
	// 720 px of screen and the roll's height at 400 px/s: a few seconds.
	waitJS(t, ctx, 20*time.Second, `document.body.dataset.rolling || ''`, "false")
}

// TestCreditsPreview rolls sample credits with preview=1.
func TestCreditsPreview(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	openPage(t, ctx, s, "credits", 1280, 720, "&preview=1&speed=20")
	waitJS(t, ctx, 5*time.Second, `document.body.dataset.rolling || ''`, "true")
	if n := eval[int](t, ctx, `document.querySelectorAll('#roll section').length`); n != 7 {
		t.Errorf("%d sample sections, want 7", n)
	}
	// The roll halfway up, for the picture.
	eval[chromedp.Void](t, ctx, `for (const a of document.getElementById('roll').getAnimations()) a.currentTime = a.effect.getComputedTiming().duration * 0.45`)
	screenshot(t, ctx, "credits-preview.png")
	darkShot(t, ctx, "credits-dark.png")
}

const tickerJS = `Array.from(document.querySelectorAll('#track > .ticker-item'), (e) => e.textContent)`

// TestWelcomeInBrowser: the ticker shows this stream's newcomers and
// returning regulars, newest first, live; a new stream starts it afresh;
// names stay text; the page is transparent around it.
func TestWelcomeInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	last := ev(1, hearth.OverlayWelcome, "Last Stream")
	last.Stream = 0
	back := ev(3, hearth.OverlayWelcomeBack, hostileImg)
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{last, ev(2, hearth.OverlayWelcome, "Zoë ★"), back, ev(4, hearth.OverlayFollow, "Not Welcomed")})
	openPage(t, ctx, s, "welcome", 1280, 80, "")
	waitList(t, ctx, 5*time.Second, tickerJS, []string{hostileImg + "back", "Zoë ★"})
	inert(t, ctx)

	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{ev(5, hearth.OverlayWelcome, widestName)})
	waitList(t, ctx, 5*time.Second, tickerJS, []string{widestName, hostileImg + "back", "Zoë ★"})
	shot := screenshot(t, ctx, "welcome.png")
	transparentCorners(t, shot, image.Point{1277, 2}, image.Point{1277, 77})

	next := ev(6, hearth.OverlayWelcome, "Next Stream")
	next.Stream = 2
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{next})
	waitList(t, ctx, 5*time.Second, tickerJS, []string{"Next Stream"})

	t.Run("Preview", func(t *testing.T) {
		openPage(t, ctx, s, "welcome", 1280, 80, "&preview=1")
		waitList(t, ctx, 5*time.Second, tickerJS, []string{"Hello World", "Curious Cat", "Old Friendback", "First Timer"})
		screenshot(t, ctx, "welcome-preview.png")
		darkShot(t, ctx, "welcome-dark.png")
	})
}

// TestEveryKindPreviews: every kind, old and new, fills itself with sample
// data under preview=1, opens no socket and stays transparent in a
// corner, at its size and at 1920x1080.
func TestEveryKindPreviews(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	for _, k := range overlays.Catalog() {
		for _, size := range [][2]int64{{int64(k.Width), int64(k.Height)}, {1920, 1080}} {
			openPage(t, ctx, s, k.Kind, size[0], size[1], "&preview=1")
			waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "preview" }, "preview")
			waitJS(t, ctx, 5*time.Second, `String(document.body.innerText.trim().length > 0)`, "true")
			shot := screenshot(t, ctx, k.Kind+"-preview-"+strconv.FormatInt(size[0], 10)+".png")
			b := shot.Bounds()
			transparentCorners(t, shot, image.Point{b.Dx() - 3, b.Dy() - 3})
		}
	}
	if n := s.Hub.Clients("alice"); n != 0 {
		t.Errorf("%d sockets opened by previews", n)
	}
}

// TestAlertsTestEventInBrowser: a test event plays as the real one would,
// marked as a test; subs, gifts, cheers and raids have their own lines.
func TestAlertsTestEventInBrowser(t *testing.T) {
	t.Parallel()
	ctx, s := openAlerts(t, []hearth.OverlayEvent{alert(1, "welcome", "zoe", "Zoë", "")}, 500)
	test := alert(2, "follow", "hearth_test", "Test Viewer", "")
	test.Test = true
	s.Hub.PublishEvents("alice", []hearth.OverlayEvent{
		test,
		withAmount(alert(3, "resub", "sam", "Sam", ""), 14),
		withAmount(alert(4, "subgift", "", "", ""), 5),
		withAmount(alert(5, "cheer", "cole", hostileImg, ""), 300),
		withAmount(alert(6, "raid", "zed", widestName, ""), 1),
	})
	waitShown(t, ctx, 15*time.Second, []shownAlert{
		shown(2, "New follower · test", "Thanks for the follow, Test Viewer!"),
		shown(3, "Resubscribed", "Sam subscribed for 14 months!"),
		shown(4, "Gifted subs", "Someone gifted 5 subs!"),
		shown(5, "Cheer", hostileImg+" cheered 300 bits!"),
		shown(6, "Raid", widestName+" is raiding with 1 viewer!"),
	})
}

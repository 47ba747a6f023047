package console_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/internal/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// screenshots, when set, is where TestBrowserPages saves a picture of
// each page at a phone's width, for docs/console.md:
//
//	go test ./console/ -run TestBrowserPages -console.screenshots=$PWD/docs/console
var screenshots = flag.String("console.screenshots", "", "save a screenshot of each console page in this directory")

// phone is the viewport of a small phone.
const phoneWidth, phoneHeight = 375, 812

// evalIn runs a script that returns T, failing the test on error.
func evalIn[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(cctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// open loads path in the browser as who, at a phone's width: the
// browser carries the session who signed in with (an HttpOnly cookie, set
// as the sign-in's answer set it).
func open(t *testing.T, ctx context.Context, s *site, who, path string) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c := s.sessionCookie(t, who)
	httpOnly := true
	if _, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: s.base,
		HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
		t.Fatalf("hand %s's session to the browser: %v", who, err)
	}
	err := chromedp.Do(cctx,
		chromedp.EmulateViewport(phoneWidth, phoneHeight),
		chromedp.Navigate(s.base+path),
		chromedp.WaitReady("body"),
	)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
}

// waitTrue polls a script until it returns true.
func waitTrue(t *testing.T, ctx context.Context, within time.Duration, what, script string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !evalIn[bool](t, ctx, script) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noHorizontalScroll fails the test if the page is wider than the
// viewport.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := evalIn[int](t, ctx, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("%s is %d px wide at a %d px viewport: it scrolls sideways", page, w, phoneWidth)
	}
}

// TestBrowserPages: in a real Chromium at a phone's width, the overview
// shows a figure change live when chat arrives, hostile names show as
// text, and no page scrolls sideways.
func TestBrowserPages(t *testing.T) {
	s := newSite(t, console.Config{LiveEvery: 100 * time.Millisecond})
	ctx := browsertest.New(t)
	s.say("arena", "ann", "Ann", "hello")
	open(t, ctx, s, "arenamod", "/channels/arena")
	waitTrue(t, ctx, 5*time.Second, "the first live frame", `document.body.dataset.updated !== undefined`)
	if got := evalIn[string](t, ctx, `document.querySelector('[data-field="stream_chatters"]').textContent`); got != "1" {
		t.Fatalf("chatters this stream shows %q, want 1", got)
	}
	s.say("arena", "eve", hostile, "first time here")
	waitTrue(t, ctx, 5*time.Second, "the chatters figure to change live",
		`document.querySelector('[data-field="stream_chatters"]').textContent === "2"`)
	waitTrue(t, ctx, 5*time.Second, "eve's welcome in the last events",
		`Array.from(document.querySelectorAll('[data-events] .who')).some((e) => e.textContent === `+jsString(hostile)+`)`)
	if n := evalIn[int](t, ctx, `document.querySelectorAll('main img').length`); n != 0 {
		t.Fatalf("a display name injected %d img elements", n)
	}
	if _, err := s.engine.StartPoll(context.Background(), "arena", hearth.PollRequest{Question: "Which map?", Options: []string{"Dust", "Mirage"}}); err != nil {
		t.Fatal(err)
	}
	s.say("arena", "ann", "Ann", "!vote 2")
	waitTrue(t, ctx, 5*time.Second, "the poll's live tally",
		`(() => { const c = document.querySelectorAll('[data-poll] .count'); return c.length === 2 && c[1].textContent === "1"; })()`)
	if got := evalIn[string](t, ctx, `document.querySelector('[data-field="live-text"]').textContent`); got != "Live" {
		t.Errorf("the stream's state shows %q, want Live", got)
	}
	noHorizontalScroll(t, ctx, "the overview")
	shoot(t, ctx, "overview")

	for _, p := range []struct{ name, path string }{
		{"viewers", "/channels/arena/viewers"},
		{"viewer", "/channels/arena/viewers/eve"},
		{"polls", "/channels/arena/polls"},
		{"segments", "/channels/arena/segments"},
		{"streams", "/channels/arena/streams"},
		{"overlays", "/channels/arena/overlays"},
		{"settings", "/channels/arena/settings"},
		{"audit", "/channels/arena/audit"},
	} {
		open(t, ctx, s, "arena", p.path)
		if got := evalIn[string](t, ctx, `document.querySelector('[aria-current="page"]').textContent`); got == "" {
			t.Errorf("%s: no current page in the menu", p.name)
		}
		noHorizontalScroll(t, ctx, p.name)
		if p.name == "overlays" {
			waitTrue(t, ctx, 5*time.Second, "the previews to show each overlay", `Array.from(document.querySelectorAll('iframe.preview')).every((f) => {
				const d = f.contentDocument; return d && d.readyState === "complete" && d.title !== "" && !d.body.textContent.includes("Cannot GET"); })`)
		}
		shoot(t, ctx, p.name)
	}

	// The broadcaster grants moderators "forget" and a point limit from
	// the settings page's form: what its script sends is what the grants
	// route takes.
	open(t, ctx, s, "arena", "/channels/arena/settings")
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(cctx,
		chromedp.Click(`#grants input[value="forget"]`),
		chromedp.SetValue(`#point_limit`, "300"),
		chromedp.Click(`#grants button[type=submit]`),
	); err != nil {
		t.Fatalf("submit the grants form: %v", err)
	}
	waitTrue(t, ctx, 5*time.Second, "the grants saved and the page reloaded with them",
		`(() => { const n = document.querySelector(".notice"); const f = document.querySelector('#grants input[value="forget"]');
			return !!n && !n.hidden && n.textContent.includes("Grants saved") && !!f && f.checked; })()`)
	g, err := s.store.Grants(context.Background(), "arena")
	if err != nil || len(g.Actions) != 1 || g.Actions[0] != hearth.ActionForget || g.PointLimit != 300 {
		t.Fatalf("stored grants after the form: %+v, %v", g, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	out := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			out = append(out, '\\', byte(r))
		default:
			out = append(out, string(r)...)
		}
	}
	return string(append(out, '"'))
}

// shoot saves a full-page screenshot as console-NAME.png when
// -console.screenshots names a directory.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(cctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(*screenshots, "console-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

package overlays_test

import (
	"context"
	"database/sql"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
)

// shownGoal is one goal as the page shows it.
type shownGoal struct {
	Title       string `json:"title"`
	Count       string `json:"count"`
	Reached     bool   `json:"reached"`
	Celebrating bool   `json:"celebrating"`
}

const readGoalsJS = `Array.from(document.querySelectorAll('#goals > .goal'), (g) => ({
	title: g.querySelector('.goal-title').textContent,
	count: g.querySelector('.goal-count').textContent,
	reached: g.hasAttribute('data-reached'),
	celebrating: g.hasAttribute('data-celebrating'),
}))`

func waitGoals(t *testing.T, ctx context.Context, within time.Duration, want []shownGoal) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := eval[[]shownGoal](t, ctx, readGoalsJS)
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the goals show\n%+v\nwant\n%+v", within, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestGoalInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	reqs := watchRequests(t, ctx)
	l := startLive(t)
	bg := context.Background()
	if _, err := l.Engine.SetGoal(bg, "alice", "chat", hearth.GoalRequest{Title: hostileImg, Kind: hearth.GoalMessages, Target: 3, PerStream: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Engine.SetGoal(bg, "alice", "subs", hearth.GoalRequest{Title: "Road to 1,000 subs", Kind: hearth.GoalSubs, Target: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(l.pageURL("goal", "alice", "alice-secret"))); err != nil {
		t.Fatal(err)
	}
	waitGoals(t, ctx, 10*time.Second, []shownGoal{
		{Title: hostileImg, Count: "0 / 3"},
		{Title: "Road to 1,000 subs", Count: "0 / 1,000"},
	})

	l.say(t, privmsg("g1", "ann", "Ann", "", "one"))
	l.say(t, privmsg("g2", "bob", "Bob", "", "two"))
	waitGoals(t, ctx, 5*time.Second, []shownGoal{
		{Title: hostileImg, Count: "2 / 3"},
		{Title: "Road to 1,000 subs", Count: "0 / 1,000"},
	})
	// The bar moves to its place in 0.6 s.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		w := eval[float64](t, ctx, `document.querySelector('.goal-fill').getBoundingClientRect().width /
			document.querySelector('.goal-bar').getBoundingClientRect().width`)
		if w > 0.66 && w < 0.67 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bar at 2 of 3 is %.3f full", w)
		}
	}

	t.Run("ReachingItCelebrates", func(t *testing.T) {
		l.say(t, privmsg("g3", "cy", "Cy", "", "three"))
		waitGoals(t, ctx, 5*time.Second, []shownGoal{
			{Title: hostileImg, Count: "3 / 3", Reached: true, Celebrating: true},
			{Title: "Road to 1,000 subs", Count: "0 / 1,000"},
		})
		screenshot(t, ctx, "goal.png")
		eval[chromedp.Void](t, ctx, `document.documentElement.style.background = 'linear-gradient(135deg, #0b0f1a, #2a1b3d 60%, #0d3b2e) fixed'`)
		browsertest.Screenshot(t, ctx, "goal-dark.png")
		eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)
	})

	t.Run("HostileTitleInert", func(t *testing.T) {
		if n := eval[int](t, ctx, `document.querySelectorAll('#goals img, #goals script').length`); n != 0 {
			t.Errorf("%d elements made from a goal's title", n)
		}
		if f := reqs.foreign("http://" + l.Addr); len(f) != 0 {
			t.Errorf("requests beyond Hearth: %q", f)
		}
	})

	t.Run("CornerTransparent", func(t *testing.T) {
		shot := screenshot(t, ctx, "goal-corner.png")
		if _, _, _, a := shot.At(browsertest.Width-2, browsertest.Height-2).RGBA(); a != 0 {
			t.Errorf("bottom-right pixel has alpha %d, want 0", a)
		}
	})

	t.Run("OneGoalByID", func(t *testing.T) {
		q := url.Values{"channel": {"alice"}, "token": {"alice-secret"}, "id": {"subs"}}
		if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Addr+"/overlays/goal?"+q.Encode())); err != nil {
			t.Fatal(err)
		}
		// Reached before the page loaded: no celebration.
		waitGoals(t, ctx, 5*time.Second, []shownGoal{{Title: "Road to 1,000 subs", Count: "0 / 1,000"}})
	})
}

// TestThemesInBrowser: a theme and its overrides change the computed
// style of every kind, invalid overrides are ignored, and the channel's
// custom stylesheet comes after the theme. A hostile stylesheet that
// reached the database anyway is not served, and one that passes the
// check loads nothing from elsewhere.
func TestThemesInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	reqs := watchRequests(t, ctx)
	l := startLive(t)
	l.say(t, privmsg("t1", "ann", "Ann", "", "hello"))

	style := func(kind string, q url.Values, js string) string {
		t.Helper()
		q.Set("channel", "alice")
		q.Set("token", "alice-secret")
		if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Addr+"/overlays/"+kind+"?"+q.Encode())); err != nil {
			t.Fatal(err)
		}
		waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
		// Wait for the stylesheets theme.js adds.
		deadline := time.Now().Add(5 * time.Second)
		for eval[int](t, ctx, `Array.from(document.styleSheets).filter((s) => /(theme|custom)\.css/.test(s.href || '')).length`) != 2 {
			if time.Now().After(deadline) {
				t.Fatal("the theme and custom stylesheets never loaded")
			}
			time.Sleep(20 * time.Millisecond)
		}
		return eval[string](t, ctx, js)
	}
	const bodyStyle = `(() => { const s = getComputedStyle(document.body); return s.color + '|' + s.fontSize; })()`
	if got := style("leaderboard", url.Values{}, bodyStyle); got != "rgb(255, 255, 255)|20px" {
		t.Errorf("leaderboard with no theme: %s", got)
	}
	if got := style("leaderboard", url.Values{"theme": {"light"}, "size": {"26"}}, bodyStyle); got != "rgb(22, 24, 31)|26px" {
		t.Errorf("leaderboard, light theme at 26px: %s", got)
	}
	if got := style("poll", url.Values{"color": {"gold"}, "size": {"9000"}}, bodyStyle); got != "rgb(255, 215, 0)|20px" {
		t.Errorf("poll with a named colour and an out-of-range size: %s", got)
	}
	if got := style("alerts", url.Values{"color": {"url(https://evil.example/x)"}, "font": {"x;}body{color:red"}}, bodyStyle); got != "rgb(255, 255, 255)|20px" {
		t.Errorf("alerts with invalid overrides: %s", got)
	}
	const lineStyle = `(() => { const l = document.querySelector('.line'); const n = l.querySelector('.chat-name');
		return getComputedStyle(n).color + '|' + getComputedStyle(l).borderTopLeftRadius; })()`
	waitLine := func(q url.Values) string {
		t.Helper()
		got := style("chat", q, `String(document.querySelectorAll('.line').length)`)
		for deadline := time.Now().Add(5 * time.Second); got == "0"; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no chat line shown")
			}
			got = eval[string](t, ctx, `String(document.querySelectorAll('.line').length)`)
		}
		return eval[string](t, ctx, lineStyle)
	}
	if got := waitLine(url.Values{"accent": {"#ff0000"}, "radius": {"3"}}); got != "rgb(255, 0, 0)|3px" {
		t.Errorf("chat with an accent and a radius: %s", got)
	}

	t.Run("CustomCSSAfterTheTheme", func(t *testing.T) {
		if err := l.Engine.SetOverlayCSS(context.Background(), "alice",
			":root { --accent: #00ff00; }\n.line { border-radius: 0px; background-image: url(\"data:image/png;base64,iVBORw0KGgo=\"), url(#frag); }"); err != nil {
			t.Fatal(err)
		}
		if got := waitLine(url.Values{"accent": {"#ff0000"}, "radius": {"3"}}); got != "rgb(0, 255, 0)|0px" {
			t.Errorf("chat with a custom stylesheet over the theme: %s", got)
		}
	})

	t.Run("HostileStoredCSSNotServed", func(t *testing.T) {
		// Written past every check, straight into the database.
		db, err := sql.Open("sqlite", l.DBPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE overlay_css SET css = ? WHERE channel = 'alice'`,
			`@import url(https://evil.example/x.css); .line { background: url(https://evil.example/t.png); border-radius: 0px }`); err != nil {
			t.Fatal(err)
		}
		if got := waitLine(url.Values{"radius": {"3"}}); got != "rgb(255, 193, 94)|3px" {
			t.Errorf("chat with a hostile stored stylesheet: %s; want the theme alone", got)
		}
	})

	if f := reqs.foreign("http://" + l.Addr); len(f) != 0 {
		t.Errorf("requests beyond Hearth and Twitch's emotes: %q", f)
	}
}

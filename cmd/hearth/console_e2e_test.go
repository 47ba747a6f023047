package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestConsoleModeratorInChromium runs the real binary against the fake
// Twitch, and in Chromium: a moderator signs in with Twitch through the
// fake's authorize page, sees a figure of the overview change live when a
// chat line arrives, starts a poll from the polls page's form, sees the
// tally follow the votes from chat, adjusts a viewer's points from the
// viewer page with a reason, and finds both on the audit page under their
// login and role. Then the broadcaster changes the points per message on
// the settings page, and the next newcomer's !points reply in chat shows
// it. Each form is sent by the page's own script, so the fields it sends
// are the API's body (delta, reason, question, options, points.*).
func TestConsoleModeratorInChromium(t *testing.T) {
	t.Parallel()
	api := newAuthAPI(t)
	dir := t.TempDir()
	env := authEnv(api, dir)
	tok := api.IssueToken("arena", oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", "arena", "--token", tok.Access, "--refresh-token", tok.Refresh); code != 0 {
		t.Fatalf("auth import (exit %d):\n%s%s", code, out, stderr)
	}
	api.SetModerators("arena", "mia")
	env["HEARTH_TWITCH_CLIENT_SECRET"] = api.ClientSecret()
	env["HEARTH_ADMIN_TOKEN"] = "console-admin"
	env["HEARTH_BOT_TOKEN"] = "oauth:" + api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes[:2]), time.Hour).Access
	// Two viewers ask !points a moment apart.
	env["HEARTH_COMMANDS_GLOBAL_COOLDOWN"] = "0s"
	a := startArena(t, env["HEARTH_DATABASE_URL"], env)
	a.chatters["cat"] = twitchtest.Chatter{ID: "201", Login: "cat", DisplayName: "Cat"}
	a.chatters["dan"] = twitchtest.Chatter{ID: "202", Login: "dan", DisplayName: "Dan"}
	base := a.proc.baseURL(t)
	waitReady(t, base)
	a.say("ann", "hello")
	waitMetric(t, base, `hearth_store_flushed_changes_total`, 1)

	ctx := browsertest.New(t)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(cctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(script string) string {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(cctx, chromedp.Evaluate[string](script))
		if err != nil {
			t.Fatalf("evaluate %s: %v", script, err)
		}
		return v
	}
	// waitFor polls script until it returns true; a page that reloads
	// meanwhile (a form's answer, a new poll) fails an evaluation, which
	// is tried again.
	waitFor := func(what, script string, shown ...string) {
		t.Helper()
		if !waitTrueIn(t, ctx, script) {
			var got []string
			for _, s := range shown {
				got = append(got, eval(s))
			}
			t.Fatalf("timed out waiting for %s; the page shows %q", what, got)
		}
	}
	field := func(name string) string {
		return eval(`(document.querySelector('[data-field="` + name + `"]') || {}).textContent || ""`)
	}

	// Sign-in with Twitch, on the fake's authorize page; a moderator of
	// one channel lands on its overview.
	step("mia signs in", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#twitch"), chromedp.Click("#twitch"),
		chromedp.WaitVisible("#login"), chromedp.SendKeys("#login", "mia"), chromedp.Click("#authorize"), chromedp.WaitVisible("#role"))
	if path, role := eval(`location.pathname`), eval(`document.querySelector('#role').textContent`); path != "/channels/arena" || role != "moderator" {
		t.Fatalf("mia landed on %s as %q, want arena's overview as moderator", path, role)
	}

	// The overview, live: a chat line from a newcomer changes a figure.
	waitFor("the first live frame", `document.body.dataset.updated !== undefined`)
	if got := field("active_chatters"); got != "1" {
		t.Fatalf("active chatters shows %q, want 1 (ann)", got)
	}
	a.say("bob", "hi all")
	waitFor("the chatters figure to change live", `document.querySelector('[data-field="active_chatters"]').textContent === "2"`)

	// A poll from the polls page's form; votes from chat; the live tally.
	step("start a poll from the form", chromedp.Navigate(base+"/channels/arena/polls"), chromedp.WaitVisible("#question"),
		chromedp.SendKeys("#question", "Which map next?"), chromedp.SetValue("#options", "Dust\nMirage"),
		chromedp.Click(`form[data-api$="/polls"] button[type=submit]`))
	waitFor("the poll started and shown", `(() => { const n = document.querySelector(".notice");
		return !!n && !n.hidden && n.textContent === "Poll started." && document.querySelectorAll("[data-poll] .count").length === 2; })()`)
	a.say("ann", "!vote 2")
	a.say("bob", "!vote 1")
	a.say("mia", "!vote 2")
	waitFor("the tally to follow the votes", `(() => { const c = document.querySelectorAll("[data-poll] .count");
		return c.length === 2 && c[0].textContent === "1" && c[1].textContent === "2"; })()`,
		`document.querySelector("[data-poll]").textContent`)
	if q := eval(`document.querySelector("[data-poll] .q").textContent`); q != "Which map next?" {
		t.Errorf("the poll box shows the question %q", q)
	}

	// Points from the viewer page's form, with a reason.
	step("open ann's page", chromedp.Navigate(base+"/channels/arena/viewers/ann"), chromedp.WaitVisible("#delta"))
	before, err := strconv.ParseInt(field("points"), 10, 64)
	if err != nil {
		t.Fatalf("ann's points on her page: %v", err)
	}
	step("adjust ann's points", chromedp.SendKeys("#delta", "40"), chromedp.SendKeys("#reason", "won the map vote"),
		chromedp.Click(`form[data-api$="/points"] button[type=submit]`))
	waitFor("the adjusted points", fmt.Sprintf(`(() => { const n = document.querySelector(".notice");
		return !!n && !n.hidden && n.textContent === "Points adjusted." && document.querySelector('[data-field="points"]').textContent === "%d"; })()`, before+40))

	// The audit page: both changes, by mia as moderator.
	step("open the audit page", chromedp.Navigate(base+"/channels/arena/audit"), chromedp.WaitVisible("table.audit"))
	type row struct{ Who, Action, Target, Change string }
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	rows, err := chromedp.Run(cctx, chromedp.Evaluate[[]row](`Array.from(document.querySelectorAll("table.audit tbody tr")).map((tr) => {
		const td = tr.querySelectorAll("td"); return { Who: td[1].textContent, Action: td[2].textContent, Target: td[3].textContent, Change: td[4].textContent }; })`))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Who != "mia moderator" || rows[0].Action != "points.adjust" || rows[0].Target != "ann" ||
		!strings.Contains(rows[0].Change, `"reason":"won the map vote"`) || !strings.Contains(rows[0].Change, `"points":`+strconv.FormatInt(before+40, 10)) ||
		rows[1].Who != "mia moderator" || rows[1].Action != "poll.start" || !strings.Contains(rows[1].Change, "Which map next?") {
		t.Errorf("the audit page shows %+v", rows)
	}

	// The broadcaster's settings form: points per message, which the next
	// newcomer's !points reply in chat shows.
	perMessage := settingPerMessage(t, base)
	a.say("cat", "hello")
	cat := waitPointsReply(t, a, "cat", "Cat")
	owner := browsertest.New(t)
	ownerStep := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		cctx, cancel := context.WithTimeout(owner, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(cctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ownerStep("the broadcaster signs in and saves the points per message", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#twitch"),
		chromedp.Click("#twitch"), chromedp.WaitVisible("#login"), chromedp.SendKeys("#login", "arena"), chromedp.Click("#authorize"),
		chromedp.WaitVisible("#role"), chromedp.Navigate(base+"/channels/arena/settings"), chromedp.WaitVisible("#per_message"),
		chromedp.SetValue("#per_message", strconv.FormatInt(perMessage+25, 10)), chromedp.Click(`form[data-api$="/settings"] button[type=submit]`))
	waitTrue(t, owner, "the settings saved", `(() => { const n = document.querySelector(".notice"); return !!n && !n.hidden && n.textContent.startsWith("Settings saved"); })()`)
	if got := settingPerMessage(t, base); got != perMessage+25 {
		t.Fatalf("points per message after the form: %d, want %d", got, perMessage+25)
	}
	a.say("dan", "hello")
	if dan := waitPointsReply(t, a, "dan", "Dan"); dan-cat != 25 {
		t.Errorf("a newcomer's first message earned %d, then %d after the change; want 25 more", cat, dan)
	}
}

// settingPerMessage asks the API for arena's points per message.
func settingPerMessage(t *testing.T, base string) int64 {
	t.Helper()
	status, body := call(t, http.MethodGet, base+"/api/v1/channels/arena/settings", "console-admin")
	var st hearth.ChannelSettings
	if status != 200 || json.Unmarshal(body, &st) != nil || st.Points == nil || st.Points.PerMessage == nil {
		t.Fatalf("settings: %d %s", status, body)
	}
	return *st.Points.PerMessage
}

// waitPointsReply has login ask !points once its message is counted, and
// returns the points the bot's reply in chat gives.
func waitPointsReply(t *testing.T, a *arena, login, display string) int64 {
	t.Helper()
	a.say(login, "!points")
	re := regexp.MustCompile(regexp.QuoteMeta(display) + ` has (\d+) points`)
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range a.srv.Sent() {
			if got := re.FindStringSubmatch(m.Text); got != nil {
				n, _ := strconv.ParseInt(got[1], 10, 64)
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no !points reply for %s in chat: %+v", login, a.srv.Sent())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitTrueIn evaluates script in the page of ctx until it returns true,
// trying again when an evaluation fails because the page is reloading,
// and reports whether it did within 15 seconds.
func waitTrueIn(t *testing.T, ctx context.Context, script string) bool {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(cctx, chromedp.Evaluate[bool](script))
		cancel()
		if err == nil && ok {
			return true
		}
	}
	return false
}

// waitTrue is waitTrueIn that fails the test on a timeout.
func waitTrue(t *testing.T, ctx context.Context, what, script string) {
	t.Helper()
	if !waitTrueIn(t, ctx, script) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/stream/oauth"
)

// TestConsoleSignInInChromium runs the real binary against the fake
// Twitch: arena's broadcaster signed in with moderation:read, so Hearth
// asks Twitch who moderates. In Chromium a moderator with a hostile
// display name signs in with Twitch through the fake's authorize page and
// lands on the channel list; someone who moderates nothing is refused.
// Then a session adjusts points with its CSRF token, the change is in the
// audit log and its export, and the session outlives a restart.
func TestConsoleSignInInChromium(t *testing.T) {
	t.Parallel()
	api := newAuthAPI(t)
	dir := t.TempDir()
	env := authEnv(api, dir)
	tok := api.IssueToken("arena", oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", "arena", "--token", tok.Access, "--refresh-token", tok.Refresh); code != 0 {
		t.Fatalf("auth import (exit %d):\n%s%s", code, out, stderr)
	}
	api.SetModerators("arena", "mia")
	api.SetDisplayName("mia", `<img src=x onerror="window.pwned=1">Mia`)
	env["HEARTH_TWITCH_CLIENT_SECRET"] = api.ClientSecret()
	env["HEARTH_ADMIN_TOKEN"] = "console-admin"
	env["HEARTH_BOT_TOKEN"] = "oauth:" + api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes[:2]), time.Hour).Access
	db := env["HEARTH_DATABASE_URL"]
	a := startArena(t, db, env)
	base := a.proc.baseURL(t)
	waitReady(t, base)
	a.say("ann", "hello")
	waitMetric(t, base, `hearth_store_flushed_changes_total`, 1)

	type shown struct {
		Path, Who, Role, Channels, Refusal string
		Pwned, Badges                      bool
		Images                             int
	}
	look := `(() => ({
		Path: location.pathname,
		Who: (document.querySelector('#who') || {}).textContent || '',
		Role: (document.querySelector('#role') || {}).textContent || '',
		Badges: !!document.querySelector('#badges'),
		Channels: (document.querySelector('#channels') || {}).textContent || '',
		Refusal: (document.querySelector('#refusal') || {}).textContent || '',
		Pwned: window.pwned !== undefined,
		Images: document.querySelectorAll('img, script:not([src="/console/static/console.js"])').length,
	}))()`
	signIn := func(login, waitFor string) shown {
		t.Helper()
		ctx := browsertest.New(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#twitch"), chromedp.Click("#twitch"),
			chromedp.WaitVisible("#login"), chromedp.SendKeys("#login", login), chromedp.Click("#authorize"),
			chromedp.WaitVisible(waitFor)); err != nil {
			t.Fatalf("%s signs in: %v", login, err)
		}
		page, err := chromedp.Run(ctx, chromedp.Evaluate[shown](look))
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	// A moderator of one channel lands on its overview.
	mia := signIn("mia", "#role")
	if mia.Path != "/channels/arena" || mia.Who != `<img src=x onerror="window.pwned=1">Mia` || mia.Role != "moderator" ||
		mia.Badges || mia.Pwned || mia.Images != 0 {
		t.Errorf("the moderator's landing: %+v", mia)
	}
	nobody := signIn("nobody", "#refusal")
	if !strings.Contains(nobody.Refusal, "You moderate no channel Hearth serves") || nobody.Channels != "" {
		t.Errorf("the refusal: %+v", nobody)
	}

	// The same moderator, from a program: a session and its CSRF token.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	api.AuthorizeAs("mia")
	page := fetchPage(t, client, base+"/login/twitch")
	csrf := between(page, `name="csrf" value="`, `"`)
	points := base + "/api/v1/channels/arena/viewers/ann/points"
	if status, body := sessionPost(t, client, points, "", `{"delta": 25, "reason": "first to say hello"}`); status != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d %s, want 403", status, body)
	}
	if status, body := sessionPost(t, client, points, csrf, `{"delta": 25, "reason": "first to say hello"}`); status != http.StatusOK {
		t.Fatalf("adjust: %d %s", status, body)
	}
	var entries []hearth.AuditEntry
	out := runHearth(t, nil, "export", "--db", db, "--channel", "arena", "--audit")
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 1 || entries[0].Actor != "mia" ||
		entries[0].Role != hearth.AccessModerator || entries[0].Target != "ann" || !strings.Contains(entries[0].After, "first to say hello") {
		t.Errorf("export --audit: %v\n%s", err, out)
	}

	// A restart on the same database keeps the session.
	a.proc.stop(t)
	b := startArena(t, db, env)
	base = b.proc.baseURL(t)
	if page := fetchPage(t, client, base+"/"); !strings.Contains(page, "#arena") || !strings.Contains(page, "moderator") {
		t.Errorf("after a restart the session's landing is:\n%s", page)
	}
	u, _ := url.Parse(base)
	signedIn := false
	for _, c := range jar.Cookies(u) {
		signedIn = signedIn || c.Name == access.SessionCookie
	}
	if !signedIn {
		t.Error("no session cookie after the restart")
	}
}

// fetchPage GETs u, following redirects, and returns the page.
func fetchPage(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// sessionPost POSTs JSON as a signed-in browser's script would.
func sessionPost(t *testing.T, c *http.Client, u, csrf, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set(access.CSRFHeader, csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// between returns what s holds between the first before and the after
// that follows it.
func between(s, before, after string) string {
	_, rest, _ := strings.Cut(s, before)
	out, _, _ := strings.Cut(rest, after)
	return out
}

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/stream/eventsub"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestConsoleSignupEndToEnd runs the real binary against the fake Twitch
// with console.signup allowlist naming newbie: newbie signs in with
// Twitch, the console offers "Add my channel", and after Twitch's
// approval the browser lands on the channel's overview as its
// broadcaster; the fake chat sees the JOIN within seconds, EventSub
// subscribes for the channel with its token, the act is in the audit log,
// and a restart keeps the channel served.
func TestConsoleSignupEndToEnd(t *testing.T) {
	t.Parallel()
	api := newAuthAPI(t)
	env := authEnv(api, t.TempDir())
	srv := newChatServer(t)
	env["HEARTH_TWITCH_CLIENT_SECRET"] = api.ClientSecret()
	env["HEARTH_TWITCH_IRC_ADDR"] = srv.Addr()
	env["HEARTH_TWITCH_IRC_TLS"] = "false"
	env["HEARTH_CHANNELS"] = "arena"
	env["HEARTH_HTTP_ADDR"] = "127.0.0.1:0"
	env["HEARTH_BOT_USERNAME"] = "hearthbot"
	env["HEARTH_BOT_TOKEN"] = "oauth:test"
	env["HEARTH_CONSOLE_SIGNUP"] = "allowlist"
	env["HEARTH_CONSOLE_SIGNUP_ALLOWLIST"] = "someone,NewBie"
	p := startHearth(t, env, "serve")
	joined := func(srv *twitchtest.Server, channel string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.WaitJoined(ctx, channel); err != nil {
			t.Fatalf("hearth did not join #%s within 10 s: %v", channel, err)
		}
	}
	joined(srv, "arena")
	base := p.baseURL(t)
	waitReady(t, base)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	api.AuthorizeAs("newbie")
	home := fetchPage(t, client, base+"/login/twitch")
	if !strings.Contains(home, `id="add-channel"`) {
		t.Fatalf("the console offers newbie no sign-up:\n%s", home)
	}
	csrf := between(home, `name="csrf" value="`, `"`)
	api.AuthorizeAs("newbie")
	resp, err := client.PostForm(base+"/signup", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/channels/newbie" {
		t.Fatalf("sign-up ended with %d at %s", resp.StatusCode, resp.Request.URL)
	}
	joined(srv, "newbie")
	waitFor(t, "newbie's EventSub subscriptions", func() bool {
		return enabledSubscriptions(api, "newbie") == len(eventsub.Subscriptions)
	})
	page := fetchPage(t, client, base+"/channels/newbie")
	if role := between(page, `id="role">`, `<`); role != string(hearth.AccessBroadcaster) {
		t.Errorf("newbie's role on the overview = %q", role)
	}
	var entries []hearth.AuditEntry
	out := runHearth(t, nil, "export", "--db", env["HEARTH_DATABASE_URL"], "--channel", "newbie", "--audit")
	if err := json.Unmarshal([]byte(out), &entries); err != nil || len(entries) != 1 || entries[0].Actor != "newbie" ||
		entries[0].Action != "channel.add" || entries[0].Role != hearth.AccessBroadcaster {
		t.Errorf("export --audit: %v\n%s", err, out)
	}
	status := runHearth(t, env, "auth", "status")
	if !strings.Contains(status, "#newbie: newbie (user id "+twitchtest.UserID("newbie")+")") {
		t.Errorf("auth status does not list newbie's token:\n%s", status)
	}

	// A restart, on a new chat server: the channel is still served.
	p.stop(t)
	srv2 := newChatServer(t)
	env["HEARTH_TWITCH_IRC_ADDR"] = srv2.Addr()
	p = startHearth(t, env, "serve")
	joined(srv2, "arena")
	joined(srv2, "newbie")
	base = p.baseURL(t)
	if page := fetchPage(t, client, base+"/channels/newbie"); between(page, `id="role">`, `<`) != string(hearth.AccessBroadcaster) {
		t.Errorf("after a restart newbie's overview is:\n%s", page)
	}
}

// TestDemoConsoleLink runs `hearth demo`: the console link it prints
// opens the channel's overview in Chromium, signed in as the broadcaster,
// and the same link is refused when an HTTP client follows it again.
func TestDemoConsoleLink(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := startHearth(t, map[string]string{"HEARTH_HTTP_ADDR": "127.0.0.1:0", "TMPDIR": tmp,
		"HEARTH_DATABASE_URL": "sqlite://" + filepath.Join(tmp, "demo.db")}, "demo", "--viewers", "20", "--rate", "5")
	link := p.waitLine(t, `^console\s+broadcaster\s+(http://\S+)$`, 20*time.Second)[1]

	ctx := browsertest.New(t)
	type shown struct{ Path, Role, Who string }
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible("#role")); err != nil {
		t.Fatal(err)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`({Path: location.pathname,
		Role: document.querySelector('#role').textContent, Who: (document.querySelector('#who') || {}).textContent || ''})`))
	if err != nil {
		t.Fatal(err)
	}
	if page.Path != "/channels/hearthdemo" || page.Role != string(hearth.AccessBroadcaster) {
		t.Errorf("the console link landed on %+v", page)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(link)
	if resp.StatusCode != http.StatusForbidden || len(jar.Cookies(u)) != 0 {
		t.Errorf("the link used again answered %d, cookies %v", resp.StatusCode, jar.Cookies(u))
	}
	p.stop(t)
}

// TestSignupAllowlistConfig: the allowlist is comma-separated logins in
// the environment and on the command line, a list in YAML, lower-cased,
// a leading @ dropped; anything that is not a login is refused, naming the
// key.
func TestSignupAllowlistConfig(t *testing.T) {
	c, err := loadConfig(t, nil, map[string]string{"HEARTH_CONSOLE_SIGNUP": "allowlist", "HEARTH_CONSOLE_SIGNUP_ALLOWLIST": " Ann, @bob ,"}, "")
	if err != nil || c.ConsoleSignup != "allowlist" || !slices.Equal(c.ConsoleSignupAllowlist, []string{"ann", "bob"}) {
		t.Fatalf("env: %q %q, %v", c.ConsoleSignup, c.ConsoleSignupAllowlist, err)
	}
	c, err = loadConfig(t, []string{"--console-signup-allowlist", "zed"}, map[string]string{"HEARTH_CONSOLE_SIGNUP_ALLOWLIST": "ann"},
		"console:\n  signup: open\n  signup_allowlist: [mia]\n")
	if err != nil || c.ConsoleSignup != "open" || !slices.Equal(c.ConsoleSignupAllowlist, []string{"zed"}) {
		t.Fatalf("flag over env over file: %q %q, %v", c.ConsoleSignup, c.ConsoleSignupAllowlist, err)
	}
	if c, err = loadConfig(t, nil, nil, "console:\n  signup_allowlist: [mia, Leo]\n"); err != nil || !slices.Equal(c.ConsoleSignupAllowlist, []string{"mia", "leo"}) {
		t.Fatalf("file: %q, %v", c.ConsoleSignupAllowlist, err)
	}
	for _, bad := range []string{"ann,not a login", "a-b", "<script>"} {
		_, err := loadConfig(t, nil, map[string]string{"HEARTH_CONSOLE_SIGNUP_ALLOWLIST": bad}, "")
		if err == nil || !strings.Contains(err.Error(), "console.signup_allowlist") && !strings.Contains(err.Error(), "HEARTH_CONSOLE_SIGNUP_ALLOWLIST") {
			t.Errorf("%q: %v; want an error naming the key", bad, err)
		}
	}
}

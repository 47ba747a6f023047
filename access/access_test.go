package access_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// whoami asks the API what it makes of the browser for channel.
func (b *browser) whoami(channel string, header map[string]string) (int, map[string]any) {
	b.t.Helper()
	r := b.do(http.MethodGet, "/api/v1/whoami?channel="+channel, nil, header)
	var out map[string]any
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			b.t.Fatalf("whoami: %v: %s", err, r.body)
		}
	}
	return r.status, out
}

// TestTwitchSignInRoles signs each kind of person in with Twitch and
// checks the landing page and the role the API sees.
func TestTwitchSignInRoles(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.api.SetModerators("arena", "mia")
	w.api.SetModerators("other", "mia") // not asked: other's broadcaster has not signed in
	w.chat("other", "bea", true)
	w.chat("other", "mia", false)

	tests := []struct {
		login  string
		status int
		shows  []string
		roles  map[string]hearth.Access
		badges bool
	}{
		{"arena", 200, []string{"#arena", "broadcaster"}, map[string]hearth.Access{"arena": hearth.AccessBroadcaster, "other": ""}, false},
		{"mia", 200, []string{"#arena", "moderator"}, map[string]hearth.Access{"arena": hearth.AccessModerator, "other": ""}, false},
		{"bea", 200, []string{"#other", "moderator badge in chat"}, map[string]hearth.Access{"arena": "", "other": hearth.AccessModerator}, true},
		{"nobody", 403, []string{"you moderate no channel Hearth serves"}, map[string]hearth.Access{"arena": "", "other": ""}, false},
		// "stored" is in the store but not served: its broadcaster may open nothing.
		{"stored", 403, []string{"you moderate no channel Hearth serves"}, map[string]hearth.Access{"stored": ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			b := w.browser()
			page := b.signInTwitch(tt.login)
			if page.status != tt.status {
				t.Fatalf("landing: %d, want %d:\n%s", page.status, tt.status, page.body)
			}
			for _, s := range tt.shows {
				if !strings.Contains(page.body, s) {
					t.Errorf("the page does not say %q:\n%s", s, page.body)
				}
			}
			for ch, want := range tt.roles {
				status, who := b.whoami(ch, nil)
				if status != 200 || who["access"] != string(want) || who["login"] != tt.login || who["operator"] != false {
					t.Errorf("whoami(%s) = %d %v, want access %q", ch, status, who, want)
				}
				if want != "" && who["badges"] != tt.badges {
					t.Errorf("whoami(%s) badges = %v, want %v", ch, who["badges"], tt.badges)
				}
			}
		})
	}
}

// TestModeratorListCached: a moderator removed on Twitch keeps access for
// at most ModeratorsTTL, without a sign-out.
func TestModeratorListCached(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.api.SetModerators("arena", "mia")
	b := w.browser()
	if page := b.signInTwitch("mia"); page.status != 200 {
		t.Fatalf("landing %d", page.status)
	}
	asked := w.api.HelixRequests(twitchtest.HelixModerators)
	w.api.SetModerators("arena")
	if _, who := b.whoami("arena", nil); who["access"] != "moderator" {
		t.Fatalf("within the TTL: %v, want the cached moderator", who)
	}
	if n := w.api.HelixRequests(twitchtest.HelixModerators); n != asked {
		t.Errorf("Twitch was asked %d more times within the TTL", n-asked)
	}
	w.clock.Add(access.ModeratorsTTL)
	if _, who := b.whoami("arena", nil); who["access"] != "" {
		t.Fatalf("after the TTL: %v, want no role", who)
	}
	if page := b.get("/"); page.status != http.StatusForbidden {
		t.Errorf("landing after removal: %d, want 403", page.status)
	}
}

// TestHostileDisplayName: the name Twitch gives shows as text.
func TestHostileDisplayName(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.api.SetModerators("arena", "mia")
	w.api.SetDisplayName("mia", `<script>alert(1)</script>"Mia'`)
	page := w.browser().signInTwitch("mia")
	if page.status != 200 || strings.Contains(page.body, "<script>") ||
		!strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;Mia&#39;") {
		t.Fatalf("%d:\n%s", page.status, page.body)
	}
}

// TestStateRefused: a callback whose state is wrong, missing, another
// browser's or used makes no session.
func TestStateRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.api.SetModerators("arena", "mia")
	w.api.AuthorizeAs("mia")
	// start goes to Twitch and back, stopping before the callback.
	start := func(b *browser) *url.URL {
		t.Helper()
		r := b.get("/login/twitch")
		if r.status != http.StatusFound {
			t.Fatalf("/login/twitch: %d", r.status)
		}
		r = b.get(r.header.Get("Location"))
		u, err := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusFound || err != nil || u.Path != access.CallbackPath {
			t.Fatalf("Twitch answered %d to %q", r.status, r.header.Get("Location"))
		}
		return u
	}
	with := func(u *url.URL, key, value string) *url.URL {
		q := u.Query()
		if value == "" {
			q.Del(key)
		} else {
			q.Set(key, value)
		}
		v := *u
		v.RawQuery = q.Encode()
		return &v
	}
	refused := func(name string, b *browser, callback string) {
		t.Helper()
		r := b.get(callback)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Sign in again") {
			t.Errorf("%s: %d, want 400 asking to sign in again:\n%s", name, r.status, r.body)
		}
		if b.sessionCookie() != "" {
			t.Errorf("%s: a session was made", name)
		}
		if status, _ := b.whoami("arena", nil); status != http.StatusUnauthorized {
			t.Errorf("%s: the API answers %d, want 401", name, status)
		}
	}

	b := w.browser()
	refused("WrongState", b, with(start(b), "state", "forged").String())
	b = w.browser()
	refused("MissingState", b, with(start(b), "state", "").String())
	b = w.browser()
	refused("NoStateCookie", w.browser(), start(b).String())

	b = w.browser()
	callback := start(b).String()
	if r := b.get(callback); r.status != http.StatusSeeOther {
		t.Fatalf("the first callback: %d, want 303", r.status)
	}
	replay := w.browser()
	refused("ReusedState", replay, callback)

	b = w.browser()
	u := start(b)
	w.clock.Add(11 * time.Minute)
	refused("ExpiredState", b, u.String())

	b = w.browser()
	u = start(b)
	r := b.get(with(with(u, "code", ""), "error", "access_denied").String())
	if r.status != http.StatusUnauthorized || b.sessionCookie() != "" {
		t.Errorf("cancelled on Twitch: %d, session %q", r.status, b.sessionCookie())
	}
}

// TestCookieFlags: HttpOnly, SameSite=Lax, and Secure exactly when the
// public URL is https.
func TestCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		publicURL string
		secure    bool
	}{{"", false}, {"http://hearth.example:8080/", false}, {"https://hearth.example", true}} {
		w := newWorld(t, worldOptions{publicURL: tt.publicURL})
		w.api.AuthorizeAs("mia")
		b := w.browser()
		for _, r := range []response{b.signInToken(adminToken), b.get("/login/twitch")} {
			cookies := (&http.Response{Header: r.header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("%s: cookies %v", tt.publicURL, cookies)
			}
			c := cookies[0]
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tt.secure {
				t.Errorf("%s: cookie %s: HttpOnly %v SameSite %v Secure %v; want true, Lax, %v", tt.publicURL, c.Name, c.HttpOnly, c.SameSite, c.Secure, tt.secure)
			}
		}
		r := b.get("/login/twitch")
		loc, _ := url.Parse(r.header.Get("Location"))
		want := strings.TrimRight(tt.publicURL, "/") + access.CallbackPath
		if tt.publicURL == "" {
			want = w.base + access.CallbackPath
		}
		if got := loc.Query().Get("redirect_uri"); got != want || loc.Query().Get("response_type") != "code" || loc.Query().Get("client_id") != w.api.ClientID() {
			t.Errorf("%s: authorize URL %s, want redirect_uri %s", tt.publicURL, loc, want)
		}
	}
}

// TestAdminTokenAndRateLimit signs the operator in with the admin token,
// and refuses an address past LoginAttempts wrong ones, the right one too.
func TestAdminTokenAndRateLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	b := w.browser()
	if r := b.signInToken(adminToken); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("sign-in: %d %s", r.status, r.header.Get("Location"))
	}
	page := b.get("/")
	if page.status != 200 || !strings.Contains(page.body, "#arena") || !strings.Contains(page.body, "#other") ||
		strings.Contains(page.body, "#stored") || !strings.Contains(page.body, "operator") {
		t.Fatalf("the operator's landing: %d\n%s", page.status, page.body)
	}
	if _, who := b.whoami("arena", nil); who["access"] != "operator" || who["login"] != "operator" {
		t.Errorf("whoami: %v", who)
	}

	other := w.browser()
	for i := range access.LoginAttempts {
		if r := other.signInToken("guess" + string(rune('a'+i))); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "not the admin token") {
			t.Fatalf("wrong token %d: %d", i, r.status)
		}
	}
	r := other.signInToken(adminToken)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || other.sessionCookie() != "" {
		t.Fatalf("past the limit: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	status, _ := other.whoami("arena", map[string]string{"Authorization": "Bearer " + adminToken})
	if status != http.StatusTooManyRequests {
		t.Errorf("a bearer token past the limit: %d, want 429", status)
	}
	w.clock.Add(access.LoginWindow)
	if r := other.signInToken(adminToken); r.status != http.StatusSeeOther {
		t.Errorf("after the window: %d, want a sign-in", r.status)
	}
}

// TestCSRF: a session's changes carry its token; a bearer token's need
// none; logout ends the session.
func TestCSRF(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	b := w.browser()
	b.signInToken(adminToken)
	token := csrf(t, b.get("/").body)
	post := func(header map[string]string) int {
		return b.do(http.MethodPost, "/api/v1/whoami", nil, header).status
	}
	if s := post(nil); s != http.StatusForbidden {
		t.Errorf("without the token: %d, want 403", s)
	}
	if s := post(map[string]string{access.CSRFHeader: token + "x"}); s != http.StatusForbidden {
		t.Errorf("with a wrong token: %d, want 403", s)
	}
	if s := post(map[string]string{access.CSRFHeader: token}); s != http.StatusOK {
		t.Errorf("with the token: %d, want 200", s)
	}
	anon := w.browser()
	if s := anon.do(http.MethodPost, "/api/v1/whoami", nil, map[string]string{"Authorization": "Bearer " + adminToken}).status; s != http.StatusOK {
		t.Errorf("a bearer token without CSRF: %d, want 200", s)
	}
	if s := anon.do(http.MethodPost, "/api/v1/whoami", nil, nil).status; s != http.StatusUnauthorized {
		t.Errorf("nobody: %d, want 401", s)
	}

	secret := b.sessionCookie()
	if r := b.do(http.MethodPost, "/logout", url.Values{}, nil); r.status != http.StatusForbidden {
		t.Errorf("logout without the token: %d, want 403", r.status)
	}
	if r := b.do(http.MethodPost, "/logout", url.Values{"csrf": {token}}, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("logout: %d %s", r.status, r.header.Get("Location"))
	}
	if r := b.get("/"); r.status != http.StatusFound || r.header.Get("Location") != "/login" {
		t.Errorf("after logout /: %d %s, want a redirect to /login", r.status, r.header.Get("Location"))
	}
	replay := w.browser()
	replay.jar.SetCookies(mustURL(w.base), []*http.Cookie{{Name: access.SessionCookie, Value: secret}})
	if status, _ := replay.whoami("arena", nil); status != http.StatusUnauthorized {
		t.Errorf("the signed-out session's cookie: %d, want 401", status)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSessionExpiry: a session ends after IdleTimeout unused and after
// AbsoluteTimeout however used; a new sign-in gets a new secret.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	b := w.browser()
	b.signInToken(adminToken)
	first := b.sessionCookie()
	b.signInToken(adminToken)
	if second := b.sessionCookie(); second == first || second == "" {
		t.Fatal("a sign-in kept the browser's session secret")
	}
	old := w.browser()
	old.jar.SetCookies(mustURL(w.base), []*http.Cookie{{Name: access.SessionCookie, Value: first}})
	if status, _ := old.whoami("arena", nil); status != http.StatusUnauthorized {
		t.Errorf("the session signed in over: %d, want 401", status)
	}

	// Used every 11 hours, it lives until its absolute expiry.
	var used time.Duration
	for used+11*time.Hour < access.AbsoluteTimeout {
		w.clock.Add(11 * time.Hour)
		used += 11 * time.Hour
		if status, _ := b.whoami("arena", nil); status != http.StatusOK {
			t.Fatalf("after %v of use: %d, want 200", used, status)
		}
	}
	w.clock.Add(access.AbsoluteTimeout - used)
	if status, _ := b.whoami("arena", nil); status != http.StatusUnauthorized {
		t.Errorf("at the absolute expiry: %d, want 401", status)
	}

	b.signInToken(adminToken)
	w.clock.Add(access.IdleTimeout - time.Second)
	if status, _ := b.whoami("arena", nil); status != http.StatusOK {
		t.Fatalf("just inside the idle timeout: %d", status)
	}
	w.clock.Add(access.IdleTimeout)
	if status, _ := b.whoami("arena", nil); status != http.StatusUnauthorized {
		t.Errorf("idle past the timeout: %d, want 401", status)
	}
}

// TestSessionsSurviveRestart: a session made before a restart on the same
// database signs the browser in after it; expired ones are pruned.
func TestSessionsSurviveRestart(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.api.SetModerators("arena", "mia")
	b := w.browser()
	if page := b.signInTwitch("mia"); page.status != 200 {
		t.Fatal(page.status)
	}
	idle := w.browser()
	idle.signInToken(adminToken)
	w.stop()
	w.start(worldOptions{})
	// Cookies are not kept per port: the jar sends them to the new one.
	if status, who := b.whoami("arena", nil); status != 200 || who["access"] != "moderator" {
		t.Fatalf("after the restart: %d %v", status, who)
	}
	w.clock.Add(access.IdleTimeout / 2)
	b.whoami("arena", nil) // keeps b's session in use
	w.clock.Add(access.IdleTimeout/2 + time.Second)
	n, err := w.svc.Prune(t.Context())
	if err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want the idle session", n, err)
	}
	if status, _ := b.whoami("arena", nil); status != 200 {
		t.Errorf("the session in use was pruned: %d", status)
	}
}

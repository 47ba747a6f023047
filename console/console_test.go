package console_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/helix"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
	"github.com/hearthlive/hearth/web"
)

// hostile is a display name and a poll question that would inject an
// element if a page showed it as HTML.
const hostile = `<img src=x onerror=alert(1)>`

// people are the test's callers, each signed in for real: the operator
// with the admin token, the others with Twitch through the fake's
// authorize page. arena and bazaar are their channels' broadcasters (by
// user id); arenamod and bazaarmod are on Twitch's moderator list of
// their channel, which Hearth asks with the broadcaster's token; nobody
// moderates nothing; unsigned-in never signed in.
var people = []string{"operator", "arena", "arenamod", "bazaar", "bazaarmod", "nobody", "unsigned-in"}

// adminToken is the operator's.
const adminToken = "console-admin-token"

// site is the console of a real engine and SQLite store serving "arena"
// and "bazaar", mounted with the API, the overlays and the real sign-in
// (package access) as the binary mounts them, beside the fake Twitch.
type site struct {
	base    string
	api     *twitchtest.API
	engine  *engine.Engine
	store   *sqlite.DB
	hub     *overlays.Hub
	console *console.Console
	// jars are the signed-in callers' cookies, by name; csrf their
	// sessions' CSRF tokens.
	jars map[string]http.CookieJar
	csrf map[string]string
}

func newSite(t *testing.T, cfg console.Config) *site {
	t.Helper()
	ctx := context.Background()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	api.SetModerators("arena", "arenamod")
	api.SetModerators("bazaar", "bazaarmod")
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sealer, err := oauth.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	o := &oauth.Client{BaseURL: api.AuthURL(), ClientID: api.ClientID(), ClientSecret: api.ClientSecret()}
	tokens := oauth.NewTokens(oauth.TokensConfig{Store: db, Sealer: sealer, Client: o})
	for _, ch := range []string{"arena", "bazaar"} {
		if _, err := db.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if err := db.SetBroadcasterID(ctx, ch, twitchtest.UserID(ch)); err != nil {
			t.Fatal(err)
		}
		// The broadcaster signed in with moderation:read, so Hearth asks
		// Twitch who moderates.
		tok := api.IssueToken(ch, oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
		if _, err := tokens.Save(ctx, ch, oauth.Grant{Access: tok.Access, Refresh: tok.Refresh, Scopes: tok.Scopes, ExpiresIn: time.Hour},
			oauth.Validation{UserID: tok.UserID, Login: ch, Scopes: tok.Scopes, ExpiresIn: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	hx, err := helix.New(helix.Config{BaseURL: api.HelixURL(), ClientID: api.ClientID(), Tokens: tokens, IDs: db, Channels: []string{"arena", "bazaar"}})
	if err != nil {
		t.Fatal(err)
	}
	hub := overlays.NewHub(storedTokens{db}, overlays.Options{})
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); _ = hub.Run(hubCtx) }()
	t.Cleanup(func() { stopHub(); <-hubDone })
	eng := engine.New(db, engine.Options{Broadcaster: hub, OverlayTokens: hub})
	if err := eng.Start(ctx, []string{"arena", "bazaar"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	svc, err := access.New(access.Config{AdminToken: adminToken, PublicURL: base, Store: db, Served: eng,
		SignIn: oauth.SignIn{OAuth: o}, Moderators: hx, ChatModerators: eng, DisplayNames: hx})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Engine, cfg.Store, cfg.Audit, cfg.Grants, cfg.Overlays = eng, db, db, db, hub
	cfg.SignedIn = svc.Pages()
	cfg.Identify = func(c *fiber.Ctx) console.Identity {
		if id := access.From(c); id != nil {
			return id
		}
		return nil
	}
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(web.Config{Store: db, Engine: eng, Polls: eng, Segments: eng, Channels: eng, OverlayTokens: eng,
		OverlaySettings: eng, OverlayEvents: eng, Console: con, AdminToken: adminToken, Access: svc, Grants: db, Audit: db, Overlays: hub})
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		con.Close()
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		<-done
	})
	s := &site{base: base, api: api, engine: eng, store: db, hub: hub, console: con,
		jars: map[string]http.CookieJar{}, csrf: map[string]string{}}
	for _, who := range people {
		s.signIn(t, who)
	}
	return s
}

// signIn signs who in as a browser would, following every redirect: the
// operator with the admin token, the others with Twitch, approved at
// once on the fake's side. It keeps the session's cookie and CSRF token.
func (s *site) signIn(t *testing.T, who string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.jars[who] = jar
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	var resp *http.Response
	switch who {
	case "unsigned-in":
		return
	case "operator":
		resp, err = client.PostForm(s.base+"/login", url.Values{"token": {adminToken}})
	default:
		s.api.AuthorizeAs(who)
		resp, err = client.Get(s.base + "/login/twitch")
		s.api.AuthorizeAs("")
	}
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, _ := strings.Cut(string(page), `<meta name="csrf-token" content="`)
	if s.csrf[who], _, _ = strings.Cut(rest, `"`); s.csrf[who] == "" {
		_, rest, _ = strings.Cut(string(page), `name="csrf" value="`)
		s.csrf[who], _, _ = strings.Cut(rest, `"`)
	}
	if s.csrf[who] == "" {
		t.Fatalf("%s: no session after signing in (%d):\n%.500s", who, resp.StatusCode, page)
	}
}

// sessionCookie returns who's session cookie, for a browser.
func (s *site) sessionCookie(t *testing.T, who string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(s.base)
	for _, c := range s.jars[who].Cookies(u) {
		if c.Name == access.SessionCookie {
			return c
		}
	}
	t.Fatalf("%s has no session", who)
	return nil
}

// storedTokens answers the overlays' token look-ups from the store.
type storedTokens struct{ db *sqlite.DB }

func (s storedTokens) OverlayToken(ctx context.Context, channel string) (string, error) {
	chs, err := s.db.Channels(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range chs {
		if c.Name == channel {
			return c.OverlayToken, nil
		}
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "channel %s is not served here", channel)
}

// say has login chat in channel now, under a display name.
func (s *site) say(channel, login, display, text string) {
	s.engine.Handle(hearth.Event{Kind: hearth.EventChat, Channel: channel, ID: fmt.Sprint(login, time.Now().UnixNano()), Time: time.Now(),
		User: hearth.Identity{ID: "id-" + login, Login: login, DisplayName: display}, Text: text})
}

// get fetches path as who, without following redirects.
func (s *site) get(t *testing.T, who, path string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{Jar: s.jars[who], Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// pages are every channel page of the console and the action each needs.
var pages = []struct {
	path   string
	action hearth.Action
}{
	{"", hearth.ActionView},
	{"/viewers", hearth.ActionView},
	{"/viewers/ann", hearth.ActionView},
	{"/polls", hearth.ActionView},
	{"/segments", hearth.ActionView},
	{"/streams", hearth.ActionView},
	{"/overlays", hearth.ActionView},
	{"/audit", hearth.ActionView},
}

func TestPagesByRole(t *testing.T) {
	s := newSite(t, console.Config{})
	s.say("arena", "ann", "Ann", "hello")
	s.say("bazaar", "ann", "Ann", "salut")
	testenv.WaitFor(t, 5*time.Second, "ann known in both channels", func() bool {
		_, err1 := s.engine.Viewer(context.Background(), "arena", "ann")
		_, err2 := s.engine.Viewer(context.Background(), "bazaar", "ann")
		return err1 == nil && err2 == nil
	})
	for _, pg := range pages {
		for _, tt := range []struct {
			who, channel string
			status       int
		}{
			{"operator", "arena", 200},
			{"operator", "bazaar", 200},
			{"arena", "arena", 200},
			{"arena", "bazaar", 403},
			{"arenamod", "arena", 200},
			{"arenamod", "bazaar", 403},
			{"bazaarmod", "arena", 403},
			{"bazaarmod", "bazaar", 200},
			{"nobody", "arena", 403},
			{"bazaar", "bazaar", 200},
			{"bazaar", "arena", 403},
			{"unsigned-in", "arena", 302},
			{"operator", "nosuch", 404},
			{"arenamod", "nosuch", 404},
		} {
			path := "/channels/" + tt.channel + pg.path
			t.Run(tt.who+" "+path, func(t *testing.T) {
				status, h, body := s.get(t, tt.who, path)
				if status != tt.status {
					t.Fatalf("%d, want %d\n%.300s", status, tt.status, body)
				}
				switch status {
				case 302:
					if loc := h.Get("Location"); loc != "/login" {
						t.Fatalf("sent to %q, want the sign-in page", loc)
					}
				case 403:
					if !strings.Contains(body, "your role on this channel does not allow it") || !strings.Contains(h.Get("Content-Type"), "text/html") {
						t.Fatalf("403 is not the forbidden page: %.300s", body)
					}
				case 200:
					if !strings.Contains(body, "#"+tt.channel) || !strings.Contains(body, `aria-current="page"`) {
						t.Fatalf("page does not name #%s or the current page: %.500s", tt.channel, body)
					}
				}
			})
		}
	}
}

func TestHomeListsOwnChannels(t *testing.T) {
	s := newSite(t, console.Config{})
	status, _, body := s.get(t, "operator", "/")
	if status != 200 || !strings.Contains(body, `href="/channels/arena"`) || !strings.Contains(body, `href="/channels/bazaar"`) {
		t.Fatalf("operator's home: %d %.500s", status, body)
	}
	status, h, _ := s.get(t, "arenamod", "/")
	if status != 303 || h.Get("Location") != "/channels/arena" {
		t.Fatalf("a moderator of one channel: %d to %q, want sent to its overview", status, h.Get("Location"))
	}
	status, _, body = s.get(t, "nobody", "/")
	if status != 403 || strings.Contains(body, "/channels/") || !strings.Contains(body, "You moderate no channel Hearth serves") {
		t.Fatalf("nobody's home: %d %.500s", status, body)
	}
	if status, h, _ := s.get(t, "unsigned-in", "/"); status != 302 || h.Get("Location") != "/login" {
		t.Fatalf("unsigned: %d %q", status, h.Get("Location"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newSite(t, console.Config{})
	for _, path := range []string{"/", "/channels/arena", "/channels/arena/polls", "/channels/bazaar"} {
		_, h, body := s.get(t, "arenamod", path)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		// No inline script or style: every <script> has a src, no style
		// attribute or element.
		for _, bad := range []string{"<script>", "<style", " style=", "javascript:"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page has %q, which its CSP refuses", path, bad)
			}
		}
	}
	for _, f := range []struct{ path, ctype string }{
		{"/console/static/console.css", "text/css"},
		{"/console/static/console.js", "text/javascript"},
	} {
		status, h, _ := s.get(t, "unsigned-in", f.path)
		if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), f.ctype) {
			t.Errorf("%s: %d %q", f.path, status, h.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/console/static/nope.js", "/console/static/../console.go", "/console/static/"} {
		if status, _, _ := s.get(t, "unsigned-in", path); status != 404 {
			t.Errorf("%s: %d, want 404", path, status)
		}
	}
}

// TestHostileText: a display name and a poll's question and options that
// are HTML show as text on every page, and no element is injected.
func TestHostileText(t *testing.T) {
	s := newSite(t, console.Config{})
	ctx := context.Background()
	s.say("arena", "ann", hostile, "hello")
	s.say("arena", "bob", `"><script>alert(2)</script>`, "hi")
	testenv.WaitFor(t, 5*time.Second, "ann and bob known", func() bool {
		_, err1 := s.engine.Viewer(ctx, "arena", "ann")
		_, err2 := s.engine.Viewer(ctx, "arena", "bob")
		return err1 == nil && err2 == nil
	})
	if _, err := s.engine.StartPoll(ctx, "arena", hearth.PollRequest{Question: hostile + "?", Options: []string{"<b>yes</b>", hostile}}); err != nil {
		t.Fatal(err)
	}
	s.say("arena", "ann", hostile, "!vote 2")
	testenv.WaitFor(t, 5*time.Second, "ann's vote counted", func() bool {
		p, ok, err := s.engine.CurrentPoll(ctx, "arena")
		return err == nil && ok && p.Tally.Voters == 1
	})
	for _, path := range []string{"", "/viewers", "/viewers/ann", "/viewers/bob", "/polls", "/segments", "/streams", "/overlays", "/audit", "/viewers?q=" + hostile} {
		status, _, body := s.get(t, "operator", "/channels/arena"+path)
		if status != 200 {
			t.Fatalf("%s: %d", path, status)
		}
		for _, bad := range []string{"<img", "<b>yes", "<script>alert"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page holds %q as HTML", path, bad)
			}
		}
	}
	_, _, body := s.get(t, "operator", "/channels/arena/polls")
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;?") || !strings.Contains(body, "&lt;b&gt;yes&lt;/b&gt;") {
		t.Errorf("the poll's question and options are not shown as text:\n%s", body)
	}
	_, _, body = s.get(t, "operator", "/channels/arena/viewers/ann")
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the display name is not shown as text:\n%s", body)
	}
}

func TestLanguage(t *testing.T) {
	lang := map[string]string{"bazaar": "fr"}
	s := newSite(t, console.Config{Language: func(ch string) string { return lang[ch] }})
	for _, tt := range []struct {
		who, path, accept string
		want, wantLang    string
	}{
		{"operator", "/channels/arena", "fr-CA,fr;q=0.9,en;q=0.5", "Vue d&#39;ensemble", "fr"},
		{"operator", "/channels/arena", "en-GB,fr;q=0.5", "Overview", "en"},
		{"operator", "/channels/arena", "de, fr;q=0.8, en;q=0.9", "Overview", "en"},
		{"operator", "/channels/arena", "de", "Overview", "en"},
		{"operator", "/channels/bazaar", "de", "Vue d&#39;ensemble", "fr"},
		{"operator", "/channels/bazaar", "", "Vue d&#39;ensemble", "fr"},
		{"operator", "/channels/bazaar", "en", "Overview", "en"},
		{"operator", "/channels/bazaar", "fr;q=0, de", "Vue d&#39;ensemble", "fr"},
		{"operator", "/channels/bazaar", "zz;q=abc, en;q=0.1", "Overview", "en"},
	} {
		_, _, body := s.get(t, tt.who, tt.path, "Accept-Language", tt.accept)
		if !strings.Contains(body, `<html lang="`+tt.wantLang+`">`) || !strings.Contains(body, tt.want) {
			t.Errorf("%s with Accept-Language %q: want %s (%q)\n%.300s", tt.path, tt.accept, tt.wantLang, tt.want, body)
		}
	}
}

// TestLive: the live stream sends the overview at once and again when
// chat changes it; it ends when the client goes, and a channel holds at
// most MaxLive of them.
func TestLive(t *testing.T) {
	s := newSite(t, console.Config{LiveEvery: 20 * time.Millisecond, MaxLive: 2})
	open := func(who string) (*http.Response, *bufio.Reader) {
		req, err := http.NewRequest("GET", s.base+"/channels/arena/live", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Jar: s.jars[who]}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, bufio.NewReader(resp.Body)
	}
	next := func(r *bufio.Reader) string {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("live stream ended: %v", err)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				return data
			}
		}
	}
	resp, r := open("arenamod")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if first := next(r); !strings.Contains(first, `"active_chatters":0`) || !strings.Contains(first, `"channel":"arena"`) {
		t.Fatalf("first frame %s", first)
	}
	s.say("arena", "ann", hostile, "hello")
	if second := next(r); !strings.Contains(second, `"active_chatters":1`) || !strings.Contains(second, `"stream_chatters":1`) {
		t.Fatalf("frame after a message %s", second)
	}
	if status, _, _ := s.get(t, "bazaarmod", "/channels/arena/live"); status != 403 {
		t.Fatalf("a moderator of another channel got %d from the live stream", status)
	}
	resp2, _ := open("operator")
	defer resp2.Body.Close()
	if s.console.Live("arena") != 2 {
		t.Fatalf("%d live streams counted, want 2", s.console.Live("arena"))
	}
	if status, _, body := s.get(t, "operator", "/channels/arena/live"); status != http.StatusTooManyRequests || !strings.Contains(body, "too many live pages") {
		t.Fatalf("a third stream: %d %s, want 429", status, body)
	}
	resp.Body.Close()
	testenv.WaitFor(t, 5*time.Second, "the stream of the client that went to end", func() bool { return s.console.Live("arena") == 1 })
	s.console.Close()
	testenv.WaitFor(t, 5*time.Second, "every stream to end once the console closes", func() bool { return s.console.Live("arena") == 0 })
}

// TestSettingsPage: the settings page is the broadcaster's and the
// operator's; a moderator without the grant gets the forbidden page, and
// the menu offers it only to those who may open it.
func TestSettingsPage(t *testing.T) {
	s := newSite(t, console.Config{})
	for _, tt := range []struct {
		who    string
		status int
	}{{"operator", 200}, {"arena", 200}, {"arenamod", 403}, {"bazaarmod", 403}} {
		status, _, body := s.get(t, tt.who, "/channels/arena/settings")
		if status != tt.status {
			t.Fatalf("%s: %d, want %d", tt.who, status, tt.status)
		}
		if status == 200 && (!strings.Contains(body, `name="points.per_message"`) || !strings.Contains(body, `data-api="/api/v1/channels/arena/settings"`)) {
			t.Fatalf("%s: the form is not there: %.500s", tt.who, body)
		}
		_, _, overview := s.get(t, tt.who, "/channels/arena")
		if offered := strings.Contains(overview, `href="/channels/arena/settings"`); offered != (tt.status == 200) {
			t.Errorf("%s: the menu offers the settings: %v", tt.who, offered)
		}
	}
}

// call sends a JSON request to the API as who, with the session's CSRF
// token, as a page's script does.
func (s *site) call(t *testing.T, who, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(access.CSRFHeader, s.csrf[who])
	resp, err := (&http.Client{Jar: s.jars[who], Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSettingsFormTakesEffect: the rules form's fields are the settings
// route's body; a change the broadcaster saves shows in the form and
// applies to the next chat message at once, in that channel only.
func TestSettingsFormTakesEffect(t *testing.T) {
	s := newSite(t, console.Config{})
	ctx := context.Background()
	_, _, page := s.get(t, "arena", "/channels/arena/settings")
	for _, field := range []string{`data-api="/api/v1/channels/arena/settings" data-method="PUT"`, `name="points.per_message" data-type="int"`,
		`name="points.message_cooldown"`, `name="welcome.in_chat" data-type="bool"`, `name="ranks.ladder" data-type="ladder"`, `name="polls.duration"`} {
		if !strings.Contains(page, field) {
			t.Fatalf("the settings form lacks %s", field)
		}
	}
	before, err := s.engine.Settings(ctx, "bazaar")
	if err != nil {
		t.Fatal(err)
	}
	// The body the form's script builds from points.per_message and
	// points.message_cooldown.
	if status, body := s.call(t, "arenamod", http.MethodPut, "/api/v1/channels/arena/settings", `{"points": {"per_message": 37}}`); status != 403 {
		t.Fatalf("a moderator without the grant saved settings: %d %s", status, body)
	}
	if status, body := s.call(t, "arena", http.MethodPut, "/api/v1/channels/arena/settings", `{"points": {"per_message": 37, "message_cooldown": "1s"}}`); status != 200 {
		t.Fatalf("save: %d %s", status, body)
	}
	if status, body := s.call(t, "arena", http.MethodPut, "/api/v1/channels/arena/settings", `{"points": {"per_message": "lots"}}`); status != 400 || !strings.Contains(body, `"error"`) {
		t.Fatalf("a malformed value: %d %s, want 400 with an error", status, body)
	}
	_, _, page = s.get(t, "arena", "/channels/arena/settings")
	if !strings.Contains(page, `name="points.per_message" data-type="int" type="number" min="0" step="1" value="37"`) ||
		!strings.Contains(page, `name="points.message_cooldown" type="text" value="1s"`) {
		t.Fatalf("the form does not show the saved values:\n%s", page)
	}
	s.say("arena", "zed", "Zed", "hello there")
	s.say("bazaar", "zed", "Zed", "hello there")
	if err := s.engine.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	inArena, err1 := s.engine.Viewer(ctx, "arena", "zed")
	inBazaar, err2 := s.engine.Viewer(ctx, "bazaar", "zed")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if got, want := inArena.Points-inBazaar.Points, 37-*before.Points.PerMessage; got != want {
		t.Errorf("one message earns %d more in arena than in bazaar (%d, %d), want %d", got, inArena.Points, inBazaar.Points, want)
	}
}

// TestGrantsForm: the settings page offers the grants form to the
// broadcaster and the operator only, with every grantable action and the
// point limit; what the form sends is the grants route's body, and once
// saved the page shows it and the moderator's role follows it.
func TestGrantsForm(t *testing.T) {
	s := newSite(t, console.Config{})
	for _, who := range []string{"arena", "operator"} {
		_, _, page := s.get(t, who, "/channels/arena/settings")
		if !strings.Contains(page, `data-api="/api/v1/channels/arena/grants" data-method="PUT"`) || !strings.Contains(page, `name="point_limit" data-type="int"`) {
			t.Fatalf("%s: no grants form:\n%s", who, page)
		}
		for _, a := range hearth.Grantable {
			if !strings.Contains(page, `name="actions" data-type="set" type="checkbox" value="`+string(a)+`">`) {
				t.Errorf("%s: the grants form has no unticked box for %s", who, a)
			}
		}
	}
	if status, _, _ := s.get(t, "arenamod", "/channels/arena/settings"); status != 403 {
		t.Fatalf("a moderator without the grant opened the settings: %d", status)
	}
	if status, body := s.call(t, "arena", http.MethodPut, "/api/v1/channels/arena/grants", `{"actions": ["settings", "forget"], "point_limit": 250}`); status != 200 {
		t.Fatalf("grant: %d %s", status, body)
	}
	_, _, page := s.get(t, "arena", "/channels/arena/settings")
	for _, want := range []string{`value="settings" checked>`, `value="forget" checked>`, `value="overlay_tokens">`, `value="remove_channel">`, `name="point_limit" data-type="int" type="number" min="0" step="1" value="250"`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the grant the form lacks %s", want)
		}
	}
	// The moderator now opens the settings, without the grants form, and
	// the menu offers them; points beyond the new limit are refused.
	status, _, page := s.get(t, "arenamod", "/channels/arena/settings")
	if status != 200 || strings.Contains(page, "/grants") || !strings.Contains(page, `name="points.per_message"`) {
		t.Fatalf("the granted moderator's settings page: %d\n%s", status, page)
	}
	if _, _, overview := s.get(t, "arenamod", "/channels/arena"); !strings.Contains(overview, `href="/channels/arena/settings"`) {
		t.Error("the granted moderator's menu does not offer the settings")
	}
	s.say("arena", "ann", "Ann", "hello")
	if err := s.engine.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, body := s.call(t, "arenamod", http.MethodPost, "/api/v1/channels/arena/viewers/ann/points", `{"delta": 251, "reason": "too much"}`); status != 403 {
		t.Errorf("beyond the granted limit: %d %s, want 403", status, body)
	}
	if status, body := s.call(t, "arenamod", http.MethodPut, "/api/v1/channels/arena/grants", `{"actions": ["settings"]}`); status != 403 {
		t.Errorf("a moderator changed the grants: %d %s", status, body)
	}
	if status, body := s.call(t, "arena", http.MethodPut, "/api/v1/channels/arena/grants", `{"actions": ["grants"]}`); status != 400 {
		t.Errorf("granting what is not grantable: %d %s, want 400", status, body)
	}
	_, _, audit := s.get(t, "arena", "/channels/arena/audit")
	if !strings.Contains(audit, "grants.set") {
		t.Errorf("the audit page does not list the grant:\n%s", audit)
	}
}

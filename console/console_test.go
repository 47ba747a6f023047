package console_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
)

// hostile is a display name and a poll question that would inject an
// element if a page showed it as HTML.
const hostile = `<img src=x onerror=alert(1)>`

// person is who a test request comes from: the operator, or a Twitch
// user with a role on some channels.
type person struct {
	login    string
	operator bool
	roles    map[string]hearth.Access
}

func (p person) Login() string          { return p.login }
func (p person) DisplayName() string    { return p.login }
func (p person) FromBadges(string) bool { return false }
func (p person) Operator() bool         { return p.operator }
func (p person) CSRF() string           { return "csrf-" + p.login }
func (p person) Access(ch string) hearth.Access {
	if p.operator {
		return hearth.AccessOperator
	}
	return p.roles[ch]
}
func (p person) Can(ch string, a hearth.Action) bool {
	return hearth.Allowed(p.Access(ch), a, hearth.Grants{})
}

// people are the test's callers, by the name a request gives in its
// "as" cookie.
var people = map[string]person{
	"operator":    {login: "operator", operator: true},
	"arena":       {login: "arena", roles: map[string]hearth.Access{"arena": hearth.AccessBroadcaster}},
	"arenamod":    {login: "arenamod", roles: map[string]hearth.Access{"arena": hearth.AccessModerator}},
	"bazaarmod":   {login: "bazaarmod", roles: map[string]hearth.Access{"bazaar": hearth.AccessModerator}},
	"nobody":      {login: "nobody"},
	"frenchmod":   {login: "frenchmod", roles: map[string]hearth.Access{"bazaar": hearth.AccessModerator}},
	"unsigned-in": {},
}

// site is a console over a real engine and SQLite store serving "arena"
// and "bazaar".
type site struct {
	base    string
	engine  *engine.Engine
	store   *sqlite.DB
	console *console.Console
}

func newSite(t *testing.T, cfg console.Config) *site {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, ch := range []string{"arena", "bazaar"} {
		if _, err := db.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	hub := overlays.NewHub(storedTokens{db}, overlays.Options{})
	hubCtx, stopHub := context.WithCancel(context.Background())
	go func() { _ = hub.Run(hubCtx) }()
	t.Cleanup(stopHub)
	eng := engine.New(db, engine.Options{Broadcaster: hub})
	if err := eng.Start(ctx, []string{"arena", "bazaar"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	cfg.Engine, cfg.Store, cfg.Overlays = eng, db, hub
	cfg.Identify = func(c *fiber.Ctx) console.Identity {
		p, ok := people[c.Cookies("as")]
		if !ok || p.login == "" {
			return nil
		}
		return p
	}
	con, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true})
	hub.Register(app)
	con.Register(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		con.Close()
		_ = app.Shutdown()
	})
	return &site{base: "http://" + ln.Addr().String(), engine: eng, store: db, console: con}
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
	req.AddCookie(&http.Cookie{Name: "as", Value: who})
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
			{"unsigned-in", "arena", 303},
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
				case 303:
					if loc := h.Get("Location"); loc != "/login?next="+strings.ReplaceAll(path, "/", "%2F") {
						t.Fatalf("sent to %q, want the sign-in page with the way back", loc)
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
	if status, h, _ := s.get(t, "unsigned-in", "/"); status != 303 || !strings.HasPrefix(h.Get("Location"), "/login") {
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
		req.AddCookie(&http.Cookie{Name: "as", Value: who})
		resp, err := http.DefaultClient.Do(req)
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

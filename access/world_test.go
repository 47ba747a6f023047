package access_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/helix"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
	"github.com/hearthlive/hearth/web"
)

const adminToken = "0p3rat0r-t0ken"

// clock is a wall clock a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is Hearth's sign-in on a real SQLite file, a real engine serving
// "arena" and "other", and the fake Twitch: arena's broadcaster signed in
// with moderation:read, so arena's moderators come from Twitch; other's
// did not, so theirs come from chat badges.
type world struct {
	t     *testing.T
	api   *twitchtest.API
	path  string
	db    *sqlite.DB
	eng   *engine.Engine
	clock *clock
	svc   *access.Service
	base  string
	stop  func()
}

type worldOptions struct {
	publicURL string
	path      string // the database file; "" for a new one
	// signup and allowlist are console.signup and its allowlist.
	signup    string
	allowlist []string
}

func newWorld(t *testing.T, opts worldOptions) *world {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	w := &world{t: t, api: api, path: opts.path, clock: &clock{t: time.Now().UTC().Truncate(time.Millisecond)}}
	if w.path == "" {
		w.path = filepath.Join(t.TempDir(), "hearth.db")
	}
	w.start(opts)
	return w
}

// start opens the database and serves; stop undoes it, so a test can
// start again on the same file, as a restart does.
func (w *world) start(opts worldOptions) {
	t := w.t
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, w.path)
	if err != nil {
		t.Fatal(err)
	}
	w.db = db
	for _, ch := range []string{"arena", "other", "stored"} {
		if _, err := db.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if err := db.SetBroadcasterID(ctx, ch, twitchtest.UserID(ch)); err != nil {
			t.Fatal(err)
		}
	}
	// "stored" is known but no longer served: an operator removed it.
	if err := db.RemoveChannel(ctx, "stored", false); err != nil {
		t.Fatal(err)
	}
	sealer, err := oauth.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	o := &oauth.Client{BaseURL: w.api.AuthURL(), ClientID: w.api.ClientID(), ClientSecret: w.api.ClientSecret()}
	tokens := oauth.NewTokens(oauth.TokensConfig{Store: db, Sealer: sealer, Client: o})
	tok := w.api.IssueToken("arena", oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	if _, err := tokens.Save(ctx, "arena", oauth.Grant{Access: tok.Access, Refresh: tok.Refresh, Scopes: tok.Scopes, ExpiresIn: time.Hour},
		oauth.Validation{UserID: tok.UserID, Login: "arena", Scopes: tok.Scopes, ExpiresIn: time.Hour}); err != nil {
		t.Fatal(err)
	}
	hx, err := helix.New(helix.Config{BaseURL: w.api.HelixURL(), ClientID: w.api.ClientID(), Tokens: tokens, IDs: db, Channels: []string{"arena", "other"}})
	if err != nil {
		t.Fatal(err)
	}
	w.eng = engine.New(db, engine.Options{})
	if err := w.eng.Start(ctx, []string{"arena", "other"}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	public := opts.publicURL
	if public == "" {
		public = w.base
	}
	w.svc, err = access.New(access.Config{
		AdminToken: adminToken, PublicURL: public, Store: db, Served: w.eng,
		SignIn: oauth.SignIn{OAuth: o}, Moderators: hx, ChatModerators: w.eng, DisplayNames: hx, Now: w.clock.Now,
		Signup: access.Signup{Mode: opts.signup, Allowlist: opts.allowlist,
			Enroller: oauth.Broadcasters{OAuth: o, Tokens: tokens}, Channels: w.eng, IDs: db},
		Audit: db,
	})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			return c.Status(fe.Code).JSON(fiber.Map{"error": fe.Message})
		}
		return c.Status(web.StatusFor(err)).JSON(fiber.Map{"error": hearth.ErrorMessage(err)})
	}})
	w.svc.Register(app)
	api := app.Group("/api/v1", w.svc.API())
	// whoami answers what the middleware made of the caller, for a
	// channel named by ?channel=.
	whoami := func(c *fiber.Ctx) error {
		id := access.From(c)
		ch := c.Query("channel")
		return c.JSON(fiber.Map{"login": id.Login(), "operator": id.Operator(), "access": id.Access(ch),
			"badges": id.FromBadges(ch), "adjust": id.Can(ch, hearth.ActionAdjustPoints), "grants": id.Can(ch, hearth.ActionGrants)})
	}
	api.Get("/whoami", whoami)
	api.Post("/whoami", whoami)
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	stopped := false
	w.stop = func() {
		if stopped {
			return
		}
		stopped = true
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
		if err := w.eng.Close(context.Background()); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(w.stop)
}

// browser is an HTTP client with its own cookies that does not follow
// redirects on its own.
type browser struct {
	t   *testing.T
	w   *world
	c   *http.Client
	jar *cookiejar.Jar
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: w.t, w: w, jar: jar, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer with its body read.
type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, u string, form url.Values, header map[string]string) response {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.w.base + u
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(raw)}
}

func (b *browser) get(u string) response { return b.do(http.MethodGet, u, nil, nil) }

// follow GETs u and follows redirects, returning every answer in order.
func (b *browser) follow(u string) []response {
	b.t.Helper()
	var out []response
	for range 10 {
		r := b.get(u)
		out = append(out, r)
		if r.status < 300 || r.status > 399 {
			return out
		}
		u = r.header.Get("Location")
	}
	b.t.Fatalf("more than 10 redirects from %s", u)
	return nil
}

// signInTwitch signs in with Twitch as login, approved at once on the
// fake's side, and returns the last answer (the landing page or a refusal).
func (b *browser) signInTwitch(login string) response {
	b.t.Helper()
	b.w.api.AuthorizeAs(login)
	rs := b.follow("/login/twitch")
	return rs[len(rs)-1]
}

// signInToken signs in with the admin token and returns the answer. A
// browser signed in already sends its session's CSRF token with the form.
func (b *browser) signInToken(token string) response {
	form := url.Values{"token": {token}}
	if page := b.get("/"); page.status == http.StatusOK {
		form.Set("csrf", csrf(b.t, page.body))
	}
	return b.do(http.MethodPost, "/login", form, nil)
}

// sessionCookie returns the browser's session secret, "" if none.
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.w.base)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == access.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// csrf reads the CSRF token from a page's meta tag.
func csrf(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<meta name="csrf-token" content="`)
	token, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || token == "" {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return token
}

// chat says text in channel as login, with the moderator badge or not, and
// waits until the channel has taken it.
func (w *world) chat(channel, login string, mod bool) {
	w.t.Helper()
	var roles hearth.Role
	if mod {
		roles = hearth.RoleModerator
	}
	w.eng.Handle(hearth.Event{Kind: hearth.EventChat, Channel: channel, ID: login + time.Now().String(), Time: time.Now(),
		User: hearth.Identity{ID: twitchtest.UserID(login), Login: login, DisplayName: login}, Roles: roles, Text: "hello"})
	if err := w.eng.Sync(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

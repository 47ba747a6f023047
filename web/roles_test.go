package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
	"github.com/hearthlive/hearth/web"
)

// apiRoutes is every route of /api/v1 and the action it takes: a route
// the API registers and this table lacks fails TestEveryRouteEveryRole.
var apiRoutes = map[string]hearth.Action{
	"GET /api/v1/channels":                                 hearth.ActionChannels,
	"POST /api/v1/channels":                                hearth.ActionChannels,
	"DELETE /api/v1/channels/:channel":                     hearth.ActionRemoveChannel,
	"GET /api/v1/channels/:channel/settings":               hearth.ActionView,
	"GET /api/v1/channels/:channel/overlays":               hearth.ActionView,
	"POST /api/v1/channels/:channel/overlays/test":         hearth.ActionSettings,
	"POST /api/v1/channels/:channel/overlays/credits":      hearth.ActionSegments,
	"GET /api/v1/channels/:channel/goals":                  hearth.ActionView,
	"GET /api/v1/channels/:channel/goals/:id":              hearth.ActionView,
	"PUT /api/v1/channels/:channel/goals/:id":              hearth.ActionSettings,
	"DELETE /api/v1/channels/:channel/goals/:id":           hearth.ActionSettings,
	"GET /api/v1/channels/:channel/overlays/css":           hearth.ActionView,
	"PUT /api/v1/channels/:channel/overlays/css":           hearth.ActionSettings,
	"PUT /api/v1/channels/:channel/settings":               hearth.ActionSettings,
	"GET /api/v1/channels/:channel/viewers":                hearth.ActionView,
	"GET /api/v1/channels/:channel/viewers/:login":         hearth.ActionView,
	"DELETE /api/v1/channels/:channel/viewers/:login":      hearth.ActionForget,
	"POST /api/v1/channels/:channel/viewers/:login/points": hearth.ActionAdjustPoints,
	"GET /api/v1/channels/:channel/leaderboard":            hearth.ActionView,
	"POST /api/v1/channels/:channel/overlay-token":         hearth.ActionOverlayTokens,
	"GET /api/v1/channels/:channel/grants":                 hearth.ActionGrants,
	"PUT /api/v1/channels/:channel/grants":                 hearth.ActionGrants,
	"GET /api/v1/channels/:channel/audit":                  hearth.ActionView,
	"POST /api/v1/channels/:channel/polls":                 hearth.ActionPolls,
	"GET /api/v1/channels/:channel/polls":                  hearth.ActionView,
	"GET /api/v1/channels/:channel/polls/:id":              hearth.ActionView,
	"POST /api/v1/channels/:channel/polls/:id/end":         hearth.ActionPolls,
	"POST /api/v1/channels/:channel/polls/:id/cancel":      hearth.ActionPolls,
	"GET /api/v1/channels/:channel/streams":                hearth.ActionView,
	"GET /api/v1/channels/:channel/streams/:seq":           hearth.ActionView,
	"POST /api/v1/channels/:channel/segments":              hearth.ActionSegments,
	"POST /api/v1/channels/:channel/segments/end":          hearth.ActionSegments,
	"GET /api/v1/cluster":                                  hearth.ActionChannels,
}

// bodies are valid request bodies of the routes that take one.
var bodies = map[string]string{
	"POST /api/v1/channels":                                `{"name": "arena"}`,
	"PUT /api/v1/channels/:channel/settings":               `{}`,
	"POST /api/v1/channels/:channel/overlays/test":         `{"kind": "follow"}`,
	"POST /api/v1/channels/:channel/viewers/:login/points": `{"delta": 5, "reason": "helped a newcomer"}`,
	"PUT /api/v1/channels/:channel/grants":                 `{"actions": [], "point_limit": 0}`,
	"POST /api/v1/channels/:channel/polls":                 `{"question": "Next game?", "options": ["Tetris", "Doom"]}`,
	"POST /api/v1/channels/:channel/segments":              `{"name": "sponsor"}`,
}

// queries are added to routes whose action would change what the walk
// of every route relies on: a removal the handler refuses (400) once the
// caller is let through.
var queries = map[string]string{
	"DELETE /api/v1/channels/:channel": "?forget=maybe",
}

// consoleWorld is the API of a Hearth serving "arena" and "bravo" from a
// real engine on SQLite, with sign-in through the fake Twitch: arena's
// broadcaster is user "arena", and "mia" chatted in arena with the
// moderator badge (no broadcaster let Hearth ask Twitch).
type consoleWorld struct {
	t    *testing.T
	api  *twitchtest.API
	db   *sqlite.DB
	eng  *engine.Engine
	app  *fiber.App
	base string
}

func newConsoleWorld(t *testing.T) *consoleWorld {
	t.Helper()
	ctx := context.Background()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, ch := range []string{"arena", "bravo"} {
		if _, err := db.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if err := db.SetBroadcasterID(ctx, ch, twitchtest.UserID(ch)); err != nil {
			t.Fatal(err)
		}
	}
	eng := engine.New(db, engine.Options{})
	if err := eng.Start(ctx, []string{"arena", "bravo"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close(context.Background()) })
	w := &consoleWorld{t: t, api: api, db: db, eng: eng}
	for _, login := range []string{"ann", "bob"} {
		w.chat("arena", login, false)
		w.chat("bravo", login, false)
	}
	w.chat("arena", "mia", true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.base = "http://" + ln.Addr().String()
	o := &oauth.Client{BaseURL: api.AuthURL(), ClientID: api.ClientID(), ClientSecret: api.ClientSecret()}
	svc, err := access.New(access.Config{AdminToken: "s3cret", PublicURL: w.base, Store: db, Served: eng,
		SignIn: oauth.SignIn{OAuth: o}, ChatModerators: eng})
	if err != nil {
		t.Fatal(err)
	}
	w.app = web.New(web.Config{Store: db, Engine: eng, Polls: eng, Segments: eng, AdminToken: "s3cret",
		Access: svc, Grants: db, Audit: db})
	done := make(chan error, 1)
	go func() { done <- w.app.Listener(ln) }()
	t.Cleanup(func() {
		if err := w.app.Shutdown(); err != nil {
			t.Error(err)
		}
		<-done
	})
	return w
}

// chat says hello in channel as login and waits until it is applied.
func (w *consoleWorld) chat(channel, login string, mod bool) {
	w.t.Helper()
	var roles hearth.Role
	if mod {
		roles = hearth.RoleModerator
	}
	w.eng.Handle(hearth.Event{Kind: hearth.EventChat, Channel: channel, ID: channel + login + time.Now().String(), Time: time.Now(),
		User: hearth.Identity{ID: twitchtest.UserID(login), Login: login, DisplayName: login}, Roles: roles, Text: "hello"})
	if err := w.eng.Sync(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

// caller makes API requests as one person: a bearer token, a session (with
// its CSRF token), or nobody.
type caller struct {
	name   string
	client *http.Client
	bearer string
	csrf   string
}

// signIn signs login in with Twitch (the operator with the admin token
// when login is "") and returns the caller, with the session's CSRF token.
func (w *consoleWorld) signIn(name, login string) *caller {
	w.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &caller{name: name, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var resp *http.Response
	var err error
	if login == "" {
		resp, err = c.client.PostForm(w.base+"/login", url.Values{"token": {"s3cret"}})
	} else {
		w.api.AuthorizeAs(login)
		resp, err = c.client.Get(w.base + "/login/twitch")
	}
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, _ := strings.Cut(string(page), `name="csrf" value="`)
	c.csrf, _, _ = strings.Cut(rest, `"`)
	if c.csrf == "" {
		w.t.Fatalf("%s: no session after signing in (%d):\n%s", name, resp.StatusCode, page)
	}
	return c
}

func (c *caller) call(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.csrf != "" {
		req.Header.Set(access.CSRFHeader, c.csrf)
	}
	client := c.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEveryRouteEveryRole calls every API route the application registers
// as every kind of caller, on the caller's channel and on another.
func TestEveryRouteEveryRole(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	registered := map[string]bool{}
	for _, r := range w.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == fiber.MethodHead {
			continue
		}
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := apiRoutes[key]; !ok {
			t.Errorf("the API registers %s, which names no action in apiRoutes", key)
		}
	}
	for key := range apiRoutes {
		if !registered[key] {
			t.Errorf("apiRoutes names %s, which the API does not register", key)
		}
	}

	callers := []struct {
		c       *caller
		roles   map[string]hearth.Access // by channel
		refused int                      // the status of a refusal
	}{
		{&caller{name: "OperatorBearer", bearer: "s3cret"}, map[string]hearth.Access{"arena": hearth.AccessOperator, "bravo": hearth.AccessOperator}, 403},
		{w.signIn("OperatorSession", ""), map[string]hearth.Access{"arena": hearth.AccessOperator, "bravo": hearth.AccessOperator}, 403},
		{w.signIn("Broadcaster", "arena"), map[string]hearth.Access{"arena": hearth.AccessBroadcaster, "bravo": ""}, 403},
		{w.signIn("ModeratorOfArena", "mia"), map[string]hearth.Access{"arena": hearth.AccessModerator, "bravo": ""}, 403},
		{w.signIn("SignedInNobody", "nobody"), map[string]hearth.Access{"arena": "", "bravo": ""}, 403},
		{&caller{name: "NoSession"}, map[string]hearth.Access{"arena": "", "bravo": ""}, 401},
	}
	for _, cl := range callers {
		for key, action := range apiRoutes {
			for _, ch := range []string{"arena", "bravo"} {
				method, path, _ := strings.Cut(key, " ")
				u := strings.NewReplacer(":channel", ch, ":login", "bob", ":id", "1", ":seq", "1").Replace(path)
				role := cl.roles[ch]
				allowed := hearth.Allowed(role, action, hearth.Grants{})
				if action == hearth.ActionChannels {
					allowed = role == hearth.AccessOperator
				}
				status, body := cl.c.call(t, method, w.base+u+queries[key], bodies[key])
				switch {
				case allowed && (status == 401 || status == 403):
					t.Errorf("%s %s %s: %d %s, want it allowed", cl.c.name, method, u, status, body)
				case !allowed && status != cl.refused:
					t.Errorf("%s %s %s: %d %s, want %d", cl.c.name, method, u, status, body, cl.refused)
				}
			}
		}
	}
}

// TestSessionNeedsCSRF: a session's change without its CSRF token, or with
// another's, is refused and changes nothing.
func TestSessionNeedsCSRF(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	mod := w.signIn("mod", "mia")
	other := w.signIn("other", "arena")
	points := w.base + "/api/v1/channels/arena/viewers/bob/points"
	bob, err := w.eng.Viewer(context.Background(), "arena", "bob")
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"Missing": "", "Wrong": "x" + mod.csrf, "Another's": other.csrf} {
		c := *mod
		c.csrf = token
		if status, body := c.call(t, http.MethodPost, points, `{"delta": 5, "reason": "r"}`); status != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("%s: %d %s, want 403 naming the CSRF token", name, status, body)
		}
	}
	if v, err := w.eng.Viewer(context.Background(), "arena", "bob"); err != nil || v.Points != bob.Points {
		t.Errorf("bob after refused adjustments: %d points, %v; want his %d", v.Points, err, bob.Points)
	}
}

// TestPointsGrantsAndAudit: a moderator adjusts points within the limit,
// the broadcaster grants more, and the audit log lists every change.
func TestPointsGrantsAndAudit(t *testing.T) {
	t.Parallel()
	w := newConsoleWorld(t)
	mod := w.signIn("mod", "mia")
	owner := w.signIn("owner", "arena")
	base := w.base + "/api/v1/channels/arena"
	bob, err := w.eng.Viewer(context.Background(), "arena", "bob")
	if err != nil {
		t.Fatal(err)
	}

	status, body := mod.call(t, http.MethodPost, base+"/viewers/bob/points", `{"delta": 50, "reason": "won the quiz"}`)
	var rec struct {
		Login  string `json:"login"`
		Points int64  `json:"points"`
		Rank   string `json:"rank"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &rec) != nil || rec.Login != "bob" || rec.Points != bob.Points+50 || rec.Rank == "" {
		t.Fatalf("adjust: %d %s", status, body)
	}
	for _, tt := range []struct {
		name, body string
		status     int
		says       string
	}{
		{"OverTheLimit", `{"delta": 1001, "reason": "too generous"}`, 403, "at most 1000"},
		{"UnderTheLimit", `{"delta": -1001, "reason": "too harsh"}`, 403, "at most 1000"},
		{"NoReason", `{"delta": 5}`, 400, "reason"},
		{"BlankReason", `{"delta": 5, "reason": "   "}`, 400, "reason"},
		{"LongReason", `{"delta": 5, "reason": "` + strings.Repeat("é", web.MaxReasonLength+1) + `"}`, 400, "reason"},
		{"ZeroDelta", `{"delta": 0, "reason": "nothing"}`, 400, "delta"},
		{"UnknownField", `{"delta": 5, "reason": "r", "points": 9}`, 400, "points"},
		{"NotJSON", `delta=5`, 400, "JSON"},
	} {
		if status, body := mod.call(t, http.MethodPost, base+"/viewers/bob/points", tt.body); status != tt.status || !strings.Contains(body, tt.says) {
			t.Errorf("%s: %d %s, want %d saying %q", tt.name, status, body, tt.status, tt.says)
		}
	}
	if status, _ := mod.call(t, http.MethodPost, base+"/viewers/ghost/points", `{"delta": 5, "reason": "r"}`); status != 404 {
		t.Errorf("an unknown viewer: %d, want 404", status)
	}
	if status, _ := mod.call(t, http.MethodDelete, base+"/viewers/ann", ""); status != 403 {
		t.Errorf("a moderator forgets without the grant: %d, want 403", status)
	}
	if status, body := mod.call(t, http.MethodPut, base+"/grants", `{"actions": ["forget"]}`); status != 403 {
		t.Errorf("a moderator grants itself: %d %s, want 403", status, body)
	}
	if status, body := owner.call(t, http.MethodPut, base+"/grants", `{"actions": ["channels"]}`); status != 400 {
		t.Errorf("granting the operator's action: %d %s, want 400", status, body)
	}
	if status, body := owner.call(t, http.MethodPut, base+"/grants", `{"actions": ["forget"], "point_limit": 5000}`); status != 200 {
		t.Fatalf("grant: %d %s", status, body)
	}
	if status, body := mod.call(t, http.MethodPost, base+"/viewers/bob/points", `{"delta": 4000, "reason": "season prize"}`); status != 200 {
		t.Errorf("within the new limit: %d %s", status, body)
	}
	if status, body := mod.call(t, http.MethodDelete, base+"/viewers/ann", ""); status != 200 {
		t.Errorf("a moderator forgets with the grant: %d %s", status, body)
	}

	status, body = owner.call(t, http.MethodGet, base+"/audit?limit=2", "")
	var page struct {
		Entries []hearth.AuditEntry `json:"entries"`
		Next    int64               `json:"next"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Entries) != 2 || page.Next == 0 {
		t.Fatalf("audit: %d %s", status, body)
	}
	status, body = owner.call(t, http.MethodGet, base+"/audit?limit=2&before="+strconv.FormatInt(page.Next, 10), "")
	var rest struct {
		Entries []hearth.AuditEntry `json:"entries"`
		Next    int64               `json:"next"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &rest) != nil || len(rest.Entries) != 2 || rest.Next != 0 {
		t.Fatalf("audit, page 2: %d %s", status, body)
	}
	all := append(page.Entries, rest.Entries...)
	want := []struct {
		actor  string
		role   hearth.Access
		action string
		target string
		after  string
	}{
		{"mia", hearth.AccessModerator, "viewer.forget", "", ""},
		{"mia", hearth.AccessModerator, "points.adjust", "bob", `"points":` + strconv.FormatInt(bob.Points+4050, 10)},
		{"arena", hearth.AccessBroadcaster, "grants.set", "", `"point_limit":5000`},
		{"mia", hearth.AccessModerator, "points.adjust", "bob", `"reason":"won the quiz"`},
	}
	for i, e := range all {
		if e.Channel != "arena" || e.Actor != want[i].actor || e.Role != want[i].role || e.Action != want[i].action ||
			e.Target != want[i].target || !strings.Contains(e.After, want[i].after) || e.At.IsZero() {
			t.Errorf("entry %d = %+v, want %+v", i, e, want[i])
		}
	}
	if !strings.Contains(all[3].Before, `"points":`+strconv.FormatInt(bob.Points, 10)) || all[0].Before == "" {
		t.Errorf("before values: %q, %q", all[3].Before, all[0].Before)
	}
	if status, _ := mod.call(t, http.MethodGet, w.base+"/api/v1/channels/bravo/audit", ""); status != 403 {
		t.Errorf("another channel's audit log: %d, want 403", status)
	}
	if status, _ := owner.call(t, http.MethodGet, base+"/audit?before=x", ""); status != 400 {
		t.Errorf("a bad before: %d, want 400", status)
	}
}

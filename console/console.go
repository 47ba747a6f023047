// Package console serves the console: the pages a streamer, their
// moderators and the operator use in a browser, on a desk or on a phone.
//
// The pages are rendered on the server with html/template from templates
// embedded in the binary, in English or French, with a small amount of
// plain JavaScript from static files (no inline script: every page is
// served with a strict Content-Security-Policy). Each page names the
// hearth.Action it needs; a forbidden one answers 403 with a page. Pages
// only read. Every change a page offers (start a poll, adjust points, ...)
// is a form that the page's script sends, with the session's CSRF token,
// to the same /api/v1 route the API offers, so there is no second path
// to the engine.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
)

//go:embed templates static
var files embed.FS

// Identity is who a request comes from, as the sign-in middleware found
// them: the operator (signed in with the admin token) or a Twitch user.
type Identity interface {
	Login() string
	// DisplayName is the name Twitch shows for the caller (Login for the
	// operator); pages show it as text.
	DisplayName() string
	// FromBadges reports whether the caller's moderator role on channel
	// comes from the badge seen in chat, because Twitch could not be
	// asked; the pages say so.
	FromBadges(channel string) bool
	Operator() bool
	// Access is the caller's role on a channel.
	Access(channel string) hearth.Access
	// Can reports whether the caller may take action on channel.
	Can(channel string, action hearth.Action) bool
	// CSRF is the token every state-changing request must carry.
	CSRF() string
}

// Engine is what the pages ask of the running channels; *engine.Engine
// is one.
type Engine interface {
	Serves(channel string) bool
	// Overview returns a channel as it stands now.
	Overview(ctx context.Context, channel string) (hearth.Overview, error)
	// Viewer returns one viewer by login; ENOTFOUND if unknown.
	Viewer(ctx context.Context, channel, login string) (hearth.ViewerStats, error)
	// Position returns a viewer's place in the ranking and how many are
	// ranked.
	Position(ctx context.Context, channel, userID string) (pos, total int, err error)
	// Standing names a viewer's rank and current streak.
	Standing(ctx context.Context, channel string) (export.Ranker, error)
	Leaderboard(ctx context.Context, channel string, n int) (hearth.Leaderboard, error)
	// CurrentPoll returns the open or last poll since start.
	CurrentPoll(ctx context.Context, channel string) (hearth.Poll, bool, error)
	// Settings returns the channel's rules as settings, every one given.
	Settings(ctx context.Context, channel string) (hearth.ChannelSettings, error)
	// Goals returns the channel's goals, by id.
	Goals(ctx context.Context, channel string) ([]hearth.Goal, error)
	// OverlayCSS returns the channel's custom overlay stylesheet, "" for
	// none.
	OverlayCSS(ctx context.Context, channel string) (string, error)
}

// Overlays describes the overlay kinds served at /overlays/{kind}: their
// default sizes and parameters.
type Overlays interface {
	Catalog() []hearth.OverlayKind
}

// AuditLog reads a channel's audit log, newest first.
type AuditLog interface {
	Audit(ctx context.Context, channel string, n int, before int64) ([]hearth.AuditEntry, error)
}

// GrantReader reads what a channel's broadcaster grants its moderators;
// hearth.GrantStore is one.
type GrantReader interface {
	Grants(ctx context.Context, channel string) (hearth.Grants, error)
}

// Config is what the console serves from.
type Config struct {
	Engine Engine
	// Store reads what is stored: channels and their overlay tokens,
	// polls, stream recaps.
	Store hearth.History
	// Audit reads the audit log; nil shows it empty.
	Audit AuditLog
	// Grants reads the broadcaster's grants to moderators, which the
	// settings page offers to change to those who may (ActionGrants);
	// nil offers no grants form.
	Grants GrantReader
	// Overlays lists the overlay kinds; nil lists none.
	Overlays Overlays
	// Identify returns who the request comes from; nil (or an Identify
	// that returns nil) means nobody is signed in, and pages send the
	// browser to LoginPath.
	Identify func(c *fiber.Ctx) Identity
	// SignedIn, if set, runs before every page: the sign-in middleware,
	// which sends a browser nobody signed in to the sign-in page and
	// leaves who did for Identify (access.Service.Pages is one).
	SignedIn fiber.Handler
	// LoginPath is the sign-in page; "/login" if empty.
	LoginPath string
	// Language returns a channel's language setting ("en", "fr", ...),
	// used when the browser asks for no language the console speaks.
	Language func(channel string) string
	// LiveEvery is how often the live stream of a page looks for a
	// change; a second if zero. MaxLive bounds the live streams open per
	// channel; 16 if zero.
	LiveEvery time.Duration
	MaxLive   int
	Logger    *slog.Logger
}

// Console serves the pages. Close ends the live streams it holds open.
type Console struct {
	cfg   Config
	pages map[string]*template.Template
	log   *slog.Logger

	done      chan struct{}
	closeOnce sync.Once
	liveMu    sync.Mutex
	live      map[string]int // open live streams per channel
}

// New parses the embedded templates and returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.LoginPath == "" {
		cfg.LoginPath = "/login"
	}
	if cfg.LiveEvery <= 0 {
		cfg.LiveEvery = time.Second
	}
	if cfg.MaxLive <= 0 {
		cfg.MaxLive = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, pages: pages, log: cfg.Logger, done: make(chan struct{}), live: map[string]int{}}, nil
}

// Close ends every open live stream; the console still serves pages.
func (con *Console) Close() {
	con.closeOnce.Do(func() { close(con.done) })
}

// pagePolicy is the Content-Security-Policy of every console page: its
// own scripts, styles and frames (the overlay previews, which allow
// being framed by their own origin only) only, no inline script or
// style.
const pagePolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// Register adds the console's routes: / (the channels), the pages under
// /channels/{channel}, and the static files under /console/.
func (con *Console) Register(r fiber.Router) {
	r.Get("/console/static/*", con.static)
	r.Get("/", con.headers, con.signedIn, con.home)
	ch := r.Group("/channels/:channel", con.headers, con.signedIn, con.channel)
	ch.Get("/", con.need(hearth.ActionView), con.overview)
	ch.Get("/live", con.need(hearth.ActionView), con.liveStream)
	ch.Get("/viewers", con.need(hearth.ActionView), con.viewers)
	ch.Get("/viewers/:login", con.need(hearth.ActionView), con.viewer)
	ch.Get("/polls", con.need(hearth.ActionView), con.polls)
	ch.Get("/segments", con.need(hearth.ActionView), con.segments)
	ch.Get("/streams", con.need(hearth.ActionView), con.streams)
	ch.Get("/overlays", con.need(hearth.ActionView), con.overlays)
	ch.Get("/settings", con.need(hearth.ActionSettings), con.settings)
	ch.Get("/audit", con.need(hearth.ActionView), con.audit)
}

// headers sets the security headers of every page.
func (con *Console) headers(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", pagePolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// signedIn runs Config.SignedIn, if set.
func (con *Console) signedIn(c *fiber.Ctx) error {
	if con.cfg.SignedIn == nil {
		return c.Next()
	}
	return con.cfg.SignedIn(c)
}

// static serves the embedded CSS and JavaScript.
func (con *Console) static(c *fiber.Ctx) error {
	name := c.Params("*")
	if strings.Contains(name, "..") {
		return fiber.ErrNotFound
	}
	b, err := fs.ReadFile(files, "static/"+name)
	if err != nil {
		return fiber.ErrNotFound
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	default:
		return fiber.ErrNotFound
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(b)
}

// Request-scoped values the middleware leaves for the handlers.
const (
	localIdentity = "console.identity"
	localChannel  = "console.channel"
)

// identity returns who is signed in, or nil.
func (con *Console) identity(c *fiber.Ctx) Identity {
	if id, ok := c.Locals(localIdentity).(Identity); ok {
		return id
	}
	if con.cfg.Identify == nil {
		return nil
	}
	id := con.cfg.Identify(c)
	if id != nil {
		c.Locals(localIdentity, id)
	}
	return id
}

// signIn sends a browser nobody signed in to the sign-in page, to come
// back where it was.
func (con *Console) signIn(c *fiber.Ctx) error {
	return c.Redirect(con.cfg.LoginPath+"?next="+url.QueryEscape(c.OriginalURL()), http.StatusSeeOther)
}

// channel admits a request for a channel page from someone signed in,
// for a channel served here, and keeps the channel's name for the page.
func (con *Console) channel(c *fiber.Ctx) error {
	if con.identity(c) == nil {
		return con.signIn(c)
	}
	raw, err := url.PathUnescape(c.Params("channel"))
	ch := hearth.NormalizeChannel(raw)
	if err != nil || ch == "" || con.cfg.Engine == nil || !con.cfg.Engine.Serves(ch) {
		return con.fail(c, "", hearth.Errorf(hearth.ENOTFOUND, "no such channel"))
	}
	c.Locals(localChannel, ch)
	return c.Next()
}

// need admits a request whose caller may take action on the page's
// channel; others get a 403 page.
func (con *Console) need(action hearth.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ch := channelOf(c)
		if !con.identity(c).Can(ch, action) {
			return con.fail(c, ch, hearth.Errorf(hearth.EFORBIDDEN, "forbidden"))
		}
		return c.Next()
	}
}

func channelOf(c *fiber.Ctx) string {
	ch, _ := c.Locals(localChannel).(string)
	return ch
}

// home lists the channels the caller has a role on.
func (con *Console) home(c *fiber.Ctx) error {
	id := con.identity(c)
	if id == nil {
		return con.signIn(c)
	}
	chs, err := con.cfg.Store.Channels(c.UserContext())
	if err != nil {
		return con.fail(c, "", err)
	}
	var rows []channelRow
	for _, ch := range chs {
		if con.cfg.Engine == nil || !con.cfg.Engine.Serves(ch.Name) {
			continue
		}
		if a := id.Access(ch.Name); a != hearth.AccessNone {
			rows = append(rows, channelRow{Name: ch.Name, Access: a})
		}
	}
	home := homePage{Channels: rows}
	if su, ok := id.(signerUp); ok && su.MaySignUp() {
		home.Signup = true
	}
	if len(rows) == 1 && !id.Operator() && !home.Signup {
		return c.Redirect("/channels/"+url.PathEscape(rows[0].Name), http.StatusSeeOther)
	}
	if len(rows) == 0 && !id.Operator() && !home.Signup {
		c.Status(http.StatusForbidden)
	}
	return con.render(c, "home", "", home)
}

// signerUp is an Identity that may be offered to add their own channel
// (console.signup); *access.Identity is one.
type signerUp interface {
	MaySignUp() bool
}

// homePage is what the home page shows: the channels the caller may
// open, and whether to offer adding their own.
type homePage struct {
	Channels []channelRow
	Signup   bool
}

type channelRow struct {
	Name   string
	Access hearth.Access
}

// errorPage is what the error page shows.
type errorPage struct {
	Status int
	Key    string // the catalogue key of the explanation
}

// fail renders err as an error page with its status: 403 for a
// forbidden page, 404 for an unknown channel or viewer, 500 otherwise.
func (con *Console) fail(c *fiber.Ctx, channel string, err error) error {
	status := http.StatusInternalServerError
	key := "error.internal"
	switch hearth.ErrorCode(err) {
	case hearth.EFORBIDDEN:
		status, key = http.StatusForbidden, "error.forbidden"
	case hearth.ENOTFOUND:
		status, key = http.StatusNotFound, "error.notfound"
	case hearth.EINVALID:
		status, key = http.StatusBadRequest, "error.invalid"
	default:
		if !errors.Is(err, context.Canceled) {
			con.log.Error("console: page failed", "path", c.Path(), "err", err)
		}
	}
	c.Status(status)
	return con.render(c, "error", channel, errorPage{Status: status, Key: key})
}

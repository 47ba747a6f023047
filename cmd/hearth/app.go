package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/metrics"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/postgres"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/eventsub"
	"github.com/hearthlive/hearth/stream/helix"
	"github.com/hearthlive/hearth/stream/irc"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/web"
	"github.com/prometheus/client_golang/prometheus"
)

// Main is one running Hearth: it wires the store, engine, chat connection,
// overlay hub and HTTP server from a Config. Tests start it on ":0" and
// read HTTPAddr.
type Main struct {
	Config Config
	Logger *slog.Logger

	// HTTPAddr is the address the HTTP server listens on, once Run returns;
	// empty when Config.HTTPAddr is empty (no HTTP server).
	HTTPAddr string
	// Channels are the channels served at start, with their overlay
	// tokens; the API adds and removes channels later (Engine.Channels).
	Channels []hearth.ChannelInfo

	Store   hearth.Store
	Engine  *engine.Engine
	Chat    *irc.Chat
	Metrics *metrics.Metrics
	// Tokens hands out the Twitch tokens that "hearth auth" stored,
	// refreshed before they expire; Helix and EventSub take theirs from it.
	Tokens *oauth.Tokens

	// EventClock makes channels keep time by event timestamps only (replay).
	EventClock bool
	// NoNewKey keeps Run from creating the key file that seals stored
	// Twitch tokens when there is none (replay, which signs nothing in);
	// an existing key is still read.
	NoNewKey bool
	// Helix is the Twitch API client; nil when Hearth has no client id.
	Helix *helix.Client
	// helixCtx ends at shutdown; announcements sent through Helix use it.
	helixCtx context.Context

	rules    map[string]community.Rules
	tokens   *channelTokens
	registry *prometheus.Registry
	hub      *overlays.Hub
	console  *console.Console
	auth     *access.Service
	ln       net.Listener
	app      *fiber.App
	cancel   context.CancelFunc
	parts    parts
	chatErr  chan error

	// botTokens gives chat the stored bot token; nil when bot.token is
	// set or the bot has not signed in.
	botTokens hearth.TokenSource

	// eventSubChat holds the channels whose chat goes over EventSub
	// (guarded by chatMu, as channels come and go), and helixChat sends
	// their replies (eventsub.go); eventSub is the EventSub client, nil
	// while off.
	chatMu       sync.Mutex
	eventSubChat map[string]bool
	helixChat    *eventsub.Chat
	eventSub     *eventsub.Client

	// cluster holds the parts of an instance sharing the channels with
	// others (cluster.enabled); nil otherwise.
	cluster *clusterParts
}

// NewMain returns a Main with the given configuration.
func NewMain(cfg Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Logger: log, chatErr: make(chan error, 1)}
}

// Run binds the HTTP address, opens the store, loads the channels and
// starts every part. It returns once everything is started; Close stops it,
// also after Run failed.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	if len(cfg.Channels) == 0 && cfg.AdminToken == "" {
		return errors.New("no channels to join: set HEARTH_CHANNELS, --channels, or channels: in hearth.yaml (or HEARTH_ADMIN_TOKEN, to add channels over the API)")
	}
	rules := make(map[string]community.Rules, len(cfg.Channels))
	for _, ch := range cfg.Channels {
		r, err := cfg.RulesFor(ch)
		if err != nil {
			return err
		}
		rules[ch] = r
	}
	m.rules = rules
	if cfg.PublicURL != "" {
		if _, err := access.CheckPublicURL(cfg.PublicURL); err != nil {
			return fmt.Errorf("%w (set HEARTH_PUBLIC_URL or --public-url)", err)
		}
	}
	// Bind before anything slow starts, so that a taken port is an
	// immediate error whatever the database and chat are doing. demo
	// binds before it makes its files, and hands the listener over.
	if cfg.HTTPAddr != "" && m.ln == nil {
		ln, err := listen(cfg.HTTPAddr)
		if err != nil {
			return err
		}
		m.ln = ln
	}
	if m.ln != nil {
		m.HTTPAddr = m.ln.Addr().String()
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	m.Store = st
	if err := m.openTokens(ctx); err != nil {
		return err
	}
	cfg = m.Config

	m.registry = prometheus.NewRegistry()
	if m.Metrics, err = metrics.New(m.registry); err != nil {
		return err
	}
	if err := m.openCluster(); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.tokens = newChannelTokens()
	if m.cluster != nil {
		m.tokens.stored = m.storedOverlayToken
	}
	m.hub = overlays.NewHub(m.tokens, overlays.Options{
		Logger:                   m.Logger,
		OnPush:                   m.Metrics.OverlayPushed,
		MaxConnectionsPerChannel: cfg.OverlayMaxConnections,
		OnRefused:                m.Metrics.OverlayRefused,
		Styles:                   overlayStyles{m},
		Events:                   st,
	})
	m.Engine = engine.New(st, engine.Options{
		Rules:          m.rulesFor,
		EventClock:     m.EventClock,
		Chat:           chatRelay{m},
		FlushInterval:  cfg.FlushInterval,
		FlushSize:      cfg.FlushSize,
		Broadcaster:    m.broadcaster(),
		Fence:          m.fence(),
		LeaseLost:      m.leaseLost(),
		Events:         m.eventBroadcaster(),
		EventRetention: cfg.OverlayEventRetention,
		Recorder:       m.Metrics,
		Logger:         m.Logger,
		Polls:          m.Metrics,
		Figures:        m.Metrics,
		Watcher:        channelWatcher{m},
		OverlayTokens:  tokenSinks{m.tokens, m.hub},
	})
	// The channels served: those stored and not removed by an operator,
	// and the configured ones not stored yet.
	served, err := m.Engine.Served(ctx, cfg.Channels)
	if err != nil {
		return err
	}
	for _, name := range served {
		info, err := st.EnsureChannel(ctx, name)
		if err != nil {
			return fmt.Errorf("channel %s: %w", name, err)
		}
		m.tokens.SetOverlayToken(info.Name, info.OverlayToken)
		m.Channels = append(m.Channels, info)
		if m.cluster == nil {
			m.Metrics.AddChannel(info.Name, community.CommandRejections())
		}
	}
	// In a cluster the channels start as their leases are won.
	ircChannels, err := m.chatTransports(ctx, m.ownServed(served))
	if err != nil {
		return err
	}
	m.Chat, err = irc.NewChat(irc.ChatConfig{
		Addr:        cfg.TwitchIRCAddr,
		TLS:         cfg.TwitchIRCTLS,
		Username:    cfg.BotUsername,
		Token:       cfg.BotToken,
		Tokens:      m.botTokens,
		Channels:    ircChannels,
		UserLimit:   cfg.ChatUserLimit,
		ModLimit:    cfg.ChatModLimit,
		Window:      cfg.ChatWindow,
		Connections: cfg.ChatConnections,
		Handle:      m.Engine.Handle,
		Observer:    m.Metrics,
		Logger:      m.Logger,
	})
	if err != nil {
		return err
	}
	if m.cluster != nil {
		err = m.Engine.StartLeased(ctx)
	} else {
		err = m.Engine.Start(ctx, cfg.Channels)
		m.Metrics.ClusterInstances(1)
		m.Metrics.ChannelsOwned(len(m.Engine.Channels()))
	}
	if err != nil {
		return err
	}
	// Loading read every known viewer's row and kept a compact copy: the
	// rows (hundreds of megabytes at a million viewers) are garbage now.
	// Collect them and hand their memory back before serving, so the heap
	// grows from what is kept rather than from the peak of loading.
	debug.FreeOSMemory()

	m.parts.start("overlay hub", func() { _ = m.hub.Run(runCtx) })
	m.parts.start("chat", func() {
		if err := m.Chat.Run(runCtx); err != nil {
			m.Logger.Error("chat stopped", "err", err)
			m.chatErr <- err
		}
	})
	m.parts.start("overlay client gauge", func() { m.watchOverlayClients(runCtx) })
	m.parts.start("token refresher", func() { m.Tokens.Run(runCtx) })
	m.startHelix(runCtx)
	m.startEventSub(runCtx)
	if m.cluster != nil {
		m.startCluster(runCtx)
	}
	if m.ln != nil {
		if err := m.serveHTTP(runCtx); err != nil {
			return err
		}
	}
	return nil
}

// Err returns a channel that yields an error if a part stops for good
// (Twitch refused the chat login).
func (m *Main) Err() <-chan error { return m.chatErr }

// listen binds addr, with an error that says what to change.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	var serr *os.SyscallError
	if errors.As(err, &serr) {
		err = serr.Err
	}
	return nil, fmt.Errorf("cannot listen on %s: %w (set HEARTH_HTTP_ADDR or --http-addr to a free address)", addr, err)
}

// serveHTTP serves the console, the sign-in, the HTTP API, overlays and
// metrics on m.ln, and sweeps expired sessions until ctx ends.
func (m *Main) serveHTTP(ctx context.Context) error {
	auth, err := access.New(m.accessConfig())
	if err != nil {
		return err
	}
	m.auth = auth
	m.parts.start("session sweeper", func() { auth.Run(ctx) })
	con, err := console.New(console.Config{
		SignedIn: auth.Pages(),
		Identify: func(c *fiber.Ctx) console.Identity {
			if id := access.From(c); id != nil {
				return id
			}
			return nil
		},
		Engine:   m.webEngine(),
		Store:    m.Store,
		Audit:    m.Store,
		Grants:   m.Store,
		Overlays: m.hub,
		Language: m.language,
		Logger:   m.Logger,
	})
	if err != nil {
		return err
	}
	m.console = con
	apiEng := m.webEngine()
	m.app = web.New(web.Config{
		Store:           m.Store,
		Engine:          apiEng,
		Cluster:         m.webCluster(),
		Polls:           apiEng,
		Segments:        apiEng,
		Channels:        apiEng,
		OverlayTokens:   apiEng,
		OverlaySettings: apiEng,
		OverlayEvents:   apiEng,
		Console:         con,
		AdminToken:      m.Config.AdminToken,
		Access:          auth,
		Grants:          m.Store,
		Audit:           m.Store,
		Pprof:           m.Config.DebugPprof,
		Gatherer:        m.registry,
		Dashboard:       metrics.Dashboard(),
		Health:          health{m},
		Overlays:        m.hub,
		Recorder:        m.Metrics,
		Logger:          m.Logger,
	})
	m.parts.start("http server", func() {
		if err := m.app.Listener(m.ln); err != nil {
			m.Logger.Error("http server stopped", "err", err)
		}
	})
	return nil
}

// accessConfig is how people sign in: the admin token; Twitch with the
// client id and secret; moderators from Helix where it runs, else from
// chat badges.
func (m *Main) accessConfig() access.Config {
	cfg := m.Config
	ac := access.Config{
		AdminToken:     cfg.AdminToken,
		PublicURL:      m.PublicURL(),
		Store:          m.Store,
		Served:         m.Engine,
		ChatModerators: m.Engine,
		Audit:          m.Store,
		Logger:         m.Logger,
	}
	if cfg.TwitchClientID != "" && cfg.TwitchClientSecret != "" {
		ac.SignIn = oauth.SignIn{OAuth: &oauth.Client{BaseURL: cfg.TwitchAuthURL, ClientID: cfg.TwitchClientID, ClientSecret: cfg.TwitchClientSecret}}
		ac.Signup = m.signup()
	} else if cfg.ConsoleSignup != access.SignupOff {
		m.Logger.Warn("console.signup is on but signing in with Twitch is off: set twitch.client_id and twitch.client_secret", "console_signup", cfg.ConsoleSignup)
	}
	if m.Helix != nil {
		ac.Moderators, ac.DisplayNames = m.Helix, m.Helix
	}
	return ac
}

// language is a channel's language as its rules say now, for the
// console's pages.
func (m *Main) language(channel string) string {
	r, err := m.Engine.Rules(channel)
	if err != nil {
		return ""
	}
	return r.Language
}

// PublicURL is where browsers reach Hearth: public_url, else BaseURL.
func (m *Main) PublicURL() string {
	if m.Config.PublicURL != "" {
		return m.Config.PublicURL
	}
	return m.BaseURL()
}

// ready is what /readyz checks: chat is connected and the store takes
// the engine's writes (a store that answers a ping may still fail every
// flush: a full disk) and answers. It names every part that is not ready.
func (m *Main) ready(ctx context.Context) error {
	var not []string
	if !m.Chat.Connected() {
		not = append(not, "chat is not connected")
	}
	if err := m.Engine.WriteErr(); err != nil {
		not = append(not, err.Error())
	} else if err := m.Store.Ping(ctx); err != nil {
		not = append(not, fmt.Sprintf("store: %v", err))
	}
	if len(not) > 0 {
		return errors.New(strings.Join(not, "; "))
	}
	return nil
}

// health answers /readyz from the Main's parts.
type health struct{ m *Main }

// Ready is the Main's ready.
func (h health) Ready(ctx context.Context) error { return h.m.ready(ctx) }

// Degraded is the Main's degraded.
func (h health) Degraded() []string { return h.m.degraded() }

// watchOverlayClients keeps the overlay-clients gauge current.
func (m *Main) watchOverlayClients(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, name := range m.tokens.names() {
				m.Metrics.OverlayClients(name, m.hub.Clients(name))
			}
		}
	}
}

// BaseURL is where a browser reaches the HTTP server: the listen address
// with an unspecified host replaced by localhost.
func (m *Main) BaseURL() string {
	host, port, err := net.SplitHostPort(m.HTTPAddr)
	if err != nil {
		return "http://" + m.HTTPAddr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// OverlayURLs returns each overlay's URL for each channel, with its token.
func (m *Main) OverlayURLs() []string {
	var out []string
	for _, ch := range m.Channels {
		for _, kind := range overlays.Kinds() {
			q := url.Values{"channel": {ch.Name}, "token": {ch.OverlayToken}}
			out = append(out, m.BaseURL()+"/overlays/"+kind+"?"+q.Encode())
		}
	}
	return out
}

// PrintURLs writes the overlay and metrics URLs, one per line.
func (m *Main) PrintURLs(w io.Writer) {
	if m.HTTPAddr == "" {
		return
	}
	for _, u := range m.OverlayURLs() {
		kind := strings.TrimPrefix(u[len(m.BaseURL()):], "/overlays/")
		kind = kind[:strings.IndexByte(kind, '?')]
		fmt.Fprintf(w, "overlay %-12s %s\n", kind, u)
	}
	fmt.Fprintf(w, "metrics %-12s %s/metrics\n", "", m.BaseURL())
	fmt.Fprintf(w, "health  %-12s %s/readyz\n", "", m.BaseURL())
}

// Close stops reading chat, writes everything pending, and shuts down the
// HTTP server and the store. It returns when ctx ends at the latest, with
// an error naming what had not stopped and how many changes were not
// written.
func (m *Main) Close(ctx context.Context) error {
	var errs []error
	// A cluster instance hands its channels over first, while every part
	// still runs: each channel's last changes are written under its lease.
	if err := m.stopCluster(ctx); err != nil {
		errs = append(errs, err)
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.Engine != nil {
		// A store that hangs must not take the whole time: the parts
		// after the last flush need a moment to stop.
		fctx, cancel := flushDeadline(ctx)
		err := m.Engine.Close(fctx)
		cancel()
		if err != nil {
			errs = append(errs, err)
		}
	}
	if m.console != nil {
		m.console.Close() // the live pages' streams end, so the server can stop
	}
	if m.app != nil {
		if err := m.app.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	if m.ln != nil {
		// Also when the server never got to serve on it, or Shutdown
		// came before it did.
		_ = m.ln.Close()
	}
	if err := m.parts.wait(ctx); err != nil {
		errs = append(errs, err)
	}
	if m.Store != nil {
		if err := m.Store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// flushDeadline returns ctx ending a fifth of its time left earlier, at
// most a second earlier.
func flushDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-min(time.Second, time.Until(deadline)/5)))
}

// parts are the goroutines Main starts, by name, so that Close can wait for
// them within a deadline and say which did not stop.
type parts struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	running map[string]int
}

// start runs f in a goroutine known as name.
func (p *parts) start(name string, f func()) {
	p.mu.Lock()
	if p.running == nil {
		p.running = map[string]int{}
	}
	p.running[name]++
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() {
			p.mu.Lock()
			p.running[name]--
			p.mu.Unlock()
		}()
		f()
	}()
}

// wait returns when every part has returned, or when ctx ends with an
// error naming the parts still running.
func (p *parts) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for name, n := range p.running {
		if n > 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		// Every part returned as the time ran out (select picks either
		// of two ready cases).
		return nil
	}
	sort.Strings(names)
	return fmt.Errorf("still running when the shutdown timed out: %s: %w", strings.Join(names, ", "), ctx.Err())
}

// chatRelay lets the engine, built before the chat connection, send
// through it.
type chatRelay struct{ m *Main }

// Say sends through the chat connection once it exists.
func (r chatRelay) Say(channel, text string) {
	if r.m.overEventSub(channel) {
		if r.m.helixChat != nil {
			r.m.helixChat.Say(channel, text)
		}
		return
	}
	if r.m.Chat != nil {
		r.m.Chat.Say(channel, text)
	}
}

// overlayStyles answers the overlay hub's look-ups of custom stylesheets
// from the engine, which starts after the hub.
type overlayStyles struct{ m *Main }

// OverlayCSS returns a channel's custom overlay stylesheet.
func (s overlayStyles) OverlayCSS(ctx context.Context, channel string) (string, error) {
	if s.m.Engine == nil {
		return "", nil
	}
	return s.m.Engine.OverlayCSS(ctx, channel)
}

// rulesFor returns a channel's configured rules: the common ones with
// its overrides. A channel added while Hearth runs has no overrides
// (start-up refuses those of a channel not configured), so its rules are
// the common ones, which start-up checked.
func (m *Main) rulesFor(channel string) community.Rules {
	if r, ok := m.rules[channel]; ok {
		return r
	}
	r, err := m.Config.RulesFor(channel)
	if err != nil {
		m.Logger.Error("rules: unusable for a channel", "channel", channel, "err", err)
	}
	return r
}

// openStore opens the store a database URL names (see checkDatabase).
func openStore(ctx context.Context, dbURL string) (hearth.Store, error) {
	if err := checkDatabase(dbURL); err != nil {
		return nil, err
	}
	if isPostgres(dbURL) {
		db, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, sqlitePath(dbURL))
	if err != nil {
		return nil, err
	}
	return db, nil
}

// checkDatabase refuses a database URL Hearth cannot use
// (checkDatabaseURL) and a SQLite file in a directory that does not exist
// (checkDatabaseDir), before anything is started or made.
func checkDatabase(dbURL string) error {
	if err := checkDatabaseURL(dbURL); err != nil {
		return err
	}
	if isPostgres(dbURL) {
		return nil
	}
	return checkDatabaseDir(sqlitePath(dbURL))
}

// checkDatabaseDir refuses a SQLite file whose directory does not exist:
// a mistyped path must not quietly grow directories (and a key file) where
// nobody looks. The file itself is created on first start.
func checkDatabaseDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the database directory %s does not exist: create it (mkdir -p %s) or name another file with --db or HEARTH_DATABASE_URL", dir, dir)
	case err != nil:
		return fmt.Errorf("the database directory %s cannot be used: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("the database directory %s is not a directory: name another file with --db or HEARTH_DATABASE_URL", dir)
	}
	return nil
}

// databaseForms lists the database URLs Hearth accepts, for error messages.
const databaseForms = "sqlite:///abs/path.db, sqlite://./rel/path.db, a plain file path, or a postgres:// (postgresql://) URL"

// schemeLike matches the start of a URL ("mysql:", "file:") and of its
// typos with the colon left out ("sqlite//"). One letter and a colon is
// a Windows drive, not a scheme.
var schemeLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+(:|//)`)

// checkDatabaseURL accepts sqlite://PATH, postgres:// and postgresql://
// URLs, and a plain file path that does not start like a URL; anything
// else is refused rather than taken for a file name.
func checkDatabaseURL(dbURL string) error {
	switch {
	case dbURL == "":
		return errors.New("no database: set HEARTH_DATABASE_URL or --db to " + databaseForms)
	case isPostgres(dbURL):
		return nil
	case strings.HasPrefix(dbURL, "sqlite://"):
		if sqlitePath(dbURL) == "" {
			return fmt.Errorf("database URL %q names no file: use %s", redact.URL(dbURL), databaseForms)
		}
		return nil
	case schemeLike.MatchString(dbURL):
		return fmt.Errorf("database URL %q is not one Hearth can use: use %s", redact.URL(dbURL), databaseForms)
	}
	return nil
}

func isPostgres(dbURL string) bool {
	return strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
}

// sqlitePath extracts the file path from sqlite:///abs, sqlite://./rel or
// a plain path.
func sqlitePath(dbURL string) string {
	p, _ := strings.CutPrefix(dbURL, "sqlite://")
	return p
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

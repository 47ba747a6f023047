// Package access signs people in to Hearth's console and API and works out
// what each may do: sign-in with Twitch (the Authorization Code Grant) or
// with the admin token, server-side sessions behind an HttpOnly cookie,
// each channel's role worked out per request (the broadcaster by user id,
// moderators from Twitch's moderator list, else from the badge seen in
// chat), CSRF tokens for every change a session makes, and a rate limit on
// admin-token attempts. It serves /login, /logout and a signed-in landing
// page at /, and gives web's API and the console's pages a middleware that
// puts the caller's Identity in the request.
//
// It consumes interfaces (the stores' sessions and grants, the engine's
// served channels and chat badges, Twitch's sign-in and moderator list)
// and imports neither community nor a store.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hearthlive/hearth"
)

// Session lifetimes: a session ends after IdleTimeout without a request,
// and AbsoluteTimeout after sign-in whatever its use.
const (
	IdleTimeout     = 12 * time.Hour
	AbsoluteTimeout = 7 * 24 * time.Hour
	// touchEvery is how stale a session's LastSeen may get before a
	// request writes it again: one write a minute per session at most.
	touchEvery = time.Minute
	// pruneEvery is how often Run deletes expired sessions.
	pruneEvery = time.Hour
)

// ModeratorsTTL is how long a channel's moderator list from Twitch is
// used before it is asked for again; failureTTL how long a failure to ask
// stands before the next try.
const (
	ModeratorsTTL = 5 * time.Minute
	failureTTL    = 30 * time.Second
)

// Names the browser and API clients see.
const (
	// SessionCookie holds the session's secret.
	SessionCookie = "hearth_session"
	// stateCookie binds a Twitch sign-in's state to the browser that
	// started it.
	stateCookie = "hearth_state"
	// CSRFHeader carries the session's CSRF token on API requests.
	CSRFHeader = "X-CSRF-Token"
	// CSRFField carries it in HTML forms.
	CSRFField = "csrf"
	// CallbackPath is where Twitch sends the browser back; register
	// {public_url}/login/twitch/callback with the Twitch application.
	CallbackPath = "/login/twitch/callback"
)

// SignIn is Twitch's sign-in: the URL that starts it, and who signed in
// once Twitch sends the browser back with a code. oauth.SignIn is one.
type SignIn interface {
	AuthorizeURL(redirectURI, state string) string
	Identify(ctx context.Context, code, redirectURI string) (hearth.Identity, error)
}

// Store keeps sessions and grants, and knows the channels and their
// broadcaster ids; hearth.Store is one.
type Store interface {
	hearth.SessionStore
	hearth.GrantStore
	Channels(ctx context.Context) ([]hearth.ChannelInfo, error)
	BroadcasterID(ctx context.Context, channel string) (string, error)
}

// Served says which channels Hearth serves; the engine is one.
type Served interface {
	Serves(channel string) bool
}

// Moderators lists a channel's moderators' user ids from Twitch; the Helix
// client is one. An ENOTFOUND or EUNAUTHORIZED error means Twitch cannot
// be asked for that channel (the broadcaster has not signed in, or not
// with the scope), and roles fall back to chat badges.
type Moderators interface {
	Moderators(ctx context.Context, channel string) ([]string, error)
}

// ChatModerators says who was seen with the moderator badge in a
// channel's chat; the engine is one.
type ChatModerators interface {
	SeenModerator(ctx context.Context, channel, userID string) (bool, error)
}

// DisplayNames gives a Twitch user's display name; the Helix client is
// one.
type DisplayNames interface {
	DisplayName(ctx context.Context, userID string) (string, error)
}

// Config is what a Service needs. Every part but AdminToken may be nil:
// without Store only the admin token (as a bearer token) signs in, without
// SignIn nobody signs in with Twitch, without Moderators roles come from
// chat badges.
type Config struct {
	// AdminToken signs the operator in (POST /login) and authorises API
	// requests as a bearer token; empty turns both off.
	AdminToken string
	// PublicURL is where browsers reach Hearth, such as
	// https://hearth.example.com: the base of the redirect URI, and
	// https makes cookies Secure.
	PublicURL string
	Store     Store
	Served    Served
	SignIn    SignIn
	// Moderators, ChatModerators and DisplayNames work out roles and
	// names; see their types.
	Moderators     Moderators
	ChatModerators ChatModerators
	DisplayNames   DisplayNames
	// Signup lets broadcasters add their own channel; its zero value
	// lets nobody.
	Signup Signup
	// Audit records the channels signed up; nil records nothing.
	Audit  hearth.AuditStore
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service signs people in and works out their roles. Create it with New;
// it is safe for concurrent use.
type Service struct {
	cfg      Config
	log      *slog.Logger
	secure   bool
	base     string // the public URL, without a trailing slash
	redirect string
	limiter  *limiter

	mu     sync.Mutex
	states map[string]pending       // Twitch sign-ins and sign-ups under way, by state
	links  map[string]link          // one-time sign-in links, by the hash of their token
	mods   map[string]moderatorList // by channel
}

// pending is a Twitch sign-in under way: when its state expires, and for
// a sign-up the user id of the session that asked to add their channel.
type pending struct {
	expires time.Time
	signup  string
}

// moderatorList is a channel's moderators as Twitch last listed them.
type moderatorList struct {
	ids     map[string]bool
	fetched time.Time
	// err is why the last try failed, until retry; ids may still hold
	// an older list.
	err   error
	retry time.Time
}

// New returns a Service: an error if PublicURL is not an http or https
// URL.
func New(cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://localhost"
	}
	u, err := CheckPublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if err := cfg.Signup.check(); err != nil {
		return nil, err
	}
	return &Service{
		cfg: cfg, log: cfg.Logger, secure: u.Scheme == "https",
		base:     strings.TrimRight(u.String(), "/"),
		redirect: strings.TrimRight(u.String(), "/") + CallbackPath,
		limiter:  newLimiter(LoginAttempts, LoginWindow),
		states:   map[string]pending{}, links: map[string]link{}, mods: map[string]moderatorList{},
	}, nil
}

// Bearer returns a Service that admits only the admin token, as a bearer
// token: no sessions, no sign-in pages.
func Bearer(adminToken string, log *slog.Logger) *Service {
	s, err := New(Config{AdminToken: adminToken, Logger: log})
	if err != nil {
		// New refuses only a public URL, and the default is valid.
		panic(err)
	}
	return s
}

// CheckPublicURL parses a public URL: http or https, a host, no query or
// fragment.
func CheckPublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("public_url %q is not a URL: %w", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("public_url %q must start with http:// or https://", s)
	case u.Host == "":
		return nil, fmt.Errorf("public_url %q names no host", s)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("public_url %q must be a plain base URL, without a query, fragment or user", s)
	}
	return u, nil
}

// RedirectURI is the Twitch sign-in's redirect URI, to register with the
// Twitch application.
func (s *Service) RedirectURI() string { return s.redirect }

// Run deletes expired sessions now and every hour until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if n, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("access: unable to delete expired sessions", "err", err)
		} else if n > 0 {
			s.log.Info("access: expired sessions deleted", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes the sessions that have expired, idle or absolutely, and
// says how many.
func (s *Service) Prune(ctx context.Context) (int, error) {
	if s.cfg.Store == nil {
		return 0, nil
	}
	now := s.cfg.Now()
	return s.cfg.Store.DeleteExpiredSessions(ctx, now, now.Add(-IdleTimeout))
}

// moderators returns a channel's moderators from Twitch, asking again
// when the list is older than ModeratorsTTL; false when Twitch cannot be
// asked and no list is at hand.
func (s *Service) moderators(ctx context.Context, channel string) (map[string]bool, bool) {
	if s.cfg.Moderators == nil {
		return nil, false
	}
	now := s.cfg.Now()
	s.mu.Lock()
	l, ok := s.mods[channel]
	s.mu.Unlock()
	switch {
	case ok && l.err == nil && now.Sub(l.fetched) < ModeratorsTTL:
		return l.ids, true
	case ok && l.err != nil && now.Before(l.retry):
		return l.ids, l.ids != nil
	}
	ids, err := s.cfg.Moderators.Moderators(ctx, channel)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		code := hearth.ErrorCode(err)
		if code != hearth.ENOTFOUND && code != hearth.EUNAUTHORIZED {
			s.log.Warn("access: unable to ask Twitch for a channel's moderators", "channel", channel, "err", err)
		}
		keep := l.ids
		if code == hearth.ENOTFOUND || code == hearth.EUNAUTHORIZED || errors.Is(err, context.Canceled) {
			keep = nil // Twitch cannot be asked at all: chat badges decide
		}
		s.mods[channel] = moderatorList{ids: keep, fetched: l.fetched, err: err, retry: now.Add(failureTTL)}
		return keep, keep != nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	s.mods[channel] = moderatorList{ids: set, fetched: now}
	return set, true
}

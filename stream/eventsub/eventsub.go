package eventsub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/seen"
	"github.com/hearthlive/hearth/stream"
)

// Twitch's limits on the EventSub WebSocket transport.
const (
	// MaxSubscriptionsPerConnection is how many enabled subscriptions
	// one WebSocket connection may hold.
	MaxSubscriptionsPerConnection = 300
	// MaxConnectionsPerUser is how many WebSocket connections one client
	// id may open with one user's tokens.
	MaxConnectionsPerUser = 3
	// welcomeWindow is how long Twitch waits for the first subscription
	// on a new connection before closing it.
	welcomeWindow = 10 * time.Second
	// handshakeTimeout bounds the WebSocket opening handshake.
	handshakeTimeout = 10 * time.Second
	// DefaultTokenRetry is Config.TokenRetry when it is not set.
	DefaultTokenRetry = time.Minute
	// reconnectGrace is how long Twitch keeps the old connection open
	// after a session_reconnect.
	reconnectGrace = 30 * time.Second
	// keepaliveMargin is added to keepalive_timeout_seconds before a
	// silent connection counts as dead, for network jitter.
	keepaliveMargin = 5 * time.Second
	// seenMessages is how many message ids each token's connections
	// remember to drop re-deliveries.
	seenMessages = 4096
)

// Subscription is one EventSub subscription type Hearth uses, with the
// scopes of which the broadcaster's token must hold one (none: any token
// may create it).
type Subscription struct {
	Type    string
	Version string
	Scopes  []string
}

// Subscriptions are the EventSub types Hearth subscribes to for each
// channel whose token allows them. docs/twitch.md lists them with their scopes.
var Subscriptions = []Subscription{
	{"channel.follow", "2", []string{"moderator:read:followers"}},
	{"channel.subscribe", "1", []string{"channel:read:subscriptions"}},
	{"channel.subscription.gift", "1", []string{"channel:read:subscriptions"}},
	{"channel.subscription.message", "1", []string{"channel:read:subscriptions"}},
	{"channel.cheer", "1", []string{"bits:read"}},
	{"channel.raid", "1", nil},
	{"channel.channel_points_custom_reward_redemption.add", "1", []string{"channel:read:redemptions", "channel:manage:redemptions"}},
	{"channel.poll.begin", "1", []string{"channel:read:polls", "channel:manage:polls"}},
	{"channel.poll.progress", "1", []string{"channel:read:polls", "channel:manage:polls"}},
	{"channel.poll.end", "1", []string{"channel:read:polls", "channel:manage:polls"}},
	{"stream.online", "1", nil},
	{"stream.offline", "1", nil},
}

// allowed reports whether tok may create s for its own channel.
func (s Subscription) allowed(tok hearth.Token) bool {
	return len(s.Scopes) == 0 || slices.ContainsFunc(s.Scopes, tok.Has)
}

// condition is the subscription's condition for broadcaster id, with the
// token's user as moderator where one is needed.
func (s Subscription) condition(broadcasterID, userID string) map[string]string {
	switch s.Type {
	case "channel.raid":
		return map[string]string{"to_broadcaster_user_id": broadcasterID}
	case "channel.follow":
		return map[string]string{"broadcaster_user_id": broadcasterID, "moderator_user_id": userID}
	}
	return map[string]string{"broadcaster_user_id": broadcasterID}
}

// Config configures a Client.
type Config struct {
	// URL is the WebSocket URL (Twitch's: wss://eventsub.wss.twitch.tv/ws).
	URL string
	// SubscriptionsURL is where subscriptions are created (Twitch's:
	// https://api.twitch.tv/helix/eventsub/subscriptions).
	SubscriptionsURL string
	// ClientID is the application's client id, sent with every request.
	ClientID string
	// Channels are the channel logins to subscribe for. Each needs its
	// broadcaster's token from Tokens; a channel without one is skipped
	// (and retried every TokenRetry) with a log line saying so.
	Channels []string
	// Tokens gives each broadcaster's token (subject: the channel's login)
	// and, for ChatChannels, the bot's (hearth.TokenBot).
	Tokens hearth.TokenSource
	// TokenRetry is how often a channel without a token, or whose token
	// allows nothing, is looked at again, and how often the token of a
	// channel with revoked subscriptions is checked for a new one
	// (default 1 min).
	TokenRetry time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnect attempts
	// after a connection failed (defaults 1 s and 2 min).
	MinBackoff, MaxBackoff time.Duration
	// ChatChannels are channels whose chat is read over EventSub
	// (channel.chat.message) with the bot's token instead of IRC; each
	// broadcaster must have granted channel:bot. BroadcasterID returns a
	// channel's Twitch user id for them (Helix Get Users).
	ChatChannels  []string
	BroadcasterID func(ctx context.Context, channel string) (string, error)
	// Handle receives every event, from the connections' goroutines. It
	// should hand the event on and return.
	Handle func(hearth.Event)
	// Observer, if set, is told about sessions, revocations and
	// duplicates.
	Observer Observer
	// HTTPClient makes the subscription requests (default one with a
	// 10 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Observer is told what happens on the EventSub connections, for
// metrics. Its methods are called from several goroutines and must be
// cheap.
type Observer interface {
	// EventSubConnected reports how many connections a channel has open.
	EventSubConnected(channel string, connections int)
	// EventSubSubscribed reports how many subscriptions are enabled for a
	// channel.
	EventSubSubscribed(channel string, subscriptions int)
	// EventSubReconnect counts a reconnect, for reason "session_reconnect"
	// (Twitch asked), "keepalive_timeout" or "error".
	EventSubReconnect(channel, reason string)
	// EventSubRevoked counts a subscription Twitch revoked.
	EventSubRevoked(channel, subscriptionType string)
	// EventSubDuplicate counts a notification delivered again and
	// dropped.
	EventSubDuplicate(channel string)
	// Malformed counts a message dropped as unusable.
	Malformed(reason string)
}

// Client keeps EventSub connections open, a group for each token (every
// broadcaster's, and the bot's for chat over EventSub), subscribes to what
// each token allows, and turns notifications into events.
type Client struct {
	cfg Config
	log *slog.Logger
	obs Observer

	mu        sync.Mutex
	connected map[string]int // open connections per channel
	// The channels watched (their broadcasters' groups) and those whose
	// chat comes over EventSub (the bot's group), which AddChannel and
	// RemoveChannel change; the groups running, by subject, once Run
	// started them (ctx is Run's), until Run stops (stopped).
	channels []string
	chat     []string
	groups   map[string]*runningGroup
	ctx      context.Context
	stopped  bool
	wg       sync.WaitGroup
}

// New checks cfg and returns a Client; Run starts it.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.SubscriptionsURL == "" {
		return nil, errors.New("eventsub: the WebSocket URL and the subscriptions URL are required")
	}
	if cfg.Tokens == nil || cfg.Handle == nil {
		return nil, errors.New("eventsub: a token source and an event handler are required")
	}
	cfg.TokenRetry = stream.Positive(cfg.TokenRetry, DefaultTokenRetry)
	cfg.MinBackoff = stream.Positive(cfg.MinBackoff, stream.DefaultMinBackoff)
	cfg.MaxBackoff = stream.Positive(cfg.MaxBackoff, stream.DefaultMaxBackoff)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: stream.DefaultHTTPTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	return &Client{cfg: cfg, log: cfg.Logger, obs: obs, connected: make(map[string]int),
		channels: slices.Clone(cfg.Channels), chat: slices.Clone(cfg.ChatChannels), groups: make(map[string]*runningGroup)}, nil
}

func (e *Client) addConnected(channel string, delta int) {
	e.mu.Lock()
	e.connected[channel] += delta
	n := e.connected[channel]
	e.mu.Unlock()
	e.obs.EventSubConnected(channel, n)
}

// fingerprint names a token without keeping it: revocations are
// remembered per token, so a new token (the broadcaster signed in again)
// subscribes again.
func fingerprint(tok hearth.Token) [32]byte { return sha256.Sum256([]byte(tok.Access)) }

// spec is one subscription to create: its type, the channel it is about
// and its condition.
type spec struct {
	Subscription
	channel   string
	condition map[string]string
}

func (s spec) key() string { return s.Type + " " + s.channel }

// broadcasterID is the id of the broadcaster the subscription is about,
// as its condition names them.
func (s spec) broadcasterID() string {
	if id := s.condition["to_broadcaster_user_id"]; id != "" {
		return id
	}
	return s.condition["broadcaster_user_id"]
}

// plan lists the subscriptions a token should create.
type plan func(ctx context.Context, tok hearth.Token) ([]spec, error)

// channelPlan subscribes with a broadcaster's token to what its scopes
// allow for the broadcaster's own channel.
func (e *Client) channelPlan(channel string) plan {
	return func(_ context.Context, tok hearth.Token) ([]spec, error) {
		var out []spec
		for _, s := range Subscriptions {
			if s.allowed(tok) {
				out = append(out, spec{s, channel, s.condition(tok.UserID, tok.UserID)})
			}
		}
		return out, nil
	}
}

// groupState is what the connections made with one token share: the ids
// of messages already handled and the subscriptions Twitch revoked.
type groupState struct {
	subject  string          // whose token: a channel's login, or hearth.TokenBot
	channels map[string]bool // the channels whose events its connections carry

	// removing says the group stops for good (its channel is removed):
	// its connections delete their subscriptions as they close.
	removing atomic.Bool

	mu      sync.Mutex
	seen    *seen.IDs
	revoked map[string][32]byte // spec key -> the token it was revoked for
	subs    map[string]int      // enabled subscriptions per channel, over every connection
}

func newGroupState(subject string, channels []string) *groupState {
	st := &groupState{subject: subject, channels: make(map[string]bool), seen: seen.New(seenMessages),
		revoked: make(map[string][32]byte), subs: make(map[string]int)}
	for _, ch := range channels {
		st.channels[ch] = true
	}
	return st
}

// attrs names the group in log lines, followed by more.
func (s *groupState) attrs(more ...any) []any {
	if s.subject == hearth.TokenBot {
		return append([]any{"token", "bot"}, more...)
	}
	return append([]any{"channel", s.subject}, more...)
}

func (s *groupState) firstTime(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen.Add(id)
}

// notRevoked leaves out the subscriptions revoked for tok; those revoked
// for another token are tried again.
func (s *groupState) notRevoked(specs []spec, tok hearth.Token) []spec {
	fp := fingerprint(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(specs, func(sp spec) bool {
		at, ok := s.revoked[sp.key()]
		if ok && at != fp {
			delete(s.revoked, sp.key())
		}
		return ok && at == fp
	})
}

// addSubs adds n (negative to remove) to a channel's enabled
// subscriptions and reports the total.
func (e *Client) addSubs(st *groupState, channel string, n int) {
	st.mu.Lock()
	st.subs[channel] += n
	total := st.subs[channel]
	st.mu.Unlock()
	e.obs.EventSubSubscribed(channel, total)
}

// runSubject waits for the subject's token, then keeps the connections
// its plan needs open, starting over when the token changes after a
// revocation.
func (e *Client) runSubject(ctx context.Context, st *groupState, want plan) {
	backoff := e.cfg.MinBackoff
	reported := ""
	for ctx.Err() == nil {
		tok, err := e.cfg.Tokens.Token(ctx, st.subject)
		var specs []spec
		if err == nil && tok.UserID != "" {
			specs, err = want(ctx, tok)
			specs = st.notRevoked(specs, tok)
		}
		if msg := st.problem(tok, err, specs); msg != "" {
			if msg != reported {
				e.log.Warn(msg, st.attrs()...)
				reported = msg
			}
			if !sleep(ctx, e.cfg.TokenRetry) {
				return
			}
			continue
		}
		reported = ""
		if e.runGroup(ctx, st, tok, specs) {
			backoff = e.cfg.MinBackoff
			continue
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, e.cfg.MaxBackoff)
	}
}

// problem says why the group cannot use EventSub now, or "".
func (s *groupState) problem(tok hearth.Token, err error, specs []spec) string {
	login := "hearth auth login --channel " + s.subject
	what := "the channel's token"
	if s.subject == hearth.TokenBot {
		login, what = "hearth auth login --bot", "the bot's token"
	}
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND && s.subject == hearth.TokenBot:
		return "eventsub: no bot token, so chat over EventSub is off; run " + login
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return "eventsub: no broadcaster token for the channel, so no follows, redemptions or Twitch online/offline; run " + login
	case err != nil:
		return "eventsub: cannot subscribe with " + what + ": " + err.Error()
	case tok.UserID == "":
		return "eventsub: " + what + " names no user; sign in again with " + login
	case len(specs) == 0 && s.subject == hearth.TokenBot && !tok.Has(ScopeReadChat):
		return "eventsub: the bot's token lacks " + ScopeReadChat + ", so chat over EventSub is off; run " + login
	case len(specs) == 0:
		return "eventsub: every subscription " + what + " allows was revoked; waiting for a new token (" + login + ")"
	}
	return ""
}

// runGroup opens as many connections as specs need (at most
// MaxSubscriptionsPerConnection each), keeps them open and returns when
// one fails for good, when the token changed after a revocation (true),
// or when ctx ends.
func (e *Client) runGroup(ctx context.Context, st *groupState, tok hearth.Token, specs []spec) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var parts [][]spec
	for len(specs) > 0 {
		n := min(len(specs), MaxSubscriptionsPerConnection)
		parts = append(parts, specs[:n])
		specs = specs[n:]
	}
	if len(parts) > MaxConnectionsPerUser {
		e.log.Error("eventsub: Twitch's limit reached: one user may hold 3 connections of 300 subscriptions; the rest are not created", st.attrs("connections", len(parts))...)
		parts = parts[:MaxConnectionsPerUser]
	}
	done := make(chan bool, len(parts)+1)
	for _, subs := range parts {
		c := &connection{e: e, st: st, tok: tok, subs: subs, created: make(map[string]spec)}
		go func() { done <- c.run(ctx) }()
	}
	go func() { done <- e.watchToken(ctx, st, tok) }()
	ok := <-done
	cancel()
	for range len(parts) {
		<-done
	}
	return ok
}

// watchToken returns true once the group's token changed while some of
// its subscriptions are revoked, so they can be created again, and false
// when ctx ends.
func (e *Client) watchToken(ctx context.Context, st *groupState, tok hearth.Token) bool {
	fp := fingerprint(tok)
	for sleep(ctx, e.cfg.TokenRetry) {
		st.mu.Lock()
		revoked := len(st.revoked) > 0
		st.mu.Unlock()
		if !revoked {
			continue
		}
		now, err := e.cfg.Tokens.Token(ctx, st.subject)
		if err == nil && fingerprint(now) != fp {
			e.log.Info("eventsub: the token changed; subscribing again to what was revoked", st.attrs()...)
			return true
		}
	}
	return false
}

// connection is one EventSub WebSocket session and the subscriptions made
// on it; it follows session_reconnect to new URLs, keeping the session.
type connection struct {
	e    *Client
	st   *groupState
	tok  hearth.Token
	subs []spec

	created map[string]spec // subscriptions enabled on this session, by Twitch's id
}

// channels lists the channels the connection's subscriptions are about.
func (c *connection) channels() []string {
	var out []string
	for _, s := range c.subs {
		if !slices.Contains(out, s.channel) {
			out = append(out, s.channel)
		}
	}
	return out
}

// frame is one message read from a socket, or the error that ended it.
type frame struct {
	sock *socket
	msg  envelope
	err  error
}

// socket is one WebSocket connection and its reading goroutine.
type socket struct {
	ws   *websocket.Conn
	done chan struct{}
}

// envelope is an EventSub message: metadata and payload.
type envelope struct {
	Metadata struct {
		MessageID           string    `json:"message_id"`
		MessageType         string    `json:"message_type"`
		MessageTimestamp    time.Time `json:"message_timestamp"`
		SubscriptionType    string    `json:"subscription_type"`
		SubscriptionVersion string    `json:"subscription_version"`
	} `json:"metadata"`
	Payload struct {
		Session *struct {
			ID                      string  `json:"id"`
			Status                  string  `json:"status"`
			KeepaliveTimeoutSeconds *int    `json:"keepalive_timeout_seconds"`
			ReconnectURL            *string `json:"reconnect_url"`
		} `json:"session"`
		Subscription *envelopeSubscription `json:"subscription"`
		Event        json.RawMessage       `json:"event"`
	} `json:"payload"`
}

// envelopeSubscription is the subscription a notification or revocation
// is for.
type envelopeSubscription struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Type   string `json:"type"`
}

// maxMessageBytes bounds one EventSub message; Twitch's are a few KB.
const maxMessageBytes = 1 << 20

func (c *connection) dial(ctx context.Context, url string, frames chan<- frame) (*socket, error) {
	d := websocket.Dialer{HandshakeTimeout: handshakeTimeout}
	ws, resp, err := d.DialContext(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("eventsub: cannot connect to %s: %w", url, err)
	}
	ws.SetReadLimit(maxMessageBytes)
	s := &socket{ws: ws, done: make(chan struct{})}
	_ = ws.SetReadDeadline(time.Now().Add(welcomeWindow))
	go func() {
		defer close(s.done)
		// The deadline moves here, as each message is read, and not where
		// messages are handled: handling a welcome creates the
		// subscriptions, which may take longer than the keepalive time
		// while Twitch's keepalives keep arriving.
		keepalive := welcomeWindow
		for {
			_, data, err := ws.ReadMessage()
			var f frame
			f.sock = s
			if err != nil {
				// The socket is done with, whatever ended it (a keepalive
				// timeout, Twitch closing it): close it now, before anyone
				// hears of it, so Twitch ends its session and disables its
				// subscriptions instead of keeping them beside those of
				// the connection that replaces it.
				_ = ws.Close()
				f.err = err
			} else if jerr := json.Unmarshal(data, &f.msg); jerr != nil {
				c.e.obs.Malformed("eventsub_json")
				continue
			} else {
				keepalive = keepReading(ws, f.msg, keepalive)
			}
			select {
			case frames <- f:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return s, nil
}

// run keeps the session open: it returns true when ctx ends and false
// when the connection failed and the channel should start again.
func (c *connection) run(ctx context.Context) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	frames := make(chan frame, 64)
	cur, err := c.dial(ctx, c.e.cfg.URL, frames)
	if err != nil {
		c.e.log.Warn("eventsub: connection failed", c.st.attrs("err", err)...)
		c.reconnect("error")
		return false
	}
	for _, ch := range c.channels() {
		c.e.addConnected(ch, 1)
	}
	sockets := []*socket{cur}
	defer func() {
		if c.st.removing.Load() {
			c.unsubscribe()
		}
		for _, s := range sockets {
			_ = s.ws.Close()
		}
		for _, ch := range c.channels() {
			c.e.addConnected(ch, -1)
		}
		for id, sp := range c.created {
			delete(c.created, id)
			c.e.addSubs(c.st, sp.channel, -1)
		}
	}()
	var pending *socket // the socket dialled after session_reconnect, until its welcome
	welcomed := false
	for {
		var f frame
		select {
		case <-ctx.Done():
			return true
		case f = <-frames:
		}
		if f.err != nil {
			sockets = slices.DeleteFunc(sockets, func(s *socket) bool { return s == f.sock })
			switch {
			case f.sock == pending && cur != nil:
				pending = nil
				c.e.log.Warn("eventsub: the reconnect URL failed; the old connection stays until Twitch closes it", c.st.attrs("err", closeReason(f.err))...)
				continue
			case f.sock == cur && pending != nil:
				// Twitch closed the old connection after welcoming the new
				// one, whose welcome is still on its way here.
				cur = nil
				continue
			case f.sock != cur && f.sock != pending:
				continue // an old connection, done with
			}
			if ctx.Err() != nil {
				return true
			}
			reason := "error"
			var ne interface{ Timeout() bool }
			if errors.As(f.err, &ne) && ne.Timeout() {
				reason = "keepalive_timeout"
				c.e.log.Warn("eventsub: no message within the keepalive timeout; connecting again", c.st.attrs()...)
			} else {
				c.e.log.Warn("eventsub: connection lost; connecting again", c.st.attrs("err", closeReason(f.err))...)
			}
			c.reconnect(reason)
			return false
		}
		m := f.msg
		switch m.Metadata.MessageType {
		case "session_welcome":
			if m.Payload.Session == nil || m.Payload.Session.ID == "" {
				c.e.obs.Malformed("eventsub_session")
				return false
			}
			if f.sock == pending {
				// The new connection carries the session now; Twitch
				// closes the old one, whose last messages are still read.
				cur, pending = f.sock, nil
				c.e.log.Info("eventsub: reconnected", c.st.attrs()...)
				continue
			}
			if welcomed {
				continue
			}
			welcomed = true
			if !c.subscribe(ctx, m.Payload.Session.ID) {
				return ctx.Err() != nil
			}
		case "session_keepalive":
		case "session_reconnect":
			if f.sock != cur || m.Payload.Session == nil || m.Payload.Session.ReconnectURL == nil || pending != nil {
				continue
			}
			c.reconnect("session_reconnect")
			s, err := c.dial(ctx, *m.Payload.Session.ReconnectURL, frames)
			if err != nil {
				c.e.log.Warn("eventsub: cannot follow session_reconnect", c.st.attrs("err", err)...)
				continue
			}
			pending = s
			sockets = append(sockets, s)
			go func(old *socket) {
				// Twitch closes the old connection once the new one is
				// welcomed; this only bounds a server that does not.
				select {
				case <-old.done:
				case <-ctx.Done():
				case <-time.After(reconnectGrace + keepaliveMargin):
					_ = old.ws.Close()
				}
			}(f.sock)
		case "notification":
			c.notification(m)
		case "revocation":
			c.revocation(m)
		}
	}
}

// keepReading moves a socket's read deadline after it read m: the next
// message must arrive within the session's keepalive timeout, which a
// welcome gives (keepalive until then). It returns the timeout in force.
func keepReading(ws *websocket.Conn, m envelope, keepalive time.Duration) time.Duration {
	if sess := m.Payload.Session; sess != nil && sess.KeepaliveTimeoutSeconds != nil && *sess.KeepaliveTimeoutSeconds > 0 {
		keepalive = time.Duration(*sess.KeepaliveTimeoutSeconds) * time.Second
	}
	_ = ws.SetReadDeadline(time.Now().Add(keepalive + keepaliveMargin))
	return keepalive
}

// reconnect counts a reconnect for every channel the connection serves.
func (c *connection) reconnect(reason string) {
	for _, ch := range c.channels() {
		c.e.obs.EventSubReconnect(ch, reason)
	}
}

func closeReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("closed by Twitch with %d %s", ce.Code, ce.Text)
	}
	return err.Error()
}

func (c *connection) notification(m envelope) {
	id := m.Metadata.MessageID
	if id == "" {
		c.e.obs.Malformed("eventsub_message_id")
		return
	}
	if !c.st.firstTime(id) {
		for _, sp := range c.created {
			if sp.Type == m.Metadata.SubscriptionType {
				c.e.obs.EventSubDuplicate(sp.channel)
				break
			}
		}
		return
	}
	at := m.Metadata.MessageTimestamp
	if at.IsZero() {
		at = time.Now()
	}
	ev, err := NormalizeNotification(m.Metadata.SubscriptionType, m.Payload.Event, id, at)
	if errors.Is(err, stream.ErrIgnored) {
		return
	}
	var me *stream.MalformedError
	if errors.As(err, &me) {
		c.e.obs.Malformed(me.Reason)
		c.e.log.Warn("eventsub: notification dropped", c.st.attrs("type", m.Metadata.SubscriptionType, "err", err)...)
		return
	} else if err != nil {
		c.e.obs.Malformed("unparsable")
		return
	}
	sp, ok := c.route(m.Payload.Subscription, m.Metadata.SubscriptionType, ev.ChannelID)
	if !ok || !c.st.channels[sp.channel] {
		c.e.obs.Malformed("channel")
		c.e.log.Warn("eventsub: notification dropped: it is not about its subscription's broadcaster", c.st.attrs("type", m.Metadata.SubscriptionType, "broadcaster_id", ev.ChannelID)...)
		return
	}
	ev.Channel, ev.ChannelID = sp.channel, sp.broadcasterID()
	if ev.Kind == hearth.EventChat && ev.User.ID == c.tok.UserID {
		return // the bot's own message: IRC does not deliver those either
	}
	c.e.cfg.Handle(ev)
}

// route returns the subscription a notification is for, whose channel it
// is about: found by Twitch's subscription id, or else (a subscription an
// earlier session made, whose id is unknown) by its type and the
// broadcaster's id. Logins change when a broadcaster renames; ids do not,
// so the login in the payload is never used. A payload whose broadcaster
// id is not its subscription's is not routed.
func (c *connection) route(sub *envelopeSubscription, subType, broadcasterID string) (spec, bool) {
	var sp spec
	found := false
	if sub != nil {
		sp, found = c.created[sub.ID]
	}
	if !found {
		i := slices.IndexFunc(c.subs, func(s spec) bool { return s.Type == subType && s.broadcasterID() == broadcasterID })
		if i < 0 {
			return spec{}, false
		}
		sp = c.subs[i]
	}
	if broadcasterID != "" && broadcasterID != sp.broadcasterID() {
		return spec{}, false
	}
	return sp, true
}

func (c *connection) revocation(m envelope) {
	sub := m.Payload.Subscription
	if sub == nil || sub.ID == "" {
		c.e.obs.Malformed("eventsub_subscription")
		return
	}
	sp, ok := c.created[sub.ID]
	if !ok {
		return
	}
	delete(c.created, sub.ID)
	c.st.mu.Lock()
	c.st.revoked[sp.key()] = fingerprint(c.tok)
	c.st.mu.Unlock()
	c.e.addSubs(c.st, sp.channel, -1)
	c.e.obs.EventSubRevoked(sp.channel, sp.Type)
	c.e.log.Warn("eventsub: Twitch revoked a subscription; it is not created again until the token changes",
		c.st.attrs("for", sp.channel, "type", sp.Type, "status", sub.Status)...)
}

// subscribe creates the connection's subscriptions on session id. Twitch
// closes a session with no subscription 10 s after its welcome, so the
// first must be made within that window; the others take what they take
// (300 requests one after another last far longer than 10 s at Twitch's
// usual latency). It returns false when the connection should start over.
func (c *connection) subscribe(ctx context.Context, session string) bool {
	window, cancel := context.WithTimeout(ctx, welcomeWindow)
	defer cancel()
	for _, s := range c.subs {
		rctx := ctx
		if len(c.created) == 0 {
			rctx = window
		}
		id, err := c.create(rctx, session, s)
		var te *twitchError
		switch {
		case err == nil:
			c.created[id] = s
			c.e.addSubs(c.st, s.channel, 1)
		case errors.As(err, &te) && te.status == http.StatusConflict:
			// Already there: a session Twitch kept. Its id is unknown, so
			// a revocation of it is only logged.
		case errors.As(err, &te) && te.status == http.StatusTooManyRequests:
			c.e.log.Error("eventsub: Twitch's subscription limit reached; "+s.Type+" is not received (Twitch allows 300 subscriptions a connection, 3 connections a user and a total cost of 10 for subscriptions the broadcaster did not authorise)",
				c.st.attrs("for", s.channel, "type", s.Type, "twitch", te.message)...)
		case errors.As(err, &te) && te.status == http.StatusForbidden:
			c.e.log.Warn("eventsub: Twitch refused a subscription the token's scopes should allow", c.st.attrs("for", s.channel, "type", s.Type, "twitch", te.message)...)
		case errors.As(err, &te) && te.status == http.StatusUnauthorized:
			c.e.cfg.Tokens.Invalidate(c.st.subject)
			c.e.log.Warn("eventsub: Twitch refused the token; refreshing it", c.st.attrs()...)
			return false
		default:
			c.e.log.Warn("eventsub: cannot create a subscription", c.st.attrs("for", s.channel, "type", s.Type, "err", err)...)
			if rctx.Err() != nil {
				return false
			}
		}
	}
	if len(c.created) == 0 {
		c.e.log.Warn("eventsub: no subscription could be created", c.st.attrs()...)
		return false
	}
	c.e.log.Info("eventsub: subscribed", c.st.attrs("subscriptions", len(c.created))...)
	return true
}

// twitchError is a Helix error answer.
type twitchError struct {
	status  int
	message string
}

func (e *twitchError) Error() string {
	return fmt.Sprintf("eventsub: Twitch answered %d: %s", e.status, e.message)
}

func (c *connection) create(ctx context.Context, session string, s spec) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"type":      s.Type,
		"version":   s.Version,
		"condition": s.condition,
		"transport": map[string]string{"method": "websocket", "session_id": session},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.e.cfg.SubscriptionsURL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("eventsub: bad subscriptions URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Client-Id", c.e.cfg.ClientID)
	req.Header.Set("Authorization", "Bearer "+c.tok.Access)
	resp, err := c.e.cfg.HTTPClient.Do(req)
	if err != nil {
		// The URL is ours, the token is not in it; the error is safe to log.
		return "", fmt.Errorf("eventsub: cannot create subscription: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var answer struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(data, &answer)
	if resp.StatusCode == http.StatusAccepted && len(answer.Data) == 1 && answer.Data[0].ID != "" {
		return answer.Data[0].ID, nil
	}
	if resp.StatusCode == http.StatusAccepted {
		return "", &twitchError{status: resp.StatusCode, message: "an answer without the subscription's id"}
	}
	return "", &twitchError{status: resp.StatusCode, message: strings.TrimSpace(answer.Message)}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

type nopObserver struct{}

func (nopObserver) EventSubConnected(string, int)    {}
func (nopObserver) EventSubSubscribed(string, int)   {}
func (nopObserver) EventSubReconnect(string, string) {}
func (nopObserver) EventSubRevoked(string, string)   {}
func (nopObserver) EventSubDuplicate(string)         {}
func (nopObserver) Malformed(string)                 {}

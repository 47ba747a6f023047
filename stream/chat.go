package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/hearthlive/hearth"
)

// ChatConfig configures a Chat connection.
type ChatConfig struct {
	// Addr is the IRC server as host:port; empty means Twitch's.
	Addr string
	// TLS dials with TLS. Twitch's default address wants it.
	TLS bool
	// Username and Token log the bot in; with neither Token nor Tokens
	// the connection is anonymous and read-only, and Say drops everything.
	Username string
	Token    string
	// Tokens, used when Token is empty, gives the bot's token
	// (hearth.TokenBot) at every login: a refreshed token serves from the
	// next login on, and the connection up keeps going meanwhile. A login
	// Twitch rejects invalidates the token and is tried once more.
	Tokens hearth.TokenSource
	// Channels are joined on connect and re-joined after every reconnect.
	Channels []string

	// UserLimit, ModLimit and Window bound the bot's messages (defaults:
	// Twitch's 20 and 100 per 30 s). QueueSize bounds waiting replies.
	UserLimit, ModLimit int
	Window              time.Duration
	QueueSize           int

	// MinBackoff and MaxBackoff bound the wait between reconnect attempts
	// (defaults 1 s and 2 min); the wait doubles after each failure.
	MinBackoff, MaxBackoff time.Duration
	// LoginTimeout is how long the server may take to answer the login
	// before the attempt counts as failed (default 10 s).
	LoginTimeout time.Duration
	// ReleaseTimeout is how long the IRC library may take to return once
	// its connection is closed before Chat leaves it behind and connects
	// again (default 6 s: past the library's 5 s PONG wait).
	ReleaseTimeout time.Duration

	// Handle receives every event, on the connection's reading goroutine.
	// It should hand the event on and return; blocking it slows reading.
	Handle func(hearth.Event)
	// Observer, if set, is told about drops and connection changes.
	Observer Observer
	Logger   *slog.Logger
}

// Observer is told what happens at the Twitch boundary, for metrics. Its
// methods are called from several goroutines and must be cheap.
type Observer interface {
	// Malformed counts a Twitch message dropped as unusable; reason is a
	// short fixed label.
	Malformed(reason string)
	// Connected reports the chat connection going up or down.
	Connected(up bool)
	// Reconnected counts a reconnect attempt.
	Reconnected()
	// ReplySent counts a chat line sent; ReplyDropped one dropped from a
	// full queue or because the connection is read-only.
	ReplySent(channel string)
	ReplyDropped(channel string)
}

// Chat is a connection to Twitch chat that keeps itself connected, turns
// messages into events, and sends rate-limited replies.
type Chat struct {
	cfg     ChatConfig
	log     *slog.Logger
	obs     Observer
	limiter *limiter

	mu     sync.Mutex
	client *twitch.Client

	connected atomic.Bool
}

// NewChat checks cfg and returns a Chat ready to Run.
func NewChat(cfg ChatConfig) (*Chat, error) {
	if cfg.Handle == nil {
		return nil, errors.New("stream: ChatConfig.Handle is required")
	}
	if (cfg.Token != "" || cfg.Tokens != nil) && cfg.Username == "" {
		return nil, errors.New("stream: a chat token needs the bot's username (HEARTH_BOT_USERNAME)")
	}
	cfg.Token = strings.TrimSpace(cfg.Token)
	if cfg.Token != "" && !strings.HasPrefix(cfg.Token, "oauth:") {
		cfg.Token = "oauth:" + cfg.Token
	}
	var channels []string
	for _, c := range cfg.Channels {
		n := hearth.NormalizeChannel(c)
		if n == "" {
			return nil, fmt.Errorf("stream: %q is not a Twitch channel name", c)
		}
		channels = append(channels, n)
	}
	cfg.Channels = channels
	cfg.UserLimit = positive(cfg.UserLimit, DefaultUserLimit)
	cfg.ModLimit = positive(cfg.ModLimit, DefaultModLimit)
	cfg.Window = positive(cfg.Window, DefaultWindow)
	cfg.QueueSize = positive(cfg.QueueSize, DefaultQueueSize)
	cfg.MinBackoff = positive(cfg.MinBackoff, time.Second)
	cfg.MaxBackoff = positive(cfg.MaxBackoff, 2*time.Minute)
	cfg.LoginTimeout = positive(cfg.LoginTimeout, 10*time.Second)
	cfg.ReleaseTimeout = positive(cfg.ReleaseTimeout, 6*time.Second)
	if cfg.Addr == "" {
		cfg.Addr = "irc.chat.twitch.tv:6667"
		if cfg.TLS {
			cfg.Addr = "irc.chat.twitch.tv:6697"
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	return &Chat{
		cfg:     cfg,
		log:     cfg.Logger,
		obs:     obs,
		limiter: newLimiter(cfg.UserLimit, cfg.ModLimit, cfg.Window, cfg.QueueSize),
	}, nil
}

func positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Anonymous reports whether the connection is read-only.
func (c *Chat) Anonymous() bool { return c.cfg.Token == "" && c.cfg.Tokens == nil }

// Connected reports whether the connection is logged in right now.
func (c *Chat) Connected() bool { return c.connected.Load() }

// Say queues a chat line for channel. The line is cleaned (one line, no
// Twitch command prefix, at most 500 characters) and sent as soon as the
// rate limit allows; if too many wait, the oldest is dropped. Say never
// blocks.
func (c *Chat) Say(channel, text string) {
	text = sanitizeReply(text)
	if text == "" {
		return
	}
	if c.Anonymous() {
		c.obs.ReplyDropped(channel)
		return
	}
	if c.limiter.push(outgoing{channel: channel, text: text}) {
		c.obs.ReplyDropped(channel)
	}
}

// Run connects, reconnects with backoff after every failure, and sends
// queued replies until ctx is done. It returns nil when ctx ends, and an
// error only when Twitch rejects the login, which retrying cannot fix.
// When ctx ends, Run closes the connection and returns at once, whatever
// the server is doing.
func (c *Chat) Run(ctx context.Context) error {
	if c.Anonymous() {
		c.log.Info("chat: no bot token configured; reading chat anonymously, replies are disabled")
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the sender before wg.Wait
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.sendLoop(ctx)
	}()

	backoff := c.cfg.MinBackoff
	retried := false
	for {
		started := time.Now()
		loggedIn, err := c.session(ctx)
		c.setConnected(false)
		if ctx.Err() != nil {
			return nil
		}
		if loggedIn {
			retried = false
		}
		if errors.Is(err, twitch.ErrLoginAuthenticationFailed) && c.cfg.Token == "" && c.cfg.Tokens != nil && !retried {
			c.log.Warn("chat: Twitch rejected the bot's token; refreshing it and trying once more")
			c.cfg.Tokens.Invalidate(hearth.TokenBot)
			retried = true
			continue
		}
		if errors.Is(err, twitch.ErrLoginAuthenticationFailed) {
			return fmt.Errorf("stream: Twitch rejected the chat login for %q: the token is wrong, expired or revoked; sign the bot in with \"hearth auth login --bot\", or set a valid chat token in HEARTH_BOT_TOKEN (or HEARTH_BOT_TOKEN_FILE, or --bot-token)", c.cfg.Username)
		}
		if code := hearth.ErrorCode(err); code == hearth.EUNAUTHORIZED || code == hearth.ENOTFOUND {
			return fmt.Errorf("stream: no usable bot token for chat: %w", err)
		}
		var pe *panicError
		if errors.As(err, &pe) {
			c.obs.Malformed("unparsable")
		}
		if time.Since(started) > time.Minute {
			backoff = c.cfg.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if loggedIn {
			c.log.Warn("chat: connection lost; reconnecting", "err", err, "addr", c.cfg.Addr, "in", wait.Round(time.Millisecond))
		} else {
			c.log.Warn("chat: cannot connect to chat at "+c.cfg.Addr+"; retrying", "err", err, "addr", c.cfg.Addr, "in", wait.Round(time.Millisecond))
		}
		c.obs.Reconnected()
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, c.cfg.MaxBackoff)
	}
}

// session runs one connection until it ends, and reports whether the
// server accepted the login. Every socket and goroutine of the session is
// closed when it returns, including after a panic in the library.
func (c *Chat) session(ctx context.Context) (loggedIn bool, err error) {
	pass, err := c.password(ctx)
	if err != nil {
		return false, err
	}
	l, err := dialLink(ctx, c.cfg.Addr, c.cfg.TLS, func() { c.obs.Malformed("unparsable") })
	if err != nil {
		return false, err
	}
	var up atomic.Bool
	client := c.newClient(l.Addr(), pass, &up)
	c.mu.Lock()
	c.client = client
	c.mu.Unlock()

	timeout := time.AfterFunc(c.cfg.LoginTimeout, func() {
		if !up.Load() {
			l.close(fmt.Errorf("no answer to the login within %v", c.cfg.LoginTimeout))
		}
	})
	defer timeout.Stop()
	done := make(chan error, 1)
	go func() { done <- connect(client) }()
	select {
	case err = <-done:
	case <-l.done:
		// Either side hung up. The library's Connect returns soon after,
		// or never: when its parser stops (a RECONNECT, a failed write)
		// while its reader is blocked handing on a line to the channel
		// only that parser drains, it waits for that reader for good.
		// Such a client has nothing left to use, so it is left behind.
		release := time.NewTimer(c.cfg.ReleaseTimeout)
		select {
		case err = <-done:
		case <-release.C:
			c.log.Warn("chat: the IRC library did not let go of its closed connection; leaving it behind and connecting again", "waited", c.cfg.ReleaseTimeout)
		case <-ctx.Done():
		}
		release.Stop()
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		// Closing the sockets ends the library's Connect, but only once
		// its pinger has waited out an unanswered PING (up to 5 s): it
		// finishes on its own, with nothing left to use.
		l.wait()
		return up.Load(), ctx.Err()
	}
	cause := l.wait()
	var pe *panicError
	switch {
	case errors.As(err, &pe), errors.Is(err, twitch.ErrLoginAuthenticationFailed):
	case cause != nil:
		err = cause
	case up.Load():
		err = errClientClosed
	default:
		err = errNoLoginAnswer
	}
	return up.Load(), err
}

var (
	// errClientClosed is why a session ends when the library hung up
	// itself after the login.
	errClientClosed = errors.New("the client closed the connection (Twitch asked it to reconnect, or a PING went unanswered)")
	// errNoLoginAnswer is the same before the server answered the login.
	errNoLoginAnswer = errors.New("the server did not answer the login")
)

// panicError is a panic inside the IRC library, turned into an error so
// that it costs a reconnect, not the process.
type panicError struct{ value any }

func (e *panicError) Error() string { return fmt.Sprintf("irc client panicked: %v", e.value) }

func connect(client *twitch.Client) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v}
		}
	}()
	return client.Connect()
}

func (c *Chat) setConnected(up bool) {
	if c.connected.Swap(up) != up {
		c.obs.Connected(up)
		if up {
			c.limiter.poke()
		}
	}
}

// password returns the token to log in with, as "oauth:TOKEN", or "" for
// an anonymous login.
func (c *Chat) password(ctx context.Context) (string, error) {
	if c.cfg.Token != "" || c.cfg.Tokens == nil {
		return c.cfg.Token, nil
	}
	tok, err := c.cfg.Tokens.Token(ctx, hearth.TokenBot)
	if err != nil {
		return "", err
	}
	return "oauth:" + tok.Access, nil
}

// newClient returns a library client that dials addr in plain TCP (the
// link's loopback side), logs in with pass, and sets up when the server
// accepts the login.
func (c *Chat) newClient(addr, pass string, up *atomic.Bool) *twitch.Client {
	var client *twitch.Client
	if pass == "" {
		client = twitch.NewAnonymousClient()
	} else {
		client = twitch.NewClient(c.cfg.Username, pass)
	}
	client.IrcAddress = addr
	client.TLS = false
	// Membership gives JOIN/PART: who is present without a chatter list.
	client.Capabilities = []string{twitch.TagsCapability, twitch.CommandsCapability, twitch.MembershipCapability}
	client.Join(c.cfg.Channels...)

	client.OnConnect(func() {
		up.Store(true)
		c.setConnected(true)
		c.log.Info("chat: connected", "addr", c.cfg.Addr, "channels", len(c.cfg.Channels), "anonymous", c.Anonymous())
	})
	client.OnReconnectMessage(func(twitch.ReconnectMessage) {
		c.log.Info("chat: Twitch asked us to reconnect")
		c.setConnected(false)
	})
	client.OnUserStateMessage(func(m twitch.UserStateMessage) {
		r := roles(m.User.Badges, "", "")
		c.limiter.setModerator(hearth.NormalizeChannel(m.Channel), r&(hearth.RoleBroadcaster|hearth.RoleModerator|hearth.RoleVIP) != 0)
	})
	client.OnPrivateMessage(func(m twitch.PrivateMessage) { c.handle(&m) })
	client.OnUserNoticeMessage(func(m twitch.UserNoticeMessage) { c.handle(&m) })
	client.OnClearChatMessage(func(m twitch.ClearChatMessage) { c.handle(&m) })
	client.OnClearMessage(func(m twitch.ClearMessage) { c.handle(&m) })
	client.OnUserJoinMessage(func(m twitch.UserJoinMessage) { c.handle(&m) })
	client.OnUserPartMessage(func(m twitch.UserPartMessage) { c.handle(&m) })
	client.OnUnsetMessage(func(m twitch.RawMessage) {
		if m.RawType == "" {
			c.obs.Malformed("unparsable")
		}
	})
	return client
}

func (c *Chat) handle(msg twitch.Message) {
	ev, err := Normalize(msg, time.Now())
	var me *MalformedError
	switch {
	case err == nil:
		c.cfg.Handle(ev)
	case errors.As(err, &me):
		c.obs.Malformed(me.Reason)
		c.log.Debug("chat: dropped malformed message", "reason", me.Reason)
	}
}

// sendLoop releases queued replies as the rate limit allows.
func (c *Chat) sendLoop(ctx context.Context) {
	// Replies wait while disconnected: the library would buffer them and
	// deliver them in one burst on reconnect, past the limit.
	c.limiter.run(ctx, c.Connected, func(o outgoing) {
		c.mu.Lock()
		client := c.client
		c.mu.Unlock()
		client.Say(o.channel, o.text)
		c.obs.ReplySent(o.channel)
	})
}

type nopObserver struct{}

func (nopObserver) Malformed(string)    {}
func (nopObserver) Connected(bool)      {}
func (nopObserver) Reconnected()        {}
func (nopObserver) ReplySent(string)    {}
func (nopObserver) ReplyDropped(string) {}

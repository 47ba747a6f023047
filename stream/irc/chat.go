package irc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
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
	// Connections spreads Channels over this many chat connections, each
	// read on its own goroutine, so that parsing uses more than one core
	// (default 1; never more than there are channels).
	Connections int

	// Handle receives every event, on the reading goroutine of the
	// connection that joined its channel: with several connections it is
	// called from several goroutines at once, but a channel's events come
	// in order from one. It should hand the event on and return; blocking
	// it slows reading.
	Handle func(hearth.Event)
	// Observer, if set, is told about drops and connection changes.
	Observer stream.Observer
	Logger   *slog.Logger
}

// Chat is Hearth's connection to Twitch chat, over one or more IRC
// connections that keep themselves connected: it turns messages into
// events and sends rate-limited replies.
//
// Chat speaks IRC itself and uses go-twitch-irc only to parse lines. It
// owns each connection's socket, reader, login, PING and RECONNECT, so it
// can end a session whatever the server does: the library's Client has no
// dial hook, ignores contexts, does nothing on Disconnect before login,
// lets a parser panic unwind past its cleanup, and can wait forever on its
// own reader. Reading itself also costs less this way: a line goes from the
// socket to the parser on one goroutine, without the library's channel
// hops and the goroutine it starts for every line.
type Chat struct {
	cfg     ChatConfig
	log     *slog.Logger
	obs     stream.Observer
	limiter *stream.Limiter
	joins   *joinLimiter

	shards []*shard
	// mu guards byChannel and each shard's channels, which Join and Part
	// change while Chat runs.
	mu        sync.Mutex
	byChannel map[string]*shard

	// idlePing and pongWait are the keep-alive's (see keepAlive); tests
	// shorten them.
	idlePing, pongWait time.Duration

	upMu sync.Mutex // orders the up count's changes and their reports
	up   int        // connections logged in
	all  atomic.Bool
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
	cfg.UserLimit = stream.Positive(cfg.UserLimit, stream.DefaultUserLimit)
	cfg.ModLimit = stream.Positive(cfg.ModLimit, stream.DefaultModLimit)
	cfg.Window = stream.Positive(cfg.Window, stream.DefaultWindow)
	cfg.QueueSize = stream.Positive(cfg.QueueSize, stream.DefaultQueueSize)
	cfg.MinBackoff = stream.Positive(cfg.MinBackoff, stream.DefaultMinBackoff)
	cfg.MaxBackoff = stream.Positive(cfg.MaxBackoff, stream.DefaultMaxBackoff)
	cfg.LoginTimeout = stream.Positive(cfg.LoginTimeout, 10*time.Second)
	cfg.Connections = max(min(cfg.Connections, len(cfg.Channels)), 1)
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
		obs = stream.NopObserver{}
	}
	c := &Chat{
		cfg:       cfg,
		log:       cfg.Logger,
		obs:       obs,
		limiter:   stream.NewLimiter(cfg.UserLimit, cfg.ModLimit, cfg.Window, cfg.QueueSize),
		joins:     newJoinLimiter(joinLimit, joinWindow),
		byChannel: make(map[string]*shard, len(cfg.Channels)),
		idlePing:  idlePing,
		pongWait:  pongWait,
	}
	for i := range cfg.Connections {
		c.shards = append(c.shards, &shard{chat: c, index: i, wake: make(chan struct{}, 1)})
	}
	// Round robin: channels listed together, often of similar size, land
	// on different connections.
	for i, ch := range cfg.Channels {
		s := c.shards[i%len(c.shards)]
		s.channels = append(s.channels, ch)
		c.byChannel[ch] = s
	}
	return c, nil
}

// Join joins a channel from now on, and after every reconnect, on the
// connection that has the fewest channels: at once if it is connected,
// within Twitch's JOIN rate limit like every join, otherwise as soon as it
// logs in. Joining a channel already joined does nothing. It returns an
// error for a name that cannot be a Twitch channel.
func (c *Chat) Join(channel string) error {
	n := hearth.NormalizeChannel(channel)
	if n == "" {
		return fmt.Errorf("stream: %q is not a Twitch channel name", channel)
	}
	c.mu.Lock()
	if _, ok := c.byChannel[n]; ok {
		c.mu.Unlock()
		return nil
	}
	s := c.shards[0]
	for _, other := range c.shards[1:] {
		if len(other.channels) < len(s.channels) {
			s = other
		}
	}
	s.channels = append(s.channels, n)
	c.byChannel[n] = s
	c.mu.Unlock()
	s.poke()
	c.log.Info("chat: joining a channel", "channel", n)
	return nil
}

// Part leaves a channel: its connection sends PART at once if it is
// connected, and no reconnect joins it again. Leaving a channel not
// joined does nothing.
func (c *Chat) Part(channel string) {
	n := hearth.NormalizeChannel(channel)
	c.mu.Lock()
	s, ok := c.byChannel[n]
	if ok {
		delete(c.byChannel, n)
		s.channels = slices.DeleteFunc(s.channels, func(ch string) bool { return ch == n })
	}
	c.mu.Unlock()
	if ok {
		s.poke()
		c.log.Info("chat: leaving a channel", "channel", n)
	}
}

// Channels returns the channels Chat joins, by name.
func (c *Chat) Channels() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.byChannel))
}

// Anonymous reports whether the connection is read-only.
func (c *Chat) Anonymous() bool { return c.cfg.Token == "" && c.cfg.Tokens == nil }

// Connected reports whether every connection is logged in right now.
func (c *Chat) Connected() bool { return c.all.Load() }

// Say queues a chat line for channel. The line is cleaned (one line, no
// Twitch command prefix, at most 500 characters) and sent as soon as the
// rate limit allows; if too many wait, the oldest is dropped. Say never
// blocks.
func (c *Chat) Say(channel, text string) {
	text = stream.SanitizeReply(text)
	if text == "" {
		return
	}
	if c.Anonymous() {
		c.obs.ReplyDropped(channel)
		return
	}
	if c.limiter.Push(stream.Outgoing{Channel: channel, Text: text}) {
		c.obs.ReplyDropped(channel)
	}
}

// Run connects, reconnects with backoff after every failure, and sends
// queued replies until ctx is done. It returns nil when ctx ends, and an
// error only when Twitch rejects the login, which retrying cannot fix.
// When ctx ends, Run closes its connections and returns at once, whatever
// the server is doing.
func (c *Chat) Run(ctx context.Context) error {
	if c.Anonymous() {
		c.log.Info("chat: no bot token configured; reading chat anonymously, replies are disabled")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.sendLoop(ctx)
	}()
	fatal := make(chan error, len(c.shards))
	for _, s := range c.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.run(ctx); err != nil {
				fatal <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-fatal:
		return err
	default:
		return nil
	}
}

// setConnected records one connection going up or down. Chat counts as
// connected while every connection is.
func (c *Chat) setConnected(s *shard, up bool) {
	c.upMu.Lock()
	defer c.upMu.Unlock()
	if s.up == up {
		return
	}
	s.up = up
	if up {
		c.up++
	} else {
		c.up--
	}
	all := c.up == len(c.shards)
	if c.all.Swap(all) != all {
		c.obs.Connected(all)
		if all {
			c.limiter.Poke()
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

// handle normalises a chat message and hands on the event, or counts why
// it cannot.
func (c *Chat) handle(msg twitch.Message) {
	ev, err := Normalize(msg, time.Now())
	var me *stream.MalformedError
	switch {
	case err == nil:
		c.cfg.Handle(ev)
	case errors.As(err, &me):
		c.obs.Malformed(me.Reason)
		c.log.Debug("chat: dropped malformed message", "reason", me.Reason)
	}
}

// sendLoop releases queued replies as the rate limit allows, each through
// the connection that joined its channel.
func (c *Chat) sendLoop(ctx context.Context) {
	// Replies wait while a connection is down, so that a reconnect does
	// not release a burst past the limit.
	c.limiter.Run(ctx, c.Connected, func(o stream.Outgoing) {
		channel := strings.ToLower(o.Channel)
		c.mu.Lock()
		s, ok := c.byChannel[channel]
		c.mu.Unlock()
		if !ok {
			s = c.shards[0]
		}
		if err := s.send("PRIVMSG #" + channel + " :" + o.Text); err != nil {
			c.obs.ReplyDropped(o.Channel)
			return
		}
		c.obs.ReplySent(o.Channel)
	})
}

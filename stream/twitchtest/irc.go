package twitchtest

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// ErrClosed is returned by calls that wait on a Server once it is closed.
var ErrClosed = errors.New("twitchtest: server closed")

// errStopped is returned when writing to a connection that no longer takes
// writes (closed, dropped, or told to reconnect).
var errStopped = errors.New("twitchtest: connection stopped")

const (
	// writeTimeout bounds one write, so a client that stops reading cannot
	// block the server for ever; the connection is closed instead.
	writeTimeout = 5 * time.Second
	// closeGrace is how long a connection told to go away (RECONNECT, Drop,
	// failed login) is kept open, reading, for the client to close it first.
	closeGrace = 2 * time.Second
	// maxLineLen is the longest client line handled; longer ones are dropped.
	maxLineLen = 8192
)

// Capabilities a client can request with CAP REQ.
const (
	capTags uint8 = 1 << iota
	capCommands
	capMembership
)

var capNames = map[string]uint8{
	"twitch.tv/tags":       capTags,
	"twitch.tv/commands":   capCommands,
	"twitch.tv/membership": capMembership,
}

// Options configure a Server. Zero values mean defaults.
type Options struct {
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// UserLimit is how many PRIVMSGs a login may send per Window in a channel
	// where it is a normal user; default 20.
	UserLimit int
	// ModLimit is the same where the login is moderator (SetModerator) or the
	// broadcaster; default 100.
	ModLimit int
	// Window is the sliding window of the rate limits; default 30s.
	Window time.Duration
	// Logger receives the server's logs; default discard.
	Logger *slog.Logger
	// RoomIDs overrides the room id reported for a channel (ROOMSTATE and
	// echoed messages); channels not listed get UserID(channel).
	RoomIDs map[string]string
	// Authenticate reports whether token (the PASS without "oauth:") is
	// valid for login. Nil accepts every token except BadToken. Anonymous
	// logins (justinfan followed by digits) are never checked.
	Authenticate func(login, token string) bool
}

// SentMessage is a PRIVMSG a client sent to the server.
type SentMessage struct {
	Channel   string    // channel login, without '#'
	Text      string    // the message as sent, "/me ..." included
	Login     string    // the sender's login (its NICK)
	At        time.Time // when the server received it
	Anonymous bool      // the sender is an anonymous justinfan login; Twitch ignores such messages
	ReplyTo   string    // the reply-parent-msg-id tag, when the message is a reply
	Violation bool      // it exceeded the applicable rate limit; Twitch would have dropped it
	Joined    bool      // the connection it came over had joined the channel
}

// Server is a fake Twitch chat server listening on loopback. It serves in
// goroutines it owns until Close. All methods are safe for concurrent use.
type Server struct {
	opts      Options
	log       *slog.Logger
	ln        net.Listener
	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu         sync.Mutex
	conns      map[*conn]struct{}
	accepted   int
	joinSeq    uint64
	changed    chan struct{} // closed and replaced on every change waiters care about
	mods       map[string]bool
	sent       []SentMessage
	joins      []Join
	history    map[rateKey][]time.Time
	violations int
	pingSeq    uint64
	pings      map[uint64]checkpoint
}

type rateKey struct{ channel, login string }

// NewServer starts a server listening on opts.Addr. It serves until Close.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.UserLimit <= 0 {
		opts.UserLimit = 20
	}
	if opts.ModLimit <= 0 {
		opts.ModLimit = 100
	}
	if opts.Window <= 0 {
		opts.Window = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, errors.Join(errors.New("twitchtest: unable to listen"), err)
	}
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		ln:      ln,
		closed:  make(chan struct{}),
		conns:   map[*conn]struct{}{},
		changed: make(chan struct{}),
		mods:    map[string]bool{},
		history: map[rateKey][]time.Time{},
		pings:   map[uint64]checkpoint{},
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr returns the host:port the server is bound to.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the listener, closes every connection at once and waits for
// the server's goroutines. Calls that wait on the server return ErrClosed.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.closed)
		conns := s.connsLocked()
		s.mu.Unlock()
		err = s.ln.Close()
		for _, c := range conns {
			c.markDone()
			_ = c.nc.Close()
		}
	})
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("twitchtest: accept failed", "err", err)
			select {
			case <-s.closed:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		s.mu.Lock()
		select {
		case <-s.closed:
			s.mu.Unlock()
			_ = nc.Close()
			return
		default:
		}
		s.accepted++
		c := &conn{s: s, id: s.accepted, nc: nc, done: make(chan struct{}), joined: map[string]uint64{}}
		s.conns[c] = struct{}{}
		s.notifyLocked()
		s.wg.Add(1)
		s.mu.Unlock()
		s.log.Debug("twitchtest: connection accepted", "conn", c.id, "remote", nc.RemoteAddr().String())
		go c.readLoop()
	}
}

// notifyLocked wakes everything waiting for a change. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, evaluated under s.mu, holds.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		case <-changed:
		}
	}
}

func (s *Server) connsLocked() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// joinedLocked returns the open, registered connections joined to channel,
// in the order they joined it.
func (s *Server) joinedLocked(channel string) []*conn {
	var out []*conn
	for c := range s.conns {
		if _, ok := c.joined[channel]; ok && c.registered && !c.closing.Load() {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *conn) int { return cmp.Compare(a.joined[channel], b.joined[channel]) })
	return out
}

// WaitJoined blocks until a registered, open connection has joined channel
// ("#name" or "name"), or ctx is done, or the server is closed.
func (s *Server) WaitJoined(ctx context.Context, channel string) error {
	ch := channelName(channel)
	return s.waitFor(ctx, func() bool { return len(s.joinedLocked(ch)) > 0 })
}

// WaitParted blocks until no registered, open connection is joined to
// channel ("#name" or "name"), or ctx is done, or the server is closed.
// It returns at once for a channel nobody joined.
func (s *Server) WaitParted(ctx context.Context, channel string) error {
	ch := channelName(channel)
	return s.waitFor(ctx, func() bool { return len(s.joinedLocked(ch)) == 0 })
}

// Join is one channel a registered client joined: JOIN #a,#b is two.
type Join struct {
	Channel string // channel login, without '#'
	Login   string // the client's NICK
	At      time.Time
}

// Joins returns every channel clients joined, in order.
func (s *Server) Joins() []Join {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.joins)
}

// WaitSent blocks until clients have sent at least n PRIVMSGs in all, and
// returns them all, as Sent does.
func (s *Server) WaitSent(ctx context.Context, n int) ([]SentMessage, error) {
	if err := s.waitFor(ctx, func() bool { return len(s.sent) >= n }); err != nil {
		return nil, err
	}
	return s.Sent(), nil
}

// Send writes raw IRC lines to every connection joined to channel, in order,
// with no acknowledgement: a line a client has not handled when its
// connection drops is lost, as on Twitch. Lines are adapted to each
// connection's capabilities (tags stripped without twitch.tv/tags, and so
// on). With nobody joined, the lines go nowhere.
func (s *Server) Send(channel string, rawLines ...string) {
	ch := channelName(channel)
	s.mu.Lock()
	targets := s.joinedLocked(ch)
	s.mu.Unlock()
	for _, c := range targets {
		_ = c.send(rawLines...)
	}
}

// Reconnect sends ":tmi.twitch.tv RECONNECT" to every connection, as Twitch
// does before a server restart, and writes nothing more to them; each is
// closed once its client has closed it or after a short grace period.
// Clients are expected to connect again and rejoin their channels.
func (s *Server) Reconnect() {
	s.mu.Lock()
	conns := s.connsLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown(":tmi.twitch.tv RECONNECT", false)
	}
	s.log.Info("twitchtest: reconnect requested", "connections", len(conns))
}

// Drop ends every client connection at once, with no warning: the server
// stops writing between two lines, shuts its side down and ignores anything
// the client still sends. It closes with FIN, not a reset: after a reset,
// go-twitch-irc v4.2.0 can wedge for good (its reader blocks on a full
// channel that its parser, gone to reconnect, no longer drains).
func (s *Server) Drop() {
	s.mu.Lock()
	conns := s.connsLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown("", true)
	}
	s.log.Info("twitchtest: connections dropped", "connections", len(conns))
}

// SetModerator makes every logged-in client a moderator of channel (or not):
// their USERSTATE carries the moderator badge and ModLimit applies to what
// they send there. Clients already joined get a fresh USERSTATE.
func (s *Server) SetModerator(channel string, mod bool) {
	ch := channelName(channel)
	type update struct {
		c    *conn
		line string
	}
	var updates []update
	s.mu.Lock()
	s.mods[ch] = mod
	for _, c := range s.joinedLocked(ch) {
		if !c.anonymous {
			updates = append(updates, update{c, s.userStateLocked(ch, c.nick)})
		}
	}
	s.mu.Unlock()
	for _, u := range updates {
		_ = u.c.send(u.line)
	}
}

// Sent returns every PRIVMSG clients have sent, in the order received.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	copy(out, s.sent)
	return out
}

// Violations returns how many PRIVMSGs exceeded the applicable rate limit:
// for each channel and login, a message is a violation when, counting it,
// more than the limit (UserLimit, or ModLimit for moderators and the
// broadcaster) were received within the last Window.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// Connections returns how many connections the server has accepted so far,
// so tests can tell that a client reconnected.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// OpenConnections returns how many client connections are open right now,
// so tests can tell that a client closed the connections it left.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) roomID(channel string) string {
	if id, ok := s.opts.RoomIDs[channel]; ok {
		return id
	}
	return UserID(channel)
}

func (s *Server) authenticate(login, token string) bool {
	if s.opts.Authenticate != nil {
		return s.opts.Authenticate(login, token)
	}
	return "oauth:"+token != BadToken
}

// botChatterLocked describes a logged-in client as other chatters see it.
func (s *Server) botChatterLocked(channel, login string) Chatter {
	c := Chatter{ID: UserID(login), Login: login, DisplayName: login}
	switch {
	case login == channel:
		c.Badges = []string{"broadcaster/1"}
	case s.mods[channel]:
		c.Badges = []string{"moderator/1"}
	}
	return c
}

func (s *Server) userStateLocked(channel, login string) string {
	b := s.botChatterLocked(channel, login)
	var t tagList
	b.headTags(&t)
	t.add("color", "")
	t.add("display-name", login)
	t.add("emote-sets", "0")
	t.add("mod", b01(b.has("moderator")))
	t.add("subscriber", "0")
	t.add("user-type", b.userType())
	return t.String() + " :tmi.twitch.tv USERSTATE #" + channel
}

func (s *Server) roomStateLine(channel string) string {
	var t tagList
	t.add("emote-only", "0")
	t.add("followers-only", "-1")
	t.add("r9k", "0")
	t.add("room-id", s.roomID(channel))
	t.add("slow", "0")
	t.add("subs-only", "0")
	return t.String() + " :tmi.twitch.tv ROOMSTATE #" + channel
}

// recordLocked stores a client's PRIVMSG and reports whether it breaks the
// rate limit.
func (s *Server) recordLocked(m SentMessage) bool {
	limit := s.opts.UserLimit
	if m.Login == m.Channel || s.mods[m.Channel] {
		limit = s.opts.ModLimit
	}
	key := rateKey{m.Channel, m.Login}
	cutoff := m.At.Add(-s.opts.Window)
	hist := s.history[key]
	i := 0
	for i < len(hist) && !hist[i].After(cutoff) {
		i++
	}
	hist = append(hist[i:], m.At)
	s.history[key] = hist
	m.Violation = len(hist) > limit
	if m.Violation {
		s.violations++
	}
	s.sent = append(s.sent, m)
	s.notifyLocked()
	return m.Violation
}

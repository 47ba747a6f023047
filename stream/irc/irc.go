package irc

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
)

// The IRC session's fixed settings.
const (
	// anonymousNick and anonymousPass log in read-only, as Twitch's own
	// anonymous viewers do.
	anonymousNick = "justinfan123123"
	anonymousPass = "oauth:59301"
	// capabilities asks for tags (ids, badges, timestamps), commands
	// (USERNOTICE, CLEARCHAT...) and membership (JOIN/PART: who is present
	// without a chatter list).
	capabilities = "twitch.tv/tags twitch.tv/commands twitch.tv/membership"
	// idlePing is how long the server may stay silent before Chat sends a
	// PING, and pongWait how long it then has to send anything at all.
	idlePing = 15 * time.Second
	pongWait = 5 * time.Second
	// writeTimeout bounds one write, so that a server that stops reading
	// cannot hold a connection's writers for good.
	writeTimeout = 10 * time.Second
	// dialTimeout bounds one TCP connect, and tcpKeepAlive is its probe period.
	dialTimeout  = 30 * time.Second
	tcpKeepAlive = 10 * time.Second
	// stableAfter is how long a connection must have lived for its loss to
	// start the backoff again from MinBackoff.
	stableAfter = time.Minute
	// readBuffer is the reader's buffer: one read takes many lines under
	// load. maxLine bounds one line (Twitch's are a few KiB with tags).
	readBuffer = 64 << 10
	maxLine    = 1 << 20
	// maxJoinLine is the longest JOIN line, as Twitch counts a line.
	maxJoinLine = 500
)

// Twitch lets an account send this many JOINs per window, across all of
// its connections.
const (
	joinLimit  = 20
	joinWindow = 10 * time.Second
)

var (
	// errReconnect is why a session ends when Twitch asks for a reconnect.
	errReconnect = errors.New("Twitch asked the client to reconnect")
	// errServerClosed is why a session ends when the IRC server hangs up.
	errServerClosed = errors.New("the server closed the connection")
)

// panicError is a panic while handling a line, turned into an error so
// that it costs a reconnect, not the process.
type panicError struct{ value any }

func (e *panicError) Error() string { return fmt.Sprintf("chat handler panicked: %v", e.value) }

// shard is one of Chat's IRC connections and the channels it joins.
type shard struct {
	chat     *Chat
	index    int
	channels []string // guarded by chat.mu: the channels to be joined
	up       bool     // guarded by chat.upMu
	// wake tells the session's joiner that channels changed.
	wake chan struct{}

	mu   sync.Mutex
	conn net.Conn // the current session's, nil between sessions
}

// errNotConnected is what send returns between sessions.
var errNotConnected = errors.New("chat is not connected")

// send writes lines to the current session.
func (s *shard) send(lines ...string) error { return s.sendTo(nil, lines...) }

// sendTo writes lines to conn, or to the current session if conn is nil.
// Writes to one connection never interleave.
func (s *shard) sendTo(conn net.Conn, lines ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conn == nil {
		conn = s.conn
	}
	if conn == nil {
		return errNotConnected
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := io.WriteString(conn, b.String())
	return err
}

func (s *shard) setConn(conn net.Conn) {
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
}

// name is how logs tell the connections apart.
func (s *shard) name() string {
	if len(s.chat.shards) == 1 {
		return ""
	}
	return fmt.Sprintf(" %d", s.index+1)
}

// run connects, and reconnects with backoff after every failure, until
// ctx ends (nil) or Twitch rejects the login (the error to stop with).
func (s *shard) run(ctx context.Context) error {
	c := s.chat
	backoff := c.cfg.MinBackoff
	retried := false
	for {
		started := time.Now()
		loggedIn, err := s.session(ctx)
		c.setConnected(s, false)
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
		if time.Since(started) > stableAfter {
			backoff = c.cfg.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if loggedIn {
			c.log.Warn("chat: connection"+s.name()+" lost; reconnecting", "err", err, "addr", c.cfg.Addr, "in", wait.Round(time.Millisecond))
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
// server accepted the login. Its socket is closed when it returns, and at
// once when ctx ends.
func (s *shard) session(ctx context.Context) (loggedIn bool, err error) {
	c := s.chat
	pass, err := c.password(ctx)
	if err != nil {
		return false, err
	}
	nick := strings.ToLower(c.cfg.Username)
	if pass == "" {
		nick, pass = anonymousNick, anonymousPass
	}
	conn, err := dial(ctx, c.cfg.Addr, c.cfg.TLS)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var joining sync.WaitGroup
	defer joining.Wait() // after cancel, below
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()
	s.setConn(conn)
	defer s.setConn(nil)

	if err := s.sendTo(conn, "CAP REQ :"+capabilities, "PASS "+pass, "NICK "+nick); err != nil {
		return false, err
	}
	ka := &keepAlive{
		conn: conn, loginBy: time.Now().Add(c.cfg.LoginTimeout), loginTimeout: c.cfg.LoginTimeout,
		idle: c.idlePing, pongWait: c.pongWait,
		ping: func() error { return s.sendTo(conn, "PING :tmi.twitch.tv") },
	}
	r := bufio.NewReaderSize(ka, readBuffer)
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v}
		}
		if ctx.Err() != nil {
			err = ctx.Err()
		}
	}()
	for {
		line, err := readLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errServerClosed
			}
			return loggedIn, err
		}
		welcome, err := s.dispatch(conn, line, nick, loggedIn)
		if err != nil {
			return loggedIn, err
		}
		if welcome {
			loggedIn = true
			ka.loggedIn = true
			c.setConnected(s, true)
			c.log.Info("chat: connected"+s.name(), "addr", c.cfg.Addr, "channels", len(s.wanted()), "anonymous", c.Anonymous())
			joining.Add(1)
			go func() {
				defer joining.Done()
				s.keepJoined(ctx, conn)
			}()
		}
	}
}

// dispatch acts on one line from the server, on the reading goroutine:
// chat messages are normalised and handed on, PINGs answered. It reports
// whether the line is the server accepting the login (the first 001), and
// returns an error when the line ends the session.
func (s *shard) dispatch(conn net.Conn, line, nick string, loggedIn bool) (welcome bool, err error) {
	c := s.chat
	msg, err := parseLine(line)
	if err != nil {
		c.obs.Malformed("unparsable")
		return false, nil
	}
	switch m := msg.(type) {
	case *twitch.PrivateMessage:
		c.handle(m)
	case *twitch.UserNoticeMessage:
		c.handle(m)
	case *twitch.ClearChatMessage:
		c.handle(m)
	case *twitch.ClearMessage:
		c.handle(m)
	case *twitch.UserJoinMessage:
		if m.User != nick {
			c.handle(m)
		}
	case *twitch.UserPartMessage:
		if m.User != nick {
			c.handle(m)
		}
	case *twitch.UserStateMessage:
		r := stream.Roles(m.User.Badges, "", "")
		c.limiter.SetModerator(hearth.NormalizeChannel(m.Channel), r&(hearth.RoleBroadcaster|hearth.RoleModerator|hearth.RoleVIP) != 0)
	case *twitch.PingMessage:
		pong := "PONG"
		if m.Message != "" {
			pong += " :" + m.Message
		}
		return false, s.sendTo(conn, pong)
	case *twitch.ReconnectMessage:
		c.log.Info("chat: Twitch asked us to reconnect")
		return false, errReconnect
	case *twitch.NoticeMessage:
		if m.Channel == "*" && loginRefused(m.Message) {
			return false, twitch.ErrLoginAuthenticationFailed
		}
	case *twitch.RawMessage:
		switch {
		case m.RawType == "":
			c.obs.Malformed("unparsable")
		case m.RawType == "001" && !loggedIn:
			return true, nil
		}
	}
	return false, nil
}

// loginRefused reports whether a NOTICE to "*" is Twitch refusing the
// login, as go-twitch-irc recognises it.
func loginRefused(text string) bool {
	switch text {
	case "Login authentication failed", "Improperly formatted auth", "Invalid NICK", "Login unsuccessful":
		return true
	}
	return false
}

// wanted returns the channels the shard is to join, in the order they
// were given.
func (s *shard) wanted() []string {
	s.chat.mu.Lock()
	defer s.chat.mu.Unlock()
	return slices.Clone(s.channels)
}

// poke tells the session's joiner that the shard's channels changed.
func (s *shard) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// keepJoined keeps the session on conn joined to the shard's channels
// until ctx ends: it joins them, as fast as Twitch's JOIN limit allows,
// then, each time Join or Part changes them, parts those no longer wanted
// and joins those new.
func (s *shard) keepJoined(ctx context.Context, conn net.Conn) {
	joined := make(map[string]bool)
	for {
		want := s.wanted()
		for ch := range joined {
			if slices.Contains(want, ch) {
				continue
			}
			if err := s.sendTo(conn, "PART #"+ch); err != nil {
				return
			}
			delete(joined, ch)
		}
		missing := slices.DeleteFunc(want, func(ch string) bool { return joined[ch] })
		for _, line := range joinLines(missing, s.chat.joins.limit) {
			if err := s.chat.joins.wait(ctx, strings.Count(line, "#")); err != nil {
				return
			}
			if err := s.sendTo(conn, line); err != nil {
				return
			}
			for _, ch := range strings.Split(strings.TrimPrefix(line, "JOIN #"), ",#") {
				joined[ch] = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// joinLines groups channels into JOIN lines of at most perLine channels
// and maxJoinLine bytes.
func joinLines(channels []string, perLine int) []string {
	var lines []string
	var b strings.Builder
	n := 0
	for _, ch := range channels {
		if n > 0 && (n == perLine || b.Len()+2+len(ch) > maxJoinLine) {
			lines = append(lines, b.String())
			b.Reset()
			n = 0
		}
		if n == 0 {
			b.WriteString("JOIN #")
		} else {
			b.WriteString(",#")
		}
		b.WriteString(ch)
		n++
	}
	if n > 0 {
		lines = append(lines, b.String())
	}
	return lines
}

// dial connects to the IRC server, with TLS (verifying the server) if
// useTLS.
func dial(ctx context.Context, addr string, useTLS bool) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: tcpKeepAlive}
	if useTLS {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{MinVersion: tls.VersionTLS12}}
		return td.DialContext(ctx, "tcp", addr)
	}
	return d.DialContext(ctx, "tcp", addr)
}

// readLine returns the next line without its line ending. A line is taken
// from the reader's buffer in place and copied once, into the string.
func readLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	if err == nil {
		return string(trimEOL(b)), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	long := append([]byte(nil), b...)
	for {
		b, err = r.ReadSlice('\n')
		long = append(long, b...)
		if len(long) > maxLine {
			return "", fmt.Errorf("the server sent a line longer than %d bytes", maxLine)
		}
		if err == nil {
			return string(trimEOL(long)), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
}

func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// keepAlive reads a session's socket and notices a dead server: before the
// login it allows loginTimeout in all; after it, a PING goes out when the
// server has been silent for idle, and the session ends when that gets no
// answer within pongWait. It is used by the reading goroutine only. The
// deadline is set once per read of the socket, not once per line.
type keepAlive struct {
	conn           net.Conn
	loginBy        time.Time
	loginTimeout   time.Duration
	idle, pongWait time.Duration
	loggedIn       bool
	pinged         bool
	ping           func() error
}

func (k *keepAlive) Read(p []byte) (int, error) {
	for {
		deadline := k.loginBy
		switch {
		case k.loggedIn && k.pinged:
			deadline = time.Now().Add(k.pongWait)
		case k.loggedIn:
			deadline = time.Now().Add(k.idle)
		}
		_ = k.conn.SetReadDeadline(deadline)
		n, err := k.conn.Read(p)
		var ne net.Error
		if n > 0 || err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			if n > 0 {
				k.pinged = false
			}
			return n, err
		}
		switch {
		case !k.loggedIn:
			return 0, fmt.Errorf("no answer to the login within %v", k.loginTimeout)
		case k.pinged:
			return 0, fmt.Errorf("no answer to a PING within %v", k.pongWait)
		}
		k.pinged = true
		if err := k.ping(); err != nil {
			return 0, err
		}
	}
}

// joinLimiter keeps the JOINs of all of Chat's connections within
// Twitch's limit. Safe for concurrent use.
type joinLimiter struct {
	limit  int
	window time.Duration
	// now and sleep are the clock; the wall clock but in tests, which
	// step it by hand so the count per window is exact.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	sent []time.Time // one per channel joined within the window, oldest first
}

func newJoinLimiter(limit int, window time.Duration) *joinLimiter {
	return &joinLimiter{limit: limit, window: window, now: time.Now, sleep: sleepCtx}
}

// sleepCtx waits d, or returns ctx's error if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wait blocks until n more JOINs (n at most the limit) fit in the window,
// and counts them; it returns ctx's error if ctx ends first.
func (j *joinLimiter) wait(ctx context.Context, n int) error {
	for {
		j.mu.Lock()
		now := j.now()
		cut := 0
		for cut < len(j.sent) && now.Sub(j.sent[cut]) >= j.window {
			cut++
		}
		j.sent = j.sent[cut:]
		if len(j.sent)+n <= j.limit {
			for range n {
				j.sent = append(j.sent, now)
			}
			j.mu.Unlock()
			return nil
		}
		wait := j.window - now.Sub(j.sent[len(j.sent)+n-j.limit-1])
		j.mu.Unlock()
		if err := j.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

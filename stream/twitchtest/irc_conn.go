package twitchtest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// conn is one client connection.
type conn struct {
	s        *Server
	id       int
	nc       net.Conn
	done     chan struct{} // closed once the connection takes no more writes
	doneOnce sync.Once
	closing  atomic.Bool // done is closed
	discard  atomic.Bool // input is ignored (after Drop)

	wmu     sync.Mutex // serialises writes; guards the fields below
	stopped bool       // no more writes
	caps    uint8      // capabilities acknowledged
	self    string     // the client's nick, to tell its own JOIN/PART apart

	// Guarded by s.mu.
	nick       string
	pass       string
	hasPass    bool
	registered bool
	anonymous  bool
	joined     map[string]uint64 // channel → join order
}

func (c *conn) markDone() {
	c.doneOnce.Do(func() {
		c.closing.Store(true)
		close(c.done)
	})
}

// send writes lines, adapted to the connection's capabilities, in one write.
func (c *conn) send(lines ...string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.stopped {
		return errStopped
	}
	return c.writeLocked(lines)
}

func (c *conn) writeLocked(lines []string) error {
	size := 0
	for _, l := range lines {
		size += len(l) + 2
	}
	buf := make([]byte, 0, size)
	for _, l := range lines {
		l, ok := c.admitLocked(l)
		if !ok {
			continue
		}
		buf = append(buf, l...)
		buf = append(buf, '\r', '\n')
	}
	if len(buf) == 0 {
		return nil
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.nc.Write(buf); err != nil {
		c.stopped = true
		c.markDone()
		_ = c.nc.Close()
		c.s.log.Debug("twitchtest: write failed", "conn", c.id, "err", err)
		return err
	}
	return nil
}

// commandsOnly lists the commands Twitch sends only to connections with the
// twitch.tv/commands capability.
var commandsOnly = map[string]bool{
	"CLEARCHAT": true, "CLEARMSG": true, "USERNOTICE": true, "ROOMSTATE": true,
	"USERSTATE": true, "GLOBALUSERSTATE": true, "HOSTTARGET": true, "WHISPER": true,
}

// admitLocked frames one outgoing line and adapts it to the connection's
// capabilities; false means the connection does not get it.
func (c *conn) admitLocked(line string) (string, bool) {
	line = strings.TrimRight(line, "\r\n")
	if strings.ContainsAny(line, "\r\n\x00") {
		line = cleanText(line)
	}
	rest, hasTags := line, false
	if strings.HasPrefix(line, "@") {
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			return line, true
		}
		rest, hasTags = strings.TrimLeft(line[i+1:], " "), true
	}
	nick, cmd := lineCommand(rest)
	if commandsOnly[cmd] && c.caps&capCommands == 0 {
		return "", false
	}
	if (cmd == "JOIN" || cmd == "PART") && nick != c.self && c.caps&capMembership == 0 {
		return "", false
	}
	if hasTags && c.caps&capTags == 0 {
		return rest, true
	}
	return line, true
}

// lineCommand returns the source nick and the command of a line without tags.
func lineCommand(rest string) (nick, cmd string) {
	if strings.HasPrefix(rest, ":") {
		prefix, after, _ := strings.Cut(rest[1:], " ")
		nick, _, _ = strings.Cut(prefix, "!")
		rest = strings.TrimLeft(after, " ")
	}
	cmd, _, _ = strings.Cut(rest, " ")
	return nick, strings.ToUpper(cmd)
}

// shutdown stops writes after an optional farewell line, wakes whoever waits
// on the connection, and leaves the client closeGrace to close it. With
// discard, the rest of the client's input is ignored and the server's side
// is shut down at once.
func (c *conn) shutdown(farewell string, discard bool) {
	c.wmu.Lock()
	if c.stopped {
		c.wmu.Unlock()
		return
	}
	if discard {
		c.discard.Store(true)
	}
	if farewell != "" {
		_ = c.writeLocked([]string{farewell})
	}
	c.stopped = true
	c.wmu.Unlock()
	c.markDone()
	if tc, ok := c.nc.(*net.TCPConn); ok && discard {
		_ = tc.CloseWrite()
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(closeGrace))
	c.s.mu.Lock()
	c.s.notifyLocked()
	c.s.mu.Unlock()
}

// finish runs when the connection's reader ends.
func (c *conn) finish() {
	_ = c.nc.Close()
	c.wmu.Lock()
	c.stopped = true
	c.wmu.Unlock()
	c.markDone()
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.notifyLocked()
	c.s.mu.Unlock()
	c.s.log.Debug("twitchtest: connection closed", "conn", c.id)
}

func (c *conn) readLoop() {
	defer c.s.wg.Done()
	defer c.finish()
	r := bufio.NewReaderSize(c.nc, 4096)
	for {
		line, ok, err := readLine(r)
		if err != nil {
			return
		}
		if !ok || c.discard.Load() {
			continue
		}
		if quit := c.handle(line); quit {
			return
		}
	}
}

// readLine reads one line ending in LF. ok is false for a line longer than
// maxLineLen, which is skipped whole.
func readLine(r *bufio.Reader) (line string, ok bool, err error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > maxLineLen {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", false, err
		}
		break
	}
	if tooLong {
		return "", false, nil
	}
	return strings.TrimRight(string(buf), "\r\n"), true, nil
}

// message is a parsed client line.
type message struct {
	tags    string
	command string
	params  []string
}

func parseMessage(line string) message {
	var m message
	line = strings.TrimLeft(line, " ")
	if strings.HasPrefix(line, "@") {
		m.tags, line, _ = strings.Cut(line[1:], " ")
		line = strings.TrimLeft(line, " ")
	}
	if strings.HasPrefix(line, ":") {
		_, line, _ = strings.Cut(line, " ")
		line = strings.TrimLeft(line, " ")
	}
	cmd, line, _ := strings.Cut(line, " ")
	m.command = strings.ToUpper(cmd)
	for line != "" {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			break
		}
		if line[0] == ':' {
			m.params = append(m.params, line[1:])
			break
		}
		var p string
		p, line, _ = strings.Cut(line, " ")
		m.params = append(m.params, p)
	}
	return m
}

func (m message) param(i int) string {
	if i < len(m.params) {
		return m.params[i]
	}
	return ""
}

// tag returns the raw value of one of the message's tags.
func (m message) tag(key string) string {
	for _, kv := range strings.Split(m.tags, ";") {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// handle acts on one client line; it reports whether the client quit.
func (c *conn) handle(line string) (quit bool) {
	m := parseMessage(line)
	s := c.s
	switch m.command {
	case "":
	case "CAP":
		c.handleCap(m)
	case "PASS":
		s.mu.Lock()
		c.pass, c.hasPass = m.param(0), true
		s.mu.Unlock()
	case "NICK":
		c.handleNick(m)
	case "USER":
	case "PING":
		arg := "tmi.twitch.tv"
		if len(m.params) > 0 {
			arg = m.params[len(m.params)-1]
		}
		_ = c.send(":tmi.twitch.tv PONG tmi.twitch.tv :" + arg)
	case "PONG":
		s.acknowledge(m.params)
	case "QUIT":
		return true
	default:
		s.mu.Lock()
		registered, nick := c.registered, c.nick
		s.mu.Unlock()
		if !registered {
			return false
		}
		switch m.command {
		case "JOIN":
			c.handleJoin(nick, m)
		case "PART":
			c.handlePart(nick, m)
		case "PRIVMSG":
			c.handlePrivmsg(nick, m)
		default:
			_ = c.send(":tmi.twitch.tv 421 " + nick + " " + safeLogin(m.command) + " :Unknown command")
		}
	}
	return false
}

func (c *conn) handleCap(m message) {
	switch strings.ToUpper(m.param(0)) {
	case "LS":
		_ = c.send(":tmi.twitch.tv CAP * LS :twitch.tv/tags twitch.tv/commands twitch.tv/membership")
	case "REQ":
		req := strings.Fields(m.param(1))
		var caps uint8
		for _, name := range req {
			bit, ok := capNames[name]
			if !ok {
				_ = c.send(":tmi.twitch.tv CAP * NAK :" + strings.Join(req, " "))
				return
			}
			caps |= bit
		}
		c.wmu.Lock()
		c.caps |= caps
		c.wmu.Unlock()
		_ = c.send(":tmi.twitch.tv CAP * ACK :" + strings.Join(req, " "))
	}
}

// anonymousLogin reports whether login is Twitch's read-only justinfanNNN.
func anonymousLogin(login string) bool {
	digits, ok := strings.CutPrefix(login, "justinfan")
	if !ok || digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

func (c *conn) handleNick(m message) {
	s := c.s
	s.mu.Lock()
	registered, pass, hasPass := c.registered, c.pass, c.hasPass
	s.mu.Unlock()
	if registered {
		return
	}
	nick := strings.ToLower(m.param(0))
	anon := anonymousLogin(nick)
	failure := ""
	switch token, isOAuth := strings.CutPrefix(pass, "oauth:"); {
	case !validLogin(nick):
		failure = "Invalid NICK"
	case anon:
	case !hasPass || !isOAuth || token == "":
		failure = "Improperly formatted auth"
	case !s.authenticate(nick, token):
		failure = "Login authentication failed"
	}
	if failure != "" {
		s.log.Info("twitchtest: login refused", "conn", c.id, "login", safeLogin(nick), "reason", failure)
		c.shutdown(":tmi.twitch.tv NOTICE * :"+failure, false)
		return
	}
	c.wmu.Lock()
	c.self = nick
	c.wmu.Unlock()
	lines := []string{
		":tmi.twitch.tv 001 " + nick + " :Welcome, GLHF!",
		":tmi.twitch.tv 002 " + nick + " :Your host is tmi.twitch.tv",
		":tmi.twitch.tv 003 " + nick + " :This server is rather new",
		":tmi.twitch.tv 004 " + nick + " :-",
		":tmi.twitch.tv 375 " + nick + " :-",
		":tmi.twitch.tv 372 " + nick + " :You are in a maze of twisty passages, all alike.",
		":tmi.twitch.tv 376 " + nick + " :>",
	}
	if !anon {
		var t tagList
		t.add("badge-info", "")
		t.add("badges", "")
		t.add("color", "")
		t.add("display-name", nick)
		t.add("emote-sets", "0")
		t.add("user-id", UserID(nick))
		t.add("user-type", "")
		lines = append(lines, t.String()+" :tmi.twitch.tv GLOBALUSERSTATE")
	}
	if err := c.send(lines...); err != nil {
		return
	}
	s.mu.Lock()
	c.nick, c.registered, c.anonymous = nick, true, anon
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Debug("twitchtest: client registered", "conn", c.id, "login", nick, "anonymous", anon)
}

func (c *conn) handleJoin(nick string, m message) {
	s := c.s
	for _, name := range strings.Split(m.param(0), ",") {
		ch := channelName(name)
		if !validLogin(ch) {
			continue
		}
		s.mu.Lock()
		userState := s.userStateLocked(ch, nick)
		s.mu.Unlock()
		err := c.send(
			source(nick)+" JOIN #"+ch,
			":"+nick+".tmi.twitch.tv 353 "+nick+" = #"+ch+" :"+nick,
			":"+nick+".tmi.twitch.tv 366 "+nick+" #"+ch+" :End of /NAMES list",
			userState,
			s.roomStateLine(ch),
		)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.joins = append(s.joins, Join{Channel: ch, Login: nick, At: time.Now()})
		if _, ok := c.joined[ch]; !ok {
			s.joinSeq++
			c.joined[ch] = s.joinSeq
		}
		// A SetModerator between the USERSTATE above and now did not see
		// this connection as joined: send the state as it is now.
		current := s.userStateLocked(ch, nick)
		s.notifyLocked()
		s.mu.Unlock()
		if current != userState {
			_ = c.send(current)
		}
		s.log.Debug("twitchtest: joined", "conn", c.id, "login", nick, "channel", ch)
	}
}

func (c *conn) handlePart(nick string, m message) {
	s := c.s
	for _, name := range strings.Split(m.param(0), ",") {
		ch := channelName(name)
		s.mu.Lock()
		_, ok := c.joined[ch]
		delete(c.joined, ch)
		s.notifyLocked()
		s.mu.Unlock()
		if ok {
			_ = c.send(source(nick) + " PART #" + ch)
		}
	}
}

func (c *conn) handlePrivmsg(nick string, m message) {
	if len(m.params) < 2 {
		return
	}
	ch := channelName(m.params[0])
	if !validLogin(ch) {
		return
	}
	s := c.s
	msg := SentMessage{
		Channel: ch,
		Text:    m.params[1],
		Login:   nick,
		At:      time.Now(),
		ReplyTo: m.tag("reply-parent-msg-id"),
	}
	s.mu.Lock()
	msg.Anonymous = c.anonymous
	_, msg.Joined = c.joined[ch]
	violation := s.recordLocked(msg)
	anonymous := c.anonymous
	var userState, echo string
	var others []*conn
	if !anonymous {
		userState = s.userStateLocked(ch, nick)
		if !violation {
			others = s.joinedLocked(ch)
			echo = s.echoLocked(ch, nick, msg)
		}
	}
	s.mu.Unlock()
	if violation {
		s.log.Warn("twitchtest: chat rate limit exceeded", "channel", ch, "login", nick)
	}
	if anonymous {
		return
	}
	_ = c.send(userState)
	if echo == "" {
		return
	}
	for _, o := range others {
		if o != c {
			_ = o.send(echo)
		}
	}
}

// echoLocked formats what other connections in the channel see of a
// client's message; "" when Twitch would not relay it (chat commands).
func (s *Server) echoLocked(channel, login string, m SentMessage) string {
	text, action := m.Text, false
	if rest, ok := strings.CutPrefix(text, "/me "); ok {
		text, action = rest, true
	} else if strings.HasPrefix(text, "/") || strings.HasPrefix(text, ".") {
		return ""
	}
	return PrivmsgLine(channel, s.roomID(channel), s.botChatterLocked(channel, login), text, m.At, MsgOptions{Action: action})
}

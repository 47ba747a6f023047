package twitchtest_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

func TestClientReceivesChatLines(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	c := twitch.NewAnonymousClient()
	privs := make(chan twitch.PrivateMessage, 8)
	notices := make(chan twitch.UserNoticeMessage, 8)
	clears := make(chan twitch.ClearChatMessage, 8)
	deletions := make(chan twitch.ClearMessage, 8)
	rooms := make(chan twitch.RoomStateMessage, 8)
	c.OnPrivateMessage(func(m twitch.PrivateMessage) { privs <- m })
	c.OnUserNoticeMessage(func(m twitch.UserNoticeMessage) { notices <- m })
	c.OnClearChatMessage(func(m twitch.ClearChatMessage) { clears <- m })
	c.OnClearMessage(func(m twitch.ClearMessage) { deletions <- m })
	c.OnRoomStateMessage(func(m twitch.RoomStateMessage) { rooms <- m })
	startClient(t, s, c, "hearth")
	if err := s.WaitJoined(testContext(t, 5*time.Second), "#hearth"); err != nil {
		t.Fatalf("WaitJoined: %v", err)
	}
	if room := receive(t, rooms, "ROOMSTATE"); room.RoomID != twitchtest.UserID("hearth") || room.Channel != "hearth" {
		t.Errorf("ROOMSTATE = %+v", room)
	}

	at := time.UnixMilli(1_700_000_000_456)
	room := twitchtest.UserID("hearth")
	odd := twitchtest.Chatter{ID: "77", Login: "odd_one", DisplayName: "Semi;colon Name", Badges: []string{"subscriber/12", "moderator/1"}, Months: 13}
	newbie := twitchtest.Chatter{ID: "78", Login: "newbie", DisplayName: "Zero\u200dWidth\u200f"}
	s.Send("hearth",
		twitchtest.PrivmsgLine("hearth", room, odd, "Cheer100 nice run", at, twitchtest.MsgOptions{ID: "id-1", Bits: 100}),
		twitchtest.PrivmsgLine("hearth", room, newbie, "<img src=x onerror=alert(1)>", at, twitchtest.MsgOptions{ID: "id-2", FirstMsg: true}),
		twitchtest.RaidLine("hearth", room, twitchtest.Chatter{Login: "raider"}, 42, at, twitchtest.MsgOptions{ID: "id-3"}),
		twitchtest.TimeoutLine("hearth", room, newbie, 5*time.Minute, at),
		twitchtest.ClearMsgLine("hearth", room, "newbie", "id-2", "<img src=x onerror=alert(1)>", at),
	)

	cheer := receive(t, privs, "the cheer")
	if cheer.ID != "id-1" || cheer.User.DisplayName != "Semi;colon Name" || cheer.User.Name != "odd_one" || cheer.Bits != 100 ||
		cheer.User.Badges["subscriber"] != 12 || cheer.User.Badges["moderator"] != 1 || !cheer.User.IsMod || cheer.FirstMessage ||
		cheer.Tags["badge-info"] != "subscriber/13" || !cheer.Time.Equal(at) || cheer.Message != "Cheer100 nice run" {
		t.Errorf("cheer = %+v", cheer)
	}
	first := receive(t, privs, "the first message")
	if first.ID != "id-2" || !first.FirstMessage || first.User.DisplayName != "Zero\u200dWidth\u200f" || first.Message != "<img src=x onerror=alert(1)>" {
		t.Errorf("first message = %+v", first)
	}
	raid := receive(t, notices, "the raid")
	if raid.MsgID != "raid" || raid.MsgParams["msg-param-viewerCount"] != "42" || raid.ID != "id-3" {
		t.Errorf("raid = %+v", raid)
	}
	timeout := receive(t, clears, "the timeout")
	if timeout.BanDuration != 300 || timeout.TargetUsername != "newbie" || timeout.TargetUserID != "78" {
		t.Errorf("timeout = %+v", timeout)
	}
	deletion := receive(t, deletions, "the deletion")
	if deletion.TargetMsgID != "id-2" || deletion.Login != "newbie" {
		t.Errorf("deletion = %+v", deletion)
	}
}

func TestModeratorUserState(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	s.SetModerator("hearth", true)
	c := twitch.NewClient("hearthbot", "oauth:secret")
	states := make(chan twitch.UserStateMessage, 8)
	globals := make(chan twitch.GlobalUserStateMessage, 8)
	c.OnUserStateMessage(func(m twitch.UserStateMessage) { states <- m })
	c.OnGlobalUserStateMessage(func(m twitch.GlobalUserStateMessage) { globals <- m })
	startClient(t, s, c, "hearth")

	if g := receive(t, globals, "GLOBALUSERSTATE"); g.User.ID != twitchtest.UserID("hearthbot") {
		t.Errorf("GLOBALUSERSTATE user id = %q, want %q", g.User.ID, twitchtest.UserID("hearthbot"))
	}
	st := receive(t, states, "USERSTATE on join")
	if st.Channel != "hearth" || st.User.Badges["moderator"] != 1 || !st.User.IsMod {
		t.Errorf("USERSTATE as moderator = %+v", st)
	}
	s.SetModerator("hearth", false)
	st = receive(t, states, "USERSTATE after demotion")
	if _, ok := st.User.Badges["moderator"]; ok || st.User.IsMod {
		t.Errorf("USERSTATE after demotion = %+v", st)
	}
}

func TestRateLimitViolations(t *testing.T) {
	tests := []struct {
		name   string
		login  string
		mod    bool
		sends  int
		want   int
		window time.Duration
	}{
		{name: "UserOverLimit", login: "hearthbot", sends: 25, want: 5, window: time.Second},
		{name: "UserAtLimit", login: "hearthbot", sends: 20, want: 0, window: time.Second},
		{name: "Moderator", login: "hearthbot", mod: true, sends: 25, want: 0, window: time.Second},
		{name: "Broadcaster", login: "hearth", sends: 25, want: 0, window: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, twitchtest.Options{UserLimit: 20, ModLimit: 100, Window: tt.window})
			if tt.mod {
				s.SetModerator("hearth", true)
			}
			c := twitch.NewClient(tt.login, "oauth:secret")
			startClient(t, s, c, "hearth")
			ctx := testContext(t, 10*time.Second)
			if err := s.WaitJoined(ctx, "hearth"); err != nil {
				t.Fatalf("WaitJoined: %v", err)
			}
			for i := range tt.sends {
				c.Say("hearth", fmt.Sprintf("reply %d", i))
			}
			sent, err := s.WaitSent(ctx, tt.sends)
			if err != nil {
				t.Fatalf("WaitSent: %v", err)
			}
			if got := s.Violations(); got != tt.want {
				t.Errorf("Violations() = %d, want %d", got, tt.want)
			}
			flagged := 0
			for _, m := range sent {
				if m.Violation {
					flagged++
				}
				if m.Login != tt.login || m.Channel != "hearth" || m.Anonymous || !strings.HasPrefix(m.Text, "reply ") {
					t.Errorf("sent message = %+v", m)
				}
			}
			if flagged != tt.want {
				t.Errorf("%d messages flagged as violations, want %d", flagged, tt.want)
			}
		})
	}

	t.Run("SlidingWindow", func(t *testing.T) {
		const window = 300 * time.Millisecond
		s := newServer(t, twitchtest.Options{UserLimit: 20, Window: window})
		c := twitch.NewClient("hearthbot", "oauth:secret")
		startClient(t, s, c, "hearth")
		ctx := testContext(t, 10*time.Second)
		if err := s.WaitJoined(ctx, "hearth"); err != nil {
			t.Fatalf("WaitJoined: %v", err)
		}
		say := func(n, total int) {
			t.Helper()
			for i := range n {
				c.Say("hearth", fmt.Sprintf("msg %d", i))
			}
			if _, err := s.WaitSent(ctx, total); err != nil {
				t.Fatalf("WaitSent: %v", err)
			}
		}
		say(20, 20)
		time.Sleep(window + 50*time.Millisecond)
		say(20, 40)
		if got := s.Violations(); got != 0 {
			t.Fatalf("after two full windows apart: Violations() = %d, want 0", got)
		}
		say(1, 41)
		if got := s.Violations(); got != 1 {
			t.Fatalf("21st message within the window: Violations() = %d, want 1", got)
		}
	})
}

func TestLoginFailure(t *testing.T) {
	tests := []struct {
		name  string
		login string
		token string
		opts  twitchtest.Options
	}{
		{name: "BadToken", login: "hearthbot", token: twitchtest.BadToken},
		{name: "NotOAuth", login: "hearthbot", token: "secret"},
		{name: "EmptyToken", login: "hearthbot", token: "oauth:"},
		{name: "Authenticator", login: "hearthbot", token: "oauth:wrong", opts: twitchtest.Options{Authenticate: func(login, token string) bool {
			return login == "hearthbot" && token == "right"
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts)
			c := twitch.NewClient(tt.login, tt.token)
			c.IrcAddress, c.TLS = s.Addr(), false
			errc := make(chan error, 1)
			go func() { errc <- c.Connect() }()
			select {
			case err := <-errc:
				if !errors.Is(err, twitch.ErrLoginAuthenticationFailed) {
					t.Errorf("Connect() = %v, want %v", err, twitch.ErrLoginAuthenticationFailed)
				}
			case <-time.After(5 * time.Second):
				_ = c.Disconnect()
				t.Fatal("Connect did not fail")
			}
		})
	}

	t.Run("AuthenticatorAccepts", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{Authenticate: func(login, token string) bool { return token == "right" }})
		c := twitch.NewClient("hearthbot", "oauth:right")
		startClient(t, s, c, "hearth")
		if err := s.WaitJoined(testContext(t, 5*time.Second), "hearth"); err != nil {
			t.Fatalf("WaitJoined: %v", err)
		}
	})
}

// rawClient speaks IRC over a bare connection.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialRaw(t *testing.T, s *twitchtest.Server) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *rawClient) write(lines ...string) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(strings.Join(lines, ""))); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the next line the server sent, without its CRLF.
func (c *rawClient) next() string {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (partial %q)", err, line)
	}
	if !strings.HasSuffix(line, "\r\n") {
		c.t.Fatalf("line %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n")
}

// expect skips lines until one matches want, where a "*" in want matches
// anything.
func (c *rawClient) expect(want string) string {
	c.t.Helper()
	prefix, suffix, glob := strings.Cut(want, "*")
	for {
		line := c.next()
		if line == want || glob && strings.HasPrefix(line, prefix) && strings.HasSuffix(line, suffix) {
			return line
		}
	}
}

// sync waits until the server has handled everything sent so far: it
// handles a connection's lines in order.
func (c *rawClient) sync() {
	c.t.Helper()
	c.write("PING :sync\r\n")
	c.expect(":tmi.twitch.tv PONG tmi.twitch.tv :sync")
}

func TestRawProtocol(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	bot := dialRaw(t, s)
	bot.write(
		"\x00\xff\xfe garbage \x01\r\n",
		strings.Repeat("A", 20000)+"\r\n",
		"PRIVMSG\r\n", "JOIN #early\r\n", ":prefix.only\r\n", "@tags=only\r\n", " \r\n", "\r\n", "\n",
		"CAP REQ :twitch.tv/tags twitch.tv/commands\r\n",
		"PASS oauth:abc\r\n",
		"NICK HearthBot\r\n",
	)
	bot.expect(":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands")
	bot.expect(":tmi.twitch.tv 001 hearthbot :Welcome, GLHF!")
	bot.expect(":tmi.twitch.tv 376 hearthbot :>")
	bot.expect("@badge-info=;badges=;color=;display-name=hearthbot;emote-sets=0;user-id=" + twitchtest.UserID("hearthbot") + ";user-type= :tmi.twitch.tv GLOBALUSERSTATE")
	bot.write("PING :tmi.twitch.tv\r\n")
	if got := bot.next(); got != ":tmi.twitch.tv PONG tmi.twitch.tv :tmi.twitch.tv" {
		t.Errorf("PONG = %q", got)
	}
	bot.write("WHO #alpha\r\n")
	if got := bot.next(); got != ":tmi.twitch.tv 421 hearthbot who :Unknown command" {
		t.Errorf("unknown command reply = %q", got)
	}
	bot.write("CAP REQ :twitch.tv/nonsense\r\n")
	if got := bot.next(); got != ":tmi.twitch.tv CAP * NAK :twitch.tv/nonsense" {
		t.Errorf("CAP REQ of an unknown capability = %q", got)
	}
	bot.write("JOIN #alpha,#Beta,#bad!name\r\n")
	for _, ch := range []string{"alpha", "beta"} {
		bot.expect(":hearthbot!hearthbot@hearthbot.tmi.twitch.tv JOIN #" + ch)
		bot.expect(":hearthbot.tmi.twitch.tv 353 hearthbot = #" + ch + " :hearthbot")
		bot.expect(":hearthbot.tmi.twitch.tv 366 hearthbot #" + ch + " :End of /NAMES list")
		bot.expect("@badge-info=;badges=;color=;display-name=hearthbot;emote-sets=0;mod=0;subscriber=0;user-type= :tmi.twitch.tv USERSTATE #" + ch)
		bot.expect("@emote-only=0;followers-only=-1;r9k=0;room-id=" + twitchtest.UserID(ch) + ";slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE #" + ch)
	}
	ctx := testContext(t, 5*time.Second)
	if err := s.WaitJoined(ctx, "beta"); err != nil {
		t.Fatalf("WaitJoined: %v", err)
	}

	// An anonymous reader without capabilities: no tags, no commands, no
	// other users' JOINs.
	reader := dialRaw(t, s)
	reader.write("NICK justinfan4242\r\nJOIN #alpha\r\n")
	reader.expect(":tmi.twitch.tv 001 justinfan4242 :Welcome, GLHF!")
	reader.expect(":justinfan4242.tmi.twitch.tv 366 justinfan4242 #alpha :End of /NAMES list")
	reader.sync()

	viewer := twitchtest.Chatter{ID: "5", Login: "viewer"}
	chat := twitchtest.PrivmsgLine("alpha", twitchtest.UserID("alpha"), viewer, "hi all", time.Now(), twitchtest.MsgOptions{})
	s.Send("alpha",
		twitchtest.JoinLine("alpha", "viewer"),
		twitchtest.SubLine("alpha", twitchtest.UserID("alpha"), viewer, "1000", "", time.Now(), twitchtest.MsgOptions{}),
		chat,
	)
	if got := reader.next(); got != ":viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #alpha :hi all" {
		t.Errorf("reader got %q, want the PRIVMSG without tags", got)
	}
	if got := bot.next(); !strings.HasPrefix(got, "@badge-info=") || !strings.Contains(got, " USERNOTICE #alpha") {
		t.Errorf("bot got %q, want the USERNOTICE", got)
	}
	if got := bot.next(); got != chat {
		t.Errorf("bot got %q, want %q", got, chat)
	}

	// What the bot says reaches the other connection; an anonymous
	// reader's messages are recorded but go nowhere.
	bot.write("@reply-parent-msg-id=abc PRIVMSG #alpha :hello from the bot\r\n")
	bot.expect("@badge-info=*USERSTATE #alpha")
	if got := reader.next(); got != ":hearthbot!hearthbot@hearthbot.tmi.twitch.tv PRIVMSG #alpha :hello from the bot" {
		t.Errorf("reader got %q, want the bot's message", got)
	}
	reader.write("PRIVMSG #alpha :anonymous words\r\n")
	sent, err := s.WaitSent(ctx, 2)
	if err != nil {
		t.Fatalf("WaitSent: %v", err)
	}
	if m := sent[0]; m.Login != "hearthbot" || m.Text != "hello from the bot" || m.Channel != "alpha" || m.ReplyTo != "abc" || m.Anonymous {
		t.Errorf("first sent = %+v", m)
	}
	if m := sent[1]; m.Login != "justinfan4242" || !m.Anonymous || m.Text != "anonymous words" {
		t.Errorf("second sent = %+v", m)
	}

	bot.write("PART #alpha\r\n")
	bot.expect(":hearthbot!hearthbot@hearthbot.tmi.twitch.tv PART #alpha")
	bot.sync()
	s.Send("alpha", chat)
	s.Send("beta", "@x=1 :tmi.twitch.tv PING :marker")
	if got := bot.next(); got != "@x=1 :tmi.twitch.tv PING :marker" {
		t.Errorf("after PART from #alpha, bot got %q, want only #beta's line", got)
	}
	if n := s.Connections(); n != 2 {
		t.Errorf("Connections() = %d, want 2", n)
	}

	// Reconnect warns every connection, then nothing more is written.
	s.Reconnect()
	bot.expect(":tmi.twitch.tv RECONNECT")
	reader.expect(":tmi.twitch.tv RECONNECT")
	s.Send("beta", chat)
	_ = bot.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if line, err := bot.r.ReadString('\n'); err == nil {
		t.Errorf("after RECONNECT, got %q", line)
	}
}

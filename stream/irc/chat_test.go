package irc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// runResult is what Chat.Run returned, once finished is closed.
type runResult struct {
	finished chan struct{}
	err      error
}

func startChat(t *testing.T, srv *twitchtest.Server, cfg ChatConfig) (*Chat, *twitchtest.Recorder, *runResult) {
	t.Helper()
	col := &twitchtest.Recorder{}
	cfg.Addr = srv.Addr()
	cfg.Handle = col.Handle
	if cfg.Channels == nil {
		cfg.Channels = []string{"c"}
	}
	chat, err := NewChat(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := &runResult{finished: make(chan struct{})}
	go func() {
		res.err = chat.Run(ctx)
		close(res.finished)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-res.finished:
		case <-time.After(10 * time.Second):
			t.Error("Chat.Run did not return after its context ended")
		}
	})
	return chat, col, res
}

// runChat runs chat until stop is called; stop waits for Run to return.
func runChat(chat *Chat) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		_ = chat.Run(ctx)
		close(finished)
	}()
	return ctx, func() {
		cancel()
		<-finished
	}
}

func newServer(t *testing.T, opts twitchtest.Options) *twitchtest.Server {
	t.Helper()
	srv, err := twitchtest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestFloodRespectsTwitchLimits says far more than the limit allows, as a
// bot answering a chat flood would, and has the fake Twitch count every
// message that broke its sliding window. The window is shortened so the
// test is quick; the arithmetic is Twitch's.
func TestFloodRespectsTwitchLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mod        bool
		limit      int
		say, queue int
	}{
		{"NormalUser", false, 5, 40, 12},
		{"Moderator", true, 15, 60, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			window := 500 * time.Millisecond
			srv := newServer(t, twitchtest.Options{UserLimit: 5, ModLimit: 15, Window: window})
			srv.SetModerator("c", tt.mod)
			chat, _, _ := startChat(t, srv, ChatConfig{
				Username: "hearthbot", Token: "oauth:test",
				UserLimit: 5, ModLimit: 15, Window: window, QueueSize: tt.queue,
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.WaitJoined(ctx, "c"); err != nil {
				t.Fatal(err)
			}
			testenv.WaitFor(t, 5*time.Second, "the moderator state", func() bool { return chat.limiter.Moderator("c") == tt.mod })
			for i := 0; i < tt.say; i++ {
				chat.Say("c", fmt.Sprintf("reply %d", i))
			}
			newest := fmt.Sprintf("reply %d", tt.say-1)
			testenv.WaitFor(t, 8*time.Second, "the newest reply", func() bool {
				sent := srv.Sent()
				return len(sent) > 0 && sent[len(sent)-1].Text == newest
			})
			time.Sleep(window)
			sent := srv.Sent()
			if v := srv.Violations(); v != 0 {
				t.Fatalf("the fake Twitch counted %d rate-limit violations", v)
			}
			// Up to one window's worth goes out at once; the queue keeps
			// the newest of the rest and drops the oldest.
			if len(sent) < tt.queue || len(sent) > tt.queue+tt.limit {
				t.Fatalf("%d replies arrived; want between %d and %d", len(sent), tt.queue, tt.queue+tt.limit)
			}
			if first, last := sent[0].At, sent[len(sent)-1].At; last.Sub(first) < window*time.Duration(tt.queue/tt.limit-1) {
				t.Fatalf("%d replies went out in %v; the window is %v for %d", len(sent), last.Sub(first), window, tt.limit)
			}
		})
	}
}

// TestBrokenLimiterWouldBeCaught proves the check above can fail: with our
// limit set higher than the server's, the server counts violations.
func TestBrokenLimiterWouldBeCaught(t *testing.T) {
	t.Parallel()
	window := 500 * time.Millisecond
	srv := newServer(t, twitchtest.Options{UserLimit: 5, Window: window})
	chat, _, _ := startChat(t, srv, ChatConfig{Username: "hearthbot", Token: "oauth:test", UserLimit: 50, Window: window, QueueSize: 50})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "connected", chat.Connected)
	for i := 0; i < 20; i++ {
		chat.Say("c", fmt.Sprint("x", i))
	}
	if _, err := srv.WaitSent(ctx, 20); err != nil {
		t.Fatal(err)
	}
	if srv.Violations() == 0 {
		t.Fatal("20 messages at once against a limit of 5 were not counted as violations")
	}
}

func TestReconnectsAfterReconnectAndDrop(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	var logs testenv.LogBuffer
	chat, col, _ := startChat(t, srv, ChatConfig{MinBackoff: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	send := func(n int) {
		t.Helper()
		if err := srv.WaitJoined(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, 5*time.Second, "connected", chat.Connected)
		before := col.Count()
		srv.Send("c", twitchtest.PrivmsgLine("c", "1", twitchtest.Chatter{ID: "7", Login: "ann"}, fmt.Sprint("hi ", n), time.Time{}, twitchtest.MsgOptions{}))
		testenv.WaitFor(t, 5*time.Second, "the message after a reconnect", func() bool { return col.Count() > before })
	}
	send(1)
	srv.Reconnect()
	testenv.WaitFor(t, 5*time.Second, "a second connection", func() bool { return srv.Connections() >= 2 })
	send(2)
	srv.Drop()
	testenv.WaitFor(t, 5*time.Second, "a third connection", func() bool { return srv.Connections() >= 3 })
	send(3)
	if n := strings.Count(logs.String(), "connection lost"); n != 2 {
		t.Fatalf("%d lost connections logged; want 2:\n%s", n, logs.String())
	}
	if !chat.Anonymous() {
		t.Fatal("a chat without a token should be anonymous")
	}
}

func TestRejectedTokenStopsWithAdvice(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	_, _, res := startChat(t, srv, ChatConfig{Username: "hearthbot", Token: twitchtest.BadToken})
	select {
	case <-res.finished:
		if err := res.err; err == nil || !strings.Contains(err.Error(), "HEARTH_BOT_TOKEN") || !strings.Contains(err.Error(), "hearth auth login --bot") {
			t.Fatalf("Run returned %v; want advice to sign the bot in or set HEARTH_BOT_TOKEN", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept retrying a token Twitch rejected")
	}
}

func TestNewChatValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ChatConfig
	}{
		{"NoHandler", ChatConfig{}},
		{"TokenWithoutUser", ChatConfig{Handle: func(hearth.Event) {}, Token: "x"}},
		{"BadChannel", ChatConfig{Handle: func(hearth.Event) {}, Channels: []string{"no spaces"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewChat(tt.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// countingObserver counts what a Chat reports.
type countingObserver struct {
	stream.NopObserver
	malformed atomic.Int64
}

func (o *countingObserver) Malformed(string) { o.malformed.Add(1) }

// TestTruncatedLineIsDroppedOnTheSameConnection sends lines that make
// go-twitch-irc's parser panic: each is dropped and counted, and the
// connection carries on, with no second connection left open.
func TestTruncatedLineIsDroppedOnTheSameConnection(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	obs := &countingObserver{}
	chat, col, _ := startChat(t, srv, ChatConfig{Observer: obs, MinBackoff: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "connected", chat.Connected)
	srv.Send("c", ":tmi.twitch.tv PRIVMSG", ":ann!ann@ann.tmi.twitch.tv PRIVMSG", ":tmi.twitch.tv USERNOTICE")
	srv.Send("c", twitchtest.PrivmsgLine("c", "1", twitchtest.Chatter{ID: "7", Login: "ann"}, "after the bad lines", time.Time{}, twitchtest.MsgOptions{}))
	testenv.WaitFor(t, 5*time.Second, "the message after the bad lines", func() bool { return col.Count() == 1 })
	if n := obs.malformed.Load(); n != 3 {
		t.Fatalf("%d malformed lines counted; want 3", n)
	}
	if n, open := srv.Connections(), srv.OpenConnections(); n != 1 || open != 1 {
		t.Fatalf("the server accepted %d connections and has %d open; want 1 and 1", n, open)
	}
}

// TestPanicClosesTheOldConnection makes the library's reading goroutine
// panic (in the event handler): Chat reconnects, and the connection it
// left is closed, so the server is back to one open connection.
func TestPanicClosesTheOldConnection(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	obs := &countingObserver{}
	chat, err := NewChat(ChatConfig{
		Addr:       srv.Addr(),
		Channels:   []string{"c"},
		Observer:   obs,
		MinBackoff: 10 * time.Millisecond,
		Handle: func(ev hearth.Event) {
			if ev.Text == "boom" {
				panic("handler failed")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := runChat(chat)
	defer stop()
	joinCtx, cancelJoin := context.WithTimeout(ctx, 20*time.Second)
	defer cancelJoin()
	if err := srv.WaitJoined(joinCtx, "c"); err != nil {
		t.Fatal(err)
	}
	srv.Send("c", twitchtest.PrivmsgLine("c", "1", twitchtest.Chatter{ID: "7", Login: "ann"}, "boom", time.Time{}, twitchtest.MsgOptions{}))
	testenv.WaitFor(t, 10*time.Second, "a second connection", func() bool { return srv.Connections() >= 2 })
	testenv.WaitFor(t, 10*time.Second, "one open connection", func() bool { return srv.OpenConnections() == 1 })
	testenv.WaitFor(t, 10*time.Second, "connected again", chat.Connected)
	if obs.malformed.Load() == 0 {
		t.Fatal("the panic was not counted")
	}
}

// silentServer starts a chat server that accepts connections and never answers
// the login.
func silentServer(t *testing.T) *twitchtest.Silent {
	t.Helper()
	srv, err := twitchtest.NewSilent()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestRunStopsWhileTheServerIgnoresTheLogin cancels Run while the server
// has accepted the connection but never answered the login: Run must
// return anyway.
func TestRunStopsWhileTheServerIgnoresTheLogin(t *testing.T) {
	t.Parallel()
	silent := silentServer(t)
	addr := silent.Addr()
	chat, err := NewChat(ChatConfig{Addr: addr, Channels: []string{"c"}, Username: "hearthbot", Token: "oauth:x", Handle: func(hearth.Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan error, 1)
	go func() { finished <- chat.Run(ctx) }()
	testenv.WaitFor(t, 10*time.Second, "the connection", func() bool { return silent.Accepted() == 1 })
	cancel()
	select {
	case err := <-finished:
		if err != nil {
			t.Fatalf("Run returned %v; want nil after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// TestConnectFailuresAreNotLostConnections has chat fail to connect,
// first to a closed port and then to a server that never answers the
// login: both are logged as failures to connect, not as lost connections,
// and retried.
func TestConnectFailuresAreNotLostConnections(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	silent := silentServer(t)
	tests := []struct {
		name, addr string
		tries      func() bool
	}{
		{"Refused", closed, nil},
		{"NoAnswer", silent.Addr(), func() bool { return silent.Accepted() >= 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs testenv.LogBuffer
			chat, err := NewChat(ChatConfig{
				Addr: tt.addr, Channels: []string{"c"}, Handle: func(hearth.Event) {},
				MinBackoff: 10 * time.Millisecond, LoginTimeout: 100 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			_, stop := runChat(chat)
			defer stop()
			want := "cannot connect to chat at " + tt.addr
			testenv.WaitFor(t, 10*time.Second, "two failed attempts", func() bool { return strings.Count(logs.String(), want) >= 2 })
			if tt.tries != nil {
				testenv.WaitFor(t, 10*time.Second, "a second connection", tt.tries)
			}
			if strings.Contains(logs.String(), "connection lost") {
				t.Fatalf("a failure to connect was logged as a lost connection:\n%s", logs.String())
			}
		})
	}
}

// TestTLSVerifiesTheServer dials a TLS server whose certificate nobody
// signed: Chat must speak TLS to it and refuse the certificate.
func TestTLSVerifiesTheServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	var logs testenv.LogBuffer
	chat, err := NewChat(ChatConfig{
		Addr: addr, TLS: true, Channels: []string{"c"}, Handle: func(hearth.Event) {},
		MinBackoff: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := runChat(chat)
	defer stop()
	testenv.WaitFor(t, 10*time.Second, "a refused certificate", func() bool {
		return strings.Contains(logs.String(), "cannot connect to chat at "+addr) && strings.Contains(logs.String(), "certificate")
	})
}

// TestReconnectsAfterAHeldHandler holds the handler while a RECONNECT and
// many lines wait behind it, the state in which go-twitch-irc v4.2.0's
// Connect never returned (its parser stopped at the RECONNECT while its
// reader was blocked handing on a line that only the parser drained). Chat
// must still connect again and carry on.
func TestReconnectsAfterAHeldHandler(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	release := make(chan struct{})
	var held atomic.Bool
	col := &twitchtest.Recorder{}
	chat, err := NewChat(ChatConfig{
		Addr:       srv.Addr(),
		Channels:   []string{"c"},
		MinBackoff: 10 * time.Millisecond,
		Handle: func(ev hearth.Event) {
			if ev.Text == "hold" && held.CompareAndSwap(false, true) {
				<-release
			}
			col.Handle(ev)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := runChat(chat)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	ann := twitchtest.Chatter{ID: "7", Login: "ann"}
	line := func(id, text string) string {
		return twitchtest.PrivmsgLine("c", id, ann, text, time.Time{}, twitchtest.MsgOptions{})
	}
	// The handler holds on "hold"; behind it the RECONNECT, then more lines
	// than go-twitch-irc's 64-line channel took.
	lines := []string{line("hold", "hold"), ":tmi.twitch.tv RECONNECT"}
	for i := range 200 {
		lines = append(lines, line(fmt.Sprint("after-", i), "after"))
	}
	srv.Send("c", lines...)
	testenv.WaitFor(t, 5*time.Second, "the parser to hold", held.Load)
	time.Sleep(200 * time.Millisecond) // the lines behind it arrive
	close(release)

	testenv.WaitFor(t, 10*time.Second, "a second connection", func() bool { return srv.Connections() >= 2 })
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	before := col.Count()
	srv.Send("c", line("later", "still here"))
	testenv.WaitFor(t, 10*time.Second, "a message on the new connection", func() bool {
		for _, ev := range col.Events(before) {
			if ev.Text == "still here" {
				return true
			}
		}
		return false
	})
}

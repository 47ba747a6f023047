package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// collector gathers the events a Chat hands on.
type collector struct {
	mu     sync.Mutex
	events []hearth.Event
}

func (c *collector) handle(ev hearth.Event) {
	c.mu.Lock()
	c.events = append(c.events, ev)
	c.mu.Unlock()
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// runResult is what Chat.Run returned, once finished is closed.
type runResult struct {
	finished chan struct{}
	err      error
}

func startChat(t *testing.T, srv *twitchtest.Server, cfg ChatConfig) (*Chat, *collector, *runResult) {
	t.Helper()
	col := &collector{}
	cfg.Addr = srv.Addr()
	cfg.Handle = col.handle
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

func newServer(t *testing.T, opts twitchtest.Options) *twitchtest.Server {
	t.Helper()
	srv, err := twitchtest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFloodRespectsTwitchLimits says far more than the limit allows, as a
// bot answering a chat flood would, and has the fake Twitch count every
// message that broke its sliding window. The window is shortened so the
// test is quick; the arithmetic is Twitch's.
func TestFloodRespectsTwitchLimits(t *testing.T) {
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
			waitFor(t, 5*time.Second, "the moderator state", func() bool { return chat.limiter.moderator("c") == tt.mod })
			for i := 0; i < tt.say; i++ {
				chat.Say("c", fmt.Sprintf("reply %d", i))
			}
			newest := fmt.Sprintf("reply %d", tt.say-1)
			waitFor(t, 8*time.Second, "the newest reply", func() bool {
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
	window := 500 * time.Millisecond
	srv := newServer(t, twitchtest.Options{UserLimit: 5, Window: window})
	chat, _, _ := startChat(t, srv, ChatConfig{Username: "hearthbot", Token: "oauth:test", UserLimit: 50, Window: window, QueueSize: 50})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "connected", chat.Connected)
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
	srv := newServer(t, twitchtest.Options{})
	chat, col, _ := startChat(t, srv, ChatConfig{MinBackoff: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	send := func(n int) {
		t.Helper()
		if err := srv.WaitJoined(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "connected", chat.Connected)
		before := col.count()
		srv.Send("c", twitchtest.PrivmsgLine("c", "1", twitchtest.Chatter{ID: "7", Login: "ann"}, fmt.Sprint("hi ", n), time.Time{}, twitchtest.MsgOptions{}))
		waitFor(t, 5*time.Second, "the message after a reconnect", func() bool { return col.count() > before })
	}
	send(1)
	srv.Reconnect()
	waitFor(t, 5*time.Second, "a second connection", func() bool { return srv.Connections() >= 2 })
	send(2)
	srv.Drop()
	waitFor(t, 5*time.Second, "a third connection", func() bool { return srv.Connections() >= 3 })
	send(3)
	if !chat.Anonymous() {
		t.Fatal("a chat without a token should be anonymous")
	}
}

func TestRejectedTokenStopsWithAdvice(t *testing.T) {
	srv := newServer(t, twitchtest.Options{})
	_, _, res := startChat(t, srv, ChatConfig{Username: "hearthbot", Token: twitchtest.BadToken})
	select {
	case <-res.finished:
		if err := res.err; err == nil || !strings.Contains(err.Error(), "hearth auth") {
			t.Fatalf("Run returned %v; want advice to run hearth auth", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept retrying a token Twitch rejected")
	}
}

func TestNewChatValidates(t *testing.T) {
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

package irc

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestConnectionsShareTheChannels spreads four channels over two
// connections: both connect, every channel is joined once, every
// channel's chat arrives, and each reply goes out through the connection
// that joined its channel.
func TestConnectionsShareTheChannels(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	channels := []string{"a", "b", "c", "d"}
	chat, col, _ := startChat(t, srv, ChatConfig{Username: "hearthbot", Token: "oauth:test", Channels: channels, Connections: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, ch := range channels {
		if err := srv.WaitJoined(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, 5*time.Second, "connected", chat.Connected)
	if n := srv.Connections(); n != 2 {
		t.Fatalf("%d connections; want 2", n)
	}
	for i, ch := range channels {
		srv.Send(ch, twitchtest.PrivmsgLine(ch, "1", twitchtest.Chatter{ID: "7", Login: "ann"}, "hi", time.Time{}, twitchtest.MsgOptions{ID: fmt.Sprint("m", i)}))
	}
	testenv.WaitFor(t, 5*time.Second, "a message from every channel", func() bool { return col.Count() == len(channels) })
	for _, ch := range channels {
		chat.Say(ch, "hello "+ch)
	}
	sent, err := srv.WaitSent(ctx, len(channels))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		if !m.Joined {
			t.Errorf("the reply to #%s went out over a connection that had not joined it", m.Channel)
		}
	}
}

// TestOneConnectionPerChannelAtMost asks for more connections than there
// are channels: one channel needs one connection.
func TestOneConnectionPerChannelAtMost(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	chat, _, _ := startChat(t, srv, ChatConfig{Channels: []string{"c"}, Connections: 4})
	testenv.WaitFor(t, 10*time.Second, "connected", chat.Connected)
	if n := srv.Connections(); n != 1 {
		t.Fatalf("%d connections for one channel; want 1", n)
	}
}

// TestSilentServerIsPingedThenLeft logs in to a server that then says
// nothing and answers nothing: Chat sends a PING once the server has been
// silent for the idle time, and connects again when no answer comes.
func TestSilentServerIsPingedThenLeft(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted, pinged atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer conn.Close()
				sc := bufio.NewScanner(conn)
				for sc.Scan() {
					switch {
					case strings.HasPrefix(sc.Text(), "NICK "):
						fmt.Fprintf(conn, ":tmi.twitch.tv 001 justinfan123123 :Welcome, GLHF!\r\n")
					case strings.HasPrefix(sc.Text(), "PING"):
						pinged.Add(1)
					}
				}
			}()
		}
	}()
	chat, err := NewChat(ChatConfig{Addr: ln.Addr().String(), Channels: []string{"c"}, Handle: func(hearth.Event) {}, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	chat.idlePing, chat.pongWait = 100*time.Millisecond, 100*time.Millisecond
	_, stop := runChat(chat)
	defer stop()
	testenv.WaitFor(t, 10*time.Second, "a PING and a second connection", func() bool { return pinged.Load() >= 1 && accepted.Load() >= 2 })
}

func TestJoinLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 25)
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("%s%02d", long, i))
	}
	tests := []struct {
		name     string
		channels []string
		perLine  int
		want     []string
	}{
		{"None", nil, 20, nil},
		{"One", []string{"a"}, 20, []string{"JOIN #a"}},
		{"PerLine", []string{"a", "b", "c"}, 2, []string{"JOIN #a,#b", "JOIN #c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinLines(tt.channels, tt.perLine); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("joinLines = %q; want %q", got, tt.want)
			}
		})
	}
	t.Run("Length", func(t *testing.T) {
		lines := joinLines(many, 100)
		joined := 0
		for _, l := range lines {
			if len(l) > maxJoinLine {
				t.Fatalf("a JOIN line of %d bytes", len(l))
			}
			joined += strings.Count(l, "#")
		}
		if len(lines) < 2 || joined != len(many) {
			t.Fatalf("%d lines joining %d channels; want several lines joining %d", len(lines), joined, len(many))
		}
	})
}

// TestJoinLimiterWaitsForTheWindow fills the JOIN window and checks that
// the next JOIN waits until the first leaves it, and that ctx ends a wait.
func TestJoinLimiterWaitsForTheWindow(t *testing.T) {
	t.Parallel()
	window := 200 * time.Millisecond
	j := newJoinLimiter(3, window)
	ctx := context.Background()
	start := time.Now()
	if err := j.wait(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := j.wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := j.wait(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < window {
		t.Fatalf("5 JOINs within %v against a limit of 3 per %v", el, window)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := j.wait(cctx, 3); err == nil {
		t.Fatal("a full window did not make a cancelled wait fail")
	}
}

package twitchtest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// loadCapture returns the real #xqcow capture shipped with go-twitch-irc.
func loadCapture(t *testing.T) []string {
	t.Helper()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		t.Fatalf("CaptureLines: %v", err)
	}
	if len(lines) != twitchtest.CaptureLinesTotal {
		t.Fatalf("capture has %d lines, want %d", len(lines), twitchtest.CaptureLinesTotal)
	}
	path, err := twitchtest.CapturePath()
	if err != nil || !strings.HasSuffix(path, filepath.Join("test_resources", "channel.txt.gz")) {
		t.Fatalf("CapturePath() = %q, %v", path, err)
	}
	return lines
}

// seen records what a go-twitch-irc client's callbacks handled, by identity.
type seen struct {
	mu          sync.Mutex
	privmsgs    map[string]int // by id tag
	userNotices map[string]int // by id tag
	clearChats  map[string]int // by raw line: CLEARCHAT has no id
	onPrivmsg   func(distinct int)
}

func newSeen() *seen {
	return &seen{privmsgs: map[string]int{}, userNotices: map[string]int{}, clearChats: map[string]int{}}
}

// watch records what client c's callbacks handle.
func watch(c *twitch.Client) *seen {
	s := newSeen()
	c.OnPrivateMessage(func(m twitch.PrivateMessage) { s.record(&m) })
	c.OnUserNoticeMessage(func(m twitch.UserNoticeMessage) { s.record(&m) })
	c.OnClearChatMessage(func(m twitch.ClearChatMessage) { s.record(&m) })
	return s
}

func (s *seen) record(m twitch.Message) {
	s.mu.Lock()
	switch m := m.(type) {
	case *twitch.PrivateMessage:
		s.privmsgs[m.ID]++
	case *twitch.UserNoticeMessage:
		s.userNotices[m.ID]++
	case *twitch.ClearChatMessage:
		s.clearChats[m.Raw]++
	}
	n, hook := len(s.privmsgs), s.onPrivmsg
	s.mu.Unlock()
	if _, ok := m.(*twitch.PrivateMessage); ok && hook != nil {
		hook(n)
	}
}

// lossyReader is a bare IRC client that, like go-twitch-irc, reads ahead of
// what it has handled, and loses what it read but did not handle when it
// hangs up: after handling each count in hangUpAfter lines, it closes the
// connection and connects again. It answers PINGs only once it has handled
// every line before them.
func lossyReader(t *testing.T, ctx context.Context, s *twitchtest.Server, channel string, hangUpAfter []int) *seen {
	t.Helper()
	got := newSeen()
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Go(func() {
		handled := 0
		for ctx.Err() == nil {
			nc, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
			_, _ = nc.Write([]byte("CAP REQ :twitch.tv/tags twitch.tv/commands\r\nNICK justinfan77\r\nJOIN #" + channel + "\r\n"))
			r := bufio.NewReaderSize(nc, 64*1024)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					break
				}
				line = strings.TrimRight(line, "\r\n")
				switch m := twitch.ParseMessage(line).(type) {
				case *twitch.PingMessage:
					_, _ = nc.Write([]byte("PONG :" + m.Message + "\r\n"))
				case *twitch.PrivateMessage, *twitch.UserNoticeMessage, *twitch.ClearChatMessage:
					got.record(m)
					handled++
				}
				if len(hangUpAfter) > 0 && handled >= hangUpAfter[0] {
					hangUpAfter = hangUpAfter[1:]
					break
				}
			}
			stop()
			_ = nc.Close()
		}
	})
	return got
}

// check asserts that every line of the capture was handled at least once.
func (s *seen) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	dups := 0
	for _, m := range []map[string]int{s.privmsgs, s.userNotices, s.clearChats} {
		for _, n := range m {
			dups += n - 1
		}
	}
	t.Logf("client handled %d PRIVMSG, %d USERNOTICE, %d CLEARCHAT distinct; %d duplicates",
		len(s.privmsgs), len(s.userNotices), len(s.clearChats), dups)
	if len(s.privmsgs) != twitchtest.CapturePrivmsgs {
		t.Errorf("distinct PRIVMSG ids = %d, want %d", len(s.privmsgs), twitchtest.CapturePrivmsgs)
	}
	if len(s.userNotices) != 9 {
		t.Errorf("distinct USERNOTICE ids = %d, want 9", len(s.userNotices))
	}
	if len(s.clearChats) != 58 {
		t.Errorf("distinct CLEARCHAT lines = %d, want 58", len(s.clearChats))
	}
}

func TestFeedCaptureExactly(t *testing.T) {
	lines := loadCapture(t)

	t.Run("Steady", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		c := twitch.NewAnonymousClient()
		got := watch(c)
		startClient(t, s, c, "xqcow")
		var progress []int
		res, err := s.Feed(testContext(t, 15*time.Second), "#xqcow", lines, twitchtest.FeedOptions{
			OnProgress: func(acked int) { progress = append(progress, acked) },
		})
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		got.check(t)
		if res.Lines != 5000 || res.Resent != 0 || res.Connections != 1 {
			t.Errorf("FeedResult = %+v, want 5000 lines, none resent, one connection", res)
		}
		if len(progress) == 0 || progress[len(progress)-1] != 5000 {
			t.Errorf("OnProgress calls = %v, want them to end at 5000", progress)
		}
		for i := 1; i < len(progress); i++ {
			if progress[i] <= progress[i-1] {
				t.Fatalf("OnProgress not increasing: %v", progress)
			}
		}
	})

	// Reconnect and Drop from Feed's own goroutine: the connection is
	// certainly lost while lines remain.
	t.Run("ReconnectAndDropAtCheckpoints", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		c := twitch.NewAnonymousClient()
		got := watch(c)
		startClient(t, s, c, "xqcow")
		reconnected, dropped := false, false
		res, err := s.Feed(testContext(t, 15*time.Second), "xqcow", lines, twitchtest.FeedOptions{
			CheckpointEvery: 50,
			OnProgress: func(acked int) {
				switch {
				case acked >= 1500 && !reconnected:
					reconnected = true
					s.Reconnect()
				case acked >= 3200 && !dropped:
					dropped = true
					s.Drop()
				}
			},
		})
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		got.check(t)
		t.Logf("FeedResult = %+v", res)
		if !reconnected || !dropped {
			t.Fatalf("reconnected=%v dropped=%v, want both", reconnected, dropped)
		}
		if res.Connections < 3 || s.Connections() < 3 {
			t.Errorf("Feed used %d connections, server accepted %d; want at least 3 each", res.Connections, s.Connections())
		}
	})

	// Reconnect and Drop from other goroutines, whenever the client's
	// callbacks have seen enough, without any coordination with Feed.
	t.Run("ReconnectAndDropConcurrently", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		c := twitch.NewAnonymousClient()
		got := watch(c)
		var wg sync.WaitGroup
		t.Cleanup(wg.Wait)
		got.onPrivmsg = func(distinct int) {
			switch distinct {
			case 1000:
				wg.Go(s.Reconnect)
			case 2500:
				wg.Go(s.Drop)
			}
		}
		startClient(t, s, c, "xqcow")
		res, err := s.Feed(testContext(t, 15*time.Second), "xqcow", lines, twitchtest.FeedOptions{})
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		got.check(t)
		t.Logf("FeedResult = %+v", res)
		wg.Wait()
		if err := s.WaitJoined(testContext(t, 5*time.Second), "xqcow"); err != nil {
			t.Fatalf("client did not come back: %v", err)
		}
		if n := s.Connections(); n < 3 {
			t.Errorf("Connections() = %d, want at least 3 after a reconnect and a drop", n)
		}
	})
}

// TestFeedLossyReader feeds a reader that loses what it had read but not
// handled each time it hangs up: only acknowledgements can make up for it.
func TestFeedLossyReader(t *testing.T) {
	lines := loadCapture(t)
	s := newServer(t, twitchtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	got := lossyReader(t, ctx, s, "xqcow", []int{700, 2100, 3999})
	res, err := s.Feed(ctx, "xqcow", lines, twitchtest.FeedOptions{})
	cancel()
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	got.check(t)
	t.Logf("FeedResult = %+v", res)
	if res.Connections != 4 || res.Resent == 0 {
		t.Errorf("FeedResult = %+v, want 4 connections and some lines resent", res)
	}
}

func TestFeedPacing(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	c := twitch.NewAnonymousClient()
	type arrival struct {
		id string
		at time.Time
	}
	arrivals := make(chan arrival, 16)
	c.OnPrivateMessage(func(m twitch.PrivateMessage) { arrivals <- arrival{m.ID, time.Now()} })
	startClient(t, s, c, "hearth")

	base := time.UnixMilli(1_600_000_000_000)
	offsets := []int{0, 200, 400, 300, 600} // ms; the fourth goes back in time
	var lines []string
	for i, off := range offsets {
		lines = append(lines, twitchtest.PrivmsgLine("hearth", "1", twitchtest.Chatter{Login: "viewer"}, "hi",
			base.Add(time.Duration(off)*time.Millisecond), twitchtest.MsgOptions{ID: fmt.Sprint(i)}))
	}
	start := time.Now()
	res, err := s.Feed(testContext(t, 10*time.Second), "hearth", lines, twitchtest.FeedOptions{Speed: 1, CheckpointEvery: 2})
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	if res.Lines != 5 || res.Connections != 1 {
		t.Errorf("FeedResult = %+v", res)
	}
	// Each line arrives in order, and none before it is due: its distance
	// from the first line by the running maximum of the timestamps (the
	// schedule itself is TestPacerSchedulesFromTheRunningMaximum's). How
	// much later a line arrives depends on the machine's load, so only the
	// lower bound is checked.
	due := []time.Duration{0, 200 * time.Millisecond, 400 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond}
	for i := range offsets {
		a := receive(t, arrivals, "a paced line")
		if a.id != fmt.Sprint(i) {
			t.Fatalf("line %d arrived as %q", i, a.id)
		}
		if got := a.at.Sub(start); got < due[i] {
			t.Errorf("line %d arrived %v after the feed started, before it was due (%v)", i, got, due[i])
		}
	}
}

func TestFeedStops(t *testing.T) {
	lines := []string{twitchtest.PrivmsgLine("hearth", "1", twitchtest.Chatter{Login: "viewer"}, "hi", time.Now(), twitchtest.MsgOptions{})}

	t.Run("ContextDone", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res, err := s.Feed(ctx, "hearth", lines, twitchtest.FeedOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || res.Connections != 0 {
			t.Errorf("Feed with nobody joined = %+v, %v; want no connection and the context's error", res, err)
		}
	})

	t.Run("ServerClosed", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		errc := make(chan error, 1)
		go func() {
			_, err := s.Feed(context.Background(), "hearth", lines, twitchtest.FeedOptions{})
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := receive(t, errc, "Feed to return"); !errors.Is(err, twitchtest.ErrClosed) {
			t.Errorf("Feed after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newServer(t, twitchtest.Options{})
		res, err := s.Feed(context.Background(), "hearth", nil, twitchtest.FeedOptions{})
		if err != nil || res != (twitchtest.FeedResult{}) {
			t.Errorf("Feed of nothing = %+v, %v", res, err)
		}
	})
}

// BenchmarkFeedCapture measures an exact replay of the capture through a
// go-twitch-irc client, checkpoints included.
func BenchmarkFeedCapture(b *testing.B) {
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		b.Fatalf("CaptureLines: %v", err)
	}
	s := newServer(b, twitchtest.Options{})
	c := twitch.NewAnonymousClient()
	c.OnPrivateMessage(func(twitch.PrivateMessage) {})
	startClient(b, s, c, "xqcow")
	ctx := testContext(b, time.Minute)
	if err := s.WaitJoined(ctx, "xqcow"); err != nil {
		b.Fatalf("WaitJoined: %v", err)
	}
	for b.Loop() {
		if _, err := s.Feed(ctx, "xqcow", lines, twitchtest.FeedOptions{}); err != nil {
			b.Fatalf("Feed: %v", err)
		}
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "lines/s")
}

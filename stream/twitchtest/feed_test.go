package twitchtest_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// loadCapture reads the real #xqcow capture shipped with go-twitch-irc.
func loadCapture(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/gempir/go-twitch-irc/v4").Output()
	if err != nil {
		t.Fatalf("locating go-twitch-irc: %v", err)
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "test_resources", "channel.txt.gz"))
	if err != nil {
		t.Fatalf("opening capture: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("reading capture: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading capture: %v", err)
	}
	if len(lines) != 5000 {
		t.Fatalf("capture has %d lines, want 5000", len(lines))
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

func watch(c *twitch.Client) *seen {
	s := &seen{privmsgs: map[string]int{}, userNotices: map[string]int{}, clearChats: map[string]int{}}
	c.OnPrivateMessage(func(m twitch.PrivateMessage) {
		s.mu.Lock()
		s.privmsgs[m.ID]++
		n, hook := len(s.privmsgs), s.onPrivmsg
		s.mu.Unlock()
		if hook != nil {
			hook(n)
		}
	})
	c.OnUserNoticeMessage(func(m twitch.UserNoticeMessage) {
		s.mu.Lock()
		s.userNotices[m.ID]++
		s.mu.Unlock()
	})
	c.OnClearChatMessage(func(m twitch.ClearChatMessage) {
		s.mu.Lock()
		s.clearChats[m.Raw]++
		s.mu.Unlock()
	})
	return s
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
	if len(s.privmsgs) != 4933 {
		t.Errorf("distinct PRIVMSG ids = %d, want 4933", len(s.privmsgs))
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
	res, err := s.Feed(testContext(t, 10*time.Second), "hearth", lines, twitchtest.FeedOptions{Speed: 1, CheckpointEvery: 2})
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	if res.Lines != 5 || res.Connections != 1 {
		t.Errorf("FeedResult = %+v", res)
	}
	var at []time.Time
	for i := range offsets {
		a := receive(t, arrivals, "a paced line")
		if a.id != fmt.Sprint(i) {
			t.Fatalf("line %d arrived as %q", i, a.id)
		}
		at = append(at, a.at)
	}
	if total := at[4].Sub(at[0]); total < 550*time.Millisecond || total > 2*time.Second {
		t.Errorf("600ms of chat at speed 1 took %v", total)
	}
	if back := at[3].Sub(at[2]); back > 100*time.Millisecond {
		t.Errorf("a line stamped before its predecessor waited %v, want no wait", back)
	}
	if gap := at[4].Sub(at[3]); gap < 150*time.Millisecond {
		t.Errorf("gap after the out-of-order line = %v, want about 200ms (from the running maximum)", gap)
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

package irc

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestJoinAndPartWhileRunning joins a channel and parts another while
// Chat runs: the server sees the JOIN and the PART, a message in the
// joined channel is handed on, and a reconnect joins what is wanted now.
func TestJoinAndPartWhileRunning(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	chat, col, _ := startChat(t, srv, ChatConfig{Channels: []string{"alpha"}, MinBackoff: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}

	if err := chat.Join("#Beta"); err != nil {
		t.Fatal(err)
	}
	if err := chat.Join("beta"); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitJoined(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	srv.Send("beta", twitchtest.PrivmsgLine("beta", "2", twitchtest.Chatter{ID: "7", Login: "ann"}, "hi beta", time.Time{}, twitchtest.MsgOptions{}))
	testenv.WaitFor(t, 5*time.Second, "the message in the joined channel", func() bool { return col.Count() == 1 })
	if ev := col.Events(0)[0]; ev.Channel != "beta" {
		t.Errorf("event from channel %q, want beta", ev.Channel)
	}

	chat.Part("alpha")
	chat.Part("never_joined")
	if err := srv.WaitParted(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	if got := chat.Channels(); !slices.Equal(got, []string{"beta"}) {
		t.Errorf("Channels = %v, want [beta]", got)
	}
	srv.Send("alpha", twitchtest.PrivmsgLine("alpha", "1", twitchtest.Chatter{ID: "8", Login: "bob"}, "after the part", time.Time{}, twitchtest.MsgOptions{}))
	for _, j := range srv.Joins() {
		if j.Channel == "alpha" || j.Channel == "beta" {
			continue
		}
		t.Errorf("the server saw a JOIN of %s", j.Channel)
	}

	joinsBefore := len(srv.Joins())
	srv.Drop()
	testenv.WaitFor(t, 5*time.Second, "the channel joined again after a reconnect", func() bool {
		js := srv.Joins()
		return len(js) > joinsBefore && js[len(js)-1].Channel == "beta"
	})
	if err := srv.WaitJoined(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	for _, j := range srv.Joins()[joinsBefore:] {
		if j.Channel != "beta" {
			t.Errorf("after the reconnect the server saw a JOIN of %s, parted before", j.Channel)
		}
	}
	if col.Count() != 1 {
		t.Errorf("%d events; the message in the parted channel must not arrive", col.Count())
	}
	if err := chat.Join("not a channel"); err == nil {
		t.Error("Join of an invalid name did not fail")
	}
}

// TestRuntimeJoinsKeepTheJoinLimit joins eight channels at once on a
// limiter of 3 JOINs a window whose clock the test steps: the fake server
// never sees more JOINs than the windows passed allow, and sees them all
// once enough windows have. Counting on a clock the test owns makes the count exact; the
// server's own receive times would run together whenever a loaded machine
// delays its reader.
func TestRuntimeJoinsKeepTheJoinLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	chat, err := NewChat(ChatConfig{Addr: srv.Addr(), Channels: []string{"first"}, Handle: (&twitchtest.Recorder{}).Handle})
	if err != nil {
		t.Fatal(err)
	}
	const limit, window = 3, time.Minute
	clock := newSteppedClock()
	chat.joins = newJoinLimiter(limit, window)
	chat.joins.now, chat.joins.sleep = clock.now, clock.sleep
	_, stop := runChat(chat)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 8 {
		names = append(names, fmt.Sprint("many_", i))
		if err := chat.Join(names[i]); err != nil {
			t.Fatal(err)
		}
	}
	// first and the eight: 9 JOINs, at most 3 a window. Each step waits
	// until the limiter holds the rest back (or none is left), checks what
	// the server saw, then moves the clock a window on.
	const all = 9
	for step := 1; ; step++ {
		if step > all {
			t.Fatalf("after %d windows the server saw %d of %d JOINs", all, len(srv.Joins()), all)
		}
		testenv.WaitFor(t, 10*time.Second, fmt.Sprintf("window %d's JOINs to be sent or held back", step), func() bool {
			return clock.sleepers() > 0 || len(srv.Joins()) == all
		})
		if got := len(srv.Joins()); got > step*limit {
			t.Fatalf("in %d windows the server saw %d JOINs; at most %d a window", step, got, limit)
		} else if got == all {
			break
		}
		clock.advance(window)
	}
	for _, n := range names {
		if err := srv.WaitJoined(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
}

// steppedClock is a clock that moves only when the test says.
type steppedClock struct {
	mu      sync.Mutex
	at      time.Time
	waiting []chan struct{}
	until   []time.Time
}

func newSteppedClock() *steppedClock { return &steppedClock{at: time.Unix(1_700_000_000, 0)} }

func (c *steppedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

// sleep returns once the clock has moved d on, or ctx ends.
func (c *steppedClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	ch := make(chan struct{})
	c.waiting = append(c.waiting, ch)
	c.until = append(c.until, c.at.Add(d))
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sleepers counts the sleeps the clock has not ended yet.
func (c *steppedClock) sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}

// advance moves the clock on by d and ends the sleeps that are due.
func (c *steppedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
	var waiting []chan struct{}
	var until []time.Time
	for i, ch := range c.waiting {
		if !c.until[i].After(c.at) {
			close(ch)
			continue
		}
		waiting, until = append(waiting, ch), append(until, c.until[i])
	}
	c.waiting, c.until = waiting, until
}

package irc

import (
	"context"
	"fmt"
	"slices"
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

// TestRuntimeJoinsKeepTheJoinLimit joins many channels at once while
// Chat runs, under a small JOIN limit: the server never sees more JOINs
// in a window than the limit allows, and every channel gets joined.
func TestRuntimeJoinsKeepTheJoinLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t, twitchtest.Options{})
	chat, err := NewChat(ChatConfig{Addr: srv.Addr(), Channels: []string{"first"}, Handle: (&twitchtest.Recorder{}).Handle})
	if err != nil {
		t.Fatal(err)
	}
	const limit, window = 3, 600 * time.Millisecond
	chat.joins = newJoinLimiter(limit, window)
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
	for _, n := range names {
		if err := srv.WaitJoined(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	js := srv.Joins()
	// The server notes a JOIN when it handles it, a little after it was
	// sent: the window checked is a little shorter than the limiter's.
	for i := range js {
		n := 0
		for _, j := range js[i:] {
			if j.At.Sub(js[i].At) < window-100*time.Millisecond {
				n++
			}
		}
		if n > limit {
			t.Errorf("%d JOINs within %s from %s; the limit is %d", n, window, js[i].Channel, limit)
		}
	}
}

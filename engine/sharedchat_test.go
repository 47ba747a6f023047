package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// TestSharedChatCountsForNothing: a message Shared Chat brings from another
// channel's chat earns nothing here, runs no command, casts no vote, starts
// no stream and is in no figure; it is counted in
// hearth_shared_chat_messages_total. A message naming the channel's own
// room as its source is the channel's as usual.
func TestSharedChatCountsForNothing(t *testing.T) {
	st := newStore(t)
	m, reg := newMetrics(t)
	lines := &said{}
	e := startEngine(t, st, Options{EventClock: true, Recorder: m, Polls: m, Chat: lines})
	ctx := context.Background()
	err := e.RunPoll(ctx, "chan", func(c *community.Channel, now time.Time) (community.Result, error) {
		_, res, err := c.StartPoll(community.PollSpec{Question: "Q", Options: []string{"a", "b"}, Duration: time.Minute, StartedBy: "api"}, t0)
		return res, err
	})
	if err != nil {
		t.Fatal(err)
	}
	lines.mu.Lock()
	lines.lines = nil // the poll's announcement
	lines.mu.Unlock()

	shared := func(i int, login, text string) hearth.Event {
		ev := vote(i, login, text)
		ev.ChannelID, ev.SourceChannelID = "111", "222"
		ev.Roles = hearth.RoleModerator
		return ev
	}
	e.Handle(shared(1, "bob", "hello from next door"))
	e.Handle(shared(2, "bob", "!vote a"))
	e.Handle(shared(3, "cid", "!points"))
	e.Handle(shared(4, "cid", "!endpoll"))
	own := vote(5, "ann", "hello")
	own.ChannelID, own.SourceChannelID = "111", ""
	e.Handle(own)
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	vs, err := st.Viewers(ctx, "chan")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Login != "ann" {
		t.Fatalf("viewers stored %+v, want ann alone", vs)
	}
	var poll hearth.Poll
	if err := e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch { poll, _ = c.CurrentPoll(); return hearth.Batch{} }); err != nil {
		t.Fatal(err)
	}
	if poll.Status != hearth.PollOpen || poll.Tally.Voters != 0 {
		t.Fatalf("poll %s with %d voters, want it open with none", poll.Status, poll.Tally.Voters)
	}
	lines.mu.Lock()
	if len(lines.lines) != 0 {
		t.Errorf("the bot said %q for messages from another room", lines.lines)
	}
	lines.mu.Unlock()
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"hearth_shared_chat_messages_total", map[string]string{"channel": "chan"}, 4},
		{"hearth_chat_messages_total", map[string]string{"channel": "chan"}, 1},
		{"hearth_events_total", map[string]string{"channel": "chan", "kind": "chat"}, 1},
		{"hearth_commands_total", map[string]string{"channel": "chan", "command": "points"}, 0},
		{"hearth_poll_votes_total", map[string]string{"channel": "chan", "result": hearth.VoteAccepted}, 0},
	} {
		if got := max(series(t, reg, c.name, c.labels), 0); got != c.want { // -1: no series, none counted
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

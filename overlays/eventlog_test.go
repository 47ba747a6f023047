package overlays_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
)

// Compile-time check that the hub is where the engine appends events.
var _ hearth.EventBroadcaster = (*overlays.Hub)(nil)

func welcomes(from, to int64) []hearth.OverlayEvent {
	var es []hearth.OverlayEvent
	for seq := from; seq <= to; seq++ {
		login := fmt.Sprintf("newbie%d", seq)
		es = append(es, hearth.OverlayEvent{Channel: "alice", Seq: seq, Kind: hearth.OverlayWelcome, Login: login, DisplayName: login,
			At: time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)})
	}
	return es
}

// dialEvents opens an events socket for alice, asking for the events
// after since when it is 0 or more.
func (s *server) dialEvents(t *testing.T, since int64) *websocket.Conn {
	t.Helper()
	u := s.socketURL("alice", testTokens["alice"], hearth.TopicEvents)
	if since >= 0 {
		u += fmt.Sprintf("&since=%d", since)
	}
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial events: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func readBatch(t *testing.T, conn *websocket.Conn) hearth.OverlayEventBatch {
	t.Helper()
	var msg struct {
		Topic string                   `json:"topic"`
		State hearth.OverlayEventBatch `json:"state"`
	}
	if err := readJSON(conn, 5*time.Second, &msg); err != nil {
		t.Fatalf("read events: %v", err)
	}
	if msg.Topic != hearth.TopicEvents {
		t.Fatalf("topic %q", msg.Topic)
	}
	return msg.State
}

// readEvents reads batches until it has n events, and returns them.
func readEvents(t *testing.T, conn *websocket.Conn, n int) []hearth.OverlayEvent {
	t.Helper()
	var got []hearth.OverlayEvent
	for len(got) < n {
		got = append(got, readBatch(t, conn).Events...)
	}
	return got
}

func checkSeqs(t *testing.T, got []hearth.OverlayEvent, from, to int64) {
	t.Helper()
	if int64(len(got)) != to-from+1 {
		t.Fatalf("%d events, want %d to %d", len(got), from, to)
	}
	for i, ev := range got {
		if ev.Seq != from+int64(i) {
			t.Fatalf("event %d has seq %d, want %d: each once, in order", i, ev.Seq, from+int64(i))
		}
	}
}

// TestEventsHistoryThenLive: a page that asks for nothing gets the last
// events as the past, then every new one, and no state of another topic.
func TestEventsHistoryThenLive(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", 42))
	s.Hub.PublishEvents("alice", welcomes(1, 150))
	s.Hub.PublishEvents("#Alice", welcomes(140, 160)) // 140 to 150 again: skipped
	s.Hub.PublishEvents("bob", welcomes(1, 3))

	conn := s.dialEvents(t, -1)
	first := readBatch(t, conn)
	if !first.Resync || !first.History || first.Head != 160 || first.Channel != "alice" {
		t.Fatalf("first batch %+v, want resync, history, head 160", first)
	}
	checkSeqs(t, first.Events, 61, 160)
	if first.Events[0].Login != "newbie61" || first.Events[0].UserID != "" {
		t.Errorf("event %+v", first.Events[0])
	}
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	s.Hub.PublishEvents("alice", welcomes(161, 163))
	s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", 43))
	got := readEvents(t, conn, 3)
	checkSeqs(t, got, 161, 163)
	if _, err := readMessage(conn, 300*time.Millisecond); err == nil {
		t.Error("the events socket got something more")
	}
}

// TestEventsResumeExactlyOnce: a client that drops during a burst of 500
// events and resumes from the last one it read sees each exactly once, in
// order.
func TestEventsResumeExactlyOnce(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.PublishEvents("alice", welcomes(1, 10))
	conn := s.dialEvents(t, -1)
	if b := readBatch(t, conn); b.Head != 10 {
		t.Fatalf("first batch %+v", b)
	}
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })

	const burst = 500
	var wg sync.WaitGroup
	wg.Go(func() {
		for seq := int64(11); seq <= 10+burst; seq++ {
			s.Hub.PublishEvents("alice", welcomes(seq, seq))
		}
	})
	// Read until some of the burst has come, then drop the socket.
	var got []hearth.OverlayEvent
	for len(got) == 0 {
		got = append(got, readBatch(t, conn).Events...)
	}
	conn.Close()
	last := got[len(got)-1].Seq
	wg.Wait()

	again := s.dialEvents(t, last)
	b := readBatch(t, again)
	if !b.Resync || b.History {
		t.Fatalf("resumed batch %+v, want resync without history", b)
	}
	got = append(got, b.Events...)
	got = append(got, readEvents(t, again, int(10+burst-last)-len(b.Events))...)
	checkSeqs(t, got, 11, 10+burst)
}

// TestEventsResumeFromStore: a page that was away longer than the hub
// keeps gets the older events from the store, then the hub's, each once.
func TestEventsResumeFromStore(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	all := welcomes(1, 1200)
	if err := db.Apply(context.Background(), hearth.Batch{OverlayEvents: all}); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "127.0.0.1:0", overlays.Options{EventsKept: 100, Events: db})
	s.Hub.PublishEvents("alice", all)
	conn := s.dialEvents(t, 20)
	got := readEvents(t, conn, 1180)
	checkSeqs(t, got, 21, 1200)
}

// TestEventsResyncWhenAhead: a page that asks for events after a seq the
// log never reached (its store was reset) is told where the log stands,
// and gets what comes next.
func TestEventsResyncWhenAhead(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.PublishEvents("alice", welcomes(1, 5))
	conn := s.dialEvents(t, 900)
	b := readBatch(t, conn)
	if !b.Resync || b.Head != 5 || len(b.Events) != 0 {
		t.Fatalf("batch %+v, want resync at head 5 with nothing", b)
	}
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	s.Hub.PublishEvents("alice", welcomes(6, 6))
	checkSeqs(t, readEvents(t, conn, 1), 6, 6)
}

// TestEventsSinceRefused: since must be a seq, on the events topic.
func TestEventsSinceRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	for _, q := range []string{"&topic=events&since=-1", "&topic=events&since=abc", "&topic=events&since=99999999999999999999", "&topic=poll&since=3"} {
		u := "ws://" + s.Addr + "/overlays/ws?channel=alice&token=alice-secret" + q
		_, resp, err := websocket.DefaultDialer.Dial(u, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("%s: %v, status %d; want 400", q, err, status)
		}
	}
}

// TestThousandClientsFinalState: 1,000 sockets on one channel while the
// leaderboard changes with each of 10,000 chat messages: every socket
// ends with the final leaderboard.
func TestThousandClientsFinalState(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 sockets")
	}
	const clients, messages = 1000, 10_000
	s := startServer(t, "127.0.0.1:0", overlays.Options{MaxConnectionsPerChannel: clients})
	socks := make([]*websocket.Conn, clients)
	for i := range socks {
		socks[i] = s.dialTopic(t, "alice", hearth.TopicLeaderboard)
	}
	testenv.WaitFor(t, 30*time.Second, "every socket registered", func() bool { return s.Hub.Clients("alice") == clients })
	for i := 1; i <= messages; i++ {
		s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", int64(i)))
	}
	readAll(t, socks, func(conn *websocket.Conn) error {
		for {
			var msg struct {
				State hearth.Leaderboard `json:"state"`
			}
			if err := readJSON(conn, 60*time.Second, &msg); err != nil {
				return err
			}
			if msg.State.Entries[0].Points == messages {
				return nil
			}
		}
	})
}

// TestEventBurstToManyClients: 100 pages of the event log during a burst
// of 2,000 events each get every event once, in order: a page that falls
// behind holds the events it still needs in the hub.
func TestEventBurstToManyClients(t *testing.T) {
	if testing.Short() {
		t.Skip("100 sockets")
	}
	const clients, events = 100, 2000
	s := startServer(t, "127.0.0.1:0", overlays.Options{MaxConnectionsPerChannel: clients, EventsKept: 100})
	socks := make([]*websocket.Conn, clients)
	for i := range socks {
		socks[i] = s.dialEvents(t, -1)
		readBatch(t, socks[i]) // the empty past
	}
	for i := int64(1); i <= events; i++ {
		s.Hub.PublishEvents("alice", welcomes(i, i))
	}
	readAll(t, socks, func(conn *websocket.Conn) error {
		for next := int64(1); next <= events; {
			var msg struct {
				State hearth.OverlayEventBatch `json:"state"`
			}
			if err := readJSON(conn, 60*time.Second, &msg); err != nil {
				return err
			}
			for _, ev := range msg.State.Events {
				if ev.Seq != next {
					return fmt.Errorf("event %d after %d", ev.Seq, next-1)
				}
				next++
			}
		}
		return nil
	})
}

// readAll runs read on every socket at once and fails t with the first
// error.
func readAll(t *testing.T, socks []*websocket.Conn, read func(*websocket.Conn) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(socks))
	for _, conn := range socks {
		wg.Go(func() {
			if err := read(conn); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestForgetEvents: a forgotten viewer's events leave the hub's log, and a
// page that loads after does not get them.
func TestForgetEvents(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	es := welcomes(1, 3)
	es[1].UserID = "u-forgotten"
	s.Hub.PublishEvents("alice", es)
	s.Hub.ForgetEvents("alice", "u-forgotten")
	b := readBatch(t, s.dialEvents(t, -1))
	if len(b.Events) != 2 || b.Events[0].Seq != 1 || b.Events[1].Seq != 3 || b.Head != 3 {
		t.Fatalf("after forgetting: %+v", b)
	}
}

package overlays_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/metrics"
	"github.com/hearthlive/hearth/overlays"
)

// TestSocketsPerChannelCapped opens real sockets for one channel until the
// default cap, then one more: that one is closed at once with close code
// 1013 and a reason naming the limit and the setting, and counted in
// Hearth's metric; other channels are not held back, and a socket that
// closes makes room again.
func TestSocketsPerChannelCapped(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.AddChannel("alice", nil)
	m.AddChannel("bob", nil)
	s := startServer(t, "127.0.0.1:0", overlays.Options{OnRefused: m.OverlayRefused})
	refused := func(channel string) float64 {
		return counterValue(t, reg, "hearth_overlay_connections_refused_total", channel, overlays.RefusedChannelLimit)
	}

	const limit = overlays.DefaultMaxConnectionsPerChannel
	open := make([]*websocket.Conn, 0, limit)
	for i := range limit {
		// Both topics that send a state on connect, so each socket is
		// known to be served before the next one opens.
		topic := hearth.TopicPoll
		if i%2 == 1 {
			topic = hearth.TopicEvents
		}
		conn := s.dialTopic(t, "alice", topic)
		var msg rawMessage
		if err := readJSON(conn, 5*time.Second, &msg); err != nil {
			t.Fatalf("socket %d of %d: %v, want its state on connect", i+1, limit, err)
		}
		open = append(open, conn)
	}
	if n := s.Hub.Clients("alice"); n != limit {
		t.Fatalf("Clients(alice) = %d, want %d", n, limit)
	}

	expectRefused := func(topic string) {
		t.Helper()
		conn := s.dialTopic(t, "alice", topic)
		var msg rawMessage
		err := readJSON(conn, 5*time.Second, &msg)
		var closeErr *websocket.CloseError
		if !errors.As(err, &closeErr) {
			t.Fatalf("socket beyond the limit: read %v (%+v), want a close frame", err, msg)
		}
		if closeErr.Code != websocket.CloseTryAgainLater {
			t.Errorf("close code %d, want %d (try again later)", closeErr.Code, websocket.CloseTryAgainLater)
		}
		for _, want := range []string{"too many overlay sockets", "limit 50", "overlays.max_connections"} {
			if !strings.Contains(closeErr.Text, want) {
				t.Errorf("close reason %q does not say %q", closeErr.Text, want)
			}
		}
	}
	expectRefused(hearth.TopicLeaderboard)
	expectRefused(hearth.TopicPoll)
	if got := refused("alice"); got != 2 {
		t.Errorf("refusals counted for alice: %v, want 2", got)
	}
	if n := s.Hub.Clients("alice"); n != limit {
		t.Errorf("Clients(alice) = %d after the refusals, want %d", n, limit)
	}

	t.Run("OtherChannelsUnaffected", func(t *testing.T) {
		conn := s.dialTopic(t, "bob", hearth.TopicEvents)
		var msg rawMessage
		if err := readJSON(conn, 5*time.Second, &msg); err != nil {
			t.Fatalf("bob's socket: %v", err)
		}
		if got := refused("bob"); got != 0 {
			t.Errorf("refusals counted for bob: %v, want 0", got)
		}
	})

	t.Run("RoomAgainAfterAClose", func(t *testing.T) {
		if err := open[0].WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, 5*time.Second, "the closed socket unregistered", func() bool { return s.Hub.Clients("alice") == limit-1 })
		conn := s.dialTopic(t, "alice", hearth.TopicPoll)
		var msg rawMessage
		if err := readJSON(conn, 5*time.Second, &msg); err != nil {
			t.Fatalf("a socket after one closed: %v, want its state", err)
		}
		expectRefused(hearth.TopicEvents)
	})
}

// TestSocketLimitConfigurable sets the limit to 2.
func TestSocketLimitConfigurable(t *testing.T) {
	s := startServer(t, "127.0.0.1:0", overlays.Options{MaxConnectionsPerChannel: 2})
	for range 2 {
		var msg rawMessage
		if err := readJSON(s.dialTopic(t, "alice", hearth.TopicEvents), 5*time.Second, &msg); err != nil {
			t.Fatal(err)
		}
	}
	var closeErr *websocket.CloseError
	var msg rawMessage
	if err := readJSON(s.dialTopic(t, "alice", hearth.TopicEvents), 5*time.Second, &msg); !errors.As(err, &closeErr) || !strings.Contains(closeErr.Text, "limit 2") {
		t.Fatalf("third socket: %v, want a close frame naming limit 2", err)
	}
}

// counterValue returns the value of the counter of family name with the
// channel and reason labels given, failing the test when the registry has
// no such series.
func counterValue(t *testing.T, reg *prometheus.Registry, name, channel, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, s := range mf.GetMetric() {
			var ch, r string
			for _, l := range s.GetLabel() {
				switch l.GetName() {
				case "channel":
					ch = l.GetValue()
				case "reason":
					r = l.GetValue()
				}
			}
			if ch == channel && r == reason {
				return s.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no series %s{channel=%q,reason=%q}", name, channel, reason)
	return 0
}

package overlays

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearthlive/hearth"
)

// benchTokens serves one channel, "alice", with token "t".
type benchTokens struct{}

func (benchTokens) OverlayToken(_ context.Context, channel string) (string, error) {
	if channel == "alice" {
		return "t", nil
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "no channel %s", channel)
}

// benchState is a state of about the size the overlays carry: twenty
// events, as a burst of welcomes brings. Seq tells one push from the next.
type benchState struct {
	Channel string                `json:"channel"`
	Items   []hearth.OverlayEvent `json:"items"`
}

func benchAlerts(seq int64) benchState {
	a := benchState{Channel: "alice"}
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	for i := range int64(20) {
		login := fmt.Sprintf("viewer%06d", seq*20+i)
		a.Items = append(a.Items, hearth.OverlayEvent{Seq: seq*20 + i, Kind: "welcome", Login: login, DisplayName: login, At: at})
	}
	return a
}

// BenchmarkHubFanout publishes one state and waits until every
// subscriber, a real WebSocket client over loopback, has read it: the
// hub's whole path from Publish to the last socket, and the clients'
// reads, which share the machine. The push interval is set to nothing so
// that what is measured is the fan-out, not the coalescing policy.
//
// Each subscriber holds two file descriptors in this process; a count
// the descriptor limit cannot hold is skipped.
func BenchmarkHubFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 5000, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			var lim syscall.Rlimit
			if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(2*n+256) {
				b.Skipf("needs %d file descriptors, the limit is %d: raise it (ulimit -n) to run this count", 2*n+256, lim.Cur)
			}
			benchFanout(b, n)
		})
	}
}

func benchFanout(b *testing.B, n int) {
	h := NewHub(benchTokens{}, Options{MaxConnectionsPerChannel: n})
	h.interval = time.Nanosecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	h.Register(app)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	go func() { _ = app.Listener(ln) }()
	defer func() {
		cancel()
		<-ran
		_ = app.Shutdown()
	}()

	u := "ws://" + ln.Addr().String() + "/overlays/ws?" + url.Values{
		"channel": {"alice"}, "token": {"t"}, "topic": {hearth.TopicPoll},
	}.Encode()
	conns := make([]*fws.Conn, n)
	for i := range conns {
		c, _, err := fws.DefaultDialer.Dial(u, nil)
		if err != nil {
			b.Fatalf("dialing subscriber %d: %v", i, err)
		}
		conns[i] = c
		// The blank state on connect.
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}

	// Each subscriber reads frames into a buffer it reuses and counts
	// them; the one that completes an operation's count says so.
	var got, want atomic.Int64
	done := make(chan struct{}, 1)
	var readers sync.WaitGroup
	for _, c := range conns {
		readers.Go(func() {
			var buf bytes.Buffer
			for {
				_, r, err := c.NextReader()
				if err != nil {
					return
				}
				buf.Reset()
				if _, err := buf.ReadFrom(r); err != nil {
					return
				}
				if got.Add(1) == want.Load() {
					done <- struct{}{}
				}
			}
		})
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
		readers.Wait()
	}()

	states := make([]benchState, 64)
	for i := range states {
		states[i] = benchAlerts(int64(i))
	}
	// One push before timing, so the readers' buffers have grown.
	want.Store(int64(n))
	h.Publish("alice", hearth.TopicPoll, benchAlerts(-1))
	<-done
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		want.Store(int64(i+2) * int64(n))
		h.Publish("alice", hearth.TopicPoll, states[i%len(states)])
		<-done
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subscriber")
}

// BenchmarkHubPush measures the hub's own side of one push, without the
// sockets' far ends: every subscriber's socket is the same /dev/null, so
// each write is a real system call that never waits, and ten thousand
// subscribers fit in any descriptor limit. It shows what a push costs the
// hub per subscriber beside the kernel's work on a real socket.
func BenchmarkHubPush(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer null.Close()
			raw, err := null.SyscallConn()
			if err != nil {
				b.Fatal(err)
			}
			// The hook counts what it is told on a Prometheus counter, as
			// Hearth's metrics do.
			pushes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pushes"}, []string{"channel", "topic"})
			h := NewHub(nil, Options{OnPush: func(channel, topic string, n int) {
				pushes.WithLabelValues(channel, topic).Add(float64(n))
			}})
			for range n {
				c := newClient(key{"alice", hearth.TopicPoll}, nil)
				c.raw = raw
				h.mu.Lock()
				t := h.topic(c.key)
				t.clients = append(t.clients, c)
				h.mu.Unlock()
			}
			states := make([]benchState, 64)
			for i := range states {
				states[i] = benchAlerts(int64(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h.Publish("alice", hearth.TopicPoll, states[i%len(states)])
				h.flush(true)
			}
			b.StopTimer()
			if got, want := testutil.ToFloat64(pushes), float64(b.N)*float64(n); got != want {
				b.Fatalf("%.0f pushes written, want %.0f", got, want)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subscriber")
		})
	}
}

// BenchmarkEventFanout appends one event to a channel's log and waits
// until every page of the events topic, a real WebSocket client over
// loopback, has read it: the event log's whole path from PublishEvents to
// the last socket. Pages at the same point share one encoded message.
func BenchmarkEventFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			var lim syscall.Rlimit
			if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(2*n+256) {
				b.Skipf("needs %d file descriptors, the limit is %d", 2*n+256, lim.Cur)
			}
			benchEventFanout(b, n)
		})
	}
}

func benchEventFanout(b *testing.B, n int) {
	h := NewHub(benchTokens{}, Options{MaxConnectionsPerChannel: n})
	h.interval = time.Nanosecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	h.Register(app)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	go func() { _ = app.Listener(ln) }()
	defer func() {
		cancel()
		<-ran
		_ = app.Shutdown()
	}()
	u := "ws://" + ln.Addr().String() + "/overlays/ws?" + url.Values{
		"channel": {"alice"}, "token": {"t"}, "topic": {hearth.TopicEvents},
	}.Encode()
	conns := make([]*fws.Conn, n)
	for i := range conns {
		c, _, err := fws.DefaultDialer.Dial(u, nil)
		if err != nil {
			b.Fatalf("dialing subscriber %d: %v", i, err)
		}
		conns[i] = c
		if _, _, err := c.ReadMessage(); err != nil { // the empty past
			b.Fatal(err)
		}
	}
	// Each page counts the events it read; the one that completes an
	// operation's count says so.
	var got, want atomic.Int64
	done := make(chan struct{}, 1)
	var readers sync.WaitGroup
	for _, c := range conns {
		readers.Go(func() {
			for {
				var msg struct {
					State hearth.OverlayEventBatch `json:"state"`
				}
				if err := c.ReadJSON(&msg); err != nil {
					return
				}
				if got.Add(int64(len(msg.State.Events))) == want.Load() {
					done <- struct{}{}
				}
			}
		})
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
		readers.Wait()
	}()
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		want.Store(int64(i+1) * int64(n))
		seq := int64(i + 1)
		h.PublishEvents("alice", []hearth.OverlayEvent{{Seq: seq, Kind: hearth.OverlayFollow, Login: "viewer", DisplayName: "Viewer", At: at}})
		<-done
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subscriber")
}

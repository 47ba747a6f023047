package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/postgres"
)

// screen is what one instance's overlays were shown: every state
// published to them, per channel and topic, in order, as JSON.
type screen struct {
	mu    sync.Mutex
	shown map[string][]string
}

func (s *screen) Publish(channel, topic string, state any) {
	b, _ := json.Marshal(state)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown == nil {
		s.shown = map[string][]string{}
	}
	s.shown[channel+"/"+topic] = append(s.shown[channel+"/"+topic], string(b))
}

// PublishEvents records the events' seqs under channel/events.
func (s *screen) PublishEvents(channel string, events []hearth.OverlayEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown == nil {
		s.shown = map[string][]string{}
	}
	for _, e := range events {
		s.shown[channel+"/events"] = append(s.shown[channel+"/events"], fmt.Sprint(e.Seq))
	}
}

func (s *screen) ForgetEvents(string, string) {}

func (s *screen) history(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.shown[key]...)
}

func (s *screen) last(key string) string {
	h := s.history(key)
	if len(h) == 0 {
		return ""
	}
	return h[len(h)-1]
}

func runRelay(t *testing.T, r *Relay) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// listenOverlays runs a notifier on u that feeds r, until t ends.
func listenOverlays(t *testing.T, u string, r *Relay) {
	t.Helper()
	n, err := postgres.NewNotifier(u, postgres.NotifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Listen(postgres.TopicOverlay, func(p string) { r.Notified(postgres.ParseOverlayNotice(p)) })
	n.OnConnect(func(bool) { r.Resync() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestRelayKeepsOverlaysLiveOnEveryInstance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, u, _ := openStore(t, 2)
	held, err := db.AcquireLeases(ctx, "a", []string{"ch00"}, time.Minute)
	if err != nil || len(held) != 1 {
		t.Fatalf("AcquireLeases = %v, %v", held, err)
	}
	var logA testenv.LogBuffer
	screenA, screenB := &screen{}, &screen{}
	a := NewRelay(screenA, db, func(c string) bool { return c == "ch00" },
		func() hearth.Fence { return hearth.Fence{Owner: "a", Epochs: map[string]int64{"ch00": held[0].Epoch}} },
		slog.New(slog.NewTextHandler(&logA, nil)))
	b := NewRelay(screenB, db, func(string) bool { return false }, func() hearth.Fence { return hearth.Fence{Owner: "b"} }, nil)
	runRelay(t, a)
	runRelay(t, b)
	const key = "ch00/leaderboard"
	board := func(n int) map[string]int { return map[string]int{"n": n} }

	// Written while b hears nothing: b reads it when its notifier connects.
	a.Publish("ch00", "leaderboard", board(7))
	if got := screenA.last(key); got != `{"n":7}` {
		t.Fatalf("the owner's own overlays show %q, want it at once", got)
	}
	testenv.WaitFor(t, 10*time.Second, "the state to be stored", func() bool {
		ss, err := db.OverlayStates(ctx, []string{"ch00"})
		return err == nil && len(ss) == 1 && string(ss[0].State) == `{"n":7}`
	})
	listenOverlays(t, u, b)
	testenv.WaitFor(t, 10*time.Second, "b to show the state stored before it listened", func() bool { return screenB.last(key) == `{"n":7}` })

	// A flood of updates reaches b as its last state, coalesced.
	for i := 8; i <= 200; i++ {
		a.Publish("ch00", "leaderboard", board(i))
	}
	testenv.WaitFor(t, 10*time.Second, "b to show the last of a flood", func() bool { return screenB.last(key) == `{"n":200}` })
	if n := len(screenB.history(key)); n > 20 {
		t.Errorf("b's overlays got %d states for 193 updates in a burst; want them coalesced", n)
	}
	if got := screenA.history(key); len(got) != 194 {
		t.Errorf("the owner's overlays got %d states, want every one of the 194 (its hub coalesces)", len(got))
	}

	// Events: the owner's writer stores them, its relay announces them and
	// b reads them from the store; older ones, history, are not replayed.
	fenceA := hearth.Fence{Owner: "a", Epochs: map[string]int64{"ch00": held[0].Epoch}}
	event := func(seq int64) hearth.OverlayEvent {
		return hearth.OverlayEvent{Channel: "ch00", Seq: seq, Kind: hearth.OverlayFollow, Login: fmt.Sprint("fan", seq), At: time.Now().UTC()}
	}
	history := hearth.Batch{OverlayEvents: []hearth.OverlayEvent{event(1), event(2), event(3)}}
	if err := db.Apply(hearth.WithFence(ctx, fenceA), history); err != nil {
		t.Fatal(err)
	}
	live := []hearth.OverlayEvent{event(4), event(5)}
	a.PublishEvents("ch00", live)
	if err := db.Apply(hearth.WithFence(ctx, fenceA), hearth.Batch{OverlayEvents: live}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "b to show the new events", func() bool { return len(screenB.history("ch00/events")) >= 2 })
	if got := fmt.Sprint(screenB.history("ch00/events")); got != "[4 5]" {
		t.Fatalf("b showed events %s, want [4 5]: the new ones, once each", got)
	}

	// a loses the channel: what it still publishes never reaches b.
	if _, err := db.ReleaseLeases(ctx, "a", held, hearth.HandoverReleased); err != nil {
		t.Fatal(err)
	}
	a.Publish("ch00", "leaderboard", map[string]string{"stale": "yes"})
	testenv.WaitFor(t, 10*time.Second, "a to drop the state of a channel it lost", func() bool {
		return strings.Contains(logA.String(), "lease is lost")
	})
	c, err := db.AcquireLeases(ctx, "c", []string{"ch00"}, time.Minute)
	if err != nil || len(c) != 1 {
		t.Fatalf("c's take-over = %v, %v", c, err)
	}
	cr := NewRelay(&screen{}, db, func(ch string) bool { return ch == "ch00" },
		func() hearth.Fence { return hearth.Fence{Owner: "c", Epochs: map[string]int64{"ch00": c[0].Epoch}} }, nil)
	runRelay(t, cr)
	cr.Publish("ch00", "leaderboard", board(300))
	testenv.WaitFor(t, 10*time.Second, "b to show the new owner's state", func() bool { return screenB.last(key) == `{"n":300}` })
	for _, s := range screenB.history(key) {
		if strings.Contains(s, "stale") {
			t.Fatalf("b showed a state from an owner that had lost the channel: %v", screenB.history(key))
		}
	}
	if got := fmt.Sprint(screenB.history("ch01/leaderboard")); got != "[]" {
		t.Fatalf("b showed states of a channel nobody published: %s", got)
	}
}

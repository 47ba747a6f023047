package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
)

// heard collects what a notifier's handlers were called with.
type heard struct {
	mu         sync.Mutex
	payloads   []string
	reconnects int
	connects   int
}

func (h *heard) add(p string) { h.mu.Lock(); h.payloads = append(h.payloads, p); h.mu.Unlock() }

func (h *heard) has(p string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, q := range h.payloads {
		if q == p {
			return true
		}
	}
	return false
}

func (h *heard) counts() (connects, reconnects int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.connects, h.reconnects
}

// runNotifier starts a notifier on u, named app so a test can find its
// connection, listening on TopicOverlay; it stops when t ends.
func runNotifier(t *testing.T, u, app string) (*Notifier, *heard) {
	t.Helper()
	pu, _ := url.Parse(u)
	q := pu.Query()
	q.Set("application_name", app)
	pu.RawQuery = q.Encode()
	n, err := NewNotifier(pu.String(), NotifierOptions{PingInterval: 200 * time.Millisecond, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h := &heard{}
	n.Listen(TopicOverlay, h.add)
	n.OnConnect(func(reconnect bool) {
		h.mu.Lock()
		h.connects++
		if reconnect {
			h.reconnects++
		}
		h.mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	testenv.WaitFor(t, 10*time.Second, "the notifier to listen", n.Connected)
	return n, h
}

func TestNotifierSurvivesTerminatedConnection(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	u, schema := freshSchema(t)
	db := openTest(t, u)
	n, h := runNotifier(t, u, "notify_"+schema)

	if err := db.Notify(ctx, TopicOverlay, "v1"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "the first notification", func() bool { return h.has("v1") })
	// Silent for several ping intervals: pings keep the connection, and it
	// still hears.
	time.Sleep(700 * time.Millisecond)
	if c, r := h.counts(); c != 1 || r != 0 {
		t.Fatalf("after idle pings: %d connects, %d reconnects; want 1, 0", c, r)
	}
	admin(t, baseURL(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, "notify_"+schema)
	testenv.WaitFor(t, 10*time.Second, "the notifier to reconnect and re-sync", func() bool {
		_, r := h.counts()
		return r == 1 && n.Connected()
	})
	if err := db.Notify(ctx, TopicOverlay, "v2"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "a notification after the reconnect", func() bool { return h.has("v2") })
}

func TestNotifierTopicsAreScopedBySchema(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	u1, s1 := freshSchema(t)
	u2, _ := freshSchema(t)
	db1, db2 := openTest(t, u1), openTest(t, u2)
	_, h := runNotifier(t, u1, "scoped_"+s1)
	if err := db2.Notify(ctx, TopicOverlay, "other"); err != nil {
		t.Fatal(err)
	}
	if err := db1.Notify(ctx, TopicOverlay, "mine"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 5*time.Second, "the schema's own notification", func() bool { return h.has("mine") })
	if h.has("other") {
		t.Fatal("heard a notification of another schema")
	}
	if err := db1.Notify(ctx, TopicOverlay, strings.Repeat("x", MaxPayload+1)); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("Notify with an oversized payload = %v; want EINVALID", err)
	}
}

func TestCommandRoundTrip(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha", "beta")

	id, err := db.PostCommand(ctx, hearth.ClusterCommand{Channel: "alpha", Action: "adjust", Body: []byte(`{"n":1}`)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	late, err := db.PostCommand(ctx, hearth.ClusterCommand{Channel: "alpha", Action: "adjust", Body: []byte(`{}`)}, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PostCommand(ctx, hearth.ClusterCommand{Channel: "beta", Action: "x", Body: nil}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PostCommand(ctx, hearth.ClusterCommand{Channel: "Not A Channel", Action: "x"}, time.Minute); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("PostCommand for a bad channel = %v; want EINVALID", err)
	}
	time.Sleep(10 * time.Millisecond) // the second command's deadline passes

	got, err := db.ClaimCommands(ctx, "one", []string{"alpha"})
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].Action != "adjust" || string(got[0].Body) != `{"n":1}` {
		t.Fatalf("ClaimCommands = %+v, %v; want only command %d (beta is not asked for, %d is past its deadline)", got, err, id, late)
	}
	if again, err := db.ClaimCommands(ctx, "two", []string{"alpha"}); err != nil || len(again) != 0 {
		t.Fatalf("a second claim got %+v, %v; want nothing", again, err)
	}
	if _, done, err := db.CommandResult(ctx, id); err != nil || done {
		t.Fatalf("CommandResult before finishing = done %v, %v", done, err)
	}
	if err := db.FinishCommand(ctx, id, hearth.ClusterResult{ErrorCode: hearth.ENOTFOUND, ErrorMessage: "no viewer"}); err != nil {
		t.Fatal(err)
	}
	r, done, err := db.CommandResult(ctx, id)
	if err != nil || !done || hearth.ErrorCode(r.Err()) != hearth.ENOTFOUND || r.Err().Error() != "no viewer" {
		t.Fatalf("CommandResult = %+v, %v, %v; want done with ENOTFOUND no viewer", r, done, err)
	}
	if claimed, err := db.DeleteCommand(ctx, id); err != nil || !claimed {
		t.Fatalf("DeleteCommand = %v, %v", claimed, err)
	}
	if _, _, err := db.CommandResult(ctx, id); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("CommandResult of a deleted command = %v; want ENOTFOUND", err)
	}
	if claimed, err := db.DeleteCommand(ctx, late); err != nil || claimed {
		t.Fatalf("DeleteCommand of an unclaimed command = %v, %v", claimed, err)
	}
	var lost *hearth.LeaseLostError
	if errors.As(r.Err(), &lost) {
		t.Fatal("a command error read as a lost lease")
	}
}

func TestOverlayStates(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha", "beta")
	put := []hearth.OverlayState{
		{Channel: "alpha", Topic: "poll", State: []byte(`{"a":1}`)},
		{Channel: "beta", Topic: "poll", State: []byte(`{"b":1}`)},
		{Channel: "alpha", Topic: "poll", State: []byte(`{"a":2}`)},
	}
	if err := db.PutOverlayStates(ctx, put); err != nil {
		t.Fatal(err)
	}
	if err := db.PutOverlayStates(ctx, put[2:]); err != nil {
		t.Fatal(err)
	}
	got, err := db.OverlayStates(ctx, []string{"alpha"})
	if err != nil || len(got) != 1 || got[0].Version != 2 || string(got[0].State) != `{"a":2}` {
		t.Fatalf("OverlayStates(alpha) = %+v, %v; want version 2 holding the later state", got, err)
	}
	if all, err := db.OverlayStates(ctx, nil); err != nil || len(all) != 2 {
		t.Fatalf("OverlayStates(all) = %+v, %v", all, err)
	}
	if err := db.PutOverlayStates(ctx, []hearth.OverlayState{{Channel: "alpha", Topic: "a b", State: []byte(`1`)}}); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("a topic with a space = %v; want EINVALID", err)
	}
	parsed := ParseOverlayNotice("alpha poll 2\nbad line\nbeta poll x\nbeta leaderboard 5\n")
	if len(parsed) != 2 || parsed[0].Channel != "alpha" || parsed[0].Version != 2 || parsed[1].Topic != "leaderboard" {
		t.Fatalf("ParseOverlayNotice = %+v", parsed)
	}
}

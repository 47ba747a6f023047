package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/postgres"
)

// fenceBook is the leases an engine writes under, as an elector would
// keep them, and the losses the engine reported.
type fenceBook struct {
	mu     sync.Mutex
	epochs map[string]int64
	lost   []string
}

func (f *fenceBook) fence() hearth.Fence {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := make(map[string]int64, len(f.epochs))
	for c, n := range f.epochs {
		e[c] = n
	}
	return hearth.Fence{Owner: "one", Epochs: e}
}

func (f *fenceBook) leaseLost(channel string, epoch int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost = append(f.lost, fmt.Sprintf("%s@%d", channel, epoch))
}

func messagesIn(t *testing.T, st hearth.Store, channel string) int64 {
	t.Helper()
	vs, err := st.Viewers(context.Background(), channel)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, v := range vs {
		n += v.Messages
	}
	return n
}

// TestWriterDropsChannelsWhoseLeaseIsLost runs an engine under leases on
// PostgreSQL and hands one of its channels to another instance: the next
// flush is refused for that channel alone; the writer drops its changes,
// reports the loss, and writes the other channel's.
func TestWriterDropsChannelsWhoseLeaseIsLost(t *testing.T) {
	u, _ := testenv.PostgresSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, c := range []string{"alpha", "beta"} {
		if _, err := db.EnsureChannel(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	held, err := db.AcquireLeases(ctx, "one", []string{"alpha", "beta"}, time.Minute)
	if err != nil || len(held) != 2 {
		t.Fatalf("AcquireLeases = %v, %v", held, err)
	}
	book := &fenceBook{epochs: map[string]int64{}}
	for _, l := range held {
		book.epochs[l.Channel] = l.Epoch
	}
	e := New(db, Options{Fence: book.fence, LeaseLost: book.leaseLost, FlushInterval: time.Hour})
	if err := e.Start(ctx, []string{"alpha", "beta"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	say := func(channel string, i int) {
		ev := chat(i, "ada")
		ev.Channel = channel
		e.Handle(ev)
	}
	say("alpha", 1)
	say("beta", 1)
	if err := e.Sync(ctx); err != nil {
		t.Fatalf("Sync under held leases: %v", err)
	}
	if a, b := messagesIn(t, db, "alpha"), messagesIn(t, db, "beta"); a != 1 || b != 1 {
		t.Fatalf("stored messages: alpha %d, beta %d; want 1 and 1", a, b)
	}

	// Another instance takes alpha over; this engine still believes it
	// runs it.
	var alpha hearth.Lease
	for _, l := range held {
		if l.Channel == "alpha" {
			alpha = l
		}
	}
	if _, err := db.ReleaseLeases(ctx, "one", []hearth.Lease{alpha}, hearth.HandoverRebalanced); err != nil {
		t.Fatal(err)
	}
	if got, err := db.AcquireLeases(ctx, "two", []string{"alpha"}, time.Minute); err != nil || len(got) != 1 {
		t.Fatalf("two's take-over = %v, %v", got, err)
	}
	say("alpha", 2)
	say("beta", 2)
	if err := e.Sync(ctx); err != nil {
		t.Fatalf("Sync after losing alpha: %v; the other channel's changes must still be written", err)
	}
	if a, b := messagesIn(t, db, "alpha"), messagesIn(t, db, "beta"); a != 1 || b != 2 {
		t.Fatalf("stored messages: alpha %d, beta %d; want alpha left as the new owner has it (1), beta 2", a, b)
	}
	book.mu.Lock()
	lost := book.lost
	book.mu.Unlock()
	if want := fmt.Sprintf("alpha@%d", alpha.Epoch); len(lost) != 1 || lost[0] != want {
		t.Fatalf("losses reported: %v, want [%s]", lost, want)
	}
	if err := e.WriteErr(); err != nil {
		t.Fatalf("a lost lease made the store look broken: %v", err)
	}
}

// TestLeasedChannelsComeAndGo runs a channel as a cluster instance does:
// added when its lease is won, released with its changes written while the
// lease holds, and released with its changes dropped once it is lost.
func TestLeasedChannelsComeAndGo(t *testing.T) {
	u, _ := testenv.PostgresSchema(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.EnsureChannel(ctx, "alpha"); err != nil {
		t.Fatal(err)
	}
	book := &fenceBook{epochs: map[string]int64{}}
	e := New(db, Options{Fence: book.fence, LeaseLost: book.leaseLost, FlushInterval: time.Hour})
	if err := e.StartLeased(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(ctx) })
	if got := e.Channels(); len(got) != 0 {
		t.Fatalf("a leased engine starts serving %v, want nothing", got)
	}
	take := func(owner string) hearth.Lease {
		t.Helper()
		got, err := db.AcquireLeases(ctx, owner, []string{"alpha"}, time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("AcquireLeases(%s) = %v, %v", owner, got, err)
		}
		return got[0]
	}
	run := func(l hearth.Lease) {
		t.Helper()
		book.mu.Lock()
		book.epochs["alpha"] = l.Epoch
		book.mu.Unlock()
		if _, err := e.AddChannel(hearth.WithFence(ctx, book.fence()), "alpha"); err != nil {
			t.Fatalf("AddChannel under the lease: %v", err)
		}
	}
	say := func(i int) {
		ev := chat(i, "ada")
		ev.Channel = "alpha"
		e.Handle(ev)
	}

	first := take("one")
	run(first)
	say(1)
	say(2)
	if err := e.Release(ctx, "alpha", false); err != nil {
		t.Fatalf("Release while the lease holds: %v", err)
	}
	if n := messagesIn(t, db, "alpha"); n != 2 {
		t.Fatalf("after a clean release the store holds %d messages, want 2", n)
	}
	if e.Serves("alpha") {
		t.Fatal("a released channel is still served")
	}
	if _, err := db.ReleaseLeases(ctx, "one", []hearth.Lease{first}, hearth.HandoverReleased); err != nil {
		t.Fatal(err)
	}

	second := take("one")
	run(second)
	say(3)
	// Taken over before a flush: the change made here is never written.
	if _, err := db.ReleaseLeases(ctx, "one", []hearth.Lease{second}, hearth.HandoverRebalanced); err != nil {
		t.Fatal(err)
	}
	take("two")
	if err := e.Release(ctx, "alpha", true); err != nil {
		t.Fatalf("Release after the lease was lost: %v", err)
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatalf("Sync after dropping a lost channel: %v", err)
	}
	if n := messagesIn(t, db, "alpha"); n != 2 {
		t.Fatalf("the store holds %d messages, want the 2 written under the first lease", n)
	}
	book.mu.Lock()
	lost := book.lost
	book.mu.Unlock()
	if len(lost) != 0 {
		t.Fatalf("the released channel's changes reached the store (refused for %v): Release must drop them", lost)
	}
	if err := e.Release(ctx, "alpha", true); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("Release of a channel not served = %v, want ENOTFOUND", err)
	}
}

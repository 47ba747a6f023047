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

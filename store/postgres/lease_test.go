package postgres

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// leaseDB opens a store in a fresh schema with the channels named.
func leaseDB(t *testing.T, channels ...string) *DB {
	t.Helper()
	u, _ := freshSchema(t)
	db := openTest(t, u)
	for _, c := range channels {
		if _, err := db.EnsureChannel(context.Background(), c); err != nil {
			t.Fatalf("EnsureChannel(%s): %v", c, err)
		}
	}
	return db
}

func viewerBatch(channel string, points int64) hearth.Batch {
	now := time.Now().UTC().Truncate(time.Second)
	return hearth.Batch{Viewers: []hearth.ViewerStats{{
		Channel: channel, UserID: "42", Login: "ada", DisplayName: "Ada",
		Messages: 1, Points: points, FirstSeen: now, LastSeen: now,
	}}}
}

func fenced(owner string, ls ...hearth.Lease) context.Context {
	f := hearth.Fence{Owner: owner, Epochs: map[string]int64{}}
	for _, l := range ls {
		f.Epochs[l.Channel] = l.Epoch
	}
	return hearth.WithFence(context.Background(), f)
}

func acquireOne(t *testing.T, db *DB, owner, channel string, d time.Duration) (hearth.Lease, bool) {
	t.Helper()
	got, err := db.AcquireLeases(context.Background(), owner, []string{channel}, d)
	if err != nil {
		t.Fatalf("AcquireLeases(%s, %s): %v", owner, channel, err)
	}
	if len(got) == 0 {
		return hearth.Lease{}, false
	}
	return got[0], true
}

func lostChannel(err error) string {
	var lost *hearth.LeaseLostError
	if errors.As(err, &lost) {
		return lost.Channel
	}
	return ""
}

func TestLeaseLifecycle(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha")

	a, ok := acquireOne(t, db, "one", "alpha", time.Minute)
	if !ok || a.Owner != "one" || a.Epoch < 1 || a.Handover != "" || a.Remaining <= 50*time.Second {
		t.Fatalf("first acquire = %+v, %v; want held by one, a positive epoch, no handover, about a minute left", a, ok)
	}
	t.Run("HeldLeaseIsNotTaken", func(t *testing.T) {
		if b, ok := acquireOne(t, db, "two", "alpha", time.Minute); ok {
			t.Fatalf("two took a held lease: %+v", b)
		}
	})
	t.Run("RenewOnlyByHolderAtItsEpoch", func(t *testing.T) {
		got, err := db.RenewLeases(ctx, "two", []hearth.Lease{a}, time.Minute)
		if err != nil || len(got) != 0 {
			t.Fatalf("two renewed one's lease: %+v, %v", got, err)
		}
		stale := a
		stale.Epoch--
		got, err = db.RenewLeases(ctx, "one", []hearth.Lease{stale}, time.Minute)
		if err != nil || len(got) != 0 {
			t.Fatalf("renewal at an older epoch succeeded: %+v, %v", got, err)
		}
		got, err = db.RenewLeases(ctx, "one", []hearth.Lease{a}, 2*time.Minute)
		if err != nil || len(got) != 1 || got[0].Epoch != a.Epoch || got[0].Remaining <= 110*time.Second {
			t.Fatalf("holder's renewal = %+v, %v; want the same epoch with about two minutes left", got, err)
		}
	})
	var b hearth.Lease
	t.Run("ReleaseHandsOverWithANewEpoch", func(t *testing.T) {
		released, err := db.ReleaseLeases(ctx, "one", []hearth.Lease{a}, hearth.HandoverRebalanced)
		if err != nil || !slices.Equal(released, []string{"alpha"}) {
			t.Fatalf("ReleaseLeases = %v, %v", released, err)
		}
		var ok bool
		b, ok = acquireOne(t, db, "two", "alpha", 200*time.Millisecond)
		if !ok || b.Owner != "two" || b.Epoch <= a.Epoch || b.Handover != hearth.HandoverRebalanced {
			t.Fatalf("acquire after release = %+v, %v; want two at an epoch above %d, handover rebalanced", b, ok, a.Epoch)
		}
		if got, err := db.RenewLeases(ctx, "one", []hearth.Lease{a}, time.Minute); err != nil || len(got) != 0 {
			t.Fatalf("the old holder renewed a released lease: %+v, %v", got, err)
		}
	})
	t.Run("ExpiredLeaseIsTakenOver", func(t *testing.T) {
		time.Sleep(300 * time.Millisecond) // b's lease lasts 200 ms
		if got, err := db.RenewLeases(ctx, "two", []hearth.Lease{b}, time.Minute); err != nil || len(got) != 0 {
			t.Fatalf("an expired lease was renewed: %+v, %v", got, err)
		}
		c, ok := acquireOne(t, db, "three", "alpha", time.Minute)
		if !ok || c.Epoch <= b.Epoch || c.Handover != hearth.HandoverExpired {
			t.Fatalf("take-over = %+v, %v; want an epoch above %d, handover expired", c, ok, b.Epoch)
		}
		ls, err := db.Leases(ctx)
		if err != nil || len(ls) != 1 || ls[0].Owner != "three" || ls[0].Epoch != c.Epoch || ls[0].Free() {
			t.Fatalf("Leases = %+v, %v; want alpha held by three at epoch %d", ls, err, c.Epoch)
		}
	})
}

func TestLeaseFencing(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha", "beta")

	t.Run("UnleasedChannelsWriteUnfenced", func(t *testing.T) {
		if err := db.Apply(ctx, viewerBatch("alpha", 1)); err != nil {
			t.Fatalf("unfenced Apply without leases: %v", err)
		}
	})
	a, _ := acquireOne(t, db, "one", "alpha", time.Minute)
	t.Run("HolderWritesAtItsEpoch", func(t *testing.T) {
		b := viewerBatch("alpha", 2)
		b.Streams = []hearth.StreamSession{{Channel: "alpha", Seq: 1, StartedAt: time.Now().UTC(), Source: hearth.SourceTwitch}}
		if err := db.Apply(fenced("one", a), b); err != nil {
			t.Fatalf("fenced Apply by the holder: %v", err)
		}
		if err := db.EndPresence(fenced("one", a), "alpha"); err != nil {
			t.Fatalf("fenced EndPresence by the holder: %v", err)
		}
	})
	t.Run("UnfencedWriteOfALeasedChannelIsRefused", func(t *testing.T) {
		err := db.Apply(ctx, viewerBatch("alpha", 99))
		if lostChannel(err) != "alpha" || hearth.ErrorCode(err) != hearth.ECONFLICT {
			t.Fatalf("unfenced Apply of a held channel = %v (code %s); want lease lost on alpha, ECONFLICT", err, hearth.ErrorCode(err))
		}
	})
	t.Run("WriteOfAChannelWithoutItsLeaseIsRefused", func(t *testing.T) {
		err := db.Apply(fenced("one", a), viewerBatch("beta", 5))
		if lostChannel(err) != "beta" {
			t.Fatalf("fenced Apply of beta, not held = %v; want lease lost on beta", err)
		}
	})
	t.Run("StaleEpochIsRefusedAfterTakeOver", func(t *testing.T) {
		if _, err := db.ReleaseLeases(ctx, "one", []hearth.Lease{a}, hearth.HandoverReleased); err != nil {
			t.Fatal(err)
		}
		b, ok := acquireOne(t, db, "two", "alpha", time.Minute)
		if !ok {
			t.Fatal("two could not take alpha")
		}
		batch := viewerBatch("alpha", 3)
		batch.Viewers = append(batch.Viewers, viewerBatch("beta", 3).Viewers...)
		err := db.Apply(fenced("one", a), batch)
		if lostChannel(err) != "alpha" {
			t.Fatalf("Apply at the old epoch = %v; want lease lost on alpha", err)
		}
		// The same owner name with a stale epoch is refused too: the
		// epoch, not the name, is the token.
		stale := b
		stale.Epoch = a.Epoch
		if err := db.Apply(fenced("two", stale), viewerBatch("alpha", 4)); lostChannel(err) != "alpha" {
			t.Fatalf("Apply by the owner at an old epoch = %v; want lease lost", err)
		}
		if err := db.EndPresence(fenced("one", a), "alpha"); lostChannel(err) != "alpha" {
			t.Fatalf("EndPresence at the old epoch = %v; want lease lost", err)
		}
		v, err := db.Viewer(ctx, "alpha", "42")
		if err != nil || v.Points != 2 {
			t.Fatalf("alpha's viewer = %d points, %v; want the 2 the holder wrote, nothing after", v.Points, err)
		}
		if err := db.Apply(fenced("two", b), viewerBatch("alpha", 7)); err != nil {
			t.Fatalf("Apply by the new holder: %v", err)
		}
	})
	t.Run("OverlayEventsAreFencedToo", func(t *testing.T) {
		ev := hearth.Batch{OverlayEvents: []hearth.OverlayEvent{{Channel: "alpha", Seq: 1, Kind: hearth.OverlayFollow,
			Login: "ada", At: time.Now().UTC()}}}
		if err := db.Apply(fenced("one", a), ev); lostChannel(err) != "alpha" {
			t.Fatalf("a stale owner's overlay event = %v; want lease lost", err)
		}
	})
	t.Run("ForgetIsFencedToo", func(t *testing.T) {
		err := db.Apply(fenced("one", a), hearth.Batch{Forget: []hearth.ViewerKey{{Channel: "alpha", UserID: "42"}}})
		if lostChannel(err) != "alpha" {
			t.Fatalf("a stale Forget = %v; want lease lost", err)
		}
		if _, err := db.Viewer(ctx, "alpha", "42"); err != nil {
			t.Fatalf("the viewer a stale Forget named is gone: %v", err)
		}
	})
	t.Run("ExpiredHolderCannotWrite", func(t *testing.T) {
		c, ok := acquireOne(t, db, "three", "beta", 100*time.Millisecond)
		if !ok {
			t.Fatal("three could not take beta")
		}
		time.Sleep(200 * time.Millisecond)
		if err := db.Apply(fenced("three", c), viewerBatch("beta", 8)); lostChannel(err) != "beta" {
			t.Fatalf("Apply under an expired lease = %v; want lease lost", err)
		}
		// Once nobody holds beta, unfenced writes (a single instance,
		// clustering off) pass again.
		if err := db.Apply(ctx, viewerBatch("beta", 9)); err != nil {
			t.Fatalf("unfenced Apply of an expired lease's channel: %v", err)
		}
	})
}

// TestLeaseTakeOverWaitsForTheWriter checks that a take-over cannot slip
// between a writer's check of its lease and its commit: the writer's lock
// on the lease row makes the take-over wait, so the new owner, which reads
// after taking the lease, sees everything the old one wrote.
func TestLeaseTakeOverWaitsForTheWriter(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha")
	a, _ := acquireOne(t, db, "one", "alpha", 300*time.Millisecond)
	if err := db.Apply(fenced("one", a), viewerBatch("alpha", 0)); err != nil {
		t.Fatal(err)
	}

	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('hearth.fence', $1, true)`,
		`{"owner":"one","epochs":{"alpha":`+itoa(a.Epoch)+`}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE viewers SET points = 1 WHERE channel = 'alpha'`); err != nil {
		t.Fatalf("fenced write in an open transaction: %v", err)
	}
	time.Sleep(400 * time.Millisecond) // the lease expires while the writer holds its lock

	took := make(chan hearth.Lease, 1)
	go func() {
		got, _ := db.AcquireLeases(ctx, "two", []string{"alpha"}, time.Minute)
		if len(got) == 1 {
			took <- got[0]
		}
		close(took)
	}()
	select {
	case b := <-took:
		t.Fatalf("take-over %+v did not wait for the writer's transaction", b)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	if b, ok := <-took; !ok || b.Epoch <= a.Epoch {
		t.Fatalf("take-over after the commit = %+v, %v", b, ok)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestInstances(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t)
	if n, err := db.Heartbeat(ctx, "one", time.Minute); err != nil || n != 1 {
		t.Fatalf("Heartbeat(one) = %d, %v; want 1 live", n, err)
	}
	if n, err := db.Heartbeat(ctx, "two", 100*time.Millisecond); err != nil || n != 2 {
		t.Fatalf("Heartbeat(two) = %d, %v; want 2 live", n, err)
	}
	time.Sleep(200 * time.Millisecond)
	if n, err := db.Heartbeat(ctx, "one", time.Minute); err != nil || n != 1 {
		t.Fatalf("after two's heartbeat expired, Heartbeat(one) = %d, %v; want 1 live", n, err)
	}
	ins, err := db.Instances(ctx)
	if err != nil || len(ins) != 2 || !ins[0].Live || ins[1].Live {
		t.Fatalf("Instances = %+v, %v; want one live, two not", ins, err)
	}
	if err := db.LeaveCluster(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if ins, _ := db.Instances(ctx); len(ins) != 1 || ins[0].ID != "two" {
		t.Fatalf("after one left, Instances = %+v", ins)
	}
}

func TestFenceWith(t *testing.T) {
	baseURL(t)
	t.Parallel()
	ctx := context.Background()
	db := leaseDB(t, "alpha", "beta")
	if err := db.Apply(ctx, viewerBatch("beta", 5)); err != nil {
		t.Fatal(err)
	}
	a, _ := acquireOne(t, db, "one", "alpha", time.Minute)
	acquireOne(t, db, "two", "beta", time.Minute)
	db.FenceWith(func() hearth.Fence { return hearth.Fence{Owner: "one", Epochs: map[string]int64{"alpha": a.Epoch}} })
	if err := db.Apply(ctx, viewerBatch("alpha", 1)); err != nil {
		t.Fatalf("a write of a held channel with the store's fence: %v", err)
	}
	if err := db.Apply(ctx, viewerBatch("beta", 6)); lostChannel(err) != "beta" {
		t.Fatalf("a write of another instance's channel with the store's fence = %v; want lease lost", err)
	}
	if err := db.RemoveChannel(ctx, "beta", true); lostChannel(err) != "beta" {
		t.Fatalf("forgetting another instance's channel = %v; want lease lost", err)
	}
	if err := db.RemoveChannel(ctx, "alpha", true); err != nil {
		t.Fatalf("forgetting a held channel: %v", err)
	}
}

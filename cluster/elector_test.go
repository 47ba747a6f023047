package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/postgres"
)

// openStore opens a PostgreSQL store in a schema of its own, with n
// channels ch00, ch01, ...
func openStore(t *testing.T, n int) (*postgres.DB, string, []string) {
	t.Helper()
	u, _ := testenv.PostgresSchema(t)
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("ch%02d", i)
		if _, err := db.EnsureChannel(context.Background(), names[i]); err != nil {
			t.Fatal(err)
		}
	}
	return db, u, names
}

// registry is what the instances of a test run, and every time two ran
// one channel at once.
type registry struct {
	mu         sync.Mutex
	runs       map[string]string // channel → instance
	violations []string
	stops      map[string]int // instance → channels stopped with lost
}

func newRegistry() *registry {
	return &registry{runs: map[string]string{}, stops: map[string]int{}}
}

func (r *registry) runner(id string) Runner { return instanceRunner{id, r} }

func (r *registry) owners() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps(r.runs)
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (r *registry) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.violations) > 0 {
		t.Fatalf("channels run by two instances at once: %v", r.violations)
	}
}

type instanceRunner struct {
	id string
	r  *registry
}

func (i instanceRunner) RunChannel(_ context.Context, l hearth.Lease) error {
	i.r.mu.Lock()
	defer i.r.mu.Unlock()
	if o, ok := i.r.runs[l.Channel]; ok && o != i.id {
		i.r.violations = append(i.r.violations, fmt.Sprintf("%s by %s and %s", l.Channel, o, i.id))
	}
	i.r.runs[l.Channel] = i.id
	return nil
}

func (i instanceRunner) StopChannel(_ context.Context, channel string, lost bool) {
	i.r.mu.Lock()
	defer i.r.mu.Unlock()
	if i.r.runs[channel] == i.id {
		delete(i.r.runs, channel)
	}
	if lost {
		i.r.stops[i.id]++
	}
}

// fastOptions are short leases, so tests see hand-overs in a second.
func fastOptions(id string) Options {
	return Options{InstanceID: id, LeaseDuration: time.Second, RenewInterval: 100 * time.Millisecond}
}

func newElector(t *testing.T, db *postgres.DB, channels []string, r *registry, id string) *Elector {
	t.Helper()
	e, err := New(db, r.runner(id), func(context.Context) ([]string, error) { return channels, nil }, fastOptions(id))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// start runs e until the returned stop is called (a clean stop, which
// releases its leases) or t ends.
func start(t *testing.T, e *Elector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// counts returns how many channels each instance runs.
func counts(owners map[string]string) map[string]int {
	c := map[string]int{}
	for _, id := range owners {
		c[id]++
	}
	return c
}

func TestElectorsShareChannelsEvenly(t *testing.T) {
	t.Parallel()
	db, _, channels := openStore(t, 30)
	r := newRegistry()

	// Watch every few milliseconds that each channel has at most one
	// runner, and that what runs matches the leases in the database.
	watch, unwatch := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() {
		defer close(watched)
		for watch.Err() == nil {
			r.mu.Lock()
			bad := len(r.violations) > 0
			r.mu.Unlock()
			if bad {
				watched <- errors.New("a channel ran twice")
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	a, b := newElector(t, db, channels, r, "a"), newElector(t, db, channels, r, "b")
	start(t, a)
	start(t, b)
	evenly := func(want map[string]int) func() bool {
		return func() bool {
			got := counts(r.owners())
			if len(got) != len(want) {
				return false
			}
			for id, n := range want {
				if got[id] != n {
					return false
				}
			}
			return true
		}
	}
	testenv.WaitFor(t, 20*time.Second, "two electors to hold 15 channels each", evenly(map[string]int{"a": 15, "b": 15}))

	c := newElector(t, db, channels, r, "c")
	stopC := start(t, c)
	testenv.WaitFor(t, 20*time.Second, "three electors to hold 10 channels each", evenly(map[string]int{"a": 10, "b": 10, "c": 10}))
	if got := len(a.Leases()) + len(b.Leases()) + len(c.Leases()); got != 30 {
		t.Fatalf("the electors hold %d leases between them, want 30", got)
	}
	st, err := c.Status(context.Background())
	if err != nil || st.Instance != "c" || len(st.Instances) != 3 || len(st.Leases) != 30 {
		t.Fatalf("Status = %s with %d instances and %d leases, %v; want c, 3, 30", st.Instance, len(st.Instances), len(st.Leases), err)
	}
	ls, err := db.Leases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	owners := r.owners()
	for _, l := range ls {
		if l.Free() || owners[l.Channel] != l.Owner {
			t.Errorf("lease of %s held by %q (free %v), but run by %q", l.Channel, l.Owner, l.Free(), owners[l.Channel])
		}
	}

	// A clean stop releases at once: the other two take c's share well
	// within one lease period.
	stopped := time.Now()
	stopC()
	if left := c.Leases(); len(left) != 0 {
		t.Fatalf("after a clean stop c still holds %v", left)
	}
	testenv.WaitFor(t, 20*time.Second, "two electors to hold 15 channels each again", evenly(map[string]int{"a": 15, "b": 15}))
	if d := time.Since(stopped); d > 5*time.Second {
		t.Errorf("re-balancing after a clean stop took %v", d)
	}
	unwatch()
	if err := <-watched; err != nil {
		r.check(t)
	}
	r.check(t)
}

func TestPausedElectorCannotWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, channels := openStore(t, 4)
	paused, running := newRegistry(), newRegistry()

	// a runs one round, takes every channel, and then stands still, as a
	// process that was stopped (SIGSTOP) or hung in a long pause would.
	a := newElector(t, db, channels, paused, "a")
	a.Round(ctx)
	if got := len(a.Leases()); got != 4 {
		t.Fatalf("a holds %d leases after its first round, want 4", got)
	}
	stale := a.Fence()
	batch := func(points int64) hearth.Batch {
		now := time.Now().UTC().Truncate(time.Second)
		return hearth.Batch{Viewers: []hearth.ViewerStats{{Channel: "ch01", UserID: "7", Login: "ada", DisplayName: "Ada",
			Points: points, FirstSeen: now, LastSeen: now}}}
	}
	if err := db.Apply(hearth.WithFence(ctx, stale), batch(1)); err != nil {
		t.Fatalf("a's write while it holds the lease: %v", err)
	}

	b := newElector(t, db, channels, running, "b")
	start(t, b)
	testenv.WaitFor(t, 20*time.Second, "b to take over a's channels once their leases expire", func() bool { return len(b.Leases()) == 4 })
	for _, l := range b.Leases() {
		if l.Epoch <= stale.Epochs[l.Channel] {
			t.Errorf("b holds %s at epoch %d, not above a's %d", l.Channel, l.Epoch, stale.Epochs[l.Channel])
		}
	}

	// a wakes still believing it runs ch01: the database refuses its write.
	err := db.Apply(hearth.WithFence(ctx, a.Fence()), batch(99))
	var lost *hearth.LeaseLostError
	if !errors.As(err, &lost) || lost.Channel != "ch01" || hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("the paused elector's write = %v; want lease lost on ch01 (ECONFLICT)", err)
	}
	if err := db.Apply(hearth.WithFence(ctx, b.Fence()), batch(2)); err != nil {
		t.Fatalf("the new owner's write: %v", err)
	}
	if v, err := db.Viewer(ctx, "ch01", "7"); err != nil || v.Points != 2 {
		t.Fatalf("ch01's viewer has %d points, %v; want 2, nothing from the paused elector", v.Points, err)
	}

	// Its next round finds every lease lost, stops the channels, and then
	// it gets its fair share back as b gives channels up.
	a.Round(ctx)
	if got := a.Leases(); len(got) != 0 && slices.ContainsFunc(got, func(l hearth.Lease) bool { return l.Epoch == stale.Epochs[l.Channel] }) {
		t.Fatalf("after waking, a still holds a lease at its old epoch: %v", got)
	}
	testenv.WaitFor(t, 5*time.Second, "a to stop the channels it lost", func() bool {
		paused.mu.Lock()
		defer paused.mu.Unlock()
		return paused.stops["a"] == 4
	})
	stopA := start(t, a)
	testenv.WaitFor(t, 20*time.Second, "a and b to share the channels 2 and 2", func() bool {
		return len(a.Leases()) == 2 && len(b.Leases()) == 2
	})
	stopA()
}

func TestFairShare(t *testing.T) {
	for _, c := range []struct{ channels, live, want int }{
		{30, 1, 30}, {30, 2, 15}, {30, 3, 10}, {30, 4, 8}, {2, 3, 1}, {0, 3, 0}, {5, 0, 5},
	} {
		if got := fairShare(c.channels, c.live); got != c.want {
			t.Errorf("fairShare(%d, %d) = %d, want %d", c.channels, c.live, got, c.want)
		}
	}
}

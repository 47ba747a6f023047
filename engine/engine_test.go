package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/store/sqlite"
)

// recordingStore is a real SQLite store that also remembers every batch
// it was asked to apply.
type recordingStore struct {
	*sqlite.DB
	mu      sync.Mutex
	batches []hearth.Batch
}

func (s *recordingStore) Apply(ctx context.Context, b hearth.Batch) error {
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.mu.Unlock()
	return s.DB.Apply(ctx, b)
}

func newStore(t *testing.T) *recordingStore {
	t.Helper()
	return &recordingStore{DB: openSQLite(t)}
}

// migrated is an empty SQLite database with every migration applied,
// made once per test run by TestMain. Applying the migrations costs ten
// times what opening a migrated file does (SQLite parses the whole schema
// again after each ALTER TABLE, slowly under the race detector), and the
// engine's tests open dozens of stores; the migrations have their own
// tests in store/sqlite.
var migrated string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hearth-engine-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	migrated = filepath.Join(dir, "migrated.db")
	db, err := sqlite.Open(context.Background(), migrated)
	if err == nil {
		err = db.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrate a template database:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// openSQLite opens a fresh, empty SQLite store (a copy of the migrated
// template) in the test's temporary directory, closed when the test ends.
func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	data, err := os.ReadFile(migrated)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "engine.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// stored returns how many viewers the store holds for the test channel and
// their messages in total.
func stored(t *testing.T, st hearth.Store) (viewers int, messages int64) {
	t.Helper()
	vs, err := st.Viewers(context.Background(), "chan")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		messages += v.Messages
	}
	return len(vs), messages
}

func startEngine(t *testing.T, st hearth.Store, opts Options) *Engine {
	t.Helper()
	e := New(st, opts)
	if err := e.Start(context.Background(), []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

var t0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func chat(i int, login string) hearth.Event {
	return hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: fmt.Sprint("m", i), Time: t0.Add(time.Duration(i) * time.Minute),
		User: hearth.Identity{ID: "u-" + login, Login: login, DisplayName: login}, Text: fmt.Sprint("hello ", i)}
}

func TestCloseFlushesEverything(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := New(st, Options{FlushInterval: time.Hour, FlushSize: 100_000, EventClock: true})
	if err := e.Start(context.Background(), []string{"chan"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		e.Handle(chat(i, fmt.Sprint("v", i%5)))
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	viewers, messages := stored(t, st)
	if viewers != 5 || messages != 50 {
		t.Fatalf("after Close the store holds %d viewers and %d messages; want 5 and 50", viewers, messages)
	}
	if streams, _ := st.Streams(context.Background(), "chan", 10); len(streams) != 1 || streams[0].Messages != 50 {
		t.Fatalf("streams %+v", streams)
	}
	e.Handle(chat(99, "late")) // dropped, not blocked: the engine is closed
}

func TestGroupsAreNeverSplit(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{FlushInterval: time.Hour, FlushSize: 1, EventClock: true})
	e.Handle(chat(0, "ann"))
	e.Handle(chat(1, "bob"))
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		err := e.Do(ctx, "chan", func(c *community.Channel) hearth.Batch {
			a, _ := c.ViewerByLogin("ann")
			b, _ := c.ViewerByLogin("bob")
			a.Points, b.Points = a.Points+1, b.Points-1
			return hearth.Batch{Viewers: []hearth.ViewerStats{a, b}}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, b := range st.batches {
		var ann, bob bool
		for _, v := range b.Viewers {
			ann = ann || v.Login == "ann"
			bob = bob || v.Login == "bob"
		}
		if ann != bob && len(b.Viewers) == 1 && i > 1 {
			t.Fatalf("batch %d holds one side of a pair: %+v", i, b.Viewers)
		}
	}
}

func TestInvalidRowsAreDroppedNotRetriedForever(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{FlushInterval: time.Hour, FlushSize: 100_000, EventClock: true})
	ctx := context.Background()
	e.Handle(chat(0, "ann"))
	err := e.Do(ctx, "chan", func(*community.Channel) hearth.Batch {
		return hearth.Batch{Viewers: []hearth.ViewerStats{{Channel: "chan", UserID: "", Login: "broken"}}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Sync(ctx); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("first flush: %v, want the store's EINVALID", err)
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatalf("the bad row was retried: %v", err)
	}
	if _, err := st.Viewer(ctx, "chan", "u-ann"); err != nil {
		t.Fatalf("the good row was lost with the bad one: %v", err)
	}
}

// fakeClock is a wall clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestWallClockAdvancesQuietChannels: with no events, watch time still
// accrues as wall time passes after the last one.
func TestWallClockAdvancesQuietChannels(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	clock := &fakeClock{now: t0}
	e := startEngine(t, st, Options{FlushInterval: 20 * time.Millisecond, Clock: clock})
	ctx := context.Background()
	e.Handle(chat(0, "ann")) // at t0, received at t0
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(3*time.Minute + time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := e.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := st.Viewer(ctx, "chan", "u-ann")
		if err == nil && v.WatchSeconds == 180 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("watch time %d s, want 180 after three quiet minutes (err %v)", v.WatchSeconds, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEventClockIgnoresWallTime: a replay keeps recorded time only.
func TestEventClockIgnoresWallTime(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	clock := &fakeClock{now: t0}
	e := startEngine(t, st, Options{FlushInterval: 20 * time.Millisecond, Clock: clock, EventClock: true})
	e.Handle(chat(0, "ann"))
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Hour)
	time.Sleep(3 * tick)
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Viewer(context.Background(), "chan", "u-ann"); v.WatchSeconds != 0 {
		t.Fatalf("watch time %d s from the wall clock in event-clock mode", v.WatchSeconds)
	}
}

func TestUnknownChannelAndClosedEngine(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	e := startEngine(t, st, Options{})
	e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "elsewhere"})
	if err := e.Do(context.Background(), "elsewhere", func(*community.Channel) hearth.Batch { return hearth.Batch{} }); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("Do on an unknown channel: %v", err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Sync(context.Background()); err != ErrClosed {
		t.Fatalf("Sync after Close: %v", err)
	}
}

// TestSyncRunsAfterQueuedEvents floods a channel's queue and syncs at
// once: every event handed in before Sync must be written by it.
func TestSyncRunsAfterQueuedEvents(t *testing.T) {
	t.Parallel()
	for round := 0; round < 20; round++ {
		st := newStore(t)
		e := startEngine(t, st, Options{FlushInterval: time.Hour, FlushSize: 100_000, EventClock: true, QueueSize: 10_000})
		for i := 0; i < 2000; i++ {
			e.Handle(chat(i, fmt.Sprint("v", i%50)))
		}
		if err := e.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, messages := stored(t, st); messages != 2000 {
			t.Fatalf("round %d: Sync returned with %d of 2,000 queued messages written", round, messages)
		}
	}
}

// said records chat lines the engine sends.
type said struct {
	mu    sync.Mutex
	lines []string
}

func (s *said) Say(channel, text string) {
	s.mu.Lock()
	s.lines = append(s.lines, channel+": "+text)
	s.mu.Unlock()
}

func TestWelcomeLinesAreRateLimited(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	lines := &said{}
	clock := &fakeClock{now: t0}
	rules := community.DefaultRules()
	rules.WelcomeInChat = true
	e := startEngine(t, st, Options{EventClock: true, Chat: lines, Clock: clock, Rules: func(string) community.Rules { return rules }})
	ctx := context.Background()
	for i, login := range []string{"ann", "bob", "cid"} {
		e.Handle(chat(i, login))
	}
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	clock.add(welcomeLineEvery)
	e.Handle(chat(3, "dan"))
	if err := e.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	lines.mu.Lock()
	defer lines.mu.Unlock()
	want := []string{"chan: Welcome to the chat, ann! Glad you're here.", "chan: Welcome to the chat, dan! Glad you're here."}
	if fmt.Sprint(lines.lines) != fmt.Sprint(want) {
		t.Fatalf("said %q, want %q", lines.lines, want)
	}
}

// TestStartLoadsEveryChannel starts an engine on channels loaded side by
// side, each with its own stored viewers, a name given twice and in
// capitals among them, and checks each channel got its own; and that a
// channel whose rules are invalid fails the start, naming the channel.
func TestStartLoadsEveryChannel(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	ctx := context.Background()
	names := []string{"alpha", "bravo", "charlie", "delta", "echo"}
	for i, ch := range names {
		if _, err := st.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
		var b hearth.Batch
		for j := range 10 * (i + 1) {
			login := fmt.Sprint(ch, j)
			b.Viewers = append(b.Viewers, hearth.ViewerStats{Channel: ch, UserID: fmt.Sprint(i*1000 + j), Login: login, DisplayName: login, Messages: 1, FirstSeen: t0, LastSeen: t0})
		}
		if err := st.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	e := New(st, Options{})
	if err := e.Start(ctx, append([]string{"ALPHA", "echo"}, names...)); err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	if len(e.Channels()) != len(names) {
		t.Fatalf("engine serves %d channels, want %d", len(e.Channels()), len(names))
	}
	for i, ch := range names {
		var known int
		if err := e.Do(ctx, ch, func(c *community.Channel) hearth.Batch { known = c.Viewers(); return hearth.Batch{} }); err != nil {
			t.Fatal(err)
		}
		if known != 10*(i+1) {
			t.Errorf("channel %s knows %d viewers, want %d", ch, known, 10*(i+1))
		}
	}

	bad := New(st, Options{Rules: func(ch string) community.Rules {
		r := community.DefaultRules()
		if ch == "delta" {
			r.PointsPerMessage = -1
		}
		return r
	}})
	err := bad.Start(ctx, names)
	if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), "delta") {
		t.Fatalf("start with delta's rules invalid: %v, want an invalid-input error naming delta", err)
	}
	if len(bad.Channels()) != 0 {
		t.Fatalf("a failed start left %d channels registered", len(bad.Channels()))
	}
}

package engine

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth/store/sqlite"
)

// logRecords keeps every record logged through it.
type logRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r.Clone())
	l.mu.Unlock()
	return nil
}

// messages returns the messages logged at level or above.
func (l *logRecords) messages(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level >= level {
			out = append(out, r.Message)
		}
	}
	return out
}

// flushCounter counts the flushes that failed.
type flushCounter struct {
	nopRecorder
	mu     sync.Mutex
	failed int
}

func (f *flushCounter) Flushed(_ int, _ time.Duration, err error) {
	if err != nil {
		f.mu.Lock()
		f.failed++
		f.mu.Unlock()
	}
}

func (f *flushCounter) failures() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// holdWriteLock takes SQLite's write lock on the database at path from a
// connection of its own, as another program writing to the file would, so
// that every write of the store fails; release gives it back.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Error(err)
			}
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// waitUntil polls cond until it holds, failing the test after 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStoreThatCannotWrite: while another connection holds the SQLite
// file's write lock, every flush fails. The engine says so (WriteErr names
// the store and how many changes wait), logs the failure once instead of
// once a flush, and keeps trying; once the lock is released it writes
// everything it kept and is writable again by itself.
func TestStoreThatCannotWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &logRecords{}
	flushes := &flushCounter{}
	e := startEngine(t, db, Options{
		FlushInterval: 5 * time.Millisecond,
		FlushTimeout:  20 * time.Millisecond,
		RetryMax:      40 * time.Millisecond,
		EventClock:    true,
		Logger:        slog.New(logs),
		Recorder:      flushes,
	})
	// The flush timeout is short, so that a held lock fails a flush at
	// once; on a loaded machine it can fail a flush of a writable store
	// too, which the writer retries like any other. So the test waits for
	// ann to be stored and the writer to be writable, instead of taking the
	// first flush's word, and counts what follows from there.
	e.Handle(chat(0, "ann"))
	waitUntil(t, "ann is stored and the store is writable", func() bool {
		viewers, _ := stored(t, db)
		return viewers == 1 && e.WriteErr() == nil
	})
	warningsBefore, failuresBefore := len(logs.messages(slog.LevelWarn)), flushes.failures()

	release := holdWriteLock(t, path)
	const newcomers = 20
	for i := 1; i <= newcomers; i++ {
		e.Handle(chat(i, fmt.Sprint("new", i)))
	}
	waitUntil(t, "no flush failed", func() bool { return flushes.failures() > failuresBefore })
	werr := e.WriteErr()
	if werr == nil || !strings.HasPrefix(werr.Error(), "store: cannot write") || !strings.Contains(werr.Error(), "changes wait") {
		t.Fatalf("WriteErr = %v while flushes fail; want an error naming the store and the changes that wait", werr)
	}
	// Tries go on, further and further apart, without a log line each.
	waitUntil(t, "fewer than 8 flushes failed", func() bool { return flushes.failures() >= failuresBefore+8 })
	if got := logs.messages(slog.LevelWarn)[warningsBefore:]; len(got) != 1 {
		t.Fatalf("%d flushes failed and the log has %d warnings or errors, want 1 (a reminder is a minute away):\n%s",
			flushes.failures(), len(got), strings.Join(got, "\n"))
	}

	release()
	waitUntil(t, "the engine still reports the store as failing after the lock was released", func() bool { return e.WriteErr() == nil })
	// Nothing kept is lost: the flushes after the recovery write it all.
	waitUntil(t, "the store does not hold every viewer and message", func() bool {
		viewers, messages := stored(t, db)
		return viewers == newcomers+1 && messages == newcomers+1
	})
	var recovered bool
	for _, m := range logs.messages(slog.LevelInfo) {
		recovered = recovered || strings.Contains(m, "writes again")
	}
	if !recovered {
		t.Fatalf("no log line says the store writes again: %q", logs.messages(slog.LevelInfo))
	}
}

// TestRetryDelay: the wait after a failed flush doubles from twice the
// flush interval up to its cap.
func TestRetryDelay(t *testing.T) {
	const interval, limit = 250 * time.Millisecond, 10 * time.Second
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, limit, limit}
	for i, w := range want {
		if got := retryDelay(interval, limit, i+1); got != w {
			t.Errorf("after %d failures: %v, want %v", i+1, got, w)
		}
	}
	if got := retryDelay(interval, limit, 1000); got != limit {
		t.Errorf("after 1000 failures: %v, want %v", got, limit)
	}
}

// TestCloseWithAStoreThatCannotWrite: Close says how many changes were not
// written, whether the last flush fails or the store holds it past Close's
// deadline; then it stops the flush rather than wait for the store.
func TestCloseWithAStoreThatCannotWrite(t *testing.T) {
	for _, tt := range []struct {
		name         string
		flushTimeout time.Duration
		want         string
	}{
		{"FlushFails", 20 * time.Millisecond, `^engine: (\d+) pending changes not written: sqlite: `},
		{"StoreHoldsTheFlush", time.Hour, `^engine: the store writer was still writing when the shutdown timed out; (\d+) pending changes or more not written: context deadline exceeded$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "engine.db")
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			e := New(db, Options{FlushInterval: time.Hour, FlushSize: 100_000, FlushTimeout: tt.flushTimeout, EventClock: true})
			if err := e.Start(context.Background(), []string{"chan"}); err != nil {
				t.Fatal(err)
			}
			holdWriteLock(t, path)
			e.Handle(chat(0, "ann"))
			e.Handle(chat(1, "bob"))
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err = e.Close(ctx)
			var m []string
			if err != nil {
				m = regexp.MustCompile(tt.want).FindStringSubmatch(err.Error())
			}
			// Two viewers, their welcomes, the stream and its recap.
			if m == nil || m[1] != "6" {
				t.Fatalf("Close = %v; want an error matching %q with 6 changes", err, tt.want)
			}
			select {
			case <-e.written:
			case <-time.After(10 * time.Second):
				t.Fatal("the writer still runs 10s after Close returned")
			}
		})
	}
}

// TestStalledFlushIsReported: a flush held up by the store (here another
// connection's write lock, which SQLite waits out) is not abandoned, since
// a retry would only write more, but once it has been writing for
// StallAfter the engine reports the store as stalled; when the store lets
// go, the same flush completes and the report clears, with no failure.
func TestStalledFlushIsReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	flushes := &flushCounter{}
	e := startEngine(t, db, Options{FlushInterval: 5 * time.Millisecond, StallAfter: 50 * time.Millisecond, EventClock: true, Recorder: flushes})
	release := holdWriteLock(t, path)
	e.Handle(chat(0, "ann"))
	waitUntil(t, "WriteErr does not report the stalled flush", func() bool {
		err := e.WriteErr()
		return err != nil && strings.HasPrefix(err.Error(), "store: stalled: a flush of ")
	})
	release()
	waitUntil(t, "the stalled flush did not complete", func() bool {
		viewers, _ := stored(t, db)
		return viewers == 1
	})
	waitUntil(t, "WriteErr still reports a stall after the flush completed", func() bool { return e.WriteErr() == nil })
	if n := flushes.failures(); n != 0 {
		t.Fatalf("%d flushes failed; the stalled one should have waited for the store, not failed", n)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/migration"
	"github.com/hearthlive/hearth/store/storetest"
)

// openTest opens the database at path and closes it when t ends.
func openTest(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func tempPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "hearth.db")
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hearth.Store {
		return openTest(t, tempPath(t))
	})
}

func TestStoreReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) func(t *testing.T) hearth.Store {
		path := tempPath(t)
		return func(t *testing.T) hearth.Store { return openTest(t, path) }
	})
}

func TestMigrationsRecorded(t *testing.T) {
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	path := tempPath(t)
	db := openTest(t, path)
	// Opening again applies nothing and records nothing twice.
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = openTest(t, path)

	rows, err := db.read.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if d := time.Since(time.UnixMilli(at)); d < 0 || d > time.Minute {
			t.Errorf("version %d applied_at %v, want just now", v, time.UnixMilli(at))
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	if len(versions) != len(ms) {
		t.Fatalf("recorded versions %v, want 1..%d", versions, len(ms))
	}
	for i, v := range versions {
		if v != i+1 {
			t.Errorf("recorded versions %v, want 1..%d", versions, len(ms))
		}
	}
}

func TestUpgradeFromVersion1(t *testing.T) {
	ctx := context.Background()
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) < 2 {
		t.Fatalf("%d migrations embedded, want at least 2", len(ms))
	}

	// The database as a binary that knew only migration 1 left it.
	path := tempPath(t)
	old, err := sql.Open("sqlite", dsn(path, ""))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := applyMigrations(ctx, old, ms[:1]); err != nil {
		t.Fatalf("apply migration 1: %v", err)
	}
	first, last := time.Date(2023, 1, 2, 3, 4, 5, 6_000_000, time.UTC), time.Date(2024, 2, 3, 4, 5, 6, 7_000_000, time.UTC)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO channels (name, overlay_token, created_at) VALUES ('alpha', 'token', 0)`, nil},
		{`INSERT INTO viewers (channel, user_id, login, display_name, messages, points, first_seen, last_seen)
			VALUES ('alpha', '42', 'veteran', 'Veteran', 1234, 5678, ?, ?)`, []any{first.UnixMilli(), last.UnixMilli()}},
	} {
		if _, err := old.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db := openTest(t, path)
	var current int
	if err := db.read.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&current); err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	if want := ms[len(ms)-1].Version; current != want {
		t.Errorf("schema version after Open = %d, want %d", current, want)
	}
	storetest.CheckUpgraded(t, db, first, last)
	var ended int64
	if err := db.read.QueryRow(`SELECT ended_at FROM streams WHERE channel = 'alpha' AND seq = 1`).Scan(&ended); err != nil {
		t.Fatalf("query streams: %v", err)
	}
	if ended != 0 {
		t.Errorf("a live stream's ended_at = %d, want 0", ended)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	known := ms[len(ms)-1].Version
	path := tempPath(t)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := db.write.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, known+4); err != nil {
		t.Fatalf("insert newer version: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db, err = Open(context.Background(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded, want an error")
	}
	want := fmt.Sprintf("store: database schema is version %d but this hearth binary knows up to %d; upgrade hearth (database %s)", known+4, known, path)
	if err.Error() != want {
		t.Errorf("Open error = %q, want %q", err, want)
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", filepath.Join(t.TempDir(), "a?b.db"), filepath.Join(t.TempDir(), "missing", "dir", "hearth.db")} {
		db, err := Open(context.Background(), path)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

// TestOpenErrorsNameThePath opens paths that cannot be a database: the
// error must say which file, since SQLite's own text does not.
func TestOpenErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database, but long enough to have a header\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"MissingDirectory", filepath.Join(dir, "missing", "hearth.db")},
		{"Directory", dir},
		{"NotADatabase", notDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Open error %q does not name %s", err, tt.path)
			}
		})
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	db := openTest(t, tempPath(t))
	ctx := context.Background()

	// Hold several reader connections at once so the pool has to open them.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		conns = append(conns, c)
	}
	w, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	conns = append(conns, w)
	for i, c := range conns {
		var mode string
		var fk, busy, syncMode int
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatalf("journal_mode: %v", err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatalf("foreign_keys: %v", err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatalf("busy_timeout: %v", err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&syncMode); err != nil {
			t.Fatalf("synchronous: %v", err)
		}
		if mode != "wal" || fk != 1 || busy != 10000 || syncMode != 1 {
			t.Errorf("connection %d: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%d, want wal 1 10000 1",
				i, mode, fk, busy, syncMode)
		}
		c.Close()
	}
}

func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, tempPath(t))
	if _, err := db.EnsureChannel(ctx, "alpha"); err != nil {
		t.Fatalf("EnsureChannel: %v", err)
	}

	batch := func(round int) hearth.Batch {
		var b hearth.Batch
		for i := range 200 {
			b.Viewers = append(b.Viewers, hearth.ViewerStats{
				Channel: "alpha", UserID: fmt.Sprint(i), Login: fmt.Sprint("user", i),
				Messages: int64(round), Points: int64(round * 2),
				FirstSeen: time.UnixMilli(0), LastSeen: time.UnixMilli(int64(round)),
			})
		}
		return b
	}
	if err := db.Apply(ctx, batch(0)); err != nil {
		t.Fatalf("Apply: %v", err)
	}

	// The writer keeps applying batches; each backup starts only after it
	// has committed a few more, so backups and commits interleave.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rounds atomic.Int64
	writerDone := make(chan struct{})
	wg.Go(func() {
		defer close(writerDone)
		for round := 1; ; round++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.Apply(ctx, batch(round)); err != nil {
				t.Errorf("Apply during backup: %v", err)
				return
			}
			rounds.Add(1)
		}
	})

	dir := t.TempDir()
	var dests []string
	for i := range 5 {
		for target := rounds.Load() + 3; rounds.Load() < target; {
			select {
			case <-writerDone:
				t.Fatal("writer stopped")
			case <-time.After(time.Millisecond):
			}
		}
		dest := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := db.Backup(ctx, dest); err != nil {
			t.Fatalf("Backup: %v", err)
		}
		dests = append(dests, dest)
	}
	close(stop)
	wg.Wait()
	t.Logf("writer applied %d batches during the backups", rounds.Load())

	for _, dest := range dests {
		raw, err := sql.Open("sqlite", dest)
		if err != nil {
			t.Fatalf("open backup: %v", err)
		}
		var check string
		if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil {
			t.Fatalf("integrity_check: %v", err)
		}
		raw.Close()
		if check != "ok" {
			t.Errorf("backup %s integrity_check = %q, want ok", dest, check)
		}

		b := openTest(t, dest)
		vs, err := b.Viewers(ctx, "alpha")
		if err != nil {
			t.Fatalf("Viewers of backup: %v", err)
		}
		if len(vs) != 200 {
			t.Fatalf("backup has %d viewers, want 200", len(vs))
		}
		// One snapshot: every row from the same batch.
		for _, v := range vs {
			if v.Messages != vs[0].Messages || v.Points != 2*v.Messages {
				t.Errorf("backup %s is not one snapshot: viewer %s has messages %d points %d, viewer %s has messages %d",
					dest, v.UserID, v.Messages, v.Points, vs[0].UserID, vs[0].Messages)
				break
			}
		}
	}
}

func TestBackupRefusesExistingFile(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, tempPath(t))
	dest := filepath.Join(t.TempDir(), "existing.db")
	for _, content := range []string{"keep me", ""} {
		if err := os.WriteFile(dest, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := db.Backup(ctx, dest)
		if hearth.ErrorCode(err) != hearth.ECONFLICT {
			t.Errorf("Backup over an existing file: err %v, want ECONFLICT", err)
		}
		if b, _ := os.ReadFile(dest); string(b) != content {
			t.Errorf("existing file now holds %q, want %q", b, content)
		}
	}
	err := db.Backup(ctx, "")
	if hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Backup to empty path: err %v, want EINVALID", err)
	}
}

func TestApplyErrorWrapped(t *testing.T) {
	db := openTest(t, tempPath(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Apply(ctx, hearth.Batch{Viewers: []hearth.ViewerStats{{Channel: "alpha", UserID: "1"}}})
	if err == nil || !strings.HasPrefix(err.Error(), "sqlite: unable to apply batch: ") {
		t.Errorf("Apply with cancelled context: err %v, want a wrapped error", err)
	}
}

func BenchmarkApply(b *testing.B) {
	storetest.BenchApply(b, openTest(b, tempPath(b)))
}

// BenchmarkLoadViewers reads a channel of 100,000 viewers, as start-up
// does.
func BenchmarkLoadViewers(b *testing.B) {
	storetest.BenchViewers(b, openTest(b, tempPath(b)))
}

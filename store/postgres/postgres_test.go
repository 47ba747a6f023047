package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/store/migration"
	"github.com/hearthlive/hearth/store/storetest"
)

// baseURL returns the test server's URL. Without one, t is skipped on a
// developer's machine and fails under CI.
func baseURL(t testing.TB) string { return testenv.PostgresURL(t) }

// admin runs one statement outside any store.
func admin(t testing.TB, base, sql string, args ...any) { testenv.PostgresExec(t, base, sql, args...) }

// freshSchema gives each test a schema of its own.
func freshSchema(t testing.TB) (schemaURL, schema string) { return testenv.PostgresSchema(t) }

// openTest opens a store on url and closes it when t ends.
func openTest(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	baseURL(t)
	storetest.Run(t, func(t *testing.T) hearth.Store {
		u, _ := freshSchema(t)
		return openTest(t, u)
	})
}

func TestStoreReopen(t *testing.T) {
	baseURL(t)
	storetest.RunReopen(t, func(t *testing.T) func(t *testing.T) hearth.Store {
		u, _ := freshSchema(t)
		return func(t *testing.T) hearth.Store { return openTest(t, u) }
	})
}

func TestMigrationsRecorded(t *testing.T) {
	t.Parallel()
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	u, _ := freshSchema(t)
	db := openTest(t, u)
	db.Close()
	db = openTest(t, u)

	rows, err := db.pool.Query(context.Background(), `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	var versions []int
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if d := time.Since(at); d < -time.Minute || d > time.Minute {
			t.Errorf("version %d applied_at %v, want just now", v, at)
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
	t.Parallel()
	ctx := context.Background()
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) < 2 {
		t.Fatalf("%d migrations embedded, want at least 2", len(ms))
	}

	// The schema as a binary that knew only migration 1 left it.
	u, schema := freshSchema(t)
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatalf("pgxpool.New: %v", err)
	}
	err = applyMigrations(ctx, pool, ms[:1])
	pool.Close()
	if err != nil {
		t.Fatalf("apply migration 1: %v", err)
	}
	first, last := time.Date(2023, 1, 2, 3, 4, 5, 6_000, time.UTC), time.Date(2024, 2, 3, 4, 5, 6, 7_000, time.UTC)
	admin(t, baseURL(t), "INSERT INTO "+schema+".channels (name, overlay_token, created_at) VALUES ('alpha', 'token', now())")
	admin(t, baseURL(t), "INSERT INTO "+schema+`.viewers (channel, user_id, login, display_name, messages, points, first_seen, last_seen)
		VALUES ('alpha', '42', 'veteran', 'Veteran', 1234, 5678, $1, $2)`, first, last)

	db := openTest(t, u)
	var current int
	if err := db.pool.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&current); err != nil {
		t.Fatalf("query schema_migrations: %v", err)
	}
	if want := ms[len(ms)-1].Version; current != want {
		t.Errorf("schema version after Open = %d, want %d", current, want)
	}
	storetest.CheckUpgraded(t, db, first, last)
	var endedNull bool
	if err := db.pool.QueryRow(ctx, `SELECT ended_at IS NULL FROM streams WHERE channel = 'alpha' AND seq = 1`).Scan(&endedNull); err != nil {
		t.Fatalf("query streams: %v", err)
	}
	if !endedNull {
		t.Error("a live stream's ended_at is not NULL")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	known := ms[len(ms)-1].Version
	u, schema := freshSchema(t)
	openTest(t, u).Close()
	admin(t, baseURL(t), "INSERT INTO "+schema+".schema_migrations (version) VALUES ($1)", known+4)

	db, err := Open(context.Background(), u)
	if err == nil {
		db.Close()
		t.Fatal("Open of a database with a newer schema succeeded, want an error")
	}
	want := fmt.Sprintf("store: database schema is version %d but this hearth binary knows up to %d; upgrade hearth", known+4, known)
	if err.Error() != want {
		t.Errorf("Open error = %q, want %q", err, want)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	u, _ := freshSchema(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			db, err := Open(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
}

func TestOpenRequiresSchema(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(baseURL(t))
	if err != nil {
		t.Fatalf("parse HEARTH_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", "hearth_test_does_not_exist")
	u.RawQuery = q.Encode()
	db, err := Open(context.Background(), u.String())
	if err == nil {
		db.Close()
		t.Fatal("Open with a search_path naming no schema succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "create it first") {
		t.Errorf("Open error = %q, want it to say the schema must be created", err)
	}
}

func TestOpenRejectsBadURL(t *testing.T) {
	t.Parallel()
	db, err := Open(context.Background(), "postgres://%zz")
	if err == nil {
		db.Close()
		t.Fatal("Open of a malformed URL succeeded, want an error")
	}
}

// TestOpenErrorsHideSecrets checks that an error from Open shows the URL
// with its password and key file hidden, however pgx quotes them.
func TestOpenErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	keyDir := t.TempDir()
	tests := []struct {
		name, url string
		secrets   []string
	}{
		{"BadPort", "postgres://u:pw-secret@127.0.0.1:bad/db?sslkey=/keys/secret.pem&password=q-secret", []string{"pw-secret", "/keys/secret.pem", "q-secret"}},
		{"BadSSLMode", "postgres://u:pw-secret@127.0.0.1/db?sslmode=bogus&sslkey=/keys/secret.pem&sslpassword=kp-secret", []string{"pw-secret", "/keys/secret.pem", "kp-secret"}},
		{"UnreadableKey", "postgres://127.0.0.1/db?sslmode=require&sslcert=" + keyDir + "/c.pem&sslkey=" + keyDir + "/secret.pem", []string{keyDir + "/secret.pem"}},
		{"SlashInPassword", "postgres://u:pw/secret@127.0.0.1/db", []string{"pw/secret", "secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), tt.url)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.url)
			}
			for _, s := range tt.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("Open error %q shows the secret %q", err, s)
				}
			}
			if !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("Open error %q does not show the URL's host", err)
			}
		})
	}
}

func BenchmarkApply(b *testing.B) {
	u, _ := freshSchema(b)
	storetest.BenchApply(b, openTest(b, u))
}

// BenchmarkLoadViewers reads a channel of 100,000 viewers, as start-up
// does.
func BenchmarkLoadViewers(b *testing.B) {
	u, _ := freshSchema(b)
	storetest.BenchViewers(b, openTest(b, u))
}

package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresExec runs one statement on a connection of its own to base.
func PostgresExec(t testing.TB, base, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", base, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// PostgresSchema creates a schema with a random name on the test server,
// drops it when t ends, and returns a URL whose search_path selects it and
// the schema's name, so tests can run in parallel without seeing each
// other's tables.
func PostgresSchema(t testing.TB) (schemaURL, schema string) {
	t.Helper()
	base := PostgresURL(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("HEARTH_TEST_POSTGRES_URL must be a postgres:// URL, got %q", base)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = "hearth_test_" + hex.EncodeToString(b)
	PostgresExec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { PostgresExec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	// Tests run in parallel; keep well under the server's max_connections.
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// Package postgres implements hearth.Store on PostgreSQL through a pgx
// connection pool, for operators who outgrow one machine or already run
// PostgreSQL: it opens and migrates the database, and gives
// store/sqlstore, which holds the SQL both stores share, its PostgreSQL
// dialect.
//
// Open takes a PostgreSQL URL. A search_path parameter in it
// (postgres://host/db?search_path=hearth) selects the schema that Hearth's
// tables live in, so several deployments, or tests, can share one database;
// the schema must exist. pgxpool's own parameters (pool_max_conns and
// others) are honoured too.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/store/sqlstore"
)

// DB is a Hearth store in a PostgreSQL database. It is safe for concurrent
// use. Create it with Open and release it with Close.
type DB struct {
	// Store reads and writes: every method of hearth.Store but Ping
	// and Close.
	*sqlstore.Store

	pool    *pgxpool.Pool
	dialect dialect
}

// FenceWith makes every write whose context carries no fence carry
// fence(): an instance of a cluster gives the epochs of the leases it
// holds, so that a write of a channel's fenced rows made outside the
// engine's writer (an operator forgetting a channel, say) lands only on
// the instance holding the channel's lease.
func (db *DB) FenceWith(fence func() hearth.Fence) {
	db.dialect.fence.Store(&fence)
}

var _ hearth.Store = (*DB)(nil)

// Open connects to the PostgreSQL database at url and brings its schema up
// to date in one transaction, holding a lock so that instances starting
// together migrate one after the other. It fails if the database's schema
// is newer than this binary knows, so an old binary never writes to a
// database that a newer one has migrated.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to parse database URL %s: %s", redact.URL(url), parseReason(err, url))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to open database: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	d := dialect{pool: pool, fence: new(atomic.Pointer[func() hearth.Fence])}
	return &DB{Store: sqlstore.New(d), pool: pool, dialect: d}, nil
}

// parseReason is what pgx found wrong with url, without the copy of url
// that pgx quotes (it hides the password but not the key file) and with
// every secret of url hidden, since some reasons quote the key file's path.
func parseReason(err error, url string) string {
	msg := err.Error()
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		msg = pce.Error()
		// pgx writes "cannot parse `URL`: REASON"; a URL may hold "`: "
		// itself, so the last one ends it.
		if i := strings.LastIndex(msg, "`: "); strings.HasPrefix(msg, "cannot parse `") && i >= 0 {
			msg = msg[i+len("`: "):]
		} else if inner := pce.Unwrap(); inner != nil {
			msg = inner.Error()
		} else {
			msg = "not a PostgreSQL URL"
		}
	}
	return redact.Text(msg, url)
}

// Close waits for queries in flight and closes every connection. It is
// safe to call more than once.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers and accepts writes: a read-only
// server, such as a standby, fails it.
func (db *DB) Ping(ctx context.Context) error {
	var readOnly string
	if err := db.pool.QueryRow(ctx, `SELECT current_setting('transaction_read_only')`).Scan(&readOnly); err != nil {
		return fmt.Errorf("postgres: unable to ping: %w", err)
	}
	if readOnly != "off" {
		return errors.New("postgres: unable to ping: the database is read-only")
	}
	return nil
}

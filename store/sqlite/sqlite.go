// Package sqlite implements hearth.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go), the default store for a single instance:
// it opens and migrates the database, and gives store/sqlstore, which
// holds the SQL both stores share, its SQLite dialect.
//
// The database runs in WAL mode. Writes go through a single connection, so
// Apply calls queue in the process instead of contending for SQLite's write
// lock; reads use a separate pool of read-only connections that run beside
// the writer. Times are stored as Unix milliseconds, UTC.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlstore"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"
)

// pragmas are set on every pooled connection through the DSN. busy_timeout
// comes first so that the others wait for a lock instead of failing.
const pragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)"

// DB is a Hearth store in one SQLite file. It is safe for concurrent use.
// Create it with Open and release it with Close.
type DB struct {
	// Store reads and writes: every method of hearth.Store but Ping
	// and Close.
	*sqlstore.Store

	path  string
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // query_only connections

	closeOnce sync.Once
	closeErr  error
}

var _ hearth.Store = (*DB)(nil)

// Open opens the SQLite database at path (a filesystem path, created if
// missing) and brings its schema up to date in one transaction. It fails if
// the database's schema is newer than this binary knows, so an old binary
// never writes to a database that a newer one has migrated.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	// The writer keeps its temporary files in memory: each multi-row
	// upsert keeps a statement journal to undo itself should one row fail,
	// and in a file that journal cost a write system call per page, a
	// third of a flush. Its statements touch few rows each (upserts of at
	// most upsertViewers' rows, single deletes), so the memory is small;
	// readers, whose sorts can be large, keep theirs on disk.
	write, err := sql.Open("sqlite", dsn(path, "_txlock=immediate&_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	// The driver opens the file on first use: ping so that an unusable path
	// fails here, with an error that names it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: unable to open %s: %w", path, err)
	}
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("%w (database %s)", err, path)
	}

	read, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: unable to open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: unable to open %s: %w", path, err)
	}
	return &DB{Store: sqlstore.New(dialect{write: write, read: read}), path: path, write: write, read: read}, nil
}

// checkPath rejects what Open cannot treat as a plain database file.
func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("sqlite: unable to open database: empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file::memory:"):
		// Every pooled connection would get its own empty database.
		return errors.New("sqlite: unable to open database: in-memory databases are not supported, give a file path")
	case strings.ContainsRune(path, '?'):
		return fmt.Errorf("sqlite: unable to open %s: the path must not contain '?'", path)
	}
	return nil
}

// dsn returns the driver's data source name for path with the common
// pragmas and the given extra parameters.
func dsn(path, extra string) string {
	s := path + "?" + pragmas
	if extra != "" {
		s += "&" + extra
	}
	return s
}

// Close releases the database's connections. It is safe to call more than
// once; later calls return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closeErr = errors.Join(db.read.Close(), db.write.Close())
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("sqlite: unable to close: %w", db.closeErr)
		}
	})
	return db.closeErr
}

// Ping reports whether the database can be read and written: it takes and
// releases the write lock without changing anything.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: unable to ping: %w", err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: unable to ping: %w", err)
	}
	if err := tx.Rollback(); err != nil {
		return fmt.Errorf("sqlite: unable to ping: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to dest, a new file,
// while readers and writers carry on. It returns an ECONFLICT error if dest
// already exists, and never overwrites it. The copy is a complete SQLite
// database that Open accepts.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if dest == "" {
		return hearth.Errorf(hearth.EINVALID, "backup destination is empty")
	}
	if _, err := os.Lstat(dest); err == nil {
		return hearth.Errorf(hearth.ECONFLICT, "backup destination %s already exists", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: unable to back up to %s: %w", dest, err)
	}

	// A connection of its own: the reader pool is query_only, which VACUUM
	// INTO refuses, and the writer must stay free for Apply. VACUUM INTO
	// reads from one snapshot, which WAL keeps while writers commit.
	src, err := sql.Open("sqlite", dsn(db.path, ""))
	if err != nil {
		return fmt.Errorf("sqlite: unable to back up to %s: %w", dest, err)
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("sqlite: unable to back up to %s: %w", dest, err)
	}
	return nil
}

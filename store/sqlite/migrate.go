package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/hearthlive/hearth/store/migration"
)

// migrationFiles holds the schema, one file per version, named
// NNN_description.sql and numbered from 1 without gaps.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate brings the schema up to date in one transaction and records each
// applied version in schema_migrations. It refuses a database whose schema
// is newer than the embedded migrations.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: unable to load migrations: %w", err)
	}
	return applyMigrations(ctx, db, ms)
}

// applyMigrations brings the schema up to the last of ms, which must be the
// first len(ms) migrations in order. Tests pass a prefix to build a database
// as an older binary left it.
func applyMigrations(ctx context.Context, db *sql.DB, ms []migration.Migration) error {
	known := ms[len(ms)-1].Version

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: unable to migrate: %w", err)
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: unable to migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: unable to migrate: %w", err)
	}
	if err := migration.CheckNotNewer(current, known); err != nil {
		return err
	}
	for _, m := range ms[current:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: unable to apply migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("sqlite: unable to record migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: unable to migrate: %w", err)
	}
	return nil
}

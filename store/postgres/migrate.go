package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

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
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migration.Load(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: unable to load migrations: %w", err)
	}
	return applyMigrations(ctx, pool, ms)
}

// applyMigrations brings the schema up to the last of ms, which must be the
// first len(ms) migrations in order. Tests pass a prefix to build a database
// as an older binary left it.
func applyMigrations(ctx context.Context, pool *pgxpool.Pool, ms []migration.Migration) error {
	known := ms[len(ms)-1].Version

	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: unable to migrate: %w", err)
	}
	defer tx.Rollback(ctx)

	var schema *string
	var searchPath string
	if err := tx.QueryRow(ctx, `SELECT current_schema(), current_setting('search_path')`).Scan(&schema, &searchPath); err != nil {
		return fmt.Errorf("postgres: unable to migrate: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("postgres: unable to migrate: no schema in the search_path %q exists; create it first", searchPath)
	}
	// Instances starting together would race to create the same tables.
	// The lock is per schema, so deployments (and tests) that live in
	// different schemas of one database do not wait for each other.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hearth.migrate.' || $1))`, *schema); err != nil {
		return fmt.Errorf("postgres: unable to lock for migration: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER     NOT NULL PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: unable to migrate: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: unable to migrate: %w", err)
	}
	if err := migration.CheckNotNewer(current, known); err != nil {
		return err
	}
	for _, m := range ms[current:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: unable to apply migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
			return fmt.Errorf("postgres: unable to record migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: unable to migrate: %w", err)
	}
	return nil
}

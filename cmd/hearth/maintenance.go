package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
)

// runBackup copies a SQLite database while Hearth may be writing to it.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("backup", "backup [--db sqlite:///path/hearth.db] FILE", stderr)
	load := configFlags(fs, "database_url")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup needs exactly one destination FILE")
	}
	var cfg Config
	if err := load(&cfg, getenv); err != nil {
		return err
	}
	if isPostgres(cfg.DatabaseURL) {
		return fmt.Errorf("backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)")
	}
	if err := mustExist(cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, sqlitePath(cfg.DatabaseURL))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", sqlitePath(cfg.DatabaseURL), fs.Arg(0))
	return nil
}

// runForget deletes one viewer's data from a channel. It works on the
// database directly: with Hearth running, use the API instead, or the
// running service may write the viewer back from memory.
func runForget(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("forget", "forget --channel NAME --user LOGIN [--db URL]", stderr)
	load := configFlags(fs, "database_url")
	channel := fs.String("channel", "", "the channel (required)")
	user := fs.String("user", "", "the viewer's login (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg Config
	if err := load(&cfg, getenv); err != nil {
		return err
	}
	ch := hearth.NormalizeChannel(*channel)
	login := hearth.NormalizeChannel(*user) // a login has a channel name's shape
	if ch == "" || login == "" {
		fs.Usage()
		return fmt.Errorf("--channel and --user are required Twitch logins, got %q and %q", *channel, *user)
	}
	if err := mustExist(cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.ViewerByLogin(ctx, ch, login)
	if err != nil {
		return fmt.Errorf("#%s has no viewer %s: %w", ch, login, err)
	}
	if err := db.Apply(ctx, hearth.Batch{Forget: []hearth.ViewerKey{v.Key()}}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "forgot %s (user id %s) in #%s: %d messages, %d points deleted\n", v.Login, v.UserID, ch, v.Messages, v.Points)
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/store/sqlite"
)

// runBackup copies a SQLite database while Hearth may be writing to it.
func runBackup(ctx context.Context, inv *invocation) error {
	cfg, dest := inv.cfg, inv.args[0]
	if isPostgres(cfg.DatabaseURL) {
		return fmt.Errorf("backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md)")
	}
	if err := mustExist(cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, sqlitePath(cfg.DatabaseURL))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(inv.stdout, "backed up %s to %s\n", sqlitePath(cfg.DatabaseURL), dest)
	return nil
}

// forgetCommand registers forget's own flags.
func forgetCommand(fs *flag.FlagSet) runFunc {
	channel := fs.String("channel", "", "the channel (required)")
	user := fs.String("user", "", "the viewer's login (required)")
	return func(ctx context.Context, inv *invocation) error { return runForget(ctx, inv, *channel, *user) }
}

// runForget deletes one viewer's data from a channel. It works on the
// database directly: with Hearth running, use the API instead, or the
// running service may write the viewer back from memory.
func runForget(ctx context.Context, inv *invocation, channel, user string) error {
	cfg := inv.cfg
	ch := hearth.NormalizeChannel(channel)
	login := hearth.NormalizeChannel(strings.TrimPrefix(strings.TrimSpace(user), "@")) // a login has a channel name's shape
	if ch == "" || login == "" {
		return &usageError{path: "forget", msg: fmt.Sprintf("--channel and --user are required Twitch logins, got %q and %q", channel, user)}
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
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return fmt.Errorf("#%s has no viewer %s in %s", ch, login, redact.URL(cfg.DatabaseURL))
	}
	if err != nil {
		return err
	}
	if err := db.Apply(ctx, hearth.Batch{Forget: []hearth.ViewerKey{v.Key()}}); err != nil {
		return err
	}
	fmt.Fprintf(inv.stdout, "forgot %s (user id %s) in #%s: %d messages, %d points deleted\n", v.Login, v.UserID, ch, v.Messages, v.Points)
	return nil
}
